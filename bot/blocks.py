"""Pure Block Kit rendering of a ``flexcalc.reply.Reply`` (slack_sdk models; no computation).

Slack's limits are respected here: header 150 chars, section text 3000, 10 fields per section,
10 context elements, 25 buttons, button values 2000 chars.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.security import escaping
from flexcalc.reply import Reply, Table

RUN_ACTION = "flex_run"  # button runs a command (value = command line); ids get a suffix
SHARE_ACTION = "flex_share"  # button reposts a saved answer in channel (value = token)
QUICK_ACTION = "flex_quick"  # Home tab quick buttons (value = command line)
PLEDGE_ACTION = "flex_pledge"  # "I'll do it" buttons (value = encoded pledge); ids get a suffix
CANCEL_ACTION = "flex_pledge_cancel"  # Home tab "Cancel" under a pledge (value = the pledge id)
QUICK_DURATIONS = ("1h", "2h", "4h")

_SECTION_LIMIT = 3000
_TABLE_ROWS = 24


def escape(text: str, mentions: Iterable[str] = ()) -> str:
    """Escape the three characters Slack mrkdwn treats specially (``bot.security.escaping``);
    ``<@ID>`` stays a mention only for the ids in ``mentions`` (``Reply.data["mentions"]``)."""
    return escaping.slack(text, mentions)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_text(table: Table, max_rows: int = _TABLE_ROWS) -> str:
    """A monospaced table (code block) that fits in one section."""
    rows = table.rows[:max_rows]
    widths = [len(c) for c in table.columns]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    body = [line(table.columns), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    more = len(table.rows) - len(rows)
    if more > 0:
        body.append(f"… and {more} more rows")
    text = "```" + escape("\n".join(body)) + "```"
    if table.title:
        text = f"*{escape(table.title)}*\n" + text
    return _cut(text, _SECTION_LIMIT)


def slack_command(words: str) -> str:
    """A command hint as Slack users type it."""
    return f"`/flex {words}`"


def slack_mention(user_id: str) -> str:
    return f"<@{user_id}>"


def for_slack(reply: Reply) -> Reply:
    """The reply with its neutral hints rendered for Slack (``/flex …``, ``<@U…>``)."""
    return reply.with_hints(slack_command, slack_mention)


def reply_text(reply: Reply) -> str:
    """The plain fallback text (notifications, screen readers)."""
    reply = for_slack(reply)
    text = f"{reply.title}: {reply.summary}" if reply.summary else reply.title
    return _cut(escape(text), 3000)  # notifications parse <!channel> too


def reply_blocks(
    reply: Reply,
    *,
    chart_url: str | None = None,
    share_token: str | None = None,
    extra_notes: list[str] | None = None,
    with_buttons: bool = True,
) -> list[Block]:
    """The message for one answer.

    ``chart_url``: an image block (public chart link); ``share_token``: adds "Share to channel";
    ``extra_notes``: front-end notes (e.g. where the chart went); ``with_buttons=False`` for the
    copy reposted in channel.
    """
    reply = for_slack(reply)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=_cut(reply.title, 150)))]
    if reply.summary:
        summary = escape(reply.summary, reply.data.get("mentions", ()))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_cut(summary, 3000))))
    for start in range(0, len(reply.fields), 10):
        chunk = reply.fields[start : start + 10]
        blocks.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=_cut(f"*{escape(f.label)}*\n{escape(f.value)}", 2000))
                    for f in chunk
                ]
            )
        )
    if reply.table and reply.table.rows:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=table_text(reply.table))))
    if chart_url:
        alt = reply.chart_alt or reply.title
        blocks.append(ImageBlock(image_url=chart_url, alt_text=_cut(alt, 2000)))
    notes = [*reply.notes, *(extra_notes or [])]
    if notes:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=_cut(escape(n), 2000)) for n in notes[:10]]
            )
        )
    if with_buttons:
        buttons = action_buttons(reply, share_token)
        if buttons:
            blocks.append(ActionsBlock(block_id="flex_actions", elements=buttons[:25]))
    return blocks


def action_buttons(reply: Reply, share_token: str | None) -> list[ButtonElement]:
    """Follow-up commands from the reply, plus "Share to channel" when the answer is saved."""
    buttons: list[ButtonElement] = []
    for index, action in enumerate(reply.actions):
        if action.kind == "share" and share_token:
            continue  # added below with the saved answer's token
        if action.kind == "share" or not action.command:
            continue
        if action.kind == "pledge":
            buttons.append(pledge_button(action.label, action.command, index))
            continue
        buttons.append(
            ButtonElement(
                text=_cut(action.label, 75),
                action_id=f"{RUN_ACTION}_{index}",
                value=_cut(action.command, 2000),
            )
        )
    if share_token:
        buttons.append(
            ButtonElement(
                text="Share to channel",
                action_id=SHARE_ACTION,
                value=share_token,
                style="primary",
            )
        )
    return buttons


def pledge_button(label: str, value: str, index: int) -> ButtonElement:
    """An "I'll do it" button (handled by ``bot.listeners.engagement``)."""
    return ButtonElement(
        text=_cut(label, 75), action_id=f"{PLEDGE_ACTION}_{index}", value=_cut(value, 2000)
    )


def shared_context(user_id: str | None, command: str) -> Block:
    """The line under a reposted answer: who shared it and the command."""
    who = f"<@{user_id}>" if user_id else "Someone"
    return ContextBlock(
        elements=[MarkdownTextObject(text=f"Shared by {who} · `{escape(command)}`")]
    )


def quick_buttons() -> ActionsBlock:
    return ActionsBlock(
        block_id="flex_quick",
        elements=[
            ButtonElement(
                text=f"Best {d[:-1]} h", action_id=f"{QUICK_ACTION}_{d}", value=f"bestslot {d}"
            )
            for d in QUICK_DURATIONS
        ],
    )


def home_view(region_label: str, greener: Reply | None) -> View:
    """The Home tab: the user's region, the next greener window and the quick buttons."""
    blocks: list[Block] = [
        HeaderBlock(text="Flexcalc: when to use electricity"),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Your region:* {escape(region_label)}\n"
                "Change it with `/flex region NG1` (a letter, name, postcode or MPAN)."
            )
        ),
        DividerBlock(),
    ]
    if greener is not None:
        lines = [f"*Next greener window* — {escape(greener.title)}"]
        if greener.summary:
            lines.append(escape(greener.summary))
        lines += [f"• {escape(f.label)}: {escape(f.value)}" for f in greener.fields[:4]]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_cut("\n".join(lines), 3000))))
        if greener.notes:
            blocks.append(
                ContextBlock(
                    elements=[
                        MarkdownTextObject(text=_cut(escape(n), 2000)) for n in greener.notes[:10]
                    ]
                )
            )
    else:
        unavailable = "*Next greener window* — the forecast isn't available right now."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=unavailable)))
    blocks += [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Quick answers* — the best time in the next day for a job of:"
            )
        ),
        quick_buttons(),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Try `/bestslot 4h by 07:00 for both at 7 kW`, `/carbon`, `/prices`, "
                    "or `/flex help`."
                )
            ]
        ),
    ]
    return View(type="home", blocks=blocks)


def as_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]
