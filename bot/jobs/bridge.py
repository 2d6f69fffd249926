"""Listeners keep Bolt's ``lazy=`` shape; the queue carries the lazy half.

A listener module registers what to match and *names* its lazy work (``lazy=["answer_command"]``);
it never imports that work. ``QueuingApp`` stands in for the Bolt ``App`` while the listener
modules register. On the web side it gives Bolt an ack that only enqueues
(``process_before_response=True``: the ack is the HTTP answer, on the request thread, never
behind other work), so the web loads no answering code at all. In the worker (and the
one-process shell / Socket Mode) it is given the work table (``bot.listeners.work``: job name ->
function) and records each lazy function under a name both sides compute the same way from what
the listener answers and the job's name (never from registration order, so a job queued by one
version of the web still finds its listener after the listener modules are reordered);
``call_listener`` calls one with the arguments Bolt would have given it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack_web import BudgetedRespond, SendLedger

log = logging.getLogger(__name__)

BUSY_TEXT = "Sorry, I can't take requests for a moment. Please try again in a minute."
# A lazy listener's optional check in the ack: Bolt ``ack`` arguments refusing it, or None.
Check = Callable[[dict[str, Any], WebClient], dict[str, Any] | None] | None
CONTEXT_KEYS = ("team_id", "enterprise_id", "user_id", "channel_id", "is_enterprise_install")


@dataclass(frozen=True)
class Job:
    """One piece of work for a worker: which listener, on what Slack payload."""

    key: str  # idempotency key, from Slack's own ids (event_id, trigger_id ...)
    listener: str  # ListenerTable key
    kind: str  # command | event | action | view
    body: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    received: float = 0.0  # when the web acked (epoch seconds): response_url's 30 minutes

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        return cls(**data)


def job_key(kind: str, listener: str, body: dict[str, Any]) -> str:
    """The same key for a redelivered event or a retried request, a new one for a new request."""
    parts = [kind, listener, str(body.get("team_id") or (body.get("team") or {}).get("id"))]
    if body.get("event_id"):
        parts.append(str(body["event_id"]))
    else:
        action = (body.get("actions") or [{}])[0]
        view = body.get("view") or {}
        parts += [
            str(body.get("trigger_id") or ""),
            str(action.get("action_ts") or ""),
            str(body.get("response_url") or ""),
            str(view.get("id") or "") + str(view.get("hash") or ""),
        ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


class ListenerTable:
    """Lazy listener functions by stable name (see ``listener_name``).

    The web's table only knows the names (``functions`` stays empty); a worker's maps every name
    to the function that does the work."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.functions: dict[str, Callable[..., Any]] = {}

    def add(
        self, kind: str, job: str, what: Any = None, function: Callable[..., Any] | None = None
    ) -> str:
        """Record the lazy job ``job`` of a ``kind`` listener for ``what`` (and the ``function``
        doing it, in a worker); its name."""
        key = listener_name(kind, what, job)
        self.names.add(key)
        if function is not None and self.functions.setdefault(key, function) is not function:
            raise ValueError(f"two different listeners are both named {key!r}")
        return key


def listener_name(kind: str, what: Any, job: str) -> str:
    """``kind:trigger:job``, e.g. ``command:/prices:answer_command``.

    The trigger is what Bolt matches (a command, an event type, an action id or its pattern), and
    ``job`` the lazy work's name in ``bot.listeners.work``, so the name is the same in every
    process and whatever order listeners register in."""
    if isinstance(what, re.Pattern):
        trigger = what.pattern
    elif isinstance(what, dict):
        trigger = json.dumps(what, sort_keys=True, default=str)
    else:
        trigger = str(what) if what is not None else ""
    return f"{kind}:{trigger}:{job}"


class QueuingApp:
    """What listener modules register on: Bolt's decorators, with lazy work sent to the queue.

    ``app`` is the real Bolt app (web, Socket Mode) or None (a worker, which only needs the
    table). ``enqueue`` queues a job (``JobQueue.run``) with no check of its own: repeated
    deliveries never get this far, because ``bot.security.replay`` (a Bolt middleware ahead of
    every listener) is the one deduplication owner (ADR 0083). ``work`` maps job names to the
    functions doing them (``bot.listeners.work.lazy_work``): given where jobs run (a worker, one
    process), absent in the web, which only names them.
    """

    def __init__(
        self,
        app: App | None,
        table: ListenerTable,
        enqueue: Callable[[dict[str, Any]], Any] | None = None,
        work: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.app, self.table, self.enqueue, self.work = app, table, enqueue, work

    def command(self, command: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("command", command, matchers)

    def event(self, event: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("event", event, matchers)

    def action(self, constraints: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("action", constraints, matchers)

    def view(self, constraints: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("view", constraints, matchers)

    def _on(self, kind: str, what: Any, matchers: list | None) -> Callable[..., Any]:
        def register(
            *functions: Callable[..., Any], lazy: list[str] | None = None, check: Check = None
        ) -> Any:
            """``(listener)``: a synchronous Bolt listener; ``(lazy=[job, ...])``: acked here,
            the named jobs run in a worker. ``check(body, client)`` may refuse the request in
            the ack (e.g. a form's inline errors: the arguments for ``ack``); then no job."""
            if not lazy:  # quick synchronous listeners (opening a modal) stay in Bolt
                if self.app is not None:
                    getattr(self.app, kind)(what, matchers=matchers)(*functions)
                return functions[0] if functions else None
            keys = [self.table.add(kind, job, what, self._function(job)) for job in lazy]
            if self.app is not None:
                getattr(self.app, kind)(what, matchers=matchers)(self._acker(kind, keys, check))
            return None

        return register

    def _function(self, job: str) -> Callable[..., Any] | None:
        if self.work is None:
            return None
        if job not in self.work:
            raise LookupError(f"no lazy work named {job!r} in the work table")
        return self.work[job]

    def _acker(self, kind: str, keys: list[str], check: Check) -> Callable[..., None]:
        enqueue = self.enqueue

        def ack_and_enqueue(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            refusal = check(body, context.client) if check is not None else None
            if refusal is not None:
                ack(**refusal)
                return
            kept = {k: context.get(k) for k in CONTEXT_KEYS if context.get(k) is not None}
            now = time.time()
            try:
                for listener in keys:
                    job = Job(job_key(kind, listener, body), listener, kind, body, kept, now)
                    if enqueue is not None:
                        enqueue(job.to_dict())
            except Exception:
                log.exception("could not enqueue a %s", kind)
                ack(text=BUSY_TEXT) if kind == "command" else ack()
                return
            ack()

        return ack_and_enqueue


def listener_arguments(job: Job, client: WebClient, ledger: SendLedger) -> dict[str, Any]:
    """The arguments Bolt would pass a listener for this payload (those a job can rebuild)."""
    body = job.body
    context = BoltContext(dict(job.context))
    context["client"] = client
    payload: Any = body
    if job.kind == "event":
        payload = body.get("event") or {}
    elif job.kind == "action":
        payload = (body.get("actions") or [{}])[0]
    elif job.kind == "view":
        payload = body.get("view") or {}
    args: dict[str, Any] = {
        "body": body,
        "payload": payload,
        job.kind: payload,
        "client": client,
        "context": context,
        "logger": logging.getLogger(f"bot.jobs.{job.kind}"),
    }
    url = body.get("response_url") or ((body.get("response_urls") or [{}])[0]).get("response_url")
    if url:
        args["respond"] = BudgetedRespond(
            url,
            client=client,
            channel_id=job.context.get("channel_id") or _channel(body),
            user_id=job.context.get("user_id"),
            ledger=ledger,
            received=job.received or None,
        )
    return args


def _channel(body: dict[str, Any]) -> str | None:
    return body.get("channel_id") or (body.get("channel") or {}).get("id")


def call_listener(function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Call ``function`` with the arguments its signature names (Bolt's way)."""
    wanted = inspect.signature(function).parameters
    return function(**{name: arguments.get(name) for name in wanted})
