"""One HTTP session for both APIs: SQLite cache, retries with backoff, timeouts, stale-if-error.

``make_session()`` returns a ``requests_cache.CachedSession`` that:
- caches successful GETs in ``$FLEX_CACHE_DIR/http_cache.sqlite`` (default ``.flexcalc/`` in the
  working directory);
- retries connection errors, 429 and 5xx with exponential backoff, honouring ``Retry-After``
  (capped so a user is never kept waiting for minutes);
- applies a (connect 5 s, read 10 s) timeout to every request unless one is given;
- serves an expired cached answer when the upstream fails (stale-if-error).

``get_json`` turns every failure into ``UpstreamError`` / ``UpstreamUnreachable`` with a message
fit for users, and reports how fresh the answer is (``Freshness``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from requests_cache import CachedSession
from urllib3.util.retry import Retry

from flexcalc.sources.base import DataUnavailable

CACHE_FILE = "http_cache.sqlite"
DEFAULT_CACHE_DIR = ".flexcalc"
TIMEOUT = (5.0, 10.0)  # connect, read (seconds)
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 10.0  # seconds: longest Retry-After we are willing to sleep
DEFAULT_EXPIRY = pd.Timedelta(minutes=10)
PRUNE_ABOVE_BYTES = 50_000_000
PRUNE_OLDER_THAN = pd.Timedelta(days=35)

try:
    from importlib.metadata import version as _version

    USER_AGENT = f"flexcalc/{_version('flexcalc')} (energy-flexibility calculator)"
except Exception:  # not installed as a distribution (running from a checkout)
    USER_AGENT = "flexcalc/0.1.0 (energy-flexibility calculator)"

# requests-cache logs a warning with a traceback when it serves stale data; keep that out of
# terminals unless the application configures logging itself.
logging.getLogger("requests_cache").addHandler(logging.NullHandler())
log = logging.getLogger(__name__)


class UpstreamError(DataUnavailable):
    """An API answered, but not usefully (HTTP error after retries, malformed body)."""


class UpstreamUnreachable(UpstreamError):
    """An API could not be reached at all (no network, DNS failure, refused, timed out)."""


class CappedRetry(Retry):
    """urllib3 ``Retry`` that never sleeps longer than ``MAX_RETRY_AFTER`` for a Retry-After."""

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        value = super().get_retry_after(response)
        return None if value is None else min(value, MAX_RETRY_AFTER)


class FlexSession(CachedSession):
    """A ``CachedSession`` with a default timeout on every request."""

    default_timeout: tuple[float, float] = TIMEOUT

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def cache_dir() -> Path:
    """``$FLEX_CACHE_DIR`` or ``./.flexcalc``."""
    return Path(os.environ.get("FLEX_CACHE_DIR") or DEFAULT_CACHE_DIR)


def make_session(
    cache_directory: str | Path | None = None,
    *,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: tuple[float, float] = TIMEOUT,
    expire_after: pd.Timedelta = DEFAULT_EXPIRY,
) -> FlexSession:
    """The shared HTTP session (cache file in ``cache_directory`` or ``cache_dir()``)."""
    directory = Path(cache_directory) if cache_directory is not None else cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    session = FlexSession(
        str(directory / CACHE_FILE),
        backend="sqlite",
        expire_after=expire_after.to_pytimedelta(),
        stale_if_error=True,
        allowable_codes=(200,),
        allowable_methods=("GET",),
    )
    session.default_timeout = timeout
    _prune(session, directory / CACHE_FILE)
    retry = CappedRetry(
        total=retries,
        connect=min(retries, 1),  # refused / DNS failures: one immediate retry, then give up
        read=min(retries, 1),
        status=retries,
        backoff_factor=backoff,
        backoff_max=8,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def _prune(session: CachedSession, path: Path) -> None:
    """Keep the cache file bounded: past ``PRUNE_ABOVE_BYTES``, drop answers over 35 days old."""
    try:
        if path.exists() and path.stat().st_size > PRUNE_ABOVE_BYTES:
            session.cache.delete(older_than=PRUNE_OLDER_THAN.to_pytimedelta())
    except Exception:  # pruning is housekeeping; never fail a question because of it
        log.warning("Could not prune the HTTP cache at %s", path)


@dataclass(frozen=True)
class Freshness:
    """When an answer was obtained and whether it is an expired cached copy."""

    fetched_at: pd.Timestamp  # UTC
    from_cache: bool
    stale: bool  # served from cache after the upstream failed

    def age(self, now: pd.Timestamp | None = None) -> pd.Timedelta:
        return (now or pd.Timestamp.now(tz="UTC")) - self.fetched_at


def combine(parts: list[Freshness]) -> Freshness:
    """Freshness of an answer built from several responses: the oldest, stale if any is."""
    if not parts:
        return Freshness(pd.Timestamp.now(tz="UTC"), False, False)
    return Freshness(
        min(p.fetched_at for p in parts),
        any(p.from_cache for p in parts),
        any(p.stale for p in parts),
    )


def freshness_of(response: requests.Response) -> Freshness:
    if getattr(response, "from_cache", False):
        created = pd.Timestamp(response.created_at)  # type: ignore[attr-defined]
        created = (
            created.tz_localize("UTC") if created.tzinfo is None else created.tz_convert("UTC")
        )
        return Freshness(created, True, bool(getattr(response, "is_expired", False)))
    return Freshness(pd.Timestamp.now(tz="UTC"), False, False)


def fmt_age(age: pd.Timedelta) -> str:
    """``"2 h"``, ``"25 min"``, ``"3 days"``."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 90:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} h"
    return f"{round(minutes / 1440)} days"


def _error_detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:120].strip()
    if isinstance(body, dict):
        error = body.get("error") or body.get("detail") or body.get("errors")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or error)
        if error:
            return str(error)
    return ""


def get_json(
    session: requests.Session,
    url: str,
    service: str,
    *,
    params: dict[str, Any] | None = None,
    expire_after: pd.Timedelta | None = None,
    fallbacks: list[tuple[str, dict[str, Any] | None]] | None = None,
) -> tuple[Any, Freshness]:
    """GET ``url`` and decode JSON; ``service`` names the API in error messages.

    ``fallbacks`` are other requests whose cached answers are acceptable (e.g. the same question
    asked half an hour earlier) when this one fails and is not cached itself.
    """
    extra: dict[str, Any] = {}
    if expire_after is not None and isinstance(session, CachedSession):
        extra["expire_after"] = expire_after.to_pytimedelta()
    try:
        response = session.get(url, params=params, **extra)
    except requests.exceptions.RetryError as exc:
        failure: UpstreamError = UpstreamError(
            f"{service} kept answering with errors ({_reason(exc)}); try again in a few minutes."
        )
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        failure = UpstreamUnreachable(f"{service} could not be reached ({_reason(exc)}).")
    except requests.exceptions.RequestException as exc:
        failure = UpstreamError(f"{service} request failed ({_reason(exc)}).")
    else:
        if response.status_code != 200:
            detail = _error_detail(response)
            failure = UpstreamError(
                f"{service} answered HTTP {response.status_code}"
                + (f": {detail}" if detail else "")
                + "."
            )
        else:
            try:
                return response.json(), freshness_of(response)
            except ValueError:
                _forget(session, response)
                failure = UpstreamError(f"{service} sent a response that is not valid JSON.")
    cached = _cached_fallback(session, fallbacks or [])
    if cached is not None:
        log.info("%s failed (%s); serving cached %s", service, failure, cached[1])
        return cached
    raise failure


def _reason(exc: Exception) -> str:
    text = str(exc.args[0] if exc.args else exc)
    for marker in (
        "Read timed out",
        "timed out",
        "Connection refused",
        "Name or service not known",
        "Failed to resolve",
        "Max retries exceeded",
        "too many 5",
        "too many 4",
    ):
        if marker.lower() in text.lower():
            return marker.lower()
    return type(exc).__name__


def _forget(session: requests.Session, response: requests.Response) -> None:
    """Drop a just-cached response (e.g. a malformed body) so it is not served again."""
    key = getattr(response, "cache_key", None)
    if key and isinstance(session, CachedSession):
        session.cache.delete(key)


def _cached_fallback(
    session: requests.Session, fallbacks: list[tuple[str, dict[str, Any] | None]]
) -> tuple[Any, Freshness] | None:
    if not isinstance(session, CachedSession):
        return None
    for url, params in fallbacks:
        try:
            response = session.get(url, params=params, only_if_cached=True)
        except requests.exceptions.RequestException:
            continue
        if response.status_code == 200 and getattr(response, "from_cache", False):
            try:
                payload = response.json()
            except (ValueError, json.JSONDecodeError):
                continue
            fresh = freshness_of(response)
            return payload, Freshness(fresh.fetched_at, True, True)
    return None
