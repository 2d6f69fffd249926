"""The clock queues each tick; a worker runs it (claims keep every alert to one post)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from huey import Huey

from bot.alerts import ledger, tick_job
from bot.alerts.fanout import ClockSettings
from bot.clock import Ticker
from bot.clock import parser as clock_parser
from bot.jobs.queue import SqliteQueue, make_huey
from bot.jobs.runner import worker_id
from bot.jobs.ticks import configured_minutes
from bot.modes.socket import start_queue_worker
from bot.services import Services
from bot.storage.db import get_engine
from bot.storage.subscriptions import PENDING, SENT
from tests.alerts.conftest import london
from tests.alerts.fake_slack_alerts import AlertsFakeSlack
from tests.alerts.helpers import deliveries, seconds_until_takeover, subscribe, subscribe_channels
from tests.alerts.test_clock_process import _due_now as due_now
from tests.fakes.slack_api import DEFAULT_TOKEN, running
from tests.jobs.test_procfile_stack import Stack

CHANNELS = [f"C0QUEUE{i:02d}" for i in range(6)]


@pytest.fixture
def new_huey(tmp_path) -> Callable[[], Huey]:
    """One process's view of the shared queue (the clock and a worker each have one): here the
    embedded default, a SQLite file (test_clock_queue_postgres: the PostgreSQL queue)."""
    path = str(tmp_path / "queue.sqlite")
    return lambda: SqliteQueue("flexcalc", filename=path, results=False, utc=True)


def _work(huey) -> int:
    """Run what is queued, as a worker thread would; returns the jobs run."""
    done = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        done += 1
    return done


def test_the_clock_queues_one_job_per_slot_and_only_while_it_holds_the_lease(engine, new_huey):
    clock = Ticker(engine, new_huey(), timedelta(minutes=5), holder="clock-a")
    standby = Ticker(engine, new_huey(), timedelta(minutes=5), holder="clock-b")
    with time_machine.travel(london("2024-06-05 08:00:10"), tick=False) as traveller:
        assert clock.tick() == "2024-06-05T07:00:00Z"  # the slot, in UTC
        assert standby.tick() is None  # no lease: nothing queued
        traveller.move_to(london("2024-06-05 08:03"))
        assert clock.tick() is None  # the same slot again (a retried tick): not queued twice
        traveller.move_to(london("2024-06-05 08:05"))
        assert clock.tick() == "2024-06-05T07:05:00Z"
    assert clock.huey.pending_count() == 2


def test_a_worker_runs_the_queued_tick_and_a_doubled_tick_posts_nothing_twice(
    engine, slack, make_clock, new_huey
):
    subscribe_channels(engine, CHANNELS)
    clock = Ticker(engine, new_huey(), timedelta(minutes=5), holder="clock-a")
    worker = new_huey()
    tick_job.register(worker, engine, make_clock(holder=f"worker:{worker_id()}"))
    with time_machine.travel(london("2024-06-05 08:00"), tick=False) as traveller:
        clock.tick()
        assert slack.alert_posts() == []  # the clock itself posts nothing
        assert _work(worker) == 1
        clock.release()  # the clock died; a standby takes over within the same slot...
        traveller.move_to(london("2024-06-05 08:02"))
        assert Ticker(engine, new_huey(), holder="clock-b").tick() is None
        traveller.move_to(london("2024-06-05 08:05"))  # ...and queues the next slot
        assert Ticker(engine, new_huey(), holder="clock-b").tick() is not None
        assert _work(worker) == 1
    assert {ch: len(slack.alerts_in(ch)) for ch in CHANNELS} == {ch: 1 for ch in CHANNELS}
    assert [d.status for d in deliveries(engine)] == [SENT] * len(CHANNELS)


def test_a_standby_clock_takes_over_within_a_minute_and_queues_nothing_twice(
    engine, slack, make_clock, new_huey
):
    subscribe_channels(engine, CHANNELS)
    leader = Ticker(engine, new_huey(), holder="leader")
    standby = Ticker(engine, new_huey(), holder="standby")
    worker = new_huey()
    tick_job.register(worker, engine, make_clock(holder=f"worker:{worker_id()}"))
    start = london("2024-06-05 08:00:30")
    with time_machine.travel(start, tick=False) as traveller:
        assert leader.tick() is not None  # queued; then the leader is killed (lease not released)
        assert standby.heartbeat() is False  # the leader's lease is still fresh
        took_over_at = seconds_until_takeover(standby, traveller, start)
        assert standby.tick() is None  # its first tick: the dead leader's job is queued already
        assert _work(worker) == 1
        traveller.move_to(london("2024-06-05 08:05"))
        assert standby.tick() is not None  # the next slot is the standby's
        _work(worker)
    assert took_over_at is not None and took_over_at <= 60
    assert {ch: len(slack.alerts_in(ch)) for ch in CHANNELS} == {ch: 1 for ch in CHANNELS}


class Killed(BaseException):
    """The worker process dying (kill -9) right after Slack accepted a post."""


@pytest.mark.parametrize("beating", [False, True], ids=["worker-dead", "worker-alive"])
def test_a_rerun_takes_over_a_dead_workers_claims_at_once(
    engine, slack, make_clock, new_huey, beating
):
    subscribe_channels(engine, CHANNELS)
    posted: list[str] = []

    def killed_on_third(job, _ts):
        posted.append(job.sub.channel_id)
        if len(posted) == 3:
            raise Killed

    settings = ClockSettings(renew_every=0.0, workers=1)
    dead = make_clock(holder="worker:gone:4242", after_post=killed_on_third, settings=settings)
    worker = new_huey()
    tick_job.register(worker, engine, make_clock(holder=f"worker:{worker_id()}"))
    clock = Ticker(engine, new_huey(), timedelta(minutes=5), holder="clock-a")
    with time_machine.travel(london("2024-06-05 08:00"), tick=False) as traveller:
        with pytest.raises(Killed):
            dead.tick(use_lease=False)
        assert [d.status for d in deliveries(engine)][:3] == [SENT, SENT, PENDING]
        traveller.move_to(london("2024-06-05 08:05"))  # well inside the 10 minutes' staleness
        if beating:  # the holder still beats: it is slow, not dead, and is left alone
            worker.put("alive:gone:4242", time.time())
        clock.tick()
        _work(worker)
    # the killed post is found in its channel, never made twice; the others are posted
    assert {ch: len(slack.alerts_in(ch)) for ch in CHANNELS} == {ch: 1 for ch in CHANNELS}
    if beating:  # left to its live holder (or to the 10 minutes' staleness)
        assert ledger.pending_holders(engine) == {"worker:gone:4242"}
    else:  # taken over at once: recorded as sent, 5 minutes after the kill
        assert [d.status for d in deliveries(engine)] == [SENT] * len(CHANNELS)


class ClockStack(Stack):
    """The Procfile's worker and clock lines, the clock ticking every 1.2 s."""

    def env(self) -> dict[str, str]:
        return super().env() | {"FLEX_CLOCK_MINUTES": "0.02"}


@pytest.mark.slow
def test_a_worker_killed_mid_fan_out_is_replaced_and_each_channel_posted_once(tmp_path):
    channels = [f"C0KILL{i:02d}" for i in range(48)]
    with running(AlertsFakeSlack()) as fake:
        fake.delays["chat.postMessage"] = 0.4  # a slow Slack: the fan-out takes seconds
        stack = ClockStack(fake, tmp_path)
        engine = get_engine(stack.env()["DATABASE_URL"])
        for i, channel in enumerate(channels):
            subscribe(engine, f"alerts subscribe {due_now()} in {'CB'[i % 2]}", channel)
        try:
            stack.start("worker")
            stack.start("clock")
            fake.wait_for(lambda s: s.alert_posts(), timeout=120)
            os.killpg(stack.processes["worker"].pid, signal.SIGKILL)  # mid fan-out
            stack.processes["worker"].wait(timeout=10)
            assert len(fake.alert_posts()) < len(channels)
            stack.start("worker")  # the platform restarts it; the reaper queues the job again
            fake.wait_for(lambda s: all(s.alerts_in(ch) for ch in channels), timeout=120)
            time.sleep(4)  # more ticks, past the dead worker's 3 s: nothing posted again
        finally:
            stack.stop()
        posts = {ch: len(fake.alerts_in(ch)) for ch in channels}
    assert posts == {ch: 1 for ch in channels}, stack.log("worker")
    assert [d.status for d in deliveries(engine)] == [SENT] * len(channels)


def test_socket_mode_runs_the_ticks_the_clock_queues(engine, slack, monkeypatch, tmp_path):
    for name, value in {
        "DATABASE_URL": str(engine.url),
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "FLEX_OFFLINE": "1",
        "FLEX_CACHE_DIR": str(tmp_path / "cache"),
    }.items():
        monkeypatch.setenv(name, value)
    subscribe(engine, f"alerts subscribe {due_now()} in C", "C0SOCKET")
    workers = start_queue_worker(Services(engine=engine))  # what `python -m bot socket` starts
    try:
        assert Ticker(engine, make_huey(), holder="clock-a").tick() is not None
        slack.wait_for(lambda s: s.alerts_in("C0SOCKET"), timeout=60)
    finally:
        workers.stop()
    assert len(slack.alerts_in("C0SOCKET")) == 1


@pytest.mark.parametrize(("value", "minutes"), [("2", 2.0), ("", 5.0), (None, 5.0)])
def test_the_clock_and_the_worker_read_the_same_tick_interval(monkeypatch, value, minutes):
    if value is None:
        monkeypatch.delenv("FLEX_CLOCK_MINUTES", raising=False)
    else:
        monkeypatch.setenv("FLEX_CLOCK_MINUTES", value)
    assert clock_parser().parse_args([]).minutes == minutes  # the clock's schedule
    assert configured_minutes() == minutes  # what the worker's tick Clock is built with
