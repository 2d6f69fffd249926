"""Listeners keep Bolt's ``ack=`` / ``lazy=`` shape; the queue carries the lazy half.

``QueuingApp`` stands in for the Bolt ``App`` while the listener modules register. On the web
side it gives Bolt an ack that only enqueues (``process_before_response=True``: the ack is the
HTTP answer, on the request thread, never behind other work). In the worker it only records
the lazy functions, by a name both sides compute the same way from what the listener answers and
the function's own name (never from registration order, so a job queued by one version of the
web still finds its listener after the listener modules are reordered), and ``call_listener``
calls one with the arguments Bolt would have given it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.slack_web import BudgetedRespond, SendLedger

log = logging.getLogger(__name__)

BUSY_TEXT = "Sorry, I can't take requests for a moment. Please try again in a minute."
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
    """Lazy listener functions by stable name (see ``listener_name``)."""

    def __init__(self) -> None:
        self.functions: dict[str, Callable[..., Any]] = {}

    def add(self, kind: str, function: Callable[..., Any], what: Any = None) -> str:
        """Record ``function`` (the lazy half of a ``kind`` listener for ``what``); its name."""
        key = listener_name(kind, what, function)
        if self.functions.setdefault(key, function) is not function:
            raise ValueError(f"two different listeners are both named {key!r}")
        return key


def listener_name(kind: str, what: Any, function: Callable[..., Any]) -> str:
    """``kind:trigger:module.function``, e.g. ``command:/prices:bot.listeners…answer_command``.

    The trigger is what Bolt matches (a command, an event type, an action id or its pattern),
    so the name is the same in every process and whatever order listeners register in."""
    if isinstance(what, re.Pattern):
        trigger = what.pattern
    elif isinstance(what, dict):
        trigger = json.dumps(what, sort_keys=True, default=str)
    else:
        trigger = str(what) if what is not None else ""
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", "listener")
    return f"{kind}:{trigger}:{module}.{name}"


class QueuingApp:
    """What listener modules register on: Bolt's decorators, with lazy work sent to the queue.

    ``app`` is the real Bolt app (web, Socket Mode) or None (a worker, which only needs the
    table). ``submit`` enqueues a job and returns False when its key was seen before.
    """

    def __init__(
        self,
        app: App | None,
        table: ListenerTable,
        submit: Callable[[Job], bool] | None = None,
    ) -> None:
        self.app, self.table, self.submit = app, table, submit

    def command(self, command: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("command", command, matchers)

    def event(self, event: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("event", event, matchers)

    def action(self, constraints: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("action", constraints, matchers)

    def view(self, constraints: Any, matchers: list | None = None) -> Callable[..., Any]:
        return self._on("view", constraints, matchers)

    def _on(self, kind: str, what: Any, matchers: list | None) -> Callable[..., Any]:
        def register(*functions: Callable[..., Any], ack: Any = None, lazy: Any = None) -> Any:
            if not lazy:  # quick synchronous listeners (toggles, opening a modal) stay in Bolt
                if self.app is not None:
                    getattr(self.app, kind)(what, matchers=matchers)(*functions)
                return functions[0] if functions else None
            keys = [self.table.add(kind, function, what) for function in lazy]
            if self.app is not None:
                getattr(self.app, kind)(what, matchers=matchers)(self._acker(kind, keys))
            return None

        return register

    def _acker(self, kind: str, keys: list[str]) -> Callable[..., None]:
        submit = self.submit

        def ack_and_enqueue(
            ack: Ack, body: dict[str, Any], context: BoltContext, request: BoltRequest
        ) -> None:
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            kept = {k: context.get(k) for k in CONTEXT_KEYS if context.get(k) is not None}
            now = time.time()
            try:
                for listener in keys:
                    job = Job(job_key(kind, listener, body), listener, kind, body, kept, now)
                    if submit is not None and not submit(job):
                        log.info("job %s seen before (Slack retry %s): not queued", job.key, retry)
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
