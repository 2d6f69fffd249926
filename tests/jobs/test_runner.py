"""The job runner: dead workers' jobs run again; a job's send records expire on their own."""

from __future__ import annotations

import time

from huey import MemoryHuey

from bot.jobs.bridge import Job, ListenerTable
from bot.jobs.runner import KEEP_SENT_SECONDS, JobQueue, QueueStore, SlackTokens
from bot.slack_web import SendLedger

LISTENER = "event:app_mention:count"


def _queue(calls: list) -> JobQueue:
    table = ListenerTable()
    assert (
        table.add("event", "count", "app_mention", lambda body: calls.append(body["n"])) == LISTENER
    )
    return JobQueue(MemoryHuey("t", results=False), table, lambda: SlackTokens(lambda _: None))


def _job(key: str, n: int) -> Job:
    return Job(key, LISTENER, "event", {"n": n}, {}, time.time())


def test_the_queue_runs_every_job_it_is_given_and_keeps_no_dedupe_keys():
    """Repeats are refused before the queue (``bot.security.replay``): it only enqueues."""
    calls: list = []
    queue = _queue(calls)
    queue.run(_job("k1", 1).to_dict())
    queue.run(_job("k2", 2).to_dict())
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
    assert calls == [1, 2]
    assert not [k for k in queue.huey.storage.result_items() if not k.startswith("alive:")]


def test_the_job_of_a_dead_worker_runs_again_and_a_live_ones_does_not(monkeypatch):
    monkeypatch.setenv("FLEX_WORKER_DEAD_SECONDS", "30")
    calls: list = []
    queue = _queue(calls)
    queue.run(_job("k1", 1).to_dict())
    task = queue.huey.dequeue()
    queue._journal(task)  # a worker took it (and beats)...
    assert queue.reap() == 0  # alive: nobody else may run it
    assert queue.huey.pending_count() == 0
    assert queue.reap(now=time.time() + 31) == 1  # ...then went silent: killed
    assert queue.reap(now=time.time() + 31) == 0  # handed back once, not twice
    queue.huey.execute(queue.huey.dequeue())
    assert calls == [1]


def test_send_records_outlive_a_rerun_and_expire_on_their_own():
    queue = _queue([])
    ledger = SendLedger("k1", QueueStore(queue.huey))
    slot = ledger.slot("chat.postMessage", "C1")
    ledger.record(slot, {"ok": True, "ts": "1.2"})
    queue.reap(now=time.time() + KEEP_SENT_SECONDS - 60)  # a rerun within two days...
    assert SendLedger("k1", QueueStore(queue.huey)).recorded(slot) == {"ok": True, "ts": "1.2"}
    queue.reap(now=time.time() + KEEP_SENT_SECONDS + 1)  # ...and gone after
    assert list(queue.huey.storage.result_items()) == []


def test_a_send_record_from_before_the_stamp_expires_from_when_it_is_first_reaped():
    queue = _queue([])
    queue.huey.put("sent:k0:chat.postMessage:C1:0", {"ok": True})  # an older build's record
    first = time.time()
    queue.reap(now=first)
    assert QueueStore(queue.huey)["sent:k0:chat.postMessage:C1:0"] == {"ok": True}
    queue.reap(now=first + KEEP_SENT_SECONDS + 1)
    assert list(queue.huey.storage.result_items()) == []
