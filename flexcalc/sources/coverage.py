"""How complete a half-hourly series is: span, expected vs present slots, gaps, duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from flexcalc.timeslots import SLOT, fmt_date_time, fmt_day_time, fmt_time, local

_fmt = fmt_date_time  # "Sun 02 Jun 2024 00:00", "Sun 29 Oct 2023 01:30 GMT" (UK time)


@dataclass(frozen=True)
class Gap:
    """Missing slots ``[start, end)`` (UTC slot starts; ``end`` is the first present slot)."""

    start: pd.Timestamp
    end: pd.Timestamp
    missing: int  # number of half-hour slots missing

    def span(self) -> str:
        """``"Wed 12 Jun 2024 00:00–11:00"`` (end day shown when it differs), UK time."""
        a, b = local(self.start), local(self.end)
        end = fmt_time(self.end) if a.date() == b.date() else _fmt(self.end)
        return f"{_fmt(self.start)}–{end}"

    def describe(self) -> str:
        return f"{self.span()} ({self.missing} slots)"


@dataclass(frozen=True)
class Coverage:
    """Completeness of one series of UTC half-hour slot starts."""

    first: pd.Timestamp | None  # first slot start present
    last: pd.Timestamp | None  # last slot start present
    expected: int  # slots from first to last inclusive
    present: int
    gaps: list[Gap] = field(default_factory=list)
    duplicates_dropped: int = 0
    label: str = "data"
    problems: tuple[str, ...] = ()  # malformed rows by line number, page notes: said, not hidden

    @property
    def missing(self) -> int:
        return self.expected - self.present

    @property
    def complete(self) -> bool:
        return self.missing == 0

    @classmethod
    def of(
        cls,
        index: pd.DatetimeIndex,
        duplicates_dropped: int = 0,
        label: str = "data",
        problems: tuple[str, ...] = (),
    ) -> Coverage:
        """Coverage of a sorted, unique UTC slot index."""
        if len(index) == 0:
            return cls(None, None, 0, 0, [], duplicates_dropped, label, tuple(problems))
        first, last = index[0], index[-1]
        expected = int((last - first) / SLOT) + 1
        steps = index[1:] - index[:-1]
        gaps = [
            Gap(start=index[i] + SLOT, end=index[i + 1], missing=int(steps[i] / SLOT) - 1)
            for i in (steps > SLOT).nonzero()[0]
        ]
        return cls(
            first, last, expected, len(index), gaps, duplicates_dropped, label, tuple(problems)
        )

    def describe(self) -> str:
        """One line, e.g. ``"prices: 1,438 slots Sun 02 Jun 2024 00:00 – …, complete"``."""
        if self.first is None or self.last is None:
            return f"{self.label}: no data"
        text = f"{self.label}: {self.present:,} slots {_fmt(self.first)} – {_fmt(self.last + SLOT)}"
        if self.complete:
            text += ", complete"
        else:
            shown = "; ".join(g.describe() for g in self.gaps[:3])
            more = f" and {len(self.gaps) - 3} more" if len(self.gaps) > 3 else ""
            text += (
                f", {self.missing:,} of {self.expected:,} slots missing in "
                f"{len(self.gaps)} gap{'s' if len(self.gaps) != 1 else ''}: {shown}{more}"
            )
        if self.duplicates_dropped:
            text += f", {self.duplicates_dropped} duplicate row(s) dropped"
        if self.problems:
            shown = "; ".join(self.problems[:5])
            more = f" and {len(self.problems) - 5} more" if len(self.problems) > 5 else ""
            text += f"; left out: {shown}{more}"
        return text


def shortfall_notes(
    series: pd.Series, expected_end: pd.Timestamp, label: str, whose: str
) -> list[str]:
    """User notes when ``series`` stops before ``expected_end`` or has gaps (empty if neither)."""
    notes: list[str] = []
    if series.empty:
        return [f"{whose} {label}: none for this period."]
    cover = Coverage.of(series.index, label=label)
    if not cover.complete:
        gaps = "; ".join(g.span() for g in cover.gaps[:3])
        notes.append(f"{whose} {label}: {cover.missing} slot(s) missing ({gaps}).")
    end = series.index[-1] + SLOT
    if end < expected_end:
        notes.append(
            f"{whose} {label}: only to {fmt_day_time(end)} (normally to "
            f"{fmt_day_time(expected_end)})."
        )
    return notes
