"""Pledges from a daily alert are measured against the alert's time: the time of day the person
gets it is their usual time. Checked against a brute force over the alert's slots, on alert
times across both clock-change days (today and tomorrow alerts)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc import daily
from flexcalc.engagement import PledgeOffer
from flexcalc.regions import by_letter
from flexcalc.sources.sample import SampleProvider
from flexcalc.timeslots import LONDON

PROVIDER = SampleProvider()
DAYS = [date(2023, 3, 25), date(2023, 3, 26), date(2023, 10, 28), date(2023, 10, 29)]


def brute_baseline(frame: pd.DataFrame, alert_local: pd.Timestamp) -> pd.Timestamp | None:
    """The first slot of the alert's span, at or after the alert, whose UK clock time is the
    alert's time rounded up to the half-hour (a tomorrow alert: that time tomorrow)."""
    minutes = alert_local.hour * 60 + alert_local.minute
    minutes = -(-minutes // 30) * 30
    wanted = time(minutes // 60, minutes % 60) if minutes < 24 * 60 else time(0, 0)
    after = alert_local.tz_convert("UTC")
    for slot in frame.index:
        if slot + pd.Timedelta(minutes=30) > after and slot.tz_convert(LONDON).time() == wanted:
            return slot
    return None


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(DAYS),
    st.integers(6 * 60, 22 * 60 + 29),
    st.booleans(),
)
def test_a_daily_alert_pledge_replaces_the_alerts_own_time(day, minute, tomorrow):
    naive = pd.Timestamp(day) + timedelta(minutes=minute)
    alert_local = naive.tz_localize(LONDON)
    if tomorrow and alert_local.hour < 16:  # tomorrow's prices appear at 16:00
        alert_local = alert_local.replace(hour=16 + alert_local.hour % 7)
    forecast = PROVIDER.forecast(by_letter("C"), alert_local.tz_convert("UTC"))
    reply = daily.daily_alert(forecast, tomorrow=tomorrow, charts=False)
    pledges = [a for a in reply.actions if a.kind == "pledge"]
    frame = daily.alert_frame(forecast, tomorrow)
    expected = brute_baseline(frame, alert_local)
    for action in pledges:
        offer = PledgeOffer.decode(action.command)
        assert offer.baseline_start == expected
        assert offer.baseline_start.tz_convert(LONDON).date() >= alert_local.date()
    if tomorrow and expected is not None:
        assert reply.table.columns[-1].endswith("(alert time)")
        assert expected.tz_convert(LONDON).strftime("%H:%M") in reply.table.columns[-1]
