"""Benchmark: what migrations and metrics add to start-up and to each answer.

Run from the repository root:  .venv/bin/python -m bench.bench_ops  [--repeats N]

- start-up schema check on a current SQLite database (``ensure_schema``: read the revision,
  list the tables) against the old ``create_all`` on the same database, measured in the same run;
- migrating an empty database to the newest revision (first start), against ``create_all``;
- one ``record_command`` (a counter and a histogram) against an empty function call.
Targets: the check under 100 ms a process, first migration under 1 s, a record under 50 us
(answers take ~100 ms).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine

from bot.observability import metrics
from bot.storage.db import Base
from bot.storage.schema import ensure_schema, migrate


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = [0]

        def first_migration() -> None:
            fresh[0] += 1
            migrate(create_engine(f"sqlite:///{tmp}/fresh{fresh[0]}.sqlite"))

        def first_create_all() -> None:
            fresh[0] += 1
            Base.metadata.create_all(create_engine(f"sqlite:///{tmp}/fresh{fresh[0]}.sqlite"))

        migrate_s = best(first_migration, max(3, args.repeats // 2))
        create_empty_s = best(first_create_all, max(3, args.repeats // 2))
        url = f"sqlite:///{tmp}/current.sqlite"
        migrate(create_engine(url))
        check_s = best(lambda: ensure_schema(create_engine(url)), args.repeats)
        create_all_s = best(lambda: Base.metadata.create_all(create_engine(url)), args.repeats)

    calls = 20_000
    record_s = best(lambda: [metrics.record_command(None, "bench", 0.1) for _ in range(calls)], 3)
    empty_s = best(lambda: [(lambda *a: None)(None, "bench", 0.1) for _ in range(calls)], 3)
    record_us = (record_s - empty_s) / calls * 1e6

    print(f"bench_ops on {platform.python_version()} / {platform.machine()}")
    print(
        f"  schema check, current DB : {check_s * 1e3:7.1f} ms"
        f"  (create_all {create_all_s * 1e3:.1f} ms, {check_s / create_all_s:.1f}x)"
    )
    print(
        f"  first migration (empty)  : {migrate_s * 1e3:7.1f} ms"
        f"  (create_all {create_empty_s * 1e3:.1f} ms, {migrate_s / create_empty_s:.1f}x)"
    )
    print(f"  record_command           : {record_us:7.2f} us a call")
    checks = [
        ("schema check < 100 ms", check_s < 0.1),
        ("first migration < 1 s", migrate_s < 1),
        ("record < 50 us", record_us < 50),
    ]
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'} {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
