"""Bench: settling pledges from real history, /flex impact aggregation and the weekly digest.

    .venv/bin/python -m bench.bench_engagement [--pledges 2000] [--outcomes 20000]

- ``pledge_saving``: N pledges spread over 2023 (region-C Agile + national carbon, actual where
  published), each a random 1-4 h window against the worst window of that length that day.
- ``settle_due``: N pledges through SQLite (real tables, the bundled SampleProvider).
- ``impact_reply`` (no chart, and with the chart) and ``digest`` for a workspace with M outcomes.
Targets: a pledge settles (history, saving, SQLite update) in under 10 ms; impact for 20,000
pledges without chart under 200 ms; the digest under 300 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from flexcalc import engagement
from flexcalc.engagement import Outcome, PledgeOffer
from flexcalc.sources.sample import SampleProvider, sample_carbon, sample_prices

TARGETS = {"settle_ms_per_pledge": 10.0, "impact_ms": 200.0, "digest_ms": 300.0}


def best_of(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def offers(n: int, seed: int = 7) -> list[PledgeOffer]:
    rng = np.random.default_rng(seed)
    prices = sample_prices().prices.loc["2023-01-01":"2023-12-01"]
    out = []
    for _ in range(n):
        slots = int(rng.integers(2, 9))
        day = pd.Timestamp("2023-01-02", tz="UTC") + pd.Timedelta(days=int(rng.integers(0, 330)))
        frame = prices.loc[day : day + pd.Timedelta(hours=23, minutes=30)].to_frame("price")
        best = engagement.windows.best_window(frame, slots, "price")
        worst = engagement.usual_window(frame, slots)
        if best is None or worst is None:
            continue
        out.append(PledgeOffer("load", "C", best.start, best.end, worst.start, 2.0 * slots / 2))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=2000)
    parser.add_argument("--outcomes", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    prices, carbon = sample_prices().prices, sample_carbon().frame
    todo = offers(args.pledges)
    print(f"{len(todo)} pledges over 2023 (region C Agile, national carbon)")

    start = time.perf_counter()
    savings = [
        engagement.pledge_saving(prices, carbon, o.start, o.end, o.baseline_start, o.kwh)
        for o in todo
    ]
    per = (time.perf_counter() - start) / len(todo) * 1000
    kg = sum(s.kg_co2 or 0 for s in savings)
    gbp = sum(s.gbp or 0 for s in savings)
    print(
        f"  pledge_saving                {per:7.3f} ms/pledge   total {kg:,.0f} kgCO2, £{gbp:,.0f}"
    )

    settle_ms = bench_settle(todo[:500])
    print(f"  settle_due via SQLite        {settle_ms:7.3f} ms/pledge   (500 pledges)")

    rng = np.random.default_rng(1)
    base = pd.Timestamp("2024-05-27", tz="UTC")
    many = [
        Outcome(
            f"U{int(rng.integers(0, 200)):03d}",
            base + pd.Timedelta(minutes=30 * int(i)),
            float(rng.uniform(1, 30)),
            float(rng.normal(0.8, 0.5)),
            float(rng.normal(0.4, 0.2)),
        )
        for i in rng.integers(0, 48 * 14, args.outcomes)
    ]
    plain = best_of(
        lambda: engagement.impact_reply(many, scope="team", period="all", charts=False),
        args.repeats,
    )
    charted = best_of(lambda: engagement.impact_reply(many, scope="team", period="month"), 3)
    print(
        f"  impact_reply, {len(many):,} pledges    {plain * 1000:7.1f} ms (no chart), "
        f"{charted * 1000:.1f} ms with chart"
    )
    digest = best_of(
        lambda: engagement.digest(many, carbon, date(2024, 6, 3), prices=prices), args.repeats
    )
    print(f"  digest (week of 2024-06-03)  {digest * 1000:7.1f} ms")

    results = {
        "settle_ms_per_pledge": settle_ms,
        "impact_ms": plain * 1000,
        "digest_ms": digest * 1000,
    }
    ok = True
    for name, target in TARGETS.items():
        passed = results[name] <= target
        ok &= passed
        verdict = "PASS" if passed else "FAIL"
        print(f"  target {name:<22} {results[name]:8.2f} <= {target:g}  {verdict}")
    return 0 if ok else 1


def bench_settle(todo: list[PledgeOffer]) -> float:
    from bot.engagement import pledges, settle
    from bot.storage.db import get_engine

    with tempfile.TemporaryDirectory() as folder:
        engine = get_engine(f"sqlite:///{folder}/bench.sqlite")
        for i, offer in enumerate(todo):
            pledges.record(
                engine,
                offer,
                team_id="T1",
                user_id=f"U{i}",
                channel_id="C1",
                now=offer.start - pd.Timedelta(hours=1),
            )
        start = time.perf_counter()
        done = settle.settle_due(engine, SampleProvider(), pd.Timestamp("2024-01-01", tz="UTC"))
        elapsed = time.perf_counter() - start
        engine.dispose()
    return elapsed / max(1, len(done)) * 1000


if __name__ == "__main__":
    sys.exit(main())
