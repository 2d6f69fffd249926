"""Alerts go out at the right UTC instant on both clock-change days; late clocks catch up
within the grace period but never flood old alerts."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import london, run_ticks
from tests.alerts.helpers import deliveries, subscribe


def _sent_at(reports, channel: str, kind: str = "daily"):
    return [moment for moment, r in reports for ch, k in r.sent if (ch, k) == (channel, kind)]


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("2023-03-26", 7), ("2023-10-29", 8)],  # BST starts (08:00 = 07:00Z) / ends (08:00Z)
)
def test_08_00_alert_on_clock_change_days(engine, slack, make_clock, day, utc_hour):
    subscribe(engine, "alerts subscribe 08:00 in London", "C0DST")
    clock = make_clock()

    reports = run_ticks(clock, london(f"{day} 05:00"), london(f"{day} 12:00"))

    [moment] = _sent_at(reports, "C0DST")
    assert (moment.utctimetuple().tm_hour, moment.utctimetuple().tm_min) == (utc_hour, 0)
    [post] = slack.alerts_in("C0DST")
    assert post["text"].startswith(
        "Today's greener times — Sun 26 Mar"
        if day.endswith("26")
        else "Today's greener times — Sun 29 Oct"
    )


def test_times_skipped_or_repeated_by_the_clock_change_post_once(engine, slack, make_clock):
    # 01:30 does not exist on 26 March (it moves to 02:00 BST = 01:00Z) and happens twice on
    # 29 October (the first one, 00:30Z, counts); either way exactly one alert.
    subscribe(engine, "alerts subscribe 01:30 in London", "C0NIGHT")
    clock = make_clock()
    spring = run_ticks(clock, london("2023-03-26 00:00"), london("2023-03-26 06:00"))
    autumn = run_ticks(clock, london("2023-10-29 00:00"), london("2023-10-29 06:00"))

    assert [m.utctimetuple()[3:5] for m in _sent_at(spring, "C0NIGHT")] == [(1, 0)]
    assert [m.utctimetuple()[3:5] for m in _sent_at(autumn, "C0NIGHT")] == [(0, 30)]
    assert len(slack.alerts_in("C0NIGHT")) == 2


def test_clock_down_at_08_00_still_sends_when_it_starts_at_08_20(engine, slack, make_clock):
    subscribe(engine, "alerts subscribe 08:00 in B", "C0LATE")
    reports = run_ticks(make_clock(), london("2024-06-05 08:20"), london("2024-06-05 09:00"))
    assert [m for m in _sent_at(reports, "C0LATE")] == [london("2024-06-05 08:20")]


def test_clock_down_all_day_does_not_flood_old_alerts(engine, slack, make_clock):
    subscribe(engine, "alerts subscribe 08:00 in B", "C0AWAY")
    subscribe(engine, "alerts subscribe 13:00 in B", "C0AWAY2")
    # the clock was down from Monday to Thursday 15:00: Thursday's 13:00 is still within grace,
    # Thursday's 08:00 and every earlier day are not
    reports = run_ticks(make_clock(), london("2024-06-06 15:00"), london("2024-06-06 19:00"))
    assert _sent_at(reports, "C0AWAY") == []
    assert _sent_at(reports, "C0AWAY2") == [london("2024-06-06 15:00")]
    assert len(slack.alert_posts()) == 1
    assert [d.local_date.isoformat() for d in deliveries(engine)] == ["2024-06-06"]
