"""Pledge offers: what an "I'll do it" button carries, and the baseline it replaces."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from flexcalc import windows
from flexcalc.commands import units
from flexcalc.reply import Action
from flexcalc.timeslots import ceil_slot, local, next_wall_time, utc

PLEDGE_WORD = "pledge"
# What a button assumes when the answer gave no size (shown on the confirmation).
TYPICAL_KW = {"load": 2.0, "ev": 7.0}
MAX_EV_KWH = 60.0  # a full charge of a typical car battery
WHAT_LABELS = {"load": "run my {d} load", "ev": "charge my EV"}


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


def usual_window(frame: pd.DataFrame, slots: int) -> windows.Window | None:
    """The baseline a pledge replaces: starting when asked (the first slot ``frame`` allows,
    by the start rule) with the same length. Never the worst window of the day: nobody would
    have used that, and measuring against it inflates every impact figure."""
    if len(frame) == 0:
        return None
    return windows.window_at(frame, pd.DatetimeIndex(frame.index).min(), slots)


def alert_start(frame: pd.DataFrame, alert_at: pd.Timestamp) -> pd.Timestamp:
    """Where a daily alert's reader would usually start: the alert's UK wall time (rounded up
    to its half-hour) at its first occurrence inside the alert's span (``frame``): a today
    alert's own time, a tomorrow alert's time tomorrow (counted on the UK clock)."""
    first = pd.DatetimeIndex(frame.index).min()
    start = ceil_slot(utc(alert_at))
    at = local(start).time()
    while start < first:
        start = next_wall_time(start, at)
    return start


def alert_window(frame: pd.DataFrame, slots: int, alert_at: pd.Timestamp) -> windows.Window | None:
    """The baseline of a pledge made from a daily alert: the person's usual time is the alert's
    time of day (``alert_start``), same length; None when it does not fit the data."""
    if len(frame) == 0:
        return None
    return windows.window_at(frame, alert_start(frame, alert_at), slots)
