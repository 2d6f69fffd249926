"""Block Kit for pledges: the confirmation, the DM reminder, the settled saving, the Home tab."""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from bot.blocks import CANCEL_ACTION, escape
from flexcalc.engagement import Saving, basis_note, kg_text, money, saving_text
from flexcalc.tariffs.families import tariff_name
from flexcalc.timeslots import fmt_span, fmt_time
from flexcalc.tips import TipChoice


class PledgeInfo(Protocol):
    """What these blocks read from a pledge (``bot.engagement.pledges.PledgeInfo`` has it)."""

    id: int
    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    baseline_start: pd.Timestamp
    kwh: float
    reminder: str
    saved_gbp: float | None
    saved_kg: float | None
    carbon_basis: str

    @property
    def baseline_end(self) -> pd.Timestamp: ...


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def cancel_button(pledge: PledgeInfo, text: str = "Cancel my pledge") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": CANCEL_ACTION,
        "text": {"type": "plain_text", "text": text},
        "value": str(pledge.id),
    }


def _what(pledge: PledgeInfo) -> str:
    """``charge your EV`` / ``run your 2 h load``."""
    return pledge.label.removeprefix("I'll ").removesuffix(" then").replace("my ", "your ")


def forecast_text(expected: Saving) -> str:
    """``you should save about 0.82 kgCO2 and £4.45`` (the real figure comes later)."""
    return saving_text(expected.kg_co2, expected.gbp).replace("you saved", "you should save about")


def confirmation(
    pledge: PledgeInfo, expected: Saving | None, created: bool, tip: TipChoice | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """What the user sees after pressing "I'll do it"."""
    when = fmt_span(pledge.start, pledge.end)
    head = "Thank you!" if created else "You've already pledged this one."
    instead = fmt_span(pledge.baseline_start, pledge.baseline_end)
    text = f"{head} You'll {_what(pledge)} {when} (UK time), instead of {instead}."
    lines = [f"*{escape(text)}*"]
    if expected is not None and (expected.kg_co2 is not None or expected.gbp is not None):
        lines.append(
            f"Forecast: {escape(forecast_text(expected))} on {pledge.kwh:g} "
            "kWh. I'll work out the real saving from the actual prices and carbon afterwards."
        )
    if pledge.reminder == "scheduled":
        lines.append(f"I'll DM you a reminder at {fmt_time(pledge.start)}.")
    elif pledge.reminder == "posted":
        lines.append("It starts now — I've sent you a reminder.")
    block_list = [
        _section("\n".join(lines)),
        {"type": "actions", "block_id": "flex_pledge", "elements": [cancel_button(pledge)]},
        _context(f"Counted as {pledge.kwh:g} kWh. See the team's impact with `/flex impact`."),
    ]
    if tip is not None:
        block_list.append(_context(escape(f"Another idea for today — {tip.text}")))
    return text, block_list


def reminder(pledge: PledgeInfo) -> tuple[str, list[dict[str, Any]]]:
    """The DM at the window start."""
    when = fmt_span(pledge.start, pledge.end)
    text = f"It's time: you pledged to {_what(pledge)} now ({when} UK time)."
    return text, [
        _section(
            f"*{escape(text)}*\nThank you for shifting {pledge.kwh:g} kWh to a cleaner, "
            "cheaper time. I'll tell you what it saved once the window is over."
        ),
        {
            "type": "actions",
            "block_id": "flex_pledge_reminder",
            "elements": [cancel_button(pledge, "I can't this time")],
        },
    ]


def settled(pledge: PledgeInfo) -> tuple[str, list[dict[str, Any]]]:
    """The DM after the window: the real saving."""
    when = fmt_span(pledge.start, pledge.end)
    result = saving_text(pledge.saved_kg, pledge.saved_gbp)
    text = f"Your pledge for {when}: {result}."
    detail = (
        f"{pledge.kwh:g} kWh at {when} instead of "
        f"{fmt_span(pledge.baseline_start, pledge.baseline_end)}, measured with the real "
        f"{tariff_name()} prices; {basis_note(pledge.carbon_basis)}."
    )
    return text, [_section(f"*{escape(text[0].upper() + text[1:])}*"), _context(escape(detail))]


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def home_section(
    upcoming: list[PledgeInfo], kg: float, gbp: float, kept: int
) -> list[dict[str, Any]]:
    """The Home tab's pledges part: totals and upcoming pledges with Cancel buttons."""
    out: list[dict[str, Any]] = [{"type": "divider"}]
    summary = "*Your pledges*"
    if kept:
        summary += f" — {kept} kept so far: {kg_text(kg)} avoided and {money(gbp)} saved."
    out.append(_section(summary))
    if not upcoming:
        out.append(
            _context(
                "No upcoming pledges. Press \u201cI'll do it\u201d on a best-slot "
                "answer or a daily alert."
            )
        )
    for pledge in upcoming[:10]:
        out.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{_first_up(escape(_what(pledge)))} · "
                    f"{fmt_span(pledge.start, pledge.end)} · {pledge.kwh:g} kWh",
                },
                "accessory": cancel_button(pledge, "Cancel"),
            }
        )
    return out
