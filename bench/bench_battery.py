"""Benchmark: battery LPs (scipy linprog, HiGHS) — one day, and a year of daily plans.

Run from the repository root:  .venv/bin/python -m bench.bench_battery  [--repeats N]
(or .venv/bin/python bench/bench_battery.py). Uses the bundled sample (region C Agile prices,
national carbon). A 13.5 kWh / 5 kW battery at 90% round trip, objective price. Targets: one
day's LP under 50 ms; 365 daily LPs under 20 s.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import pandas as pd

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flexcalc.battery import Battery, optimise_days, plan
from flexcalc.sources.sample import sample_carbon, sample_prices

BATTERY = Battery(13.5, 5, 0.9)
TARGET_DAY_MS = 50.0
TARGET_YEAR_S = 20.0


def load() -> pd.DataFrame:
    """Prices and carbon (actual, forecast where missing), 365 UK days from 12 Dec 2022."""
    carbon = sample_carbon().frame
    intensity = carbon["actual"].where(carbon["actual"] > 0).combine_first(carbon["forecast"])
    frame = pd.concat({"price": sample_prices().prices, "carbon": intensity}, axis=1)
    return frame.loc["2022-12-12 00:00":"2023-12-11 23:30"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="best of N for one day")
    args = parser.parse_args(argv)
    frame = load()
    day = frame.loc["2023-06-14 23:00":"2023-06-15 22:30"]  # one 48-slot UK day
    print(
        f"Battery bench: {BATTERY.capacity_kwh} kWh / {BATTERY.power_kw} kW, 90% round trip, "
        f"price objective; Python {platform.python_version()}, {platform.machine()}"
    )
    t = time.perf_counter()
    plan(day, BATTERY)  # cold: builds the cached constraint matrices
    cold = time.perf_counter() - t
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        plan(day, BATTERY)
        times.append(time.perf_counter() - t)
    warm = min(times)
    t = time.perf_counter()
    days, skipped = optimise_days(frame, BATTERY)
    year = time.perf_counter() - t
    print(
        f"  one day (48 slots): {warm * 1000:.1f} ms best of {args.repeats} "
        f"({cold * 1000:.1f} ms cold)"
    )
    print(
        f"  a year of daily LPs: {len(days)} days in {year:.2f} s "
        f"({year / max(len(days), 1) * 1000:.1f} ms per day; {len(skipped)} skipped); "
        f"saving £{days['saving_gbp'].sum():,.2f}"
    )
    day_ok, year_ok = warm * 1000 < TARGET_DAY_MS, year < TARGET_YEAR_S
    print(f"  target one day < {TARGET_DAY_MS:g} ms: {'PASS' if day_ok else 'FAIL'}")
    print(f"  target year < {TARGET_YEAR_S:g} s: {'PASS' if year_ok else 'FAIL'}")
    return 0 if day_ok and year_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
