"""The weekly digest, posted by the alerts clock on a controllable clock (time-machine), exactly
once; and the clock settling finished pledges."""

from __future__ import annotations

from datetime import time

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.answering import Where
from bot.engagement import commands, pledges, settle
from bot.services import Services
from bot.storage.engagement import Pledge
from bot.storage.subscriptions import Delivery
from flexcalc.commands.requests import DigestRequest
from flexcalc.engagement import PledgeOffer
from flexcalc.sources.sample import SampleProvider
from tests.alerts.conftest import london, run_ticks
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN
from tests.slack.harness import block_text


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def provider() -> SampleProvider:
    return SampleProvider()


@pytest.fixture
def make_clock(engine, fake, provider):
    def make(holder: str) -> Clock:
        clients = SlackClients(engine, default_token=DEFAULT_TOKEN, base_url=fake.api_url)
        return Clock(
            engine, provider, clients, settings=ClockSettings(renew_every=0.0), holder=holder
        )

    return make


def kept(
    engine,
    provider,
    user: str,
    start: str,
    hours: int,
    baseline: str,
    kwh: float,
    team: str = DEFAULT_TEAM,
) -> None:
    """A pledge recorded before its window and settled from the sample's history after it."""
    begin = ts(start)
    offer = PledgeOffer("load", "C", begin, begin + pd.Timedelta(hours=hours), ts(baseline), kwh)
    pledges.record(
        engine,
        offer,
        team_id=team,
        user_id=user,
        channel_id="C0GENERAL",
        now=begin - pd.Timedelta(hours=1),
    )
    settle.settle_due(engine, provider, offer.end + pd.Timedelta(hours=1), team_id=team)


def subscribe(engine, provider, channel: str = "C0LEAD", team: str = DEFAULT_TEAM):
    services = Services(engine=engine, provider_factory=lambda: provider)
    request = DigestRequest("subscribe", channel, weekday=0, at=time(9, 0))
    return commands.handle(request, services, Where(team, "C0GENERAL", "U0ALICE"), None)


@pytest.mark.slow
def test_the_clock_posts_the_digest_once_on_monday_at_nine(engine, fake, provider, make_clock):
    kept(engine, provider, "U0ALICE", "2024-06-04 01:00", 2, "2024-06-04 16:00", 8)
    kept(engine, provider, "U0BOB", "2024-06-06 11:00", 2, "2024-06-06 17:00", 4)
    kept(engine, provider, "U0CAROL", "2024-06-05 01:00", 2, "2024-06-05 17:00", 50, team="T0OTHER")
    reply = subscribe(engine, provider)
    assert reply.title == "Weekly digest set up" and "Every Monday at 09:00" in reply.summary

    first, second = make_clock("clock-a"), make_clock("clock-b")
    reports = run_ticks(first, london("2024-06-10 08:00"), london("2024-06-10 11:00"), 15)
    reports += run_ticks(second, london("2024-06-10 09:00"), london("2024-06-11 10:00"), 60)

    posts = fake.alerts_in("C0LEAD")
    assert len(posts) == 1  # exactly once, across two clocks and Tuesday
    when = [moment for moment, r in reports if ("C0LEAD", "digest") in r.sent]
    assert when == [london("2024-06-10 09:00")]
    text = block_text(posts[0])
    assert "Weekly flexibility digest — week of Mon 03 Jun to 09 Jun 2024" in text
    assert "The team moved 12.0 kWh" in text and "2 kept pledges by 2 people" in text
    assert "Cleanest day" in text and "Over a year" in text
    assert "U0CAROL" not in text and "50" not in posts[0]["text"]  # other workspace
    assert "<@" not in posts[0]["text"]
    with Session(engine) as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.kind == "digest")).all()
    assert delivery.status == "sent" and str(delivery.local_date) == "2024-06-10"


def test_a_digest_for_another_weekday_waits(engine, fake, provider, make_clock):
    services = Services(engine=engine, provider_factory=lambda: provider)
    commands.handle(
        DigestRequest("subscribe", "C0LEAD", weekday=4, at=time(16, 0)),
        services,
        Where(DEFAULT_TEAM, "C0GENERAL", "U0ALICE"),
        None,
    )
    clock = make_clock("clock-a")
    run_ticks(clock, london("2024-06-10 15:30"), london("2024-06-10 17:00"), 30)  # Monday
    assert fake.alerts_in("C0LEAD") == []
    run_ticks(clock, london("2024-06-14 15:30"), london("2024-06-14 17:00"), 30)  # Friday
    assert len(fake.alerts_in("C0LEAD")) == 1


def test_unsubscribe_stops_it(engine, fake, provider, make_clock):
    subscribe(engine, provider)
    services = Services(engine=engine, provider_factory=lambda: provider)
    stopped = commands.handle(
        DigestRequest("unsubscribe"), services, Where(DEFAULT_TEAM, "C0GENERAL", "U0ALICE"), None
    )
    assert stopped.title == "Weekly digest stopped"
    run_ticks(make_clock("clock-a"), london("2024-06-10 08:45"), london("2024-06-10 09:30"), 15)
    assert fake.alerts_in("C0LEAD") == []


def test_the_clock_settles_finished_pledges_and_dms_the_saving(engine, fake, provider, make_clock):
    begin = ts("2024-06-09 01:00")
    offer = PledgeOffer("ev", "C", begin, begin + pd.Timedelta(hours=2), ts("2024-06-09 16:00"), 8)
    info, _ = pledges.record(
        engine,
        offer,
        team_id=DEFAULT_TEAM,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        now=ts("2024-06-08 20:00"),
    )
    run_ticks(make_clock("clock-a"), london("2024-06-09 17:00"), london("2024-06-09 17:00"))
    # the pledge is over but the baseline it replaced (16:00-18:00 UTC) isn't: not yet
    assert not any("Your pledge" in m["text"] for m in fake.dms_to("U0ALICE"))
    run_ticks(make_clock("clock-a"), london("2024-06-09 19:30"), london("2024-06-09 19:40"))
    [dm] = [m for m in fake.dms_to("U0ALICE") if "Your pledge" in m["text"]]
    # the hand-checked example of tests/test_engagement.py: 0.438 kgCO2 and £2.31
    assert "you saved 0.44 kgCO2 and £2.31" in dm["text"]
    with Session(engine) as session:
        row = session.get(Pledge, info.id)
        assert row.status == "settled" and row.carbon_basis == "actual"


def test_digest_commands_through_slack(app, fake):
    _, url = app.slack.command("/flex", "digest subscribe <#C0LEAD|leadership> monday 09:00")
    [reply] = fake.wait_replies(url)
    assert "Weekly digest set up" in reply["text"]
    assert "Every Monday at 09:00" in block_text(reply) and "<#C0LEAD>" in block_text(reply)
    _, url = app.slack.command("/flex", "digest subscribe #leadership friday 16:00")
    assert "Weekly digest updated" in fake.wait_replies(url)[0]["text"]  # found by name
    _, url = app.slack.command("/flex", "digest subscribe #nowhere")
    assert "couldn't find #nowhere" in fake.wait_replies(url)[0]["text"]
    _, url = app.slack.command("/flex", "alerts list", channel_id="C0LEAD")
    assert "weekly leadership digest at 16:00" in block_text(fake.wait_replies(url)[0])
    _, url = app.slack.command("/flex", "digest")  # preview of last week (the app's clock)
    preview = block_text(fake.wait_replies(url)[0])
    assert "Weekly flexibility digest — week of Mon 27 May" in preview
    assert "Preview." in preview
    _, url = app.slack.command("/flex", "digest unsubscribe")  # from #general: the user's own
    assert "Weekly digest stopped" in fake.wait_replies(url)[0]["text"]
