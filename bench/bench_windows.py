"""Benchmark: best contiguous window for every duration 30 min .. 12 h over a year of prices.

Run from the repository root:  .venv/bin/python -m bench.bench_windows  [--csv FILE]
(or .venv/bin/python bench/bench_windows.py). Compares ``flexcalc.windows`` (cumulative sums,
O(N) per duration: ``best_starts`` shares one cumsum across durations, ``best_start`` is called
once per duration) with a naive per-start Python loop measured in the same run, and checks the
targets on ``best_starts``: the whole sweep under 5 ms and at least 100x faster than the loop.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flexcalc.sources.csv_files import read_prices
from flexcalc.sources.sample import sample_prices
from flexcalc.windows import best_start, best_starts, rolling_means

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CSV = (
    REPO
    / "tests/fixtures/history/agile"
    / "electricity_costs_octopus_AGILE-FLEX-22-11-25_C_2022-11-25_2023-12-11.csv"
)
DURATIONS = range(1, 25)  # 30 min .. 12 h in half-hours
TARGET_MS = 5.0
TARGET_SPEEDUP = 100.0


def load_year(path: Path | None) -> tuple[np.ndarray, str]:
    """365 days (17,520 half-hours, 2022-12-12 .. 2023-12-11 UTC) of region-C Agile prices, read
    with the project's reader from ``path``, or from the bundled sample when it is absent."""
    if path is not None and path.exists():
        prices, name = read_prices(path).prices, path.name
    else:
        prices, name = sample_prices().prices, "bundled sample (flexcalc/data)"
    year = prices.loc["2022-12-12":"2023-12-11"]
    if len(year) != 17_520:
        raise SystemExit(f"{name}: expected 17,520 slots for the year, found {len(year):,}")
    return year.to_numpy(dtype=float), name


def sweep_per_duration(values: np.ndarray) -> list[int | None]:
    """The public API as callers use it: ``best_start`` once per duration."""
    return [best_start(values, k) for k in DURATIONS]


def sweep_shared_cumsum(values: np.ndarray) -> list[int | None]:
    """``best_starts``: one cumulative sum reused for every duration."""
    found = best_starts(values, DURATIONS)
    return [found[k] for k in DURATIONS]


def sweep_naive(values: np.ndarray) -> list[int | None]:
    """For each start, sum the k values in a Python loop; strict < keeps the earliest tie."""
    v = values.tolist()
    n = len(v)
    out: list[int | None] = []
    for k in DURATIONS:
        best, best_sum = None, None
        for i in range(n - k + 1):
            total = 0.0
            for j in range(i, i + k):
                total += v[j]
            if best_sum is None or total < best_sum - 1e-9 * max(1.0, abs(best_sum)):
                best, best_sum = i, total
        out.append(best)
    return out


def best_of(fn: Callable[[np.ndarray], object], values: np.ndarray, repeats: int) -> float:
    """Fastest of ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(values)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="time,cost_p_per_kwh CSV")
    parser.add_argument("--repeats", type=int, default=50, help="repeats of the fast sweeps")
    parser.add_argument("--naive-repeats", type=int, default=3, help="repeats of the naive loop")
    args = parser.parse_args(argv)

    values, name = load_year(args.csv)
    fast = sweep_per_duration(values)
    shared = sweep_shared_cumsum(values)
    naive = sweep_naive(values)
    assert fast == shared == naive, "methods disagree"
    assert np.allclose(rolling_means(values, 4)[fast[3]], values[fast[3] : fast[3] + 4].mean())

    t_api = best_of(sweep_per_duration, values, args.repeats)
    t_shared = best_of(sweep_shared_cumsum, values, args.repeats)
    t_naive = best_of(sweep_naive, values, args.naive_repeats)

    print(f"data: {name}: {len(values):,} half-hour prices (365 days)")
    print(f"sweep: best contiguous window for each of {len(DURATIONS)} durations (30 min-12 h)")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    rows = [
        ("best_starts (one cumsum)", t_shared, args.repeats),
        ("best_start per duration", t_api, args.repeats),
        ("naive Python loop", t_naive, args.naive_repeats),
    ]
    for label, seconds, repeats in rows:
        speed = f"{t_naive / seconds:7,.0f}x" if seconds != t_naive else "     1x"
        print(f"  {label:<26}{seconds * 1e3:9.3f} ms  {speed}  (best of {repeats})")
    speedup = t_naive / t_shared
    ok_time, ok_speed = t_shared * 1e3 < TARGET_MS, speedup >= TARGET_SPEEDUP
    print(f"target: sweep < {TARGET_MS:g} ms ............ {'PASS' if ok_time else 'FAIL'}")
    print(f"target: >= {TARGET_SPEEDUP:g}x the naive loop .. {'PASS' if ok_speed else 'FAIL'}")
    return 0 if ok_time and ok_speed else 1


if __name__ == "__main__":
    raise SystemExit(main())
