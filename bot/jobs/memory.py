"""A long-lived worker's heap under glibc malloc: fewer arenas, free pages handed back.

glibc gives a thread its own malloc arena when another thread holds the one it wanted (up to
8 per core), and an arena keeps the pages freed in it for its own later use. A worker's job
threads, and the alerts fan-out's pool inside a job, each build and drop frames and PNGs of a
few MB, so after a load the process holds several arenas' worth of freed, fragmented heap.
``limit_arenas`` caps the arenas (``FLEX_WORKER_MALLOC_ARENAS``, default 2; 0 keeps glibc's
default); ``trim_after_jobs`` calls ``malloc_trim(0)``, which returns the free pages of every
arena to the system, every ``FLEX_WORKER_TRIM_SECONDS`` (default 5; 0: never) in which a job
finished. Elsewhere than glibc both do nothing. Measured in bench/README.md (Worker
memory); see docs/adr/0107.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
from functools import cache
from typing import Any

from huey import Huey

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt parameter (malloc.h)
DEFAULT_ARENAS = 2
DEFAULT_TRIM_SECONDS = 5.0


@cache
def _glibc() -> Any | None:
    """The C library, if it is glibc (it has ``malloc_trim``); None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def limit_arenas() -> int:
    """Cap glibc's malloc arenas for the threads started from now on; the cap set (0: none)."""
    arenas = int(os.environ.get("FLEX_WORKER_MALLOC_ARENAS", "") or DEFAULT_ARENAS)
    libc = _glibc()
    if arenas <= 0 or libc is None:
        return 0
    if libc.mallopt(M_ARENA_MAX, arenas) != 1:
        log.warning("could not cap malloc arenas at %s", arenas)
        return 0
    return arenas


def trim() -> bool:
    """Give the free pages of every malloc arena back to the system; True if any were."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


def trim_after_jobs(huey: Huey) -> float:
    """Every ``FLEX_WORKER_TRIM_SECONDS`` in which a job finished, trim once, on a thread of
    its own (never on a job's time, and once more when the worker falls idle after a load);
    returns that interval (0: off)."""
    every = float(os.environ.get("FLEX_WORKER_TRIM_SECONDS", "") or DEFAULT_TRIM_SECONDS)
    if every <= 0 or _glibc() is None:
        return 0.0
    worked = threading.Event()
    trimmer_pid = 0  # the process whose trimmer runs (a forked worker starts its own)
    starting = threading.Lock()

    def after_job(_task: Any, _value: Any, _exc: Any) -> None:
        nonlocal trimmer_pid
        worked.set()
        with starting:
            if trimmer_pid != os.getpid():
                trimmer_pid = os.getpid()
                thread = threading.Thread(target=trimmer, name="flexcalc-malloc-trim", daemon=True)
                thread.start()

    def trimmer() -> None:
        while True:
            time.sleep(every)
            if worked.is_set():
                worked.clear()
                trim()

    huey.post_execute(name="flexcalc-malloc-trim")(after_job)
    return every
