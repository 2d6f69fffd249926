"""Fan-out benchmark: 1,000 channel subscriptions across all 14 regions, one clock tick at 08:00,
posted to the fake Slack Web API on loopback (tests/fakes/slack_api.py).

The tick goes the way it does in production: queued as the clock queues it, run by the
worker's tick job (``bot.alerts.tick_job``), so the figures are the worker's.

Channels follow their tariff: with ``--tariffs`` (default 3) every third channel keeps the
default (Agile), the others are set to Octopus Go and to a custom tariff in turn, so the target
is one chart render per distinct (region, tariff): 14 x 3 = 42. Measures wall time, chart
renders, analyses, Slack calls and peak memory (tracemalloc peak of Python allocations, and the
process's peak RSS). Offline: the bundled sample data stands in for every region (Go from its
bundled schedule).

    .venv/bin/python -m bench.bench_fanout [--subs 1000] [--tariffs 3] [--link] [--tracemalloc]
        [--workers 16] [--latency 0.1] [--inline]

``--link`` gives the clock a PUBLIC_BASE_URL so charts travel as one image link per region
instead of a file upload into every alert's thread.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import time_machine
from huey import MemoryHuey
from sqlalchemy.orm import Session

from bot.alerts import tick_job
from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.jobs.ticks import enqueue_tick, slot_of
from bot.storage.db import get_engine
from bot.storage.models import TariffSetting
from bot.storage.subscriptions import Subscription
from flexcalc.regions import all_regions
from flexcalc.sources.sample import SampleProvider
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN, FakeSlack, serve

MOMENT = "2024-06-05 08:00"  # a UK wall time inside the bundled sample
TARIFFS = (None, "go", "custom 7.5p 00:30-04:30, 28p otherwise")  # None: the default (Agile)


def _subscribe(engine, count: int, tariffs: int = len(TARIFFS)) -> int:
    """``count`` channels over 14 regions and ``tariffs`` tariffs; returns the distinct
    (region, tariff) pairs (the chart renders expected)."""
    letters = [r.letter for r in all_regions()]
    rng = random.Random(4)
    pairs = set()
    with Session(engine) as session, session.begin():
        for i in range(count):
            channel = f"C{i:08d}"
            letter = letters[i % len(letters)]
            words = TARIFFS[(i // len(letters)) % tariffs]
            pairs.add((letter, words))
            session.add(
                Subscription(
                    team_id=DEFAULT_TEAM,
                    channel_id=channel,
                    created_by="U0BENCH",
                    at_time="08:00",
                    region_letter=letter,
                    duration_minutes=rng.choice([None, None, 60, 120, 240]),
                )
            )
            if words is not None:
                session.add(TariffSetting(team_id=DEFAULT_TEAM, scope=channel, words=words))
    return len(pairs)


def serve_fake(latency: float) -> int:
    """Child process: serve the fake Slack, print its URL, on SIGTERM print call counts."""
    fake = FakeSlack()
    slow = ("chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal")
    for method in slow if latency else ():
        fake.delays[method] = latency  # what a real Slack round trip costs
    server, fake.base_url = serve(fake)
    print(fake.api_url, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    server.shutdown()
    counts: dict[str, int] = {}
    for call in fake.calls:
        counts[call.method] = counts.get(call.method, 0) + 1
    print(json.dumps(counts), flush=True)
    return 0


def run(
    count: int,
    link: bool,
    trace: bool,
    workers: int = 16,
    latency: float = 0.0,
    tariffs: int = len(TARIFFS),
    inline: bool = False,
) -> dict[str, float]:
    """One tick over ``count`` subscriptions; the fake Slack runs in its own process so the
    memory figures are the clock's alone."""
    import pandas as pd

    child = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_fanout", "--serve-fake", "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    api_url = child.stdout.readline().strip()
    workdir = Path(tempfile.mkdtemp(prefix="flexcalc-bench-"))
    engine = get_engine(f"sqlite:///{workdir}/bench.sqlite")
    pairs = _subscribe(engine, count, tariffs)
    provider = SampleProvider()
    provider.forecast(all_regions()[0], pd.Timestamp("2024-06-05 07:00", tz="UTC"))  # warm
    clock = Clock(
        engine,
        provider,
        SlackClients(engine, default_token=DEFAULT_TOKEN, base_url=api_url),
        public_base_url="https://flexcalc.example.org" if link else None,
        settings=ClockSettings(workers=workers),
    )
    moment = pd.Timestamp(MOMENT).tz_localize("Europe/London").to_pydatetime()
    if trace:
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    huey = MemoryHuey("flexcalc", results=False, utc=True)
    task = tick_job.register(huey, engine, clock)  # the worker's tick job, on this clock
    with time_machine.travel(moment, tick=True):
        started = time.perf_counter()
        if inline:  # the old way, for comparison: the clock's own tick
            report = clock.tick()
        else:
            enqueue_tick(task, slot_of(moment, clock.settings.interval))  # what the clock does
            report = huey.execute(huey.dequeue())  # what a worker thread does
        wall = time.perf_counter() - started
    peak_traced = tracemalloc.get_traced_memory()[1] if trace else float("nan")
    if trace:
        tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child.send_signal(signal.SIGTERM)
    methods: dict[str, int] = json.loads(child.communicate(timeout=60)[0].strip() or "{}")
    return {
        "subscriptions": count,
        "region_tariff_pairs": pairs,
        "posted": report.posted,
        "failed": report.retry_later + report.gave_up,
        "wall_s": wall,
        "per_alert_ms": 1000 * wall / max(report.posted, 1),
        "chart_renders": clock.digests.chart_renders,
        "analyses": clock.digests.analyses,
        "forecasts": clock.digests.forecasts,
        "slack_calls": sum(methods.values()),
        "chat_postMessage": methods.get("chat.postMessage", 0),
        "uploads": methods.get("upload", 0),
        "tracemalloc_peak_mb": peak_traced / 2**20,
        "rss_peak_mb": rss_peak / 1024,
        "rss_growth_mb": (rss_peak - rss_before) / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subs", type=int, default=1000)
    parser.add_argument(
        "--tariffs",
        type=int,
        default=len(TARIFFS),
        choices=range(1, len(TARIFFS) + 1),
        help="tariffs the channels are spread over (1: every channel on the default)",
    )
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--link", action="store_true", help="chart links instead of uploads")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    parser.add_argument("--workers", type=int, default=16, help="channels posted to at once")
    parser.add_argument(
        "--inline", action="store_true", help="tick in place (the old clock), not via the queue"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds the fake Slack takes per API call"
    )
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if args.serve_fake:
        return serve_fake(args.latency)
    result = run(
        args.subs, args.link, args.tracemalloc, args.workers, args.latency, args.tariffs,
        args.inline,
    )  # fmt: skip
    mode = "chart link" if args.link else "chart upload per alert"
    mode += ", ticked inline" if args.inline else ", queued and run by the worker's tick job"
    print(
        f"fan-out of {args.subs} subscriptions over 14 regions x {args.tariffs} tariffs ({mode}, "
        f"{args.workers} workers, {args.latency * 1000:.0f} ms Slack latency)"
    )
    for key, value in result.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"  {key:22} {shown}")
    ok = result["posted"] == args.subs and result["chart_renders"] == result["region_tariff_pairs"]
    print("OK" if ok else "UNEXPECTED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
