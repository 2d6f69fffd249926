"""Posting an Adaptive Card to a Teams Workflows webhook ("When a Teams webhook request is
received" -> "Post card in a chat or channel").

``post_card`` never raises: HTTP 429 and 5xx are retried by urllib3's ``Retry`` (honouring
``Retry-After``, capped), and whatever is left comes back as a ``PostResult`` the caller records.
The URL is a secret (it carries the workflow's signature): it is never logged; errors and log
lines only ever show ``mask(url)``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import requests
from urllib3.util.retry import Retry

from bot.security import outbound
from bot.storage.teams import mask
from bot.teams.cards import message

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
GONE_STATUSES = (401, 403, 404, 410)  # the workflow was deleted, disabled or its URL changed
_SECRETS = re.compile(r"(sig|sv|sp|code|token)=[^&\s'\"]+", re.IGNORECASE)


class _RedactSecrets(logging.Filter):
    """Strip query secrets from urllib3's debug lines (they print the request path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if _SECRETS.search(text):
            record.msg, record.args = _SECRETS.sub(r"\1=…", text), None
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_RedactSecrets())


class CappedRetry(Retry):
    """``Retry`` that honours ``Retry-After`` but never sleeps longer than ``MAX_WAIT``."""

    MAX_WAIT = 30.0

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.MAX_WAIT)


@dataclass(frozen=True)
class PostResult:
    """What happened to one post. ``kind``: sent | retry (try again later) | gone | rejected."""

    kind: str
    status: int | None = None
    attempts: int = 1
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "sent"


def make_session(retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A session whose POSTs retry 429/5xx and dropped connections ``retries`` times."""
    retry = CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"POST"}),
        backoff_factor=backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment: the peer check needs the peer
    session.mount("https://", outbound.GuardedAdapter(max_retries=retry))
    session.mount("http://", outbound.GuardedAdapter(max_retries=retry))
    return session


_default_session: requests.Session | None = None


def _session() -> requests.Session:
    global _default_session
    if _default_session is None:
        _default_session = make_session()
    return _default_session


def post_card(
    url: str,
    card: dict[str, Any],
    *,
    session: requests.Session | None = None,
    timeout: float = 15.0,
) -> PostResult:
    """POST ``card`` (wrapped as a message) to a Workflows webhook; never raises.

    The outbound policy (``bot.security.outbound``) is checked first and on the connection;
    redirects are not followed; the response body is never read into the result.
    """
    where = mask(url)
    refused = outbound.refusal(url)
    if refused:
        log.warning("Teams workflow %s refused by the outbound policy", where)
        return PostResult("gone", None, 1, f"refused: {refused}")
    try:
        response = (session or _session()).post(
            url, json=message(card), timeout=timeout, allow_redirects=False
        )
    except outbound.OutboundRefused as error:
        log.warning("Teams workflow %s refused at connection", where)
        return PostResult("gone", None, 1, f"refused: {error}")
    except requests.RequestException as error:
        log.warning("Teams workflow %s unreachable (%s)", where, type(error).__name__)
        return PostResult("retry", None, _attempts(None), f"unreachable ({type(error).__name__})")
    status = response.status_code
    attempts = _attempts(response)
    if 200 <= status < 300:
        return PostResult("sent", status, attempts)
    if 300 <= status < 400:
        kind = "rejected"  # a redirect is never followed (it could lead anywhere)
    elif status in RETRY_STATUSES:
        kind = "retry"
    elif status in GONE_STATUSES:
        kind = "gone"
    else:
        kind = "rejected"
    log.warning("Teams workflow %s answered HTTP %s after %s attempt(s)", where, status, attempts)
    return PostResult(kind, status, attempts, f"HTTP {status}{_reason(response)}")


def _attempts(response: requests.Response | None) -> int:
    retries = getattr(getattr(response, "raw", None), "retries", None)
    return 1 + len(retries.history) if retries is not None else 1


def _reason(response: requests.Response) -> str:
    """The status's standard phrase: the body is never shown (it may be anyone's secret)."""
    try:
        return f" {HTTPStatus(response.status_code).phrase}"
    except ValueError:
        return ""
