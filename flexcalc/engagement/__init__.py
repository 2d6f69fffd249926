"""Pledges, what they really saved, team impact and the weekly leadership digest (pure, no I/O).

- ``offers``: ``PledgeOffer`` (what an "I'll do it" button carries: the window, the baseline it
  replaces, kWh), ``pledge_actions``, ``usual_window`` (the baseline: starting when asked) and
  ``alert_window`` (a daily alert's pledges: the alert's time of day is the usual time).
- ``savings``: ``pledge_saving`` from the *real* outcome (the tariff's prices, actual carbon
  where the grid published it, else the forecast, and it says so), window against baseline.
- ``impact``: ``Outcome``, ``impact_totals`` / ``impact_by_period`` / ``leaderboard`` and the
  ``impact`` reply.
- ``digest``: the weekly leadership digest.

Every name the front ends use is importable from ``flexcalc.engagement`` itself.
"""

from __future__ import annotations

from flexcalc.engagement.digest import (
    WEEKS_PER_YEAR,
    digest,
    last_week_start,
    typical_day,
    typical_day_frame,
    weekly_actions,
)
from flexcalc.engagement.impact import (
    PERIODS,
    SCOPE_LABELS,
    Impact,
    Leader,
    Outcome,
    impact_by_period,
    impact_chart,
    impact_reply,
    impact_totals,
    leaderboard,
    period_start,
)
from flexcalc.engagement.offers import (
    MAX_EV_KWH,
    PLEDGE_WORD,
    TYPICAL_KW,
    WHAT_LABELS,
    PledgeOffer,
    alert_start,
    alert_window,
    pledge_actions,
    typical_kwh,
    usual_window,
)
from flexcalc.engagement.savings import (
    Saving,
    basis_note,
    kg_text,
    money,
    outcome_carbon,
    pledge_saving,
    saving_text,
)

__all__ = [
    "MAX_EV_KWH",
    "PERIODS",
    "PLEDGE_WORD",
    "SCOPE_LABELS",
    "TYPICAL_KW",
    "WEEKS_PER_YEAR",
    "WHAT_LABELS",
    "Impact",
    "Leader",
    "Outcome",
    "PledgeOffer",
    "Saving",
    "alert_start",
    "alert_window",
    "basis_note",
    "digest",
    "impact_by_period",
    "impact_chart",
    "impact_reply",
    "impact_totals",
    "kg_text",
    "last_week_start",
    "leaderboard",
    "money",
    "outcome_carbon",
    "period_start",
    "pledge_actions",
    "pledge_saving",
    "saving_text",
    "typical_day",
    "typical_day_frame",
    "typical_kwh",
    "usual_window",
    "weekly_actions",
]
