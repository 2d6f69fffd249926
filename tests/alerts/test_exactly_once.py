"""Two clocks on one database, a clock crashing mid fan-out and restarting: never a double post,
never a skipped alert."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine

from bot.alerts import ledger
from bot.alerts.fanout import ClockSettings
from bot.storage.subscriptions import PENDING, SENT
from tests.alerts.conftest import london
from tests.alerts.helpers import deliveries, seconds_until_takeover, subscribe, subscribe_channels

CHANNELS = [f"C0TEAM{i:02d}" for i in range(8)]


def _tick_together(clocks, **kw):
    reports = [None] * len(clocks)
    barrier = threading.Barrier(len(clocks))

    def run(i):
        barrier.wait()
        reports[i] = clocks[i].tick(**kw)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clocks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return reports


@pytest.mark.parametrize("use_lease", [True, False], ids=["with-lease", "claims-only"])
def test_two_clocks_ticking_at_once_post_each_alert_once(engine, slack, make_clock, use_lease):
    subscribe_channels(engine, CHANNELS)
    clocks = [make_clock(holder="clock-a"), make_clock(holder="clock-b")]
    moment = london("2024-06-05 07:50")
    with time_machine.travel(moment, tick=False) as traveller:
        for _ in range(8):  # 07:50 .. 08:25
            traveller.move_to(moment)
            reports = _tick_together(clocks, use_lease=use_lease)
            if use_lease:
                assert sorted(r.acted for r in reports) == [False, True]
            moment += timedelta(minutes=5)

    assert {ch: len(slack.alerts_in(ch)) for ch in CHANNELS} == {ch: 1 for ch in CHANNELS}
    assert [d.status for d in deliveries(engine)] == [SENT] * len(CHANNELS)


def test_standby_clock_takes_over_when_the_lease_expires(engine, slack, make_clock):
    subscribe_channels(engine, CHANNELS)
    leader, standby = make_clock(holder="leader"), make_clock(holder="standby")
    with time_machine.travel(london("2024-06-05 07:00"), tick=False) as traveller:
        assert leader.tick().acted
        assert not standby.tick().acted
        traveller.move_to(london("2024-06-05 08:00"))  # the leader died; its lease ran out
        report = standby.tick()
    assert report.acted and report.posted == len(CHANNELS)


class Crash(BaseException):
    """Stands in for the process dying (kill -9, OOM) right after Slack accepted a post."""


def test_restart_after_crash_between_post_and_record(engine, slack, make_clock):
    subscribe_channels(engine, CHANNELS)
    posted = []

    def die_on_third(job, ts):
        posted.append(job.sub.channel_id)
        if len(posted) == 3:
            raise Crash

    settings = ClockSettings(stale_after=timedelta(minutes=10), renew_every=0.0, workers=1)
    first = make_clock(holder="first", after_post=die_on_third, settings=settings)
    with time_machine.travel(london("2024-06-05 08:00"), tick=False) as traveller:
        with pytest.raises(Crash):
            first.tick()
        assert len(slack.alert_posts()) == 3
        statuses = [d.status for d in deliveries(engine)]
        assert statuses == [SENT, SENT, PENDING]  # the third was posted, never recorded

        # restarted process (new holder); its lease expired with the old one
        traveller.move_to(london("2024-06-05 08:20"))
        second = make_clock(holder="second", settings=settings)
        report = second.tick()

    assert report.reconciled == 1  # found the crashed post in the channel: recorded, not redone
    assert report.posted == len(CHANNELS) - 3
    assert {ch: len(slack.alerts_in(ch)) for ch in CHANNELS} == {ch: 1 for ch in CHANNELS}
    assert all(d.status == SENT for d in deliveries(engine))


def test_restart_after_crash_before_posting_posts_after_the_stale_timeout(
    engine, slack, make_clock
):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0SOLO")
    [sub_id] = [1]
    with time_machine.travel(london("2024-06-05 08:00"), tick=False) as traveller:
        # a clock claimed the alert and died before posting
        claim = ledger.claim(
            engine,
            sub_id,
            london("2024-06-05 08:00").date(),
            "daily",
            "dead-clock",
            stale_after=timedelta(minutes=10),
        )
        assert claim is not None
        clock = make_clock(holder="fresh")
        traveller.move_to(london("2024-06-05 08:05"))
        assert clock.tick().busy == 1  # still within the stale timeout: left alone
        assert slack.alert_posts() == []
        traveller.move_to(london("2024-06-05 08:15"))
        report = clock.tick()
    assert report.posted == 1 and report.reconciled == 0
    assert len(slack.alerts_in("C0SOLO")) == 1
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts, delivery.claimed_by) == (SENT, 2, "fresh")


def test_a_crashed_clock_is_replaced_within_a_minute_and_its_claim_posted_once(
    engine, slack, make_clock
):
    subscribe_channels(engine, CHANNELS)
    posted = []

    def die_on_third(job, ts):
        posted.append(job.sub.channel_id)
        if len(posted) == 3:
            raise Crash  # kill -9 between Slack's ok and the record

    settings = ClockSettings(renew_every=0.0, workers=1)
    leader = make_clock(holder="leader", after_post=die_on_third, settings=settings)
    standby = make_clock(holder="standby", settings=settings)
    start = london("2024-06-05 08:00")
    with time_machine.travel(start, tick=False) as traveller:
        with pytest.raises(Crash):
            leader.tick()
        assert standby.heartbeat() is False  # the leader's lease is still fresh
        took_over_at = seconds_until_takeover(standby, traveller, start)
        report = standby.tick()
    assert took_over_at is not None and took_over_at <= 60
    assert report.reconciled == 1  # the crashed post was found, not redone
    assert report.posted == len(CHANNELS) - 3
    assert {ch: len(slack.alerts_in(ch)) for ch in CHANNELS} == {ch: 1 for ch in CHANNELS}
