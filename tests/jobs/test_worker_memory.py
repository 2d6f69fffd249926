"""The worker hands freed heap back: malloc arenas capped, ``malloc_trim`` after jobs."""

from __future__ import annotations

import time

import pytest
from huey import MemoryHuey

from bot.jobs import memory

pytestmark = pytest.mark.skipif(memory._glibc() is None, reason="glibc malloc only")


def _run_jobs(huey: MemoryHuey, job, count: int) -> None:
    for _ in range(count):
        job()
        huey.execute(huey.dequeue())


def _trimmed(trims: list[float], count: int) -> bool:
    """Whether the ``count``-th trim comes (within 10 s, for a loaded machine) and no other."""
    deadline = time.monotonic() + 10
    while len(trims) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)  # three trim periods of idling: no further trim
    return len(trims) == count


def test_the_heap_is_trimmed_once_after_a_burst_of_jobs_and_not_while_idle(monkeypatch):
    trims: list[float] = []
    monkeypatch.setattr(memory, "trim", lambda: trims.append(time.monotonic()) or True)
    monkeypatch.setenv("FLEX_WORKER_TRIM_SECONDS", "0.2")
    huey = MemoryHuey("t", results=False)
    job = huey.task(name="big")(lambda: bytearray(4 << 20))  # builds and drops 4 MB
    assert memory.trim_after_jobs(huey) == 0.2
    _run_jobs(huey, job, 20)
    assert _trimmed(trims, 1)  # one trim for the burst, none for the idle time after it
    _run_jobs(huey, job, 1)
    assert _trimmed(trims, 2)


def test_zero_turns_each_setting_off(monkeypatch):
    monkeypatch.setenv("FLEX_WORKER_TRIM_SECONDS", "0")
    monkeypatch.setenv("FLEX_WORKER_MALLOC_ARENAS", "0")
    assert memory.trim_after_jobs(MemoryHuey("t", results=False)) == 0
    assert memory.limit_arenas() == 0


def test_a_trim_gives_freed_heap_back_to_the_system():
    def rss_kb() -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    # many small blocks (below the mmap threshold: they live in the heap), every other one kept
    blocks = [bytearray(3000) for _ in range(30000)]
    del blocks[::2]
    del blocks[: len(blocks) - 10]
    before = rss_kb()
    assert memory.trim()
    assert rss_kb() < before
