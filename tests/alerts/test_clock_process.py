"""``python -m bot clock`` as a real process: ``--once`` (inline), and the APScheduler loop that
queues ticks for a worker, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.subscriptions import ClockLease, utcnow
from tests.alerts.helpers import deliveries, subscribe
from tests.fakes.slack_api import DEFAULT_TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _env(engine, slack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PUBLIC_"))}
    env.update(
        DATABASE_URL=str(engine.url),
        SLACK_API_URL=slack.api_url,
        SLACK_BOT_TOKEN=DEFAULT_TOKEN,
        FLEX_OFFLINE="1",
        PYTHONPATH=ROOT,
    )
    return env


def _due_now() -> str:
    """A daily time that is due right now (a few minutes ago, UK time)."""
    return (datetime.now(ZoneInfo("Europe/London")) - timedelta(minutes=2)).strftime("%H:%M")


@pytest.mark.slow
def test_clock_once_posts_due_alerts_and_exits(engine, slack):
    subscribe(engine, f"alerts subscribe {_due_now()} in C", "C0CRON")
    # offline, the sample replays a 2024 day: it must not raise 2024's negative-price alarms
    subscribe(engine, "alerts when price below 0", "C0CRON")
    command = [sys.executable, "-m", "bot", "clock", "--once"]
    first = subprocess.run(
        command, env=_env(engine, slack), capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert first.returncode == 0, first.stderr
    assert "alerts clock: due 1, posted 1" in first.stdout
    second = subprocess.run(
        command, env=_env(engine, slack), capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert "posted 0" in second.stdout  # cron running it again never double-posts
    assert len(slack.alerts_in("C0CRON")) == 1
    assert [d.status for d in deliveries(engine)] == ["sent"]


NUMERIC = ("pandas", "numpy", "matplotlib", "sklearn", "scipy")


def numeric_libraries(pid: int) -> set[str]:
    """Which numeric libraries the process ``pid`` has loaded (its memory map's files)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {name for name in NUMERIC if f"/{name}/" in maps or f"/{name}." in maps}


@pytest.mark.slow
def test_scheduler_queues_ticks_a_worker_posts_and_both_stop_on_sigterm(engine, slack):
    subscribe(engine, f"alerts subscribe {_due_now()} in C", "C0LOOP")
    env = _env(engine, slack) | {"FLEX_WORKERS": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "clock", "--minutes", "0.02"],  # a tick every 1.2 s
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        slack.wait_for(lambda s: s.alerts_in("C0LOOP"), timeout=90)
        time.sleep(3)  # a few more ticks: nothing more to post
        # the clock only queues: it never loaded the numeric stack the worker's alerts need
        assert numeric_libraries(process.pid) == set()
        assert {"pandas", "numpy"} <= numeric_libraries(worker.pid)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        for started in (process, worker):
            if started.poll() is None:
                started.kill()
                started.wait(timeout=10)
    assert process.returncode == 0, output
    assert len(slack.alerts_in("C0LOOP")) == 1
    assert output.count("alerts tick") >= 3
    with Session(engine) as session:
        lease = session.scalars(select(ClockLease)).one()
    assert lease.expires_at <= utcnow()  # released on shutdown: a standby can take over at once
