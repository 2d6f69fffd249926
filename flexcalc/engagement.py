"""Pledges, what they really saved, team impact and the weekly leadership digest (pure, no I/O).

- ``PledgeOffer``: what an "I'll do it" button carries (window, the baseline it replaces, kWh).
- ``pledge_saving``: the saving of a kept pledge from the *real* outcome: Agile prices and the
  actual carbon intensity where the grid published it (else the forecast, and it says so),
  for the pledged window against the baseline window of the same length.
- ``Outcome`` + ``impact_totals`` / ``impact_by_period`` / ``leaderboard``: aggregation.
- ``impact_reply`` and ``digest``: the ``Reply`` for ``/flex impact`` and the weekly digest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from flexcalc import windows
from flexcalc.commands import units
from flexcalc.reply import Action, Field, Reply, Table
from flexcalc.timeslots import LONDON, SLOT, utc

WEEKS_PER_YEAR = 52.18
PLEDGE_WORD = "pledge"
# What a button assumes when the answer gave no size (shown on the confirmation).
TYPICAL_KW = {"load": 2.0, "ev": 7.0}
MAX_EV_KWH = 60.0  # a full charge of a typical car battery
WHAT_LABELS = {"load": "run my {d} load", "ev": "charge my EV"}


# --------------------------------------------------------------------------- pledge offers


@dataclass(frozen=True)
class PledgeOffer:
    """The content of an "I'll do it" button: [start, end) UTC instead of the baseline."""

    what: str  # "load" | "ev"
    region: str  # Octopus region letter
    start: pd.Timestamp
    end: pd.Timestamp
    baseline_start: pd.Timestamp  # the window it replaces (same length)
    kwh: float

    @property
    def duration(self) -> pd.Timedelta:
        return self.end - self.start

    @property
    def baseline_end(self) -> pd.Timestamp:
        return self.baseline_start + self.duration

    @property
    def label(self) -> str:
        """``I'll run my 2 h load then`` / ``I'll charge my EV then``."""
        return "I'll " + WHAT_LABELS[self.what].format(d=units.duration(self.duration)) + " then"

    def encode(self) -> str:
        """``pledge ev C 2024-06-09T01:00Z 4h 2024-06-08T17:00Z 28kWh`` (a button value)."""
        minutes = int(self.duration / pd.Timedelta(minutes=1))
        return " ".join(
            [
                PLEDGE_WORD,
                self.what,
                self.region,
                _stamp(self.start),
                f"{minutes}m",
                _stamp(self.baseline_start),
                f"{self.kwh:g}kWh",
            ]
        )

    @classmethod
    def decode(cls, text: str) -> PledgeOffer:
        """The inverse of ``encode``; raises ``ValueError`` on anything else."""
        words = text.split()
        if len(words) != 7 or words[0] != PLEDGE_WORD or words[1] not in WHAT_LABELS:
            raise ValueError(f"not a pledge: {text!r}")
        _, what, region, start, minutes, baseline, kwh = words
        if not (minutes.endswith("m") and kwh.endswith("kWh")):
            raise ValueError(f"not a pledge: {text!r}")
        length = pd.Timedelta(minutes=int(minutes[:-1]))
        energy = float(kwh[:-3])
        if length <= pd.Timedelta(0) or length > pd.Timedelta(hours=24) or not energy > 0:
            raise ValueError(f"not a sensible pledge: {text!r}")
        begin = pd.Timestamp(start).tz_convert("UTC")
        return cls(
            what, region, begin, begin + length, pd.Timestamp(baseline).tz_convert("UTC"), energy
        )


def _stamp(ts: pd.Timestamp) -> str:
    return utc(ts).strftime("%Y-%m-%dT%H:%MZ")


def typical_kwh(what: str, duration: pd.Timedelta) -> float:
    """Energy assumed for a button without a given size: 2 kW load, 7 kW EV (at most 60 kWh)."""
    kwh = TYPICAL_KW[what] * duration / pd.Timedelta(hours=1)
    return min(kwh, MAX_EV_KWH) if what == "ev" else kwh


def pledge_actions(
    region: str,
    best: windows.Window,
    baseline: windows.Window | None,
    kwh: float | None = None,
) -> list[Action]:
    """ "I'll do it" buttons for a contiguous best window (none if there is no baseline).

    With a given ``kwh`` one button ("I'll run my 4 h load then"); without, a generic load and
    an EV charge with typical sizes (``typical_kwh``).
    """
    if baseline is None or not best.is_contiguous or baseline.start == best.start:
        return []
    kinds = [("load", kwh)] if kwh else [("load", None), ("ev", None)]
    actions = []
    for what, energy in kinds:
        offer = PledgeOffer(
            what,
            region,
            best.start,
            best.end,
            baseline.start,
            round(energy or typical_kwh(what, best.duration), 3),
        )
        actions.append(Action(offer.label, offer.encode(), kind="pledge"))
    return actions


# --------------------------------------------------------------------------- real savings


@dataclass(frozen=True)
class Saving:
    """What a kept pledge saved against its baseline, from the real outcome data."""

    kwh: float
    window: tuple[pd.Timestamp, pd.Timestamp]
    baseline: tuple[pd.Timestamp, pd.Timestamp]
    price_window: float | None  # mean p/kWh in the pledged window
    price_baseline: float | None
    carbon_window: float | None  # mean gCO2/kWh in the pledged window
    carbon_baseline: float | None
    carbon_basis: str  # "actual" | "forecast" | "actual and forecast" | "none"
    gbp: float | None  # £ saved (negative: it cost more)
    kg_co2: float | None  # kgCO2 avoided (negative: more emitted)
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.gbp is not None and self.kg_co2 is not None

    def text(self) -> str:
        """``you saved 1.2 kgCO2 and 38p`` (honest when it went the other way)."""
        return saving_text(self.kg_co2, self.gbp)


def money(pounds: float) -> str:
    """``38p`` under a pound, ``£1.24`` above, ``£817`` from £100."""
    if abs(pounds) < 1:
        return f"{abs(pounds) * 100:.0f}p"
    if abs(pounds) >= 100:
        return f"£{abs(pounds):,.0f}"
    return f"£{abs(pounds):,.2f}"


def kg_text(kg: float) -> str:
    """``1.2 kgCO2``, ``0.35 kgCO2``, ``12 kgCO2`` (sign dropped)."""
    value = abs(kg)
    digits = 0 if value >= 10 else (1 if value >= 1 else 2)
    return f"{value:.{digits}f} kgCO2"


def saving_text(kg: float | None, gbp: float | None) -> str:
    """``you saved 1.2 kgCO2 and 38p`` / ``you saved 1.2 kgCO2 (it cost 5p more)``."""
    saved, lost = [], []
    for value, fmt in ((kg, kg_text), (gbp, money)):
        if value is None:
            continue
        (saved if value >= 0 else lost).append(fmt(value))
    if saved and lost:
        return f"you saved {saved[0]} (it cost {lost[0]} more)"
    if saved:
        return "you saved " + " and ".join(saved)
    if lost:
        return "this time it used " + " and ".join(lost) + " more than the usual time"
    return "the outcome data isn't available"


def _carbon_frame(carbon: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Columns ``forecast`` and ``actual`` (an actual of 0 counts as missing)."""
    frame = carbon.to_frame("forecast") if isinstance(carbon, pd.Series) else carbon.copy()
    for column in ("forecast", "actual"):
        if column not in frame:
            frame[column] = np.nan
    frame = frame[["forecast", "actual"]].astype(float)
    frame.loc[frame["actual"] <= 0, "actual"] = np.nan
    frame.index = _utc_index(frame.index)
    return frame[~frame.index.duplicated(keep="first")].sort_index()


def outcome_carbon(carbon: pd.DataFrame | pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per slot: the actual intensity where published, else the forecast; and which was used."""
    frame = _carbon_frame(carbon)
    used = frame["actual"].combine_first(frame["forecast"])
    basis = pd.Series(
        np.where(frame["actual"].notna(), "actual", np.where(used.notna(), "forecast", "")),
        index=frame.index,
    )
    return used, basis


def _utc_index(index: pd.Index) -> pd.DatetimeIndex:
    """A UTC DatetimeIndex (naive input, e.g. an empty frame's index, is taken as UTC)."""
    stamps = pd.DatetimeIndex(index)
    return stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")


def _between(data, lo: pd.Timestamp, hi: pd.Timestamp):
    """The rows of a series or frame with UTC slot starts in [lo, hi] (cheap on long history)."""
    index = _utc_index(data.index)
    keep = (index >= lo) & (index <= hi)
    part = data[keep].copy()
    part.index = index[keep]
    return part


def _slots(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(utc(start), utc(end), freq=SLOT, inclusive="left")


def _on_grid(series: pd.Series, grid: pd.DatetimeIndex) -> np.ndarray:
    part = _between(series, grid[0], grid[-1])
    part = part[~part.index.duplicated(keep="first")]
    return pd.Series(part, dtype=float).reindex(grid).to_numpy()


def _mean_at(values: np.ndarray, positions: np.ndarray) -> float | None:
    chosen = values[positions]
    return None if len(chosen) == 0 or np.isnan(chosen).any() else float(chosen.mean())


def pledge_saving(
    prices: pd.Series,
    carbon: pd.DataFrame | pd.Series,
    window_start: pd.Timestamp,
    window_end: pd.Timestamp,
    baseline_start: pd.Timestamp,
    kwh: float,
) -> Saving:
    """The saving of running ``kwh`` in [window_start, window_end) instead of the baseline
    window of the same length starting at ``baseline_start``.

    ``prices``: Agile p/kWh (UTC slot starts). ``carbon``: a frame with ``forecast`` and
    ``actual`` gCO2/kWh (as ``DataProvider.carbon_history``) or a forecast series. Each figure is
    None when a slot of either window has no data (never interpolated); ``carbon_basis`` says
    whether actual or forecast intensity was used.
    """
    window = _slots(window_start, window_end)
    base = _slots(baseline_start, utc(baseline_start) + (utc(window_end) - utc(window_start)))
    lo, hi = min(window[0], base[0]), max(window[-1], base[-1])
    grid = pd.date_range(lo, hi, freq=SLOT)
    price = _on_grid(prices, grid)
    frame = _carbon_frame(_between(carbon, lo, hi))
    forecast, actual = (
        frame[c].reindex(grid).to_numpy(dtype=float) for c in ("forecast", "actual")
    )
    measured = ~np.isnan(actual)
    intensity = np.where(measured, actual, forecast)
    w = ((window - lo) // SLOT).to_numpy()
    b = ((base - lo) // SLOT).to_numpy()
    pw, pb = _mean_at(price, w), _mean_at(price, b)
    cw, cb = _mean_at(intensity, w), _mean_at(intensity, b)
    notes = []
    if pw is None or pb is None:
        notes.append("Prices are missing for part of the window or the baseline.")
    if cw is None or cb is None:
        notes.append("Carbon intensity is missing for part of the window or the baseline.")
        carbon_basis = "none"
    else:
        both = measured[np.concatenate([w, b])]
        carbon_basis = (
            "actual" if both.all() else ("forecast" if not both.any() else "actual and forecast")
        )
    return Saving(
        kwh=kwh,
        window=(window[0], window[-1] + SLOT),
        baseline=(base[0], base[-1] + SLOT),
        price_window=pw,
        price_baseline=pb,
        carbon_window=cw,
        carbon_baseline=cb,
        carbon_basis=carbon_basis,
        gbp=None if pw is None or pb is None else kwh * (pb - pw) / 100,
        kg_co2=None if cw is None or cb is None else kwh * (cb - cw) / 1000,
        notes=tuple(notes),
    )


def basis_note(basis: str) -> str:
    """How the carbon figure was measured, in words."""
    return {
        "actual": "carbon from the grid's measured (actual) intensity",
        "forecast": "carbon from the forecast: the measured intensity wasn't published",
        "actual and forecast": "carbon measured where published, forecast for the rest",
    }.get(basis, "no carbon data for this window")


def worst_window(frame: pd.DataFrame, slots: int) -> windows.Window | None:
    """The baseline a pledge replaces: the worst window of that length (balanced when both
    price and carbon are known, else whichever is)."""
    has_price = "price" in frame and frame["price"].notna().any()
    has_carbon = "carbon" in frame and frame["carbon"].notna().any()
    objective = "balanced" if has_price and has_carbon else ("price" if has_price else "carbon")
    return windows.best_window(frame, slots, objective, highest=True)


# --------------------------------------------------------------------------- aggregation


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


# --------------------------------------------------------------------------- /flex impact

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
    """``/flex impact``: totals, a chart over time and a friendly leaderboard (opt-outs left
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
        f"{' (net cost)' if totals.gbp < 0 else ''}"
        + (f", by {_people(totals.participants)}." if scope != "me" else ".")
    )
    fields = [
        Field("kWh shifted", f"{totals.kwh:,.1f} kWh"),
        Field("CO2 avoided", f"{totals.kg_co2:,.2f} kgCO2"),
        Field("Money saved", units.gbp(totals.gbp)),
        Field("Kept pledges", str(totals.pledges)),
    ]
    if scope != "me":
        fields.append(Field("People taking part", str(totals.participants)))
    notes = [
        "Savings are measured after each window from the real Agile prices and the grid's "
        "actual carbon intensity, against the time each pledge replaced."
    ]
    if pending:
        notes.append(f"{pending} more pledge(s) will be counted once their window has passed.")
    if scope != "me":
        leaders, hidden_count = leaderboard(outcomes, hidden)
        if leaders:  # in the summary, not a table: Slack renders mentions there
            summary += "\nThank you to:\n" + "\n".join(
                f"{i}. <@{x.user_id}> — {kg_text(x.kg_co2)}, {money(x.gbp)} "
                f"({x.pledges} pledge{'s' if x.pledges != 1 else ''})"
                for i, x in enumerate(leaders, 1)
            )
        if hidden_count:
            notes.append(
                f"{hidden_count} more {'person is' if hidden_count == 1 else 'people are'}"
                " not listed (the leaderboard is opt-in); their savings are in the totals."
            )
        notes.append(
            "Want your name listed? `/flex impact show me` (`/flex impact hide me` to undo)."
        )
    elif viewer_hidden:
        notes.append("You're not on the team leaderboard (`/flex impact show me` to join).")
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
    from flexcalc.charts.impact import impact_png

    return impact_png(by_period, title, "day" if freq == "D" else "week")


# --------------------------------------------------------------------------- weekly digest


def _daily_intensity(carbon: pd.DataFrame | pd.Series, first: date, days: int) -> pd.Series:
    """Mean gCO2/kWh per UK day (actual where published, else forecast), NaN if none."""
    used, _ = outcome_carbon(carbon)
    local_days = used.index.tz_convert(LONDON).date
    means = used.groupby(local_days).mean()
    wanted = [first + timedelta(days=i) for i in range(days)]
    return pd.Series([means.get(d, np.nan) for d in wanted], index=wanted, dtype=float)


def typical_day(
    carbon: pd.DataFrame | pd.Series, start: pd.Timestamp, end: pd.Timestamp, hours: int = 2
) -> tuple[str, str, float, float] | None:
    """The cleanest and dirtiest ``hours`` of an average day in [start, end): ("01:00–03:00",
    "17:00–19:00", mean gCO2/kWh of each); windows may wrap past midnight."""
    used, _ = outcome_carbon(carbon)
    used = used[(used.index >= utc(start)) & (used.index < utc(end))].dropna()
    if used.empty:
        return None
    local = used.index.tz_convert(LONDON)
    profile = used.groupby(local.hour * 60 + local.minute).mean()
    profile = profile.reindex(range(0, 1440, 30))
    if profile.isna().any():
        profile = profile.interpolate(limit_direction="both")  # display only, never a plan
    k = hours * 2
    values = profile.to_numpy()
    wrapped = np.concatenate([values, values[: k - 1]])
    means = windows.rolling_means(wrapped, k)
    lo, hi = int(np.argmin(means)), int(np.argmax(means))

    def span(i: int) -> str:
        a, b = profile.index[i], profile.index[(i + k) % 48]
        return f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}"

    return span(lo), span(hi), float(means[lo]), float(means[hi])


def digest(
    outcomes: Sequence[Outcome],
    carbon: pd.DataFrame | pd.Series,
    week_start: date,
    *,
    prices: pd.Series | None = None,
    team_label: str = "Your team",
    region_label: str = "Great Britain",
) -> Reply:
    """The weekly digest for leadership, about the UK week starting Monday ``week_start``.

    ``outcomes``: the workspace's settled pledges (any dates; last week and the week before are
    picked out). ``carbon``: intensity covering both weeks (forecast/actual frame or series).
    Plain words, no Slack mentions: it can be forwarded unchanged.
    """
    start = utc(pd.Timestamp(week_start))
    end = utc(pd.Timestamp(week_start + timedelta(days=7)))
    before = utc(pd.Timestamp(week_start - timedelta(days=7)))
    this_week = [o for o in outcomes if start <= utc(o.start) < end]
    last_week = [o for o in outcomes if before <= utc(o.start) < start]
    totals, previous = impact_totals(this_week), impact_totals(last_week)
    days = _daily_intensity(carbon, week_start, 7)
    prior = _daily_intensity(carbon, week_start - timedelta(days=7), 7)
    last_day = (week_start + timedelta(days=6)).strftime("%d %b %Y")
    title = f"Weekly flexibility digest — week of {week_start.strftime('%a %d %b')} to {last_day}"
    lines: list[str] = []
    fields: list[Field] = []
    if totals.pledges:
        lines.append(
            f"{team_label} moved {totals.kwh:,.1f} kWh of electricity use to cleaner, cheaper "
            f"times: {totals.pledges} kept pledges by {_people(totals.participants)} avoided "
            f"{kg_text(totals.kg_co2)} and saved {money(totals.gbp)}"
            + _versus(totals.kg_co2, previous.kg_co2)
            + "."
        )
    else:
        lines.append(f"{team_label} recorded no kept pledges last week.")
    fields += [
        Field("kWh shifted", f"{totals.kwh:,.1f} kWh"),
        Field("CO2 avoided", f"{totals.kg_co2:,.2f} kgCO2"),
        Field("Money saved", units.gbp(totals.gbp)),
        Field("People taking part", str(totals.participants)),
    ]
    grid = _grid_text(days, prior)
    if not grid:
        lines.append("No carbon intensity data was available for that week.")
    else:
        lines.append(grid)
        clean, dirty = days.idxmin(), days.idxmax()
        fields.append(Field("Cleanest day", f"{clean:%a %d %b} ({units.carbon(days[clean])})"))
        fields.append(Field("Dirtiest day", f"{dirty:%a %d %b} ({units.carbon(days[dirty])})"))
    yearly_kg, yearly_gbp = totals.kg_co2 * WEEKS_PER_YEAR, totals.gbp * WEEKS_PER_YEAR
    if totals.pledges:
        lines.append(
            f"Kept up all year, the same shifting is worth about {kg_text(yearly_kg)} and "
            f"{money(yearly_gbp)} a year"
            + (
                f" — and about {kg_text(yearly_kg / totals.participants)} for every extra person "
                "who joins in."
                if totals.participants
                else "."
            )
        )
        fields.append(Field("Over a year", f"≈{kg_text(yearly_kg)}, ≈{money(yearly_gbp)}"))
    actions = weekly_actions(carbon, start, end, totals, prices)
    table = Table(
        ["", "Action for the coming week"], [[f"{i}.", a] for i, a in enumerate(actions, 1)]
    )
    notes = [
        "Grid figures: carbon intensity measured (actual) where published, else forecast. "
        f"Savings: real Agile prices for {region_label} and carbon in each pledged window vs the "
        "time it replaced.",
    ]
    if prices is not None and not prices.dropna().empty:
        week_prices = prices[(prices.index >= start) & (prices.index < end)].dropna()
        if not week_prices.empty:
            negative = int((week_prices < 0).sum())
            fields.append(Field("Average Agile price", units.price(float(week_prices.mean()))))
            if negative:
                notes.append(f"{negative} half-hours had negative prices (paid to use power).")
    return Reply(
        title=title,
        summary="\n".join(lines),
        fields=fields,
        table=table,
        notes=notes,
        data={
            "command": "digest",
            "week_start": week_start.isoformat(),
            "kwh": totals.kwh,
            "kg_co2": totals.kg_co2,
            "gbp": totals.gbp,
            "participants": totals.participants,
            "pledges": totals.pledges,
            "annual_kg_co2": yearly_kg,
            "annual_gbp": yearly_gbp,
            "daily_intensity": {d.isoformat(): _num(v) for d, v in days.items()},
            "average_intensity": _num(days.mean()),
            "previous_average_intensity": _num(prior.mean()),
            "actions": actions,
        },
    )


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _num(value: float) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _versus(now: float, before: float) -> str:
    """`` (20% more than the week before)``; plain figures when a percentage would mislead."""
    if before <= 0:
        return ""
    change = (now - before) / before * 100
    if abs(change) < 0.5:
        return " (about the same as the week before)"
    if abs(change) > 200:
        return f" ({'up' if change > 0 else 'down'} from {kg_text(before)} the week before)"
    return f" ({abs(change):.0f}% {'more' if change > 0 else 'less'} than the week before)"


def _grid_text(days: pd.Series, prior: pd.Series) -> str:
    if days.dropna().empty:
        return ""
    clean, dirty = days.idxmin(), days.idxmax()
    text = (
        f"The grid averaged {units.carbon(days.mean())}"
        + (
            f", {units.change(days.mean(), prior.mean())} than the week before "
            f"({units.carbon(prior.mean())})"
            if not prior.dropna().empty
            else ""
        )
        + f". Cleanest day: {clean:%A} ({units.carbon(days[clean])}); dirtiest: {dirty:%A} "
        f"({units.carbon(days[dirty])})."
    )
    if days.isna().any():
        text += f" No carbon data for {int(days.isna().sum())} day(s)."
    return text.replace("about the same than", "about the same as")


def typical_day_frame(
    carbon: pd.DataFrame | pd.Series,
    prices: pd.Series | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Last week's average day: mean carbon (and price) per UK time of day in [start, end),
    laid on a reference GMT day (2000-01-03) so the tips library can place loads on it."""
    reference = pd.date_range(pd.Timestamp("2000-01-03", tz="UTC"), periods=48, freq=SLOT)
    columns = {}
    used, _ = outcome_carbon(carbon)
    for name, series in (("carbon", used), ("price", prices)):
        if series is None:
            continue
        part = _between(series, utc(start), utc(end) - SLOT).dropna()
        if part.empty:
            continue
        local = part.index.tz_convert(LONDON)
        profile = part.groupby(local.hour * 2 + local.minute // 30).mean()
        columns[name] = profile.reindex(range(48)).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=reference)


def weekly_actions(
    carbon: pd.DataFrame | pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
    totals: Impact,
    prices: pd.Series | None = None,
) -> list[str]:
    """Three plain-language actions for the coming week, fitted to last week's average day:
    when to run flexible loads, one concrete tip with its estimated effect, and who to ask."""
    from flexcalc import tips

    shape = typical_day(carbon, start, end)
    actions = []
    if shape is not None:
        clean, dirty, clean_g, dirty_g = shape
        actions.append(
            f"Run flexible loads at {clean} and keep {dirty} free of them: last week {clean} "
            f"was the cleanest time of day (about {clean_g:.0f} gCO2/kWh) and {dirty} the "
            f"dirtiest ({dirty_g:.0f})."
        )
    else:
        actions.append("Run flexible loads overnight and avoid the 16:00–19:00 evening peak.")
    frame = typical_day_frame(carbon, prices, start, end)
    choices = tips.tips_for(frame, 2) if not frame.empty else []
    if choices:
        choice = choices[0]
        actions.append(choice.text.replace("per run vs the worst time", "a day vs the worst time"))
    else:
        actions.append(f"{tips.BY_KEY['ev'].title}: set chargers to start after 23:00.")
    people = totals.participants
    if people:
        actions.append(
            f"Ask every team to press \u201cI'll do it\u201d on the daily greener-times alert: "
            f"{people} {'person' if people == 1 else 'people'} did last week; each extra person "
            "adds to the yearly figure above."
        )
    else:
        actions.append(
            "Subscribe a busy channel to the daily greener-times alert (`/flex alerts subscribe`) "
            "and ask people to press \u201cI'll do it\u201d when they can shift a load."
        )
    return actions


def last_week_start(now: pd.Timestamp) -> date:
    """The Monday (UK) that began last full week, as of ``now``."""
    today = utc(now).tz_convert(LONDON).date()
    return today - timedelta(days=today.weekday() + 7)


__all__ = [
    "Impact",
    "Leader",
    "Outcome",
    "PledgeOffer",
    "Saving",
    "digest",
    "impact_by_period",
    "impact_reply",
    "impact_totals",
    "leaderboard",
    "pledge_actions",
    "pledge_saving",
]
