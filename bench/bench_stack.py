"""Load on the Procfile stack: gunicorn web + ``python -m bot worker``, default SQLite, fake Slack.

    .venv/bin/python -m bench.bench_stack [--burst 200] [--users 200] [--seconds 120]
        [--slack-delay 0.1] [--workers N] [--worker-type process|thread]

Starts the Procfile's ``web`` and ``worker`` lines as real processes (their own sessions, like a
platform would), a fake Slack Web API on loopback (tests/fakes/slack_api.py; every call and
response_url post optionally delayed by ``--slack-delay``) and the bundled offline data
(FLEX_OFFLINE=1: no upstream APIs). Then:

1. burst: ``--burst`` signed slash commands sent at once;
2. closed loop: ``--users`` users, each sending a command, waiting for its answer, repeating,
   for ``--seconds``.

For every command: ack time (HTTP answer to the signed POST), time to its answer (the
response_url post that is not "Working"/"Still working"), whether it was an apology, and time to
its chart (files.completeUploadExternal naming the user). Memory: RSS of the web and worker
process trees after the load. Targets (issue 10): 0 acks over 3 s, ack p99 < 500 ms, 0 answers
lost, 0 apologies, >= 99% of charts within 60 s, RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_slack import MIX  # noqa: E402  (the same command mix)
from bot.worker import consumer_options  # noqa: E402
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack, serve  # noqa: E402
from tests.slack.harness import SIGNING_SECRET, SlackClientSide, block_text  # noqa: E402

TARGETS = {"ack_max": 3.0, "ack_p99": 0.5, "charts_60s": 0.99, "rss_mb": 500.0}


class DelayedSlack(FakeSlack):
    """The fake Slack with a fixed delay on every Web API call and response_url post."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def _handle(self, request):  # type: ignore[override]
        if self.delay:
            time.sleep(self.delay)
        return super()._handle(request)


@contextlib.contextmanager
def patched_env(env: dict[str, str]):
    """``os.environ`` as the stack's processes see it, for the length of the block."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def tree_memory_mb(root: int) -> tuple[float, float]:
    """(RSS, PSS) of a process and everything in its session (a Procfile process and its
    children). RSS counts pages shared by forked workers once per process; PSS splits them."""
    rss = pss = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != root:
                continue
            for line in (entry / "smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return rss / 1024, pss / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


class Run:
    """One user's command: when it was sent, acked, answered, charted."""

    def __init__(self, user: str, url: str, sent: float, ack: float, status: int) -> None:
        self.user, self.url, self.sent, self.ack, self.status = user, url, sent, ack, status


def answer_of(fake: FakeSlack, run: Run):
    name = run.url.rsplit("/", 1)[1]
    for call in fake.calls_to("response_url"):
        text = str(call.params.get("text", ""))
        if call.target == name and not text.startswith(("Working", "Still")):
            return call
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--slack-delay", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=0, help="FLEX_WORKERS (0: the default)")
    parser.add_argument("--worker-type", default="", help="FLEX_WORKER_TYPE (process|thread)")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake Slack's access log
    work = Path(tempfile.mkdtemp(prefix="flexcalc-stack-"))
    fake = DelayedSlack(args.slack_delay)
    server, fake.base_url = serve(fake)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLEX_"))}
    env.update(
        SLACK_BOT_TOKEN=DEFAULT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url, DATABASE_URL=f"sqlite:///{work}/flexcalc.sqlite",
        FLEX_OFFLINE="1", FLEX_CACHE_DIR=str(work / "cache"), PORT=str(port),
        PYTHONPATH=str(REPO), LOG_LEVEL="WARNING",
    )  # fmt: skip
    if args.workers:
        env["FLEX_WORKERS"] = str(args.workers)
    if args.worker_type:
        env["FLEX_WORKER_TYPE"] = args.worker_type
    processes = {}
    for kind in ("web", "worker"):
        argv = shlex.split(procfile()[kind].replace("$PORT", str(port)))
        argv = [sys.executable, *argv[1:]] if argv[0] == "python" else [sys.executable, "-m", *argv]
        with open(work / f"{kind}.log", "ab") as log:
            processes[kind] = subprocess.Popen(
                argv, cwd=work, env=env, start_new_session=True, stdout=log, stderr=log
            )
    base = f"http://127.0.0.1:{port}"
    slack = SlackClientSide(base, fake)
    counter = iter(range(10**7))
    lock = threading.Lock()

    def send(command: str, text: str) -> Run:
        with lock:
            user = f"U{next(counter):07d}"
        started = time.monotonic()
        try:
            response, url = slack.command(command, text, user_id=user)
            status = response.status_code
        except Exception:
            url, status = "", 0
        return Run(user, url, started, time.monotonic() - started, status)

    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if slack.session.get(f"{base}/healthz", timeout=2).ok:
                    break
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the web process did not start")
            time.sleep(0.3)
        for command, text in MIX:  # warm the workers (imports, matplotlib), one of each
            run = send(command, text)
            fake.wait_for(lambda f, r=run: answer_of(f, r), timeout=120)
        with patched_env(env):
            worker_defaults = consumer_options()
        print(
            f"stack: web `{procfile()['web']}`; worker `{procfile()['worker']}` "
            f"workers {worker_defaults['workers']} {worker_defaults['worker_type']}(s); "
            f"{os.cpu_count()} CPUs; "
            f"Slack delay {args.slack_delay * 1000:.0f} ms per call"
        )
        results = {}
        if args.burst:
            with ThreadPoolExecutor(args.burst) as pool:
                runs = list(pool.map(lambda n: send(*MIX[n % len(MIX)]), range(args.burst)))
            results["burst"] = runs
            settle(fake, runs)
        if args.users and args.seconds:
            stop_at = time.monotonic() + args.seconds
            loop_runs: list[Run] = []

            def user_loop(n: int) -> None:
                i = n
                while time.monotonic() < stop_at:
                    run = send(*MIX[i % len(MIX)])
                    with lock:
                        loop_runs.append(run)
                    i += 1
                    with contextlib.suppress(AssertionError):
                        fake.wait_for(lambda f, r=run: answer_of(f, r), timeout=90)

            with ThreadPoolExecutor(args.users) as pool:
                list(pool.map(user_loop, range(args.users)))
            results["closed loop"] = loop_runs
            settle(fake, loop_runs)
        rss = {kind: tree_memory_mb(p.pid) for kind, p in processes.items()}
        ok = report(fake, results, rss, args)
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        server.shutdown()
    return 0 if ok else 1


def settle(fake: FakeSlack, runs: list[Run], timeout: float = 300) -> None:
    """Wait until every command has its answer and chart (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        charted = len(charts(fake, runs))
        answered = sum(1 for r in runs if answer_of(fake, r) is not None)
        if answered >= len(runs) and charted >= len(runs):
            return
        time.sleep(0.5)


def charts(fake: FakeSlack, runs: list[Run]) -> dict[str, float]:
    sent = {r.user: r.sent for r in runs}
    out = {}
    for call in fake.calls_to("files.completeUploadExternal"):
        comment = str(call.params.get("initial_comment", ""))
        user = comment.rsplit("<@", 1)[-1].rstrip(">)") if "<@" in comment else ""
        if user in sent:
            out[user] = call.at - sent[user]
    return out


def report(fake: FakeSlack, results: dict[str, list[Run]], rss: dict[str, float], args) -> bool:
    ok = True
    for name, runs in results.items():
        acks = [r.ack for r in runs]
        answers = {r.user: answer_of(fake, r) for r in runs}
        lost = sum(1 for a in answers.values() if a is None)
        sorry = sum(1 for a in answers.values() if a and "Sorry" in block_text(a.params))
        reply = [a.at - r.sent for r in runs if (a := answers[r.user]) is not None]
        drawn = charts(fake, runs)
        within = sum(1 for t in drawn.values() if t <= 60) / max(1, len(runs))
        failed_acks = sum(1 for r in runs if r.status != 200)
        print(
            f"{name}: {len(runs)} commands; ack p50 {pct(acks, 50) * 1000:.0f} ms, "
            f"p99 {pct(acks, 99) * 1000:.0f} ms, max {max(acks):.2f} s, "
            f"{sum(1 for a in acks if a > 3)} over 3 s, {failed_acks} not 200; "
            f"answer p50 {pct(reply, 50):.1f} s p95 {pct(reply, 95):.1f} s; lost {lost}; "
            f"apologies {sorry}; charts {len(drawn)}/{len(runs)}, {within:.1%} within 60 s "
            f"(p95 {pct(list(drawn.values()), 95):.1f} s)"
        )
        ok &= max(acks) <= TARGETS["ack_max"] and pct(acks, 99) < TARGETS["ack_p99"]
        ok &= lost == 0 and sorry == 0 and failed_acks == 0 and within >= TARGETS["charts_60s"]
    total = sum(r for r, _ in rss.values())
    pss = sum(p for _, p in rss.values())
    print(
        f"memory after the load: RSS web {rss['web'][0]:.0f} MB + worker {rss['worker'][0]:.0f} MB"
        f" = {total:.0f} MB (PSS, shared pages split: {pss:.0f} MB)"
    )
    ok &= total <= TARGETS["rss_mb"]
    refused = len(fake.refused)
    print(f"Slack refused {refused} calls (over-used response_urls, 429s)")
    print("targets:", "PASS" if ok else "FAIL")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
