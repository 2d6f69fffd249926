"""The job runner: one job per Slack request, dead workers' jobs run again, old keys forgotten."""

from __future__ import annotations

import time

from huey import MemoryHuey

from bot.jobs.bridge import Job, ListenerTable
from bot.jobs.runner import KEEP_KEYS_SECONDS, JobQueue, SlackTokens

LISTENER = "event:app_mention:tests.jobs.test_runner._queue.<locals>.<lambda>"


def _queue(calls: list) -> JobQueue:
    table = ListenerTable()
    assert table.add("event", lambda body: calls.append(body["n"]), "app_mention") == LISTENER
    return JobQueue(MemoryHuey("t", results=False), table, lambda: SlackTokens(lambda _: None))


def _job(key: str, n: int) -> Job:
    return Job(key, LISTENER, "event", {"n": n}, {}, time.time())


def test_a_request_seen_before_is_not_queued_again():
    queue = _queue([])
    assert queue.submit(_job("k1", 1)) is True
    assert queue.submit(_job("k1", 1)) is False  # Slack's retry of the same event
    assert queue.submit(_job("k2", 2)) is True
    assert queue.huey.pending_count() == 2


def test_the_job_of_a_dead_worker_runs_again_and_a_live_ones_does_not(monkeypatch):
    monkeypatch.setenv("FLEX_WORKER_DEAD_SECONDS", "30")
    calls: list = []
    queue = _queue(calls)
    queue.submit(_job("k1", 1))
    task = queue.huey.dequeue()
    queue._journal(task)  # a worker took it (and beats)...
    assert queue.reap() == 0  # alive: nobody else may run it
    assert queue.huey.pending_count() == 0
    assert queue.reap(now=time.time() + 31) == 1  # ...then went silent: killed
    assert queue.reap(now=time.time() + 31) == 0  # handed back once, not twice
    queue.huey.execute(queue.huey.dequeue())
    assert calls == [1]


def test_old_job_keys_are_forgotten():
    queue = _queue([])
    queue.submit(_job("k1", 1))
    queue.huey.put("sent:k1:chat.postMessage:C1:0", {"ok": True})
    queue.reap(now=time.time() + KEEP_KEYS_SECONDS + 1)
    assert list(queue.huey.storage.result_items()) == []
