"""Pure Adaptive Card 1.5 rendering of a ``flexcalc.reply.Reply`` for Microsoft Teams.

One card shape for every Teams path (Workflows webhook posts, outgoing-webhook replies): a
headline, the summary, a FactSet of the reply's fields, a Table of its rows, the chart as an
Image *by URL* (never base64) with a link to the full chart, and the notes in small subtle text.
Only ``Action.OpenUrl`` is used: outgoing webhooks and Workflows-posted cards support no other.
Teams refuses messages over about 28 KB, so ``reply_card`` shrinks the table until it fits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.security import escaping
from flexcalc.reply import Reply, Table

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_MESSAGE_BYTES = 28 * 1024  # Teams' limit for a whole message (card + wrapper)
SIZE_BUDGET = 26 * 1024  # what we aim for, leaving room for Teams' own envelope
MAX_TABLE_ROWS = 24
MAX_NOTES = 8
MAX_TEXT = 2000

# Element and action types defined by the Adaptive Cards 1.5 schema that these cards may use.
ELEMENT_TYPES = frozenset(
    {
        "TextBlock",
        "Image",
        "FactSet",
        "Container",
        "ColumnSet",
        "Column",
        "ActionSet",
        "Table",
        "TableRow",
        "TableCell",
        "RichTextBlock",
        "TextRun",
        "ImageSet",
    }
)
ACTION_TYPES = frozenset({"Action.OpenUrl"})

_SLACK_BOLD = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`\n]*)`")


def markdown(text: str) -> str:
    """The Reply's light Slack-style markup as Adaptive Card markdown (``*b*`` -> ``**b**``,
    backticks dropped: TextBlock has no inline code)."""
    return _CODE.sub(r"\1", _SLACK_BOLD.sub(r"**\1**", text))


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_block(text: str, **style: Any) -> dict[str, Any]:
    """A wrapping TextBlock (``style`` adds size, weight, isSubtle, color, spacing…)."""
    return {"type": "TextBlock", "text": _cut(escaping.teams(text)), "wrap": True, **style}


def fact_set(reply: Reply) -> dict[str, Any]:
    return {
        "type": "FactSet",
        "facts": [
            {
                "title": _cut(escaping.teams(f.label), 200),
                "value": _cut(escaping.teams(f.value), 500),
            }
            for f in reply.fields
        ],
    }


def _cell(text: str, header: bool) -> dict[str, Any]:
    style = {"weight": "Bolder"} if header else {}
    return {
        "type": "TableCell",
        "items": [text_block(_cut(text or " ", 300), size="Small", **style)],
    }


def table_element(table: Table, max_rows: int = MAX_TABLE_ROWS) -> dict[str, Any]:
    """An Adaptive Card 1.5 ``Table`` (header row first); column widths follow content length."""
    shown = table.rows[:max_rows]
    count = len(table.columns)
    widths = [max(1, len(c)) for c in table.columns]
    for row in shown:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    rows = [{"type": "TableRow", "cells": [_cell(c, True) for c in table.columns]}]
    for row in shown:
        cells = (list(row) + [""] * count)[:count]
        rows.append({"type": "TableRow", "cells": [_cell(c, False) for c in cells]})
    return {
        "type": "Table",
        "gridStyle": "accent",
        "firstRowAsHeader": True,
        "showGridLines": True,
        "columns": [{"width": w} for w in widths],
        "rows": rows,
    }


def teams_command(words: str) -> str:
    """A command hint as Teams users type it (mentioning the bot)."""
    return f"@Flexcalc {words}"


def for_teams(reply: Reply) -> Reply:
    """The reply with its neutral hints rendered for Teams."""
    return reply.with_hints(teams_command)


def _follow_ups(reply: Reply) -> str:
    commands = [a.command for a in reply.actions if a.kind == "command" and a.command]
    return "More: " + " · ".join(teams_command(c) for c in commands[:4]) if commands else ""


def reply_card(
    reply: Reply,
    *,
    chart_url: str | None = None,
    extra_notes: list[str] | None = None,
    max_table_rows: int = MAX_TABLE_ROWS,
    follow_ups: bool = True,
) -> dict[str, Any]:
    """The Adaptive Card 1.5 (a dict) for one answer; fits Teams' size limit in its wrapper.

    ``chart_url``: a public PNG link (``PUBLIC_BASE_URL/charts/<token>.png``) shown as an Image
    and as an "Open full chart" link; the PNG bytes are never embedded.
    """
    reply = for_teams(reply)
    rows = max_table_rows
    while True:
        card = _build(reply, chart_url, extra_notes or [], rows, follow_ups)
        if message_size(message(card)) <= SIZE_BUDGET or rows == 0:
            break
        rows //= 2
    if message_size(message(card)) > SIZE_BUDGET:  # long prose: keep the essentials only
        short = Reply(
            title=reply.title,
            summary=_cut(reply.summary, 1500),
            fields=reply.fields[:10],
            notes=reply.notes[:2],
            is_error=reply.is_error,
        )
        card = _build(short, chart_url, [], 0, False)
    return card


def _build(
    reply: Reply, chart_url: str | None, extra: list[str], rows: int, follow_ups: bool
) -> dict[str, Any]:
    title_style = {"color": "Attention"} if reply.is_error else {}
    body: list[dict[str, Any]] = [
        text_block(
            _cut(reply.title, 300), size="Large", weight="Bolder", style="heading", **title_style
        )
    ]
    if reply.summary:
        body.append(text_block(markdown(reply.summary), spacing="Small"))
    if reply.fields:
        body.append(fact_set(reply))
    if reply.table and reply.table.rows and rows > 0:
        if reply.table.title:
            body.append(text_block(reply.table.title, weight="Bolder", spacing="Medium"))
        body.append(table_element(reply.table, rows))
        more = len(reply.table.rows) - rows
        if more > 0:
            body.append(text_block(f"… and {more} more rows", size="Small", isSubtle=True))
    actions: list[dict[str, Any]] = []
    if chart_url and not reply.is_error:
        alt = _cut(reply.chart_alt or reply.title, 300)
        body.append(
            {
                "type": "Image",
                "url": chart_url,
                "altText": alt,
                "size": "Stretch",
                "spacing": "Medium",
                "selectAction": {"type": "Action.OpenUrl", "url": chart_url, "title": alt},
            }
        )
        actions.append({"type": "Action.OpenUrl", "title": "Open full chart", "url": chart_url})
    notes = [*reply.notes[:MAX_NOTES], *extra]
    if follow_ups and (hint := _follow_ups(reply)):
        notes.append(hint)
    for index, note in enumerate(notes):
        spacing = "Medium" if index == 0 else "None"
        body.append(text_block(markdown(note), size="Small", isSubtle=True, spacing=spacing))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def message(card: dict[str, Any]) -> dict[str, Any]:
    """The message wrapper that Workflows webhooks and outgoing-webhook replies carry."""
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def text_message(text: str) -> dict[str, Any]:
    """A plain-text outgoing-webhook reply (no card)."""
    return {"type": "message", "text": escaping.teams_plain(text)}


def message_size(payload: dict[str, Any]) -> int:
    """Bytes of ``payload`` as sent (compact UTF-8 JSON)."""
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())


def walk_types(card: dict[str, Any]) -> list[str]:
    """Every ``type`` in the card body and actions (elements, table parts, actions)."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("type"), str):
                found.append(node["type"])
            for key, value in node.items():
                if key != "type":
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(card.get("body", []))
    visit(card.get("actions", []))
    return found


def problems(card: dict[str, Any]) -> list[str]:
    """Schema rules that matter to Teams, as readable problems (empty: the card is fine)."""
    out: list[str] = []
    if card.get("type") != "AdaptiveCard":
        out.append("type must be AdaptiveCard")
    if card.get("version") != CARD_VERSION:
        out.append(f"version must be {CARD_VERSION}")
    for kind in walk_types(card):
        if kind not in ELEMENT_TYPES and kind not in ACTION_TYPES:
            out.append(f"element type {kind!r} is not allowed")
    raw = json.dumps(card)
    if "data:image" in raw or ";base64," in raw:
        out.append("images must be links, never base64")
    size = message_size(message(card))
    if size > MAX_MESSAGE_BYTES:
        out.append(f"message is {size} bytes, over {MAX_MESSAGE_BYTES}")
    return out
