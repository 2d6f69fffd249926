"""Team impact: aggregating settled pledges, the leaderboard and the ``impact`` reply."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from flexcalc.commands import units
from flexcalc.engagement.savings import kg_text, money
from flexcalc.reply import Action, Field, Reply, command_hint, mention_hint
from flexcalc.tariffs.families import tariff_name
from flexcalc.timeslots import LONDON, utc


@dataclass(frozen=True)
class Outcome:
    """One settled pledge, as the impact figures see it."""

    user_id: str
    start: pd.Timestamp  # window start, UTC
    kwh: float
    gbp: float | None
    kg_co2: float | None
    channel_id: str = ""


@dataclass(frozen=True)
class Impact:
    kwh: float
    kg_co2: float
    gbp: float
    participants: int
    pledges: int


def impact_totals(outcomes: Iterable[Outcome]) -> Impact:
    """kWh shifted, kgCO2 avoided, £ saved, distinct people and pledges (unknowns count 0)."""
    items = list(outcomes)
    return Impact(
        kwh=sum(o.kwh for o in items),
        kg_co2=sum(o.kg_co2 or 0.0 for o in items),
        gbp=sum(o.gbp or 0.0 for o in items),
        participants=len({o.user_id for o in items}),
        pledges=len(items),
    )


def _frame_of(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user": [o.user_id for o in outcomes],
            "start": pd.DatetimeIndex([utc(o.start) for o in outcomes]),
            "kwh": [o.kwh for o in outcomes],
            "kg": [o.kg_co2 or 0.0 for o in outcomes],
            "gbp": [o.gbp or 0.0 for o in outcomes],
        }
    )


def impact_by_period(outcomes: Sequence[Outcome], freq: str = "D") -> pd.DataFrame:
    """Totals per UK-time day (``D``), week from Monday (``W``) or month (``M``): columns kwh,
    kg, gbp, participants, pledges; indexed by the period's first local date; empty periods 0."""
    columns = ["kwh", "kg", "gbp", "participants", "pledges"]
    if not outcomes:
        return pd.DataFrame(columns=columns, dtype=float)
    frame = _frame_of(outcomes)
    local = frame["start"].dt.tz_convert(LONDON).dt.tz_localize(None).dt.normalize()
    if freq == "W":
        local = local - pd.to_timedelta(local.dt.day_of_week, unit="D")
        step = "7D"
    elif freq == "M":
        local = local.dt.to_period("M").dt.to_timestamp()
        step = "MS"
    else:
        step = "D"
    frame["period"] = local
    grouped = frame.groupby("period")
    table = grouped[["kwh", "kg", "gbp"]].sum()
    table["participants"] = grouped["user"].nunique()
    table["pledges"] = grouped.size()
    full = pd.date_range(table.index.min(), table.index.max(), freq=step)
    return table.reindex(full, fill_value=0)[columns]


@dataclass(frozen=True)
class Leader:
    user_id: str
    kg_co2: float
    gbp: float
    kwh: float
    pledges: int


def leaderboard(
    outcomes: Sequence[Outcome], hidden: Iterable[str] = (), top: int = 5
) -> tuple[list[Leader], int]:
    """The top people by kgCO2 avoided (then £, then pledges), leaving out anyone who opted out;
    returns (leaders, number of people with pledges who are hidden)."""
    hidden_set = set(hidden)
    people: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        people.setdefault(outcome.user_id, []).append(outcome)
    leaders = [
        Leader(user, t.kg_co2, t.gbp, t.kwh, t.pledges)
        for user, items in people.items()
        if user not in hidden_set
        for t in [impact_totals(items)]
    ]
    leaders.sort(key=lambda x: (-x.kg_co2, -x.gbp, -x.pledges, x.user_id))
    return leaders[:top], len(set(people) & hidden_set)


# --------------------------------------------------------------------------- impact reply

# Every impact figure says its baseline: the time each pledge replaced.
BASELINE_TEXT = (
    "each pledge's usual time: starting when asked, the time given with `usually`, or the "
    "daily alert's time for pledges made from an alert"
)
BASELINE_WORDS = "compared with each pledge's usual time"
VERSUS = "vs usual time"
PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}
SCOPE_LABELS = {"me": "You", "channel": "This channel", "team": "The whole workspace"}


def period_start(period: str, now: pd.Timestamp) -> pd.Timestamp | None:
    """UTC start of ``week`` (last 7 days), ``month`` (last 30) or None for ``all``."""
    span = PERIODS[period]
    return None if span is None else utc(now) - pd.Timedelta(span)


def impact_reply(
    outcomes: Sequence[Outcome],
    *,
    scope: str,
    period: str,
    hidden: Iterable[str] = (),
    viewer_hidden: bool = False,
    pending: int = 0,
    charts: bool = True,
) -> Reply:
    """The ``impact`` answer: totals, a chart over time and a friendly leaderboard (opt-outs left
    out). ``outcomes`` are already limited to the scope and period; ``pending`` counts pledges
    whose window hasn't finished or whose data isn't in yet."""
    who = SCOPE_LABELS.get(scope, "This workspace")
    when = {"week": "in the last 7 days", "month": "in the last 30 days"}.get(period, "so far")
    totals = impact_totals(outcomes)
    title = f"Flexibility impact — {who.lower() if scope != 'me' else 'you'}, {when}"
    if not outcomes:
        summary = "No kept pledges yet." if period == "all" else f"No kept pledges {when} yet."
        if pending:
            summary += f" {pending} pledge(s) will be counted once their window has passed."
        summary += " Press \u201cI'll do it\u201d on a best-slot answer or a daily alert to start."
        return Reply(
            title=title,
            summary=summary,
            actions=[Action("Best 2 h", "bestslot 2h")],
            data={"command": "impact", "scope": scope, "period": period, "pledges": 0},
        )
    subject = "You" if scope == "me" else who
    summary = (
        f"{subject} shifted {totals.kwh:,.1f} kWh into cleaner, cheaper times {when}: "
        f"{kg_text(totals.kg_co2)} avoided and {money(totals.gbp)} saved"
        f"{' (net cost)' if totals.gbp < 0 else ''} {BASELINE_WORDS}"
        + (f", by {people_text(totals.participants)}." if scope != "me" else ".")
    )
    fields = [
        Field("kWh shifted", f"{totals.kwh:,.1f} kWh"),
        Field(f"CO2 avoided ({VERSUS})", f"{totals.kg_co2:,.2f} kgCO2"),
        Field(f"Money saved ({VERSUS})", units.gbp(totals.gbp)),
        Field("Kept pledges", str(totals.pledges)),
    ]
    if scope != "me":
        fields.append(Field("People taking part", str(totals.participants)))
    notes = [
        f"Savings are measured after each window from the real {tariff_name()} prices and the "
        f"grid's actual carbon intensity, against {BASELINE_TEXT} (never the day's worst time, "
        "which nobody would have used)."
    ]
    if pending:
        notes.append(f"{pending} more pledge(s) will be counted once their window has passed.")
    if scope != "me":
        leaders, hidden_count = leaderboard(outcomes, hidden)
        if leaders:  # in the summary, not a table: chat apps render mentions there
            summary += "\nThank you to:\n" + "\n".join(
                f"{i}. {mention_hint(x.user_id)} — {kg_text(x.kg_co2)}, {money(x.gbp)} "
                f"({x.pledges} pledge{'s' if x.pledges != 1 else ''})"
                for i, x in enumerate(leaders, 1)
            )
        if hidden_count:
            notes.append(
                f"{hidden_count} more {'person is' if hidden_count == 1 else 'people are'}"
                " not listed (the leaderboard is opt-in); their savings are in the totals."
            )
        notes.append(
            f"Want your name listed? {command_hint('impact show me')} "
            f"({command_hint('impact hide me')} to undo)."
        )
    elif viewer_hidden:
        notes.append(
            f"You're not on the team leaderboard ({command_hint('impact show me')} to join)."
        )
    freq = "D" if period in ("week", "month") else "W"
    by_period = impact_by_period(outcomes, freq)
    chart = impact_chart(by_period, title, freq) if charts else None
    return Reply(
        title=title,
        summary=summary,
        fields=fields,
        chart_png=chart,
        chart_alt=f"kgCO2 avoided and £ saved per {'day' if freq == 'D' else 'week'}",
        notes=notes,
        actions=[Action("Share to channel", "", kind="share")],
        data={
            "command": "impact",
            "scope": scope,
            "mentions": [x.user_id for x in leaders] if scope != "me" else [],
            "period": period,
            "kwh": totals.kwh,
            "kg_co2": totals.kg_co2,
            "gbp": totals.gbp,
            "participants": totals.participants,
            "pledges": totals.pledges,
            "pending": pending,
        },
    )


def impact_chart(by_period: pd.DataFrame, title: str, freq: str) -> bytes:
    """Bars of kgCO2 avoided per period with £ saved as a line (Figure + Agg, no pyplot)."""
    # lazy: charts load matplotlib, which the ack-only web process never needs
    from flexcalc.charts.impact import impact_png

    return impact_png(by_period, title, "day" if freq == "D" else "week")


def people_text(count: int) -> str:
    """``1 person`` / ``3 people``."""
    return f"{count} {'person' if count == 1 else 'people'}"
