"""Tomorrow's greener times are found by polling (sent once, as soon as the prices are there);
threshold alerts post once per event."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from itertools import pairwise

import pytest

from bot.alerts.schedule import local_instant
from flexcalc.timeslots import LONDON
from tests.alerts.conftest import london, run_ticks
from tests.alerts.helpers import deliveries, subscribe


class LatePublisher:
    """The bundled sample, except tomorrow's prices appear only at ``publish_at`` UK time."""

    def __init__(self, inner, publish_at: time | None) -> None:
        self.inner = inner
        self.publish_at = publish_at

    def forecast(self, region, now):
        forecast = self.inner.forecast(region, now)
        here = now.tz_convert(LONDON)
        if self.publish_at is None or here.time() < self.publish_at:
            today_23 = local_instant(here.date(), time(23, 0))
            forecast = replace(forecast, prices=forecast.prices[forecast.prices.index < today_23])
        return forecast

    def __getattr__(self, name):  # price history and the rest: the sample's
        return getattr(self.inner, name)


def _sent(reports, kind):
    return [moment for moment, r in reports for _, k in r.sent if k == kind]


def test_tomorrow_alert_goes_out_at_the_first_poll_after_publication(
    engine, slack, make_clock, provider
):
    subscribe(engine, "alerts subscribe 07:00 in C 3h tomorrow", "C0PLAN")
    clock = make_clock(provider=LatePublisher(provider, time(18, 33)))

    reports = run_ticks(clock, london("2024-06-05 12:00"), london("2024-06-05 23:55"))

    assert _sent(reports, "tomorrow") == [london("2024-06-05 18:35")]
    [post] = [p for p in slack.alerts_in("C0PLAN") if p["text"].startswith("Tomorrow")]
    assert "Tomorrow's greener times — Thu 06 Jun, London (C)" in post["text"]
    assert "Best 3 h" in str(post["blocks"])
    assert "Thu 06 Jun" in str(post["blocks"])


def test_no_tomorrow_alert_when_prices_never_come(engine, slack, make_clock, provider):
    subscribe(engine, "alerts subscribe 07:00 in C tomorrow", "C0PLAN")
    clock = make_clock(provider=LatePublisher(provider, None))
    reports = run_ticks(clock, london("2024-06-05 15:00"), london("2024-06-06 02:00"), minutes=10)
    assert _sent(reports, "tomorrow") == []
    assert slack.alert_posts() == []
    assert deliveries(engine) == []  # nothing claimed, so nothing to clean up


@pytest.mark.slow
def test_price_below_zero_posts_once_per_event(engine, slack, make_clock):
    # Sun 9 Jun 2024 (region C sample) has negative prices 08:00–11:30 (5 half-hours) and
    # 14:00–14:30 UK time; prices for Sunday are published on Saturday at 16:00.
    subscribe(engine, "alerts when price below 0 in C", "C0CHEAP")
    reports = run_ticks(make_clock(), london("2024-06-08 16:00"), london("2024-06-09 16:00"))

    texts = sorted(p["text"] for p in slack.alerts_in("C0CHEAP"))  # posted concurrently
    assert len(texts) == 2
    assert "Sun 09 Jun 08:00–11:30 in 5 of the 7 half-hours" in texts[0]
    assert "Sun 09 Jun 14:00–14:30 (lowest -0.21 p/kWh)" in texts[1]
    when = [m for m, r in reports for _ in r.sent]
    assert when == [london("2024-06-08 16:00")] * 2  # both announced as soon as they were known


@pytest.mark.slow
def test_carbon_threshold_does_not_repeat_as_the_forecast_moves(engine, slack, make_clock):
    subscribe(engine, "alerts when carbon below 40 in C", "C0GREEN")
    run_ticks(make_clock(), london("2024-06-09 10:00"), london("2024-06-10 10:00"), minutes=15)
    starts = [d.event_start for d in deliveries(engine)]
    assert len(starts) == len(set(starts)) == len(slack.alerts_in("C0GREEN"))
    spans = sorted((d.event_start, d.event_end) for d in deliveries(engine))
    assert all(a_end < b_start for (_, a_end), (b_start, _) in pairwise(spans))
    # one event under way at 11:00 BST Sunday, one on Monday morning as the forecast reveals it
    # (and then stretches it over later polls, which must not re-announce it)
    assert [a.isoformat() for a, _ in spans] == ["2024-06-09T10:00:00", "2024-06-10T09:00:00"]
    assert len(slack.alerts_in("C0GREEN")) == 2
