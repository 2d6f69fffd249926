"""Benchmark: memory of a process that answers one price forecast, and which libraries it loads.

Run from the repository root:  .venv/bin/python -m bench.bench_forecast_memory [--root DIR]

A fresh process answers ``bestslot 3h within 36h`` at 09:00 (prices published to 23:00 only, so
the answer forecasts past them) the way the bot's worker does, then reports its resident memory
(VmRSS now, VmHWM peak), the time to import and answer, and whether scikit-learn, skops or scipy
were loaded. ``--root`` measures another checkout (e.g. ``git archive main`` unpacked) with the
same interpreter: the baseline in the same run. Issue 10: the whole stack <= 500 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys, time
started = time.perf_counter()
from flexcalc import regions
from flexcalc.commands import Context, run
from flexcalc.sources.sample import SampleProvider
from flexcalc.timeslots import utc
imported = time.perf_counter()
ctx = Context(provider=SampleProvider(), region=regions.resolve("C"),
              now=utc("2024-06-10 09:00"), charts=False)
reply = run("bestslot 3h within 36h", ctx)
answered = time.perf_counter()
assert reply.data["price_forecast"]["slots"], "no forecast in the answer"
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({
    "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
    "peak_mb": int(status["VmHWM"].split()[0]) / 1024,
    "import_s": imported - started,
    "answer_s": answered - imported,
    "loaded": [m for m in ("sklearn", "skops", "scipy", "pandas") if m in sys.modules],
}))
"""


def measure(root: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, action="append", help="another checkout to measure")
    p.add_argument("--repeats", type=int, default=3, help="fresh processes per checkout")
    args = p.parse_args(argv)
    print(f"python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'checkout':<40} {'RSS MB':>7} {'peak MB':>8} {'import s':>9} {'answer s':>9}  loaded")
    for root in [*(args.root or []), ROOT]:
        runs = [measure(root) for _ in range(args.repeats)]
        best = min(runs, key=lambda r: r["peak_mb"])
        print(
            f"{str(root)[-40:]:<40} {best['rss_mb']:7.0f} {best['peak_mb']:8.0f} "
            f"{min(r['import_s'] for r in runs):9.2f} {min(r['answer_s'] for r in runs):9.2f}  "
            f"{', '.join(best['loaded'])}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
