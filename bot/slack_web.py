"""Talking to Slack's Web API and response_urls politely and at most once per job.

- ``make_client``: every WebClient retries HTTP 429 (``RateLimitErrorRetryHandler``, honouring
  Retry-After) and dropped connections.
- ``OnceWebClient``: a WebClient whose writes (post, update, ephemeral, upload, Home tab) are
  recorded in a ``SendLedger``; a job that runs again (worker killed mid-answer) replays the
  recorded responses instead of posting twice.
- ``BudgetedRespond``: a response_url sender with Slack's budget of 5 uses and 30 minutes.
  Progress messages never take the last use; past the budget or the age, the message goes out
  with chat.postEphemeral (or a DM) instead, so the final answer always gets through.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import MutableMapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.web.slack_response import SlackResponse
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
RESPONSE_URL_USES = 5  # Slack accepts a response_url 5 times...
RESPONSE_URL_SECONDS = 30 * 60  # ...within 30 minutes
WRITE_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
        "views.publish",
    }
)


def retry_handlers() -> list:
    """429s wait out Retry-After (up to 5 times); dropped connections are retried twice."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=5),
    ]


def api_base_url(base_url: str | None = None) -> str:
    url = base_url or os.environ.get("SLACK_API_URL") or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def make_client(token: str | None, base_url: str | None = None, timeout: int = 30) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that waits out rate limits and retries drops."""
    return WebClient(
        token=token,
        base_url=api_base_url(base_url),
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )


class SendLedger:
    """What one job already sent, by slot (``chat.postMessage:C1:0``); a mapping stores it.

    The mapping is the queue's key-value store in workers (so it survives a killed worker) and a
    dict in one-process modes. Slots count calls per (method, channel) in the order the job
    makes them, so a rerun of the same job meets the same slots.
    """

    def __init__(self, job_key: str, store: MutableMapping[str, Any] | None = None) -> None:
        self.job_key = job_key
        self.store: MutableMapping[str, Any] = store if store is not None else {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def slot(self, method: str, channel: str | None) -> str:
        with self._lock:
            base = f"{method}:{channel or '-'}"
            n = self._counts.get(base, 0)
            self._counts[base] = n + 1
            return f"sent:{self.job_key}:{base}:{n}"

    def recorded(self, slot: str) -> Any:
        return self.store.get(slot)

    def record(self, slot: str, value: Any) -> None:
        self.store[slot] = value


class OnceWebClient(WebClient):
    """A WebClient whose writes happen once per job, even when the job runs again."""

    def __init__(self, *args: Any, ledger: SendLedger, **kwargs: Any) -> None:
        kwargs.setdefault("retry_handlers", retry_handlers())
        super().__init__(*args, **kwargs)
        self.ledger = ledger

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        if api_method not in WRITE_METHODS:
            return super().api_call(api_method, **kwargs)
        args = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {})}
        args.update(kwargs.get("json") or {})
        channel = args.get("channel") or args.get("channel_id") or args.get("user_id")
        slot = self.ledger.slot(api_method, channel)
        sent = self.ledger.recorded(slot)
        if sent is not None:
            log.info("%s already sent by an earlier run of job %s", api_method, self.ledger.job_key)
            return SlackResponse(
                client=self, http_verb="POST", api_url=self.base_url + api_method,
                req_args={}, data=sent, headers={}, status_code=200,
            )  # fmt: skip
        response = super().api_call(api_method, **kwargs)
        if isinstance(response.data, dict):
            self.ledger.record(slot, response.data)
        return response


def client_with_timeout(client: WebClient, timeout: float) -> WebClient:
    """The same client (token, URL, retries, ledger) with another HTTP timeout (uploads)."""
    kwargs = {
        "token": client.token,
        "base_url": client.base_url,
        "timeout": int(timeout),
        "retry_handlers": list(client.retry_handlers or retry_handlers()),
    }
    if isinstance(client, OnceWebClient):
        return OnceWebClient(ledger=client.ledger, **kwargs)
    return WebClient(**kwargs)


class BudgetedRespond:
    """``respond(...)`` for a response_url that keeps to Slack's 5 uses and 30 minutes.

    ``progress=True`` marks a message that may be dropped: it never takes the last use and is
    skipped past the budget. Anything else past the budget or the age (or refused by Slack) goes
    to chat.postEphemeral in the channel, or the user's DM when there is no channel.
    """

    def __init__(
        self,
        response_url: str,
        *,
        client: WebClient,
        channel_id: str | None,
        user_id: str | None,
        ledger: SendLedger,
        received: float | None = None,
        uses: int = RESPONSE_URL_USES,
        max_age: float = RESPONSE_URL_SECONDS,
    ) -> None:
        self.response_url = response_url
        self.client = client
        self.channel_id, self.user_id = channel_id, user_id
        self.ledger = ledger
        self.received = time.time() if received is None else received
        self.uses, self.max_age = uses, max_age
        self.used = 0
        self._lock = threading.Lock()

    def __call__(
        self,
        text: str | None = None,
        blocks: list | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        progress: bool = False,
        **_: Any,
    ) -> Any:
        with self._lock:
            too_old = time.time() - self.received > self.max_age
            left = self.uses - self.used
            if progress and (too_old or left <= 1):
                return None  # keep the last use for the answer
            use_url = not too_old and left > 0
            slot = self.ledger.slot("response_url" if use_url else "fallback", self.response_url)
            if use_url:
                self.used += 1
        if self.ledger.recorded(slot) is not None:
            return None
        if use_url and self._send(text, blocks, response_type, replace_original, delete_original):
            self.ledger.record(slot, True)
            return True
        if delete_original or progress:
            return None
        self._fallback(text, blocks)
        self.ledger.record(slot, True)
        return True

    def _send(self, text, blocks, response_type, replace_original, delete_original) -> bool:
        hook = WebhookClient(self.response_url, timeout=15, retry_handlers=retry_handlers())
        try:
            response = hook.send(
                text=text,
                blocks=blocks,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
            )
        except Exception:
            log.warning("response_url failed; posting another way", exc_info=True)
            return False
        if response.status_code != 200:
            log.warning("response_url refused (%s %s)", response.status_code, response.body)
            return False
        return True

    def _fallback(self, text: str | None, blocks: list | None) -> None:
        """Past the response_url: an ephemeral in the channel, else a DM."""
        try:
            if self.channel_id and self.user_id:
                self.client.chat_postEphemeral(
                    channel=self.channel_id, user=self.user_id, text=text or "", blocks=blocks
                )
                return
        except SlackApiError as problem:
            log.warning("chat.postEphemeral failed: %s", problem.response.get("error"))
        if self.user_id:
            self.client.chat_postMessage(channel=self.user_id, text=text or "", blocks=blocks)
