"""A day of clock ticks against the fake Slack: every subscription gets exactly one alert."""

from __future__ import annotations

import pandas as pd
import pytest

from bot.alerts.commands import handle_alerts
from flexcalc.commands import parse
from tests.alerts.conftest import TEAM, london, run_ticks


def subscribe(engine, text: str, channel: str, user: str = "U0ALICE"):
    return handle_alerts(parse(text), engine=engine, team_id=TEAM, channel_id=channel, user_id=user)


@pytest.mark.slow
def test_a_day_of_ticks_posts_once_per_subscription(engine, slack, make_clock):
    subscribe(engine, "alerts subscribe 08:00 in NG1 4h", "C0MORNING")
    subscribe(engine, "alerts subscribe 12:30 in London", "C0LUNCH")
    subscribe(engine, "alerts subscribe 23:30 in A 2h", "C0LATE")
    subscribe(engine, "alerts subscribe 07:00 in G tomorrow", "C0PLANNER")
    clock = make_clock()

    reports = run_ticks(clock, london("2024-06-04 03:00"), london("2024-06-05 03:00"))

    posts = {ch: slack.alerts_in(ch) for ch in ("C0MORNING", "C0LUNCH", "C0LATE", "C0PLANNER")}
    assert [len(p) for p in posts.values()] == [1, 1, 1, 2]  # planner: daily + tomorrow's
    when = {(ch, kind): moment for moment, r in reports for ch, kind in r.sent}
    assert when[("C0MORNING", "daily")] == london("2024-06-04 08:00")
    assert when[("C0LUNCH", "daily")] == london("2024-06-04 12:30")
    assert when[("C0LATE", "daily")] == london("2024-06-04 23:30")
    assert when[("C0PLANNER", "daily")] == london("2024-06-04 07:00")
    # the sample publishes tomorrow's prices at 16:00 UK time: found by the first poll after
    assert when[("C0PLANNER", "tomorrow")] == london("2024-06-04 16:00")
    morning = posts["C0MORNING"][0]
    assert "East Midlands (B)" in morning["text"]
    assert "Best 4 h" in str(morning["blocks"])
    assert "Remind me at the best time" in str(morning["blocks"])
    assert "Snooze alerts for a week" in str(morning["blocks"])
    planner_titles = [p["text"] for p in posts["C0PLANNER"]]
    assert any(t.startswith("Tomorrow's greener times — Wed 05 Jun") for t in planner_titles)
    # the chart went with each alert, rendered once per region and period
    assert len(slack.uploaded_pngs()) == 5
    assert all(png.startswith(b"\x89PNG") for png in slack.uploaded_pngs())
    assert clock.digests.chart_renders == 5
    assert sum(r.posted for _, r in reports) == 5
    assert pd.Series([r.acted for _, r in reports]).all()
