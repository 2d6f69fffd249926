"""Running jobs: enqueue once, run in workers, hand back what a dead or stopped worker held.

Huey runs the jobs; this module adds what Slack work needs on top of it:

- The web enqueues with ``run``; it never checks for repeats (``bot.security.replay`` owns
  deduplication, ADR 0083).
- Each running job is journalled (``inflight:<task id>``, with its worker's id) and every worker
  process writes a heartbeat (``alive:<worker>``). ``reap`` puts back on the queue the jobs of a
  worker whose heartbeat stopped (killed with -9, machine lost); a job Huey interrupts on
  shutdown is handed back at once. Reruns post nothing twice (``SendLedger``): its ``sent:``
  records carry when they were written and are forgotten ``KEEP_SENT_SECONDS`` later.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

from huey import Huey
from huey import signals as huey_signals
from huey.constants import EmptyData
from slack_sdk import WebClient

from bot.jobs.bridge import Job, ListenerTable, call_listener, listener_arguments
from bot.slack_web import OnceWebClient, SendLedger, api_base_url

log = logging.getLogger(__name__)

DEAD_AFTER_SECONDS = 30.0  # a worker silent this long is dead: its jobs run again


def dead_after() -> float:
    """Seconds of silence after which a worker is dead (FLEX_WORKER_DEAD_SECONDS, default 30)."""
    return float(os.environ.get("FLEX_WORKER_DEAD_SECONDS", "") or DEAD_AFTER_SECONDS)


# How long a job's send ledger (``sent:`` records) and a silent worker's heartbeat are kept: far
# longer than any job can be handed back and run again (a dead worker's jobs rerun within
# ``dead_after()`` seconds; Huey retries once after 5 s).
KEEP_SENT_SECONDS = 2 * 24 * 3600
TASK_NAME = "flexcalc.run_listener"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def last_beat(huey: Huey, worker: str) -> float | None:
    """When the worker process ``worker`` (a ``worker_id()``) last wrote its heartbeat."""
    raw = huey.storage.peek_data(f"alive:{worker}")
    return None if raw is EmptyData else float(huey.serializer.deserialize(raw))


class QueueStore(MutableMapping[str, Any]):
    """Huey's key-value store as a mapping (for ``SendLedger``); each value is stored with the
    time it was written (``written``), so ``JobQueue.reap`` can expire it."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey

    def __getitem__(self, key: str) -> Any:
        raw = self.huey.storage.peek_data(key)
        if raw is EmptyData:
            raise KeyError(key)
        return _unstamped(self.huey.serializer.deserialize(raw))

    def __setitem__(self, key: str, value: Any) -> None:
        self.huey.put(key, {STAMP: time.time(), "value": value})

    def __delitem__(self, key: str) -> None:
        self.huey.delete(key)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.huey.storage.result_items()))

    def __len__(self) -> int:
        return int(self.huey.storage.result_store_size())


STAMP = "flexcalc_written"  # epoch seconds a QueueStore value was written


def _unstamped(stored: Any) -> Any:
    return stored["value"] if isinstance(stored, dict) and STAMP in stored else stored


def written(stored: Any) -> float | None:
    """When a QueueStore value was written; None for one from before the stamp existed."""
    return float(stored[STAMP]) if isinstance(stored, dict) and STAMP in stored else None


@dataclass
class SlackTokens:
    """Which token answers a workspace: ``token_for(team_id)`` (installation or single)."""

    token_for: Callable[[str], str | None]
    base_url: str | None = None


class JobQueue:
    """Slack listener jobs on a Huey queue."""

    def __init__(self, huey: Huey, table: ListenerTable, tokens: Callable[[], SlackTokens]) -> None:
        self.huey, self.table = huey, table
        self.store = QueueStore(huey)
        self._tokens_factory = tokens
        self._tokens: SlackTokens | None = None
        self._alive_pid: int | None = None
        self._stop = threading.Event()
        self.run = huey.task(name=TASK_NAME, retries=1, retry_delay=5)(self._run)
        huey.pre_execute(name="flexcalc-journal")(self._journal)
        huey.post_execute(name="flexcalc-unjournal")(self._unjournal)
        huey.signal(huey_signals.SIGNAL_INTERRUPTED)(self._hand_back)
        huey.on_startup(name="flexcalc-own-connection")(self._own_connection)

    # ----- the worker side

    def tokens(self) -> SlackTokens:
        if self._tokens is None:
            self._tokens = self._tokens_factory()
        return self._tokens

    def _run(self, data: dict[str, Any]) -> None:
        job = Job.from_dict(data)
        function = self.table.functions.get(job.listener)
        if function is None:
            log.error("no listener %s (web and worker run different code?)", job.listener)
            return
        ledger = SendLedger(job.key, self.store)
        tokens = self.tokens()
        client: WebClient = OnceWebClient(
            token=tokens.token_for(job.context.get("team_id") or ""),
            base_url=api_base_url(tokens.base_url),
            ledger=ledger,
        )
        call_listener(function, listener_arguments(job, client, ledger))

    def _own_connection(self) -> None:
        """In a forked worker process: never share the parent's queue connection or its lock
        (SQLite and PostgreSQL connections must not cross a fork; the lock may be held)."""
        storage = self.huey.storage
        if hasattr(storage, "_conn") and hasattr(storage, "lock"):
            storage._conn = None  # the parent's; dropped without closing it under the parent
            storage.lock = threading.Lock()

    def _journal(self, task: Any) -> None:
        self._ensure_heartbeat()
        record = {"task": self.huey.serialize_task(task), "owner": worker_id(), "at": time.time()}
        self.huey.put(f"inflight:{task.id}", record)

    def _unjournal(self, task: Any, _value: Any, _exc: Any) -> None:
        self.huey.delete(f"inflight:{task.id}")

    def _hand_back(self, _signal: str, task: Any, *_: Any) -> None:
        """Huey interrupted the job (shutdown timeout): queue it again for another worker."""
        if self.huey.get(f"inflight:{task.id}") is not None:  # pops: only one hand-back
            log.warning("job %s interrupted: handing it back to the queue", task.id)
            self.huey.storage.enqueue(self.huey.serialize_task(task), task.priority)

    def _ensure_heartbeat(self) -> None:
        """One heartbeat thread per worker process (started in the process that runs jobs)."""
        if self._alive_pid == os.getpid():
            return
        self._alive_pid = os.getpid()
        self.heartbeat()
        thread = threading.Thread(target=self._beat, name="flexcalc-heartbeat", daemon=True)
        thread.start()

    def heartbeat(self) -> None:
        self.huey.put(f"alive:{worker_id()}", time.time())

    def _beat(self) -> None:
        me = os.getpid()
        while not self._stop.wait(dead_after() / 6) and os.getpid() == me:
            try:
                self.heartbeat()
            except Exception:
                log.warning("heartbeat failed", exc_info=True)

    def reap(self, now: float | None = None) -> int:
        """Re-enqueue jobs whose worker died; forget old send records and heartbeats. Returns
        the jobs handed back."""
        now = time.time() if now is None else now
        items = self.huey.storage.result_items()
        beats = {
            key.removeprefix("alive:"): self.huey.serializer.deserialize(value)
            for key, value in items.items()
            if key.startswith("alive:")
        }
        handed_back = 0
        for key, value in items.items():
            if key.startswith("inflight:"):
                record = self.huey.serializer.deserialize(value)
                beat = beats.get(record["owner"], record["at"])
                if now - max(beat, record["at"]) < dead_after():
                    continue
                if self.huey.get(key) is None:  # popped by another reaper first
                    continue
                log.warning("worker %s is gone: job %s runs again", record["owner"], key)
                self.huey.storage.enqueue(record["task"], None)
                handed_back += 1
            elif key.startswith("sent:"):
                self._expire_sent(key, self.huey.serializer.deserialize(value), now)
            elif key.startswith("alive:") and now - beats[key[6:]] > KEEP_SENT_SECONDS:
                self.huey.delete(key)
        return handed_back

    def _expire_sent(self, key: str, stored: Any, now: float) -> None:
        at = written(stored)
        if at is None:  # written before records were stamped: its time starts now
            self.huey.put(key, {STAMP: now, "value": stored})
        elif now - at > KEEP_SENT_SECONDS:
            self.huey.delete(key)

    def reap_forever(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.wait(dead_after() / 3):
                try:
                    self.reap()
                except Exception:
                    log.warning("reaping failed", exc_info=True)

        thread = threading.Thread(target=loop, name="flexcalc-reaper", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


class LocalWorkers:
    """Worker threads inside this process (Socket Mode, tests): one process does it all."""

    def __init__(self, queue: JobQueue, threads: int = 8, poll: float = 0.02) -> None:
        self.queue, self.poll = queue, poll
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"flexcalc-job-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> LocalWorkers:
        for thread in self._threads:
            thread.start()
        return self

    def _work(self) -> None:
        huey = self.queue.huey
        while not self._stop.is_set():
            try:
                task = huey.dequeue()
            except Exception:
                log.warning("dequeue failed", exc_info=True)
                task = None
            if task is None:
                self._stop.wait(self.poll)
                continue
            huey.execute(task)

    def stop(self, wait: float = 30.0) -> None:
        """Finish the jobs in hand (up to ``wait`` seconds), then stop."""
        self._stop.set()
        deadline = time.monotonic() + wait
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
