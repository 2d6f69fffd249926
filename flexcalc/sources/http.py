"""One HTTP session for both APIs: SQLite cache, retries with backoff, timeouts, stale-if-error.

``make_session()`` returns a ``requests_cache.CachedSession`` that:
- caches successful GETs in ``$FLEX_CACHE_DIR/http_cache.sqlite`` (default ``.flexcalc/`` in the
  working directory), shared by every process on the machine: SQLite in WAL mode with a busy
  timeout, and any cache failure (locked, corrupt, read-only, disk full) is a cache miss, never
  an error (``TolerantSQLiteCache``; see docs/adr/0020-http-cache-for-several-processes.md);
- retries connection errors, 429 and 5xx with exponential backoff, honouring ``Retry-After``
  (capped so a user is never kept waiting for minutes);
- applies a (connect 5 s, read 10 s) timeout to every request unless one is given;
- serves an expired cached answer when the upstream fails (stale-if-error).

``get_json`` turns every failure into ``UpstreamError`` / ``UpstreamUnreachable`` with a message
fit for users, and reports how fresh the answer is (``Freshness``). ``UpstreamUnreachable`` means
no connection could be made at all (DNS, refused, connect timeout); an API that accepted the
connection but was too slow (read timeout) or answered 5xx is a plain ``UpstreamError``.
"""

from __future__ import annotations

import json
import logging
import pickle
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from requests_cache import BaseCache, CachedResponse, CachedSession, SQLiteCache, SQLiteDict
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from flexcalc import observe
from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.cache_place import CACHE_FILE, cache_dir

TIMEOUT = (5.0, 10.0)  # connect, read (seconds)
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 10.0  # seconds: longest Retry-After we are willing to sleep
DEFAULT_EXPIRY = pd.Timedelta(minutes=10)
PRUNE_ABOVE_BYTES = 50_000_000
PRUNE_OLDER_THAN = pd.Timedelta(days=35)
HISTORY_EXPIRY = pd.Timedelta(days=30)  # complete past history does not change
CACHE_BUSY_TIMEOUT_MS = 1000  # a writer waits this long for another process's write to finish
# What a broken, locked or full cache raises; each is treated as a miss (or a skipped save).
CACHE_ERRORS = (sqlite3.Error, OSError, EOFError, pickle.PickleError)

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


def _cache_trouble(action: str, exc: Exception) -> None:
    log.warning(
        "HTTP cache %s failed (%s: %s); carrying on without it", action, type(exc).__name__, exc
    )


class _OneWaitSQLiteDict(SQLiteDict):
    """requests-cache's SQLite table whose writers wait for the write lock once (the busy
    timeout) and then give up with ``database is locked``. requests-cache 1.3 retries
    ``BEGIN IMMEDIATE`` forever, so one process stuck mid-write would hang every answer."""

    @contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        with self._lock:
            assert self._connection is not None  # opened by connection() before any write
            self._connection.execute("BEGIN IMMEDIATE")  # waits busy_timeout, then raises
            self._active_transaction = True
            try:
                yield
                self._connection.commit()
            except sqlite3.OperationalError:
                self._connection.rollback()
            finally:
                self._active_transaction = False


class TolerantSQLiteCache(SQLiteCache):
    """requests-cache's SQLite backend where storage errors are misses, never failures.

    A read that fails (``database is locked``, a corrupt or unreadable file) answers "not
    cached", so the request goes to the API; a save or delete that fails (including a write
    lock not obtained within the busy timeout) is skipped.
    """

    def __init__(self, db_path: str, **kwargs: Any) -> None:
        # SQLiteCache.__init__ minus its tables (their set-up would wait forever for a lock)
        BaseCache.__init__(self, cache_name=db_path, **kwargs)
        self.responses = _OneWaitSQLiteDict(db_path, table_name="responses", **kwargs)
        self.redirects = _OneWaitSQLiteDict(
            db_path, table_name="redirects", lock=self.responses._lock, serializer=None, **kwargs
        )

    def get_response(self, key: str, default=None) -> CachedResponse | None:  # type: ignore[no-untyped-def]
        try:
            return super().get_response(key, default)
        except CACHE_ERRORS as exc:
            _cache_trouble("read", exc)
            return default

    def save_response(
        self,
        response: requests.Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        try:
            super().save_response(response, cache_key, expires)
        except CACHE_ERRORS as exc:
            _cache_trouble("save", exc)

    def delete(self, *keys: str, **kwargs: Any) -> None:  # type: ignore[override]
        try:
            super().delete(*keys, **kwargs)
        except CACHE_ERRORS as exc:
            _cache_trouble("delete", exc)


def open_cache(path: Path) -> BaseCache:
    """The shared cache file (WAL: readers never wait for a writer; writers queue for up to
    ``CACHE_BUSY_TIMEOUT_MS``), or a per-process memory cache if the file cannot be opened."""
    try:
        return TolerantSQLiteCache(
            str(path),
            wal=True,
            busy_timeout=CACHE_BUSY_TIMEOUT_MS,
            timeout=CACHE_BUSY_TIMEOUT_MS / 1000,
        )
    except CACHE_ERRORS as exc:
        _cache_trouble(f"open of {path}", exc)
        return BaseCache()


class FlexSession(CachedSession):
    """A ``CachedSession`` with a default timeout on every request."""

    default_timeout: tuple[float, float] = TIMEOUT

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


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
        backend=open_cache(directory / CACHE_FILE),
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
    cache_keys: tuple[str, ...] = field(default=(), compare=False)  # for ``keep_for``

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
        tuple(key for p in parts for key in p.cache_keys),
    )


def freshness_of(response: requests.Response) -> Freshness:
    keys = (response.cache_key,) if getattr(response, "cache_key", None) else ()  # type: ignore[attr-defined]
    if getattr(response, "from_cache", False):
        created = _utc(response.created_at)  # type: ignore[attr-defined]
        return Freshness(created, True, bool(getattr(response, "is_expired", False)), keys)
    return Freshness(pd.Timestamp.now(tz="UTC"), False, False, keys)


def keep_history(session: requests.Session, fresh: Freshness, is_complete: bool) -> None:
    """Past history: keep the responses behind ``fresh`` for ``HISTORY_EXPIRY`` when the
    caller checked they are complete (every slot there), else drop them from the cache, so an
    empty or short page is asked again next time instead of answering for a month."""
    if is_complete:
        keep_for(session, fresh, HISTORY_EXPIRY)
    elif isinstance(session, CachedSession):
        session.cache.delete(*fresh.cache_keys)


def keep_for(session: requests.Session, fresh: Freshness, expire_after: pd.Timedelta) -> None:
    """Keep the cached responses behind ``fresh`` for ``expire_after`` from now."""
    if not isinstance(session, CachedSession):
        return
    expires = pd.Timestamp.now(tz="UTC") + expire_after
    for key in fresh.cache_keys:  # the cache's own errors are logged misses (TolerantSQLiteCache)
        cached = session.cache.get_response(key)
        if cached is None or _utc(cached.expires) >= expires - pd.Timedelta(days=1):
            continue  # gone, or kept long already (no write for every cached read)
        session.cache.save_response(cached, key, expires=expires.to_pydatetime())


def _utc(when: datetime | None) -> pd.Timestamp:
    """requests-cache times (naive ones are UTC) as UTC Timestamps; None is "never"."""
    if when is None:
        return pd.Timestamp.max.tz_localize("UTC")  # never expires
    stamp = pd.Timestamp(when)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


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
        if no_connection(exc):
            failure = UpstreamUnreachable(f"{service} could not be reached ({_reason(exc)}).")
        else:
            failure = UpstreamError(f"{service} did not answer in time ({_reason(exc)}).")
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
                decoded = response.json()
            except ValueError:
                _forget(session, response)
                failure = UpstreamError(f"{service} sent a response that is not valid JSON.")
            else:
                hit = "cached" if getattr(response, "from_cache", False) else "fetched"
                observe.emit("upstream", service=service, result=hit)
                return decoded, freshness_of(response)
    observe.emit("upstream", service=service, result="error")
    cached = _cached_fallback(session, fallbacks or [])
    if cached is not None:
        observe.emit("upstream", service=service, result="stale_fallback")
        log.info("%s failed (%s); serving cached %s", service, failure, cached[1])
        return cached
    raise failure


def no_connection(exc: Exception) -> bool:
    """Whether ``exc`` means no connection could be opened at all (DNS failure, refused,
    connect timeout): the network or the API's host is gone. A read timeout or a dropped
    connection is an API being slow or failing, not a missing network."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError -> the last failure
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


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
        session.cache.delete(key)  # TolerantSQLiteCache: a failed delete is logged, not raised


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
