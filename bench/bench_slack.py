"""Slack front-end latency and memory: signed slash commands against the real HTTP app.

Runs everything on loopback, offline: the Flask/Bolt app (werkzeug threaded server), the fake
Slack Web API (tests/fakes/slack_api.py) and the fake Octopus / Carbon Intensity APIs
(tests/fakes/upstream.py) replaying recorded data, with the live provider and its HTTP cache.

    .venv/bin/python bench/bench_slack.py [--requests 200] [--concurrency 10] [--no-hang]

Measures: ack time (HTTP response to the signed POST) and time to the final reply (the
response_url post) over N requests at concurrency C with warm caches; ack time while an upstream
API hangs (cold region, every upstream call stalls); process RSS after start and at the end.
Targets: every ack < 3 s (also while an upstream hangs); p95 to final reply < 1 s warm;
RSS < 250 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ACK_TARGET = 3.0
FINAL_P95_TARGET = 1.0
RSS_TARGET_MB = 250.0
MIX = [
    ("/bestslot", "2h"),
    ("/bestslot", "4h by 07:00 for both at 7 kW"),
    ("/bestslot", "3h for carbon"),
    ("/prices", ""),
    ("/carbon", ""),
    ("/bestslot", "1h30m within 12 hours for price"),
]


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--no-hang", action="store_true", help="skip the hanging-upstream run")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="flexcalc-bench-"))
    os.environ.update(FLEX_CACHE_DIR=str(workdir / "cache"))
    for name in ("FLEX_OFFLINE", "FLEX_REGION", "FLEX_AGILE_PRODUCT"):
        os.environ.pop(name, None)

    import logging

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from bot.config import SlackConfig
    from bot.services import Services
    from bot.storage.db import get_engine
    from flexcalc.sources.providers import make_provider
    from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack, serve
    from tests.fakes.upstream import DEFAULT_NOW, FakeCarbonIntensity, FakeOctopus
    from tests.slack.conftest import start_app
    from tests.slack.harness import SIGNING_SECRET

    octopus = FakeOctopus(DEFAULT_NOW).start()
    carbon = FakeCarbonIntensity(DEFAULT_NOW).start()
    os.environ["OCTOPUS_API_URL"] = octopus.url
    os.environ["CARBON_INTENSITY_API_URL"] = carbon.url
    fake = FakeSlack()
    slack_server, fake.base_url = serve(fake)
    services = Services(
        engine=get_engine(f"sqlite:///{workdir}/bench.sqlite"),
        provider_factory=make_provider,
        clock=lambda: DEFAULT_NOW,
    )
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.api_url
    )
    running, stop = start_app(fake, services, config)
    rss_start = rss_mb()

    counter = iter(range(10**6))

    def one(command: str, text: str, timeout: float = 60.0) -> tuple[float, float | None]:
        """(ack seconds, seconds to the answer message or None)."""
        user = f"U{next(counter):06d}"
        started = time.monotonic()
        response, url = running.slack.command(command, text, user_id=user)
        acked = time.monotonic() - started
        assert response.status_code == 200, response.status_code
        starts[user] = started
        try:
            fake.wait_replies(url, timeout=timeout)
        except AssertionError:
            return acked, None
        name = url.rsplit("/", 1)[1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the answer, not the "Still working" notice
            answers = [
                c
                for c in fake.calls_to("response_url")
                if c.target == name and not str(c.params.get("text", "")).startswith("Still")
            ]
            if answers:
                return acked, answers[0].at - started
            time.sleep(0.05)
        return acked, None

    starts: dict[str, float] = {}

    def chart_times(users: set[str]) -> list[float]:
        """Seconds from each command to the end of its chart upload."""
        out = []
        for call in fake.calls_to("files.completeUploadExternal"):
            comment = call.params.get("initial_comment", "")
            user = comment.rsplit("<@", 1)[-1].rstrip(">)") if "<@" in comment else ""
            if user in users:
                out.append(call.at - starts[user])
        return out

    for command, text in MIX:  # warm the HTTP cache, matplotlib and the database
        one(command, text)
    rss_warm = rss_mb()

    jobs = [MIX[i % len(MIX)] for i in range(args.requests)]
    warm_users = set(starts)
    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(lambda job: one(*job), jobs))
    wall = time.monotonic() - started
    acks = [a for a, _ in results]
    finals = [f for _, f in results if f is not None]
    missing = sum(1 for _, f in results if f is None)

    print(
        f"Slack front end, {args.requests} signed slash commands, concurrency "
        f"{args.concurrency}, {os.cpu_count()} CPUs"
    )
    print(f"  mix: {', '.join(f'{c} {t}'.strip() for c, t in MIX)}")
    print(f"  wall {wall:.1f} s, {args.requests / wall:.1f} commands/s, unanswered {missing}")
    ok = True

    def report(label: str, values: list[float], target: float, key: str = "max") -> None:
        nonlocal ok
        p50, p95, top = pct(values, 50), pct(values, 95), max(values)
        judged = top if key == "max" else p95
        verdict = "OK" if judged < target else "MISSED"
        ok &= judged < target
        print(
            f"  {label:<28} p50 {p50 * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  "
            f"max {top * 1000:7.0f} ms   target {key} < {target:.0f} s: {verdict}"
        )

    report("ack (warm)", acks, ACK_TARGET)
    report("final reply (warm)", finals, FINAL_P95_TARGET, key="p95")
    load_users = set(starts) - warm_users
    deadline = time.monotonic() + 120
    while len(chart_times(load_users)) < len(load_users) and time.monotonic() < deadline:
        time.sleep(0.2)
    charts = chart_times(load_users)
    print(
        f"  {'chart upload done (warm)':<28} p50 {pct(charts, 50) * 1000:7.0f} ms  "
        f"p95 {pct(charts, 95) * 1000:7.0f} ms  max {max(charts) * 1000:7.0f} ms   "
        f"({len(charts)}/{len(load_users)} charts; follows the answer, no target)"
    )

    if not args.no_hang:
        carbon.hang_next(15, count=100)  # every uncached carbon call stalls for 15 s
        octopus.hang_next(15, count=100)
        cold = [("/bestslot", f"2h in {letter}") for letter in "ABDEFGHJKL"]
        with ThreadPoolExecutor(len(cold)) as pool:
            hanging = [pool.submit(one, *job, timeout=90) for job in cold]
            time.sleep(1)  # the cold commands are now stuck on the upstream
            with ThreadPoolExecutor(args.concurrency) as warm_pool:
                meanwhile = list(warm_pool.map(lambda job: one(*job), MIX * 4))
            hung = [f.result() for f in hanging]
        report(
            "final reply (warm, in hang)",
            [f for _, f in meanwhile if f is not None],
            FINAL_P95_TARGET,
            key="p95",
        )
        hang_acks = [a for a, _ in hung]
        hang_finals = [f for _, f in hung if f is not None]
        report("ack (upstream hanging)", hang_acks, ACK_TARGET)
        answered = len(hang_finals)
        slowest = max(hang_finals) if hang_finals else float("nan")
        print(
            f"  {'final reply (hanging)':<28} {answered}/{len(cold)} answered honestly, "
            f"slowest {slowest:.1f} s (upstream timeouts, no target)"
        )

    rss_end = rss_mb()
    peak = rss_mb("VmHWM")
    verdict = "OK" if rss_warm < RSS_TARGET_MB else "MISSED"
    ok &= rss_warm < RSS_TARGET_MB
    print(
        f"  RSS after start {rss_start:.0f} MB, after warm-up {rss_warm:.0f} MB, "
        f"at end {rss_end:.0f} MB (peak {peak:.0f} MB)   target < {RSS_TARGET_MB:.0f} MB: {verdict}"
    )
    print("  (one process holds the app and the fakes, so RSS slightly overstates the app)")
    time.sleep(1)
    stop()
    slack_server.shutdown()
    octopus.stop()
    carbon.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
