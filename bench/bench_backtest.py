"""Benchmark: a full-year backtest for every start hour (24 baselines x 365 days).

Run from the repository root:  .venv/bin/python -m bench.bench_backtest  [--repeats N]
(or .venv/bin/python bench/bench_backtest.py). Uses the bundled sample (region C Agile prices
and national carbon, 2022-12-12 .. 2023-12-11). Compares ``flexcalc.backtest.backtest_many``
(one cumulative sum per series shared by the 24 baselines, a days x candidates gather, no
per-day loop) with a naive per-day Python loop (slice each day's span with pandas, rolling
mean, idxmin) measured in the same run, checks that both pick the same windows, and checks the
target: the 24-baseline year under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flexcalc.backtest import backtest_many
from flexcalc.sources.sample import sample_carbon, sample_prices
from flexcalc.timeslots import LONDON

START, END = dt.date(2022, 12, 12), dt.date(2023, 12, 11)  # 365 days
SLOTS = 8  # a 4-hour job
WITHIN = pd.Timedelta(hours=24)
TARGET_S = 1.0


def load() -> tuple[pd.Series, pd.DataFrame]:
    return sample_prices().prices, sample_carbon().frame


def vectorised(prices: pd.Series, carbon: pd.DataFrame) -> dict[int, pd.Series]:
    """Cheapest start per day for each start hour, via the library (one shared history)."""
    ats = [dt.time(hour) for hour in range(24)]
    results = backtest_many(prices, carbon, SLOTS, ats, WITHIN, START, END, kwh=200)
    return {at.hour: r.days["cheapest_start"] for at, r in results.items()}


def naive(prices: pd.Series, carbon: pd.DataFrame, hours: range) -> dict[int, pd.Series]:
    """What a straightforward implementation does: loop over days, slice, roll, idxmin."""
    actual = carbon["actual"].where(carbon["actual"] > 0)
    evaluated = actual.combine_first(carbon["forecast"])
    out = {}
    for hour in hours:
        starts = {}
        day = START
        while day <= END:
            decide = pd.Timestamp(dt.datetime.combine(day, dt.time(hour))).tz_localize(
                LONDON, ambiguous=True, nonexistent="shift_forward"
            )
            publish_day = day + dt.timedelta(days=1) if hour >= 16 else day
            known = pd.Timestamp(dt.datetime.combine(publish_day, dt.time(23))).tz_localize(LONDON)
            span_end = min(decide + WITHIN, known)
            p = prices.loc[decide : span_end - pd.Timedelta(minutes=30)]
            c = evaluated.reindex(p.index)
            means = p.rolling(SLOTS).mean().where(c.rolling(SLOTS).count() == SLOTS)
            means = means.shift(-(SLOTS - 1)).dropna()
            if len(means):
                low = means.min()
                starts[day] = means.index[np.argmax(means.to_numpy() <= low + 1e-9)]
            day += dt.timedelta(days=1)
        out[hour] = pd.Series(starts)
    return out


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="best of N for the library")
    parser.add_argument("--naive-hours", type=int, default=24, help="start hours for the loop")
    args = parser.parse_args(argv)
    prices, carbon = load()
    days = (END - START).days + 1
    print(
        f"Backtest bench: {days} days x 24 start hours, 4 h job within 24 h, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    fast = vectorised(prices, carbon)  # warm-up and the answer to check
    t_fast = best_of(lambda: vectorised(prices, carbon), args.repeats)
    hours = range(args.naive_hours)
    t = time.perf_counter()
    slow = naive(prices, carbon, hours)
    t_slow = time.perf_counter() - t
    per_hour_slow = t_slow / len(hours)
    mismatches = 0
    for hour in hours:
        mine = fast[hour]
        theirs = slow[hour].reindex(mine.index)
        mismatches += int((mine != theirs).sum())
    print(
        f"  vectorised (flexcalc.backtest), 24 baselines: {t_fast * 1000:8.1f} ms (best of "
        f"{args.repeats})"
    )
    print(
        f"  naive per-day loop, {len(hours)} baselines:      {t_slow * 1000:8.1f} ms "
        f"({per_hour_slow * 1000:.1f} ms per baseline)"
    )
    ratio = per_hour_slow * 24 / t_fast
    print(
        f"  speed-up: {ratio:,.0f}x   same cheapest windows: "
        f"{'yes' if mismatches == 0 else f'NO ({mismatches} differ)'}"
    )
    ok = t_fast < TARGET_S and mismatches == 0
    print(f"  target 24-baseline year < {TARGET_S:g} s: {'PASS' if t_fast < TARGET_S else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
