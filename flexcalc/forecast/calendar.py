"""UK calendar features of half-hour slots: local slot of day, weekday, bank holidays.

Bank holidays are England and Wales (gov.uk/bank-holidays), including the one-off 2022 and 2023
days. Later years need a line here; ``holiday`` is False for dates not listed.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from flexcalc.timeslots import LONDON

_BANK_HOLIDAYS = """
2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19
2022-12-26 2022-12-27
2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28 2023-12-25
2023-12-26
2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 2024-12-25 2024-12-26
2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26
2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28
2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28
"""
BANK_HOLIDAYS: frozenset[date] = frozenset(date.fromisoformat(d) for d in _BANK_HOLIDAYS.split())


def slot_calendar(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Per UTC slot start: UK slot of day (0-47), weekday (0 = Monday), bank holiday (0/1)."""
    here = index.tz_convert(LONDON)
    days = here.date
    return pd.DataFrame(
        {
            "slot_of_day": np.asarray(here.hour * 2 + here.minute // 30, dtype=float),
            "weekday": np.asarray(here.day_of_week, dtype=float),
            "holiday": np.fromiter((d in BANK_HOLIDAYS for d in days), float, len(days)),
        },
        index=index,
    )


def same_wall_time_days_before(index: pd.DatetimeIndex, days: int | np.ndarray) -> pd.DatetimeIndex:
    """The UTC slot with the same UK wall-clock time ``days`` days earlier (clock changes kept);
    ``days`` may give one count per slot."""
    wall = index.tz_convert(LONDON).tz_localize(None) - pd.to_timedelta(days, unit="D")
    earlier = wall.tz_localize(
        LONDON, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
    )
    return earlier.tz_convert("UTC")
