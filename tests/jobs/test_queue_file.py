"""The embedded SQLite queue commits without an fsync per write, yet keeps every acked job when
the process that queued it is killed at once (WAL, synchronous=NORMAL: docs/adr/0087)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.jobs.queue import make_huey

REPO = Path(__file__).resolve().parents[2]


def test_jobs_queued_by_a_process_killed_right_after_stay_queued(tmp_path: Path, monkeypatch):
    queue_file = tmp_path / "flexcalc-queue.sqlite"
    env = {**os.environ, "FLEX_QUEUE_FILE": str(queue_file), "PYTHONPATH": str(REPO)}
    env.pop("FLEX_QUEUE_URL", None)
    script = textwrap.dedent(
        """
        import os, signal
        from bot.jobs.queue import make_huey
        huey = make_huey(db_url="sqlite:///unused.sqlite")
        for n in range(50):
            assert huey.put_if_empty(f"seen:{n}", n)
            huey.storage.enqueue(f"job {n}".encode(), 0)
        print("queued", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint: killed like kill -9
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL and b"queued" in done.stdout, done.stderr
    monkeypatch.setenv("FLEX_QUEUE_FILE", str(queue_file))
    monkeypatch.delenv("FLEX_QUEUE_URL", raising=False)
    huey = make_huey(db_url="sqlite:///unused.sqlite")
    assert huey.pending_count() == 50
    assert [huey.storage.dequeue() for _ in range(2)] == [b"job 0", b"job 1"]
    assert huey.storage.peek_data("seen:49") is not None


def test_the_queue_file_does_not_wait_for_the_disk_on_every_commit(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FLEX_QUEUE_FILE", str(tmp_path / "q.sqlite"))
    monkeypatch.delenv("FLEX_QUEUE_URL", raising=False)
    huey = make_huey(db_url="sqlite:///unused.sqlite")
    huey.storage.enqueue(b"job", 0)
    [[level]] = huey.storage.conn.execute("pragma synchronous").fetchall()
    [[mode]] = huey.storage.conn.execute("pragma journal_mode").fetchall()
    assert (level, mode) == (1, "wal")  # NORMAL: safe against a killed process in WAL mode


@pytest.mark.slow  # a real PostgreSQL server (pgserver)
def test_a_postgresql_queue_hands_jobs_between_processes_without_waiting_for_the_disk(
    postgres_url: str, monkeypatch
):
    monkeypatch.delenv("FLEX_QUEUE_URL", raising=False)
    web, worker = make_huey(db_url=postgres_url), make_huey(db_url=postgres_url)
    assert web.put_if_empty("seen:k1", 1.0) and not worker.put_if_empty("seen:k1", 2.0)
    web.storage.enqueue(b"job 1", 0)
    assert worker.storage.dequeue() == b"job 1"
    with worker.storage.db() as cursor:  # the queue's sessions only (ADR 0087)
        cursor.execute("show synchronous_commit")
        assert cursor.fetchone() == ("off",)
