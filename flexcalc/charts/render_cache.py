"""Render each chart once per process: a small, bounded, thread-safe LRU of PNG bytes keyed by a
digest of everything the chart is drawn from.

200 people asking ``/bestslot 4h`` in one region within a minute ask for the same chart: same
data, windows, title and "now" to the minute (the chart shows ``now HH:MM``). The first request
renders it; the others get the same bytes. Concurrent identical requests wait for the render in
flight instead of starting their own. A render that fails is not kept; its waiters render
themselves. PNG bytes are immutable, so sharing them between threads is safe.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import inspect
import logging
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec

import numpy as np
import pandas as pd

P = ParamSpec("P")
log = logging.getLogger(__name__)

MAX_ENTRIES = 64  # about 60 KB a chart: ~4 MB at most
MAX_BYTES = 16 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class CacheStats:
    renders: int  # charts drawn (cache misses)
    hits: int  # charts answered from the cache (or from a render in flight)
    entries: int
    bytes: int


class RenderCache:
    """At most ``max_entries`` PNGs and ``max_bytes`` in all, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._pngs: OrderedDict[bytes, bytes] = OrderedDict()
        self._in_flight: dict[bytes, threading.Event] = {}
        self._bytes = 0
        self._renders = 0
        self._hits = 0
        self._enabled = True

    def get_or_render(self, key: bytes, render: Callable[[], bytes]) -> bytes:
        """The PNG kept for ``key``, else ``render()``'s (kept, unless too big to keep)."""
        while True:
            with self._lock:
                if not self._enabled:
                    self._renders += 1
                    keep = False
                    break
                png = self._pngs.get(key)
                if png is not None:
                    self._pngs.move_to_end(key)
                    self._hits += 1
                    return png
                waiting = self._in_flight.get(key)
                if waiting is None:
                    self._in_flight[key] = threading.Event()
                    self._renders += 1
                    keep = True
                    break
            waiting.wait()  # another thread is drawing this chart: wait and take its PNG
        if not keep:
            return render()
        try:
            png = render()
            with self._lock:
                self._keep(key, png)
            return png
        finally:
            with self._lock:
                self._in_flight.pop(key).set()

    def _keep(self, key: bytes, png: bytes) -> None:
        if len(png) > self.max_bytes:
            return
        self._pngs[key] = png
        self._bytes += len(png)
        while len(self._pngs) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._pngs.popitem(last=False)
            self._bytes -= len(dropped)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._renders, self._hits, len(self._pngs), self._bytes)

    def clear(self) -> None:
        with self._lock:
            self._pngs.clear()
            self._bytes = self._renders = self._hits = 0

    @contextmanager
    def disabled(self) -> Iterator[None]:
        """Every chart rendered afresh inside the block (benchmarks, tests of the drawing)."""
        with self._lock:
            self._enabled = False
        try:
            yield
        finally:
            with self._lock:
                self._enabled = True


charts = RenderCache()


def _feed(h: Any, value: object) -> None:
    """Add ``value`` to the hash ``h`` with its type, so "1" and 1, or (a, b) and [a, b, ...]
    never collide."""
    kind = type(value)
    h.update(kind.__qualname__.encode() + b"\0")
    if value is None or isinstance(value, bool | int | str):
        h.update(repr(value).encode() + b"\0")
    elif isinstance(value, float | np.floating):
        h.update(struct.pack(">d", float(value)))
    elif isinstance(value, bytes):
        h.update(struct.pack(">Q", len(value)) + value)
    elif isinstance(value, pd.Timestamp | dt.datetime | dt.date | dt.time | pd.Timedelta):
        h.update(repr(value).encode() + b"\0")  # keeps the time zone and sub-second digits
    elif isinstance(value, pd.Series | pd.DataFrame | pd.Index):
        _feed_pandas(h, value)
    elif isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes() if value.dtype != object else b"")
        if value.dtype == object:
            _feed(h, value.tolist())
    elif isinstance(value, list | tuple):
        h.update(struct.pack(">Q", len(value)))
        for item in value:
            _feed(h, item)
    elif isinstance(value, dict):
        h.update(struct.pack(">Q", len(value)))
        for k, v in value.items():  # order matters: legends follow it
            _feed(h, k)
            _feed(h, v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _feed(h, field.name)
            _feed(h, getattr(value, field.name))
    else:
        raise TypeError(f"cannot digest a {kind.__qualname__} for the chart cache")


def _feed_pandas(h: Any, value: pd.Series | pd.DataFrame | pd.Index) -> None:
    frame = value.to_frame(index=False) if isinstance(value, pd.Index) else value
    h.update(repr(getattr(value, "name", None)).encode())
    if isinstance(frame, pd.DataFrame):
        _feed(h, [str(c) for c in frame.columns])
        _feed(h, [str(t) for t in frame.dtypes])
    else:
        _feed(h, str(frame.dtype))
    if not isinstance(value, pd.Index):
        _feed(h, str(value.index.dtype))
    rows = pd.util.hash_pandas_object(frame, index=not isinstance(value, pd.Index))
    h.update(rows.to_numpy().tobytes())


def digest(*parts: object) -> bytes:
    """A 20-byte digest of ``parts`` (numbers, text, times, pandas objects, dataclasses, and
    containers of them): equal inputs give equal digests, whatever object holds them."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        _feed(h, part)
    return h.digest()


def _to_minute(now: object) -> object:
    """``now`` as the chart shows it ("now HH:MM"): floored to the minute."""
    if now is None:
        return None
    return pd.Timestamp(now).floor("min")


def rendered_once(
    kind: str, *, now: str | None = None
) -> Callable[[Callable[P, bytes]], Callable[P, bytes]]:
    """Decorate a chart function (returning PNG bytes) so equal inputs render once per process.

    Every argument goes into the key. ``now`` names the argument holding the current time: it is
    floored to the minute before drawing and keying, so a chart asked for at 12:00:05 and at
    12:00:50 is the same chart. The undecorated function stays reachable as ``__wrapped__``.
    """

    def decorate(chart: Callable[P, bytes]) -> Callable[P, bytes]:
        signature = inspect.signature(chart)

        @functools.wraps(chart)
        def cached(*args: P.args, **kwargs: P.kwargs) -> bytes:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if now is not None:
                bound.arguments[now] = _to_minute(bound.arguments[now])
            try:
                key = digest(kind, dict(bound.arguments))
            except TypeError:  # an input the digest does not know: draw it, keep nothing
                log.debug("chart %s not cached", kind, exc_info=True)
                return chart(*bound.args, **bound.kwargs)
            return charts.get_or_render(key, lambda: chart(*bound.args, **bound.kwargs))

        return cached

    return decorate
