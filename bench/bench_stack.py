"""Load on the Procfile stack: gunicorn web + worker + clock, default SQLite, fake Slack.

    .venv/bin/python -m bench.bench_stack [--burst 200] [--users 200] [--seconds 120]
        [--slack-delay 0.1] [--workers N] [--worker-type process|thread] [--nice N]
        [--postgres] [--alerts 20]

Starts the Procfile's ``web``, ``worker`` and ``clock`` lines as real processes (their own
sessions, like a platform would; the clock ticks every 30 s), with ``--alerts`` channels
subscribed to a daily alert falling due during the load, so the clock queues real alert work
for the worker. A fake Slack Web API on loopback (tests/fakes/slack_api.py; every call and
response_url post optionally delayed by ``--slack-delay``) and the bundled offline data
(FLEX_OFFLINE=1: no upstream APIs). The database (and so the queue) is the embedded default,
SQLite in a temporary directory, or with ``--postgres`` a real PostgreSQL server (pgserver) for
both. Then:

1. burst: ``--burst`` signed slash commands sent at once;
2. closed loop: ``--users`` users, each sending a command, waiting for its answer, repeating,
   for ``--seconds``.

For every command: ack time (HTTP answer to the signed POST), time to its answer (the
response_url post that is not "Working"/"Still working"), whether it was an apology, and time to
its chart (files.completeUploadExternal naming the user). Memory: RSS of the web, worker and
clock process trees after the load. Targets (issue 10): 0 acks over 3 s, ack p99 < 500 ms, 0 answers
lost, 0 apologies, >= 99% of charts within 60 s, RSS <= 500 MB. The load average is printed
before and after: on a shared machine it moves the figures more than most settings do.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_slack import MIX  # noqa: E402  (the same command mix)
from bot.storage.db import get_engine  # noqa: E402
from bot.storage.subscriptions import Subscription  # noqa: E402
from bot.worker import consumer_options, worker_nice  # noqa: E402
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN, Call, FakeSlack, serve  # noqa: E402
from tests.slack.harness import SIGNING_SECRET, SlackClientSide, block_text  # noqa: E402

TARGETS = {"ack_max": 3.0, "ack_p99": 0.5, "charts_60s": 0.99, "rss_mb": 500.0}


class DelayedSlack(FakeSlack):
    """The fake Slack with a fixed delay on every Web API call and response_url post, which also
    indexes answers (by response_url) and charts (by the user named in the upload's comment) as
    they arrive, so 200 waiting users cost the bench nothing (no rescans of every call)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.answers: dict[str, Call] = {}  # response_url name -> the answer posted to it
        self.chart_at: dict[str, float] = {}  # user id -> when their chart was uploaded
        self._arrived: dict[str, threading.Event] = {}
        self._index_lock = threading.Lock()

    def _handle(self, request):  # type: ignore[override]
        if self.delay:
            time.sleep(self.delay)
        return super()._handle(request)

    def _record(self, call: Call) -> None:
        super()._record(call)
        text = str(call.params.get("text", ""))
        if call.method == "response_url" and not text.startswith(("Working", "Still")):
            with self._index_lock:
                self.answers.setdefault(call.target, call)
                self._event(call.target).set()
        elif call.method == "files.completeUploadExternal":
            comment = str(call.params.get("initial_comment", ""))
            if "<@" in comment:
                with self._index_lock:
                    self.chart_at.setdefault(comment.rsplit("<@", 1)[-1].rstrip(">)"), call.at)

    def _event(self, name: str) -> threading.Event:
        return self._arrived.setdefault(name, threading.Event())

    def wait_answer(self, run: Run, timeout: float) -> bool:
        if not run.url:
            return False
        with self._index_lock:
            event = self._event(run.url.rsplit("/", 1)[1])
        return event.wait(timeout)


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


def tree_memory_mb(root: int) -> tuple[float, float, float]:
    """(RSS, PSS, anonymous) of a process and everything in its session (a Procfile process and
    its children). RSS counts pages shared by forked workers once per process; PSS splits them.
    Anonymous is the heap (Python objects, arrays, malloc arenas); the rest of RSS is file-backed
    (the interpreter, extension modules and libraries mapped from disk)."""
    fields = {"Rss:": 0, "Pss:": 0, "Anonymous:": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != root:
                continue
            for line in (entry / "smaps_rollup").read_text().splitlines():
                name = line.split(maxsplit=1)[0] if line else ""
                if name in fields:
                    fields[name] += int(line.split()[1])
        except (OSError, ValueError):
            continue  # a process that ended meanwhile
    return fields["Rss:"] / 1024, fields["Pss:"] / 1024, fields["Anonymous:"] / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


class Run:
    """One user's command: when it was sent, acked, answered, charted."""

    def __init__(
        self, user: str, url: str, sent: float, ack: float, status: int, error: str = ""
    ) -> None:
        self.user, self.url, self.sent, self.ack, self.status = user, url, sent, ack, status
        self.error = error  # why there was no HTTP answer (status 0)


def answer_of(fake: DelayedSlack, run: Run) -> Call | None:
    return fake.answers.get(run.url.rsplit("/", 1)[-1]) if run.url else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--slack-delay", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=0, help="FLEX_WORKERS (0: the default)")
    parser.add_argument("--worker-type", default="", help="FLEX_WORKER_TYPE (process|thread)")
    parser.add_argument("--nice", default="", help="FLEX_WORKER_NICE (default: the worker's)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (pgserver) database")
    parser.add_argument(
        "--alerts", type=int, default=20, help="channels with a daily alert due during the load"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="an environment variable for the stack's processes (repeatable)",
    )  # fmt: skip
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake Slack's access log
    work = Path(tempfile.mkdtemp(prefix="flexcalc-stack-"))
    fake = DelayedSlack(args.slack_delay)
    server, fake.base_url = serve(fake)
    port = free_port()
    postgres = start_postgres(work) if args.postgres else None
    db_url = postgres[1] if postgres else f"sqlite:///{work}/flexcalc.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLEX_"))}
    env.update(
        SLACK_BOT_TOKEN=DEFAULT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url, DATABASE_URL=db_url,
        FLEX_OFFLINE="1", FLEX_CACHE_DIR=str(work / "cache"), PORT=str(port),
        PYTHONPATH=str(REPO), LOG_LEVEL="WARNING", FLEX_CLOCK_MINUTES=str(CLOCK_MINUTES),
    )  # fmt: skip
    options = {"FLEX_WORKERS": str(args.workers or ""), "FLEX_WORKER_TYPE": args.worker_type}
    env.update({name: value for name, value in options.items() if value})
    if args.nice != "":
        env["FLEX_WORKER_NICE"] = args.nice
    env.update(setting.split("=", 1) for setting in args.set)
    processes: dict[str, subprocess.Popen] = {}
    ok = False
    try:
        subscribe_alerts(db_url, args.alerts)
        for kind in ("web", "worker", "clock"):
            processes[kind] = start(kind, port, work, env)
        ok = load(args, fake, port, env, processes)
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
        if postgres is not None:
            postgres[0].cleanup()
        keep = Path(tempfile.gettempdir()) / f"flexcalc-stack-logs-{int(time.time())}"
        for kind in processes:  # the processes' logs, to see why a target failed
            with contextlib.suppress(OSError):
                keep.mkdir(exist_ok=True)
                shutil.copy(work / f"{kind}.log", keep / f"{kind}.log")
        print(f"process logs kept in {keep}", flush=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


CLOCK_MINUTES = 0.5  # the clock ticks every 30 s during the bench (5 min in production)


def subscribe_alerts(db_url: str, count: int) -> None:
    """``count`` channels over the 14 regions with a daily alert: half due at the clock's first
    tick, half a minute later (during the load)."""
    letters = "ABCDEFGHJKLMNP"
    start = datetime.now(ZoneInfo("Europe/London"))
    with Session(get_engine(db_url)) as session, session.begin():
        for i in range(count):
            at = (start + timedelta(minutes=i % 2)).strftime("%H:%M")
            session.add(
                Subscription(
                    team_id=DEFAULT_TEAM, channel_id=f"C0ALERT{i:03d}", created_by="U0BENCH",
                    at_time=at, region_letter=letters[i % len(letters)],
                )
            )  # fmt: skip


def start_postgres(work: Path) -> tuple[Any, str]:
    """A real PostgreSQL server (pgserver: PostgreSQL in a wheel) and a fresh database's URL."""
    import pgserver  # the `dev` extra; only this option needs it

    server = pgserver.get_server(work / "pgdata", cleanup_mode="stop")
    server.psql('CREATE DATABASE "flexcalc_bench";')
    return server, server.get_uri("flexcalc_bench")


def start(kind: str, port: int, work: Path, env: dict[str, str]) -> subprocess.Popen:
    """One Procfile line as a real process in its own session, as a platform starts it."""
    argv = shlex.split(procfile()[kind].replace("$PORT", str(port)))
    argv = [sys.executable, *argv[1:]] if argv[0] == "python" else [sys.executable, "-m", *argv]
    with open(work / f"{kind}.log", "ab") as log:
        return subprocess.Popen(
            argv, cwd=work, env=env, start_new_session=True, stdout=log, stderr=log
        )


def load(args: Any, fake: DelayedSlack, port: int, env: dict[str, str], processes: dict) -> bool:
    """Warm up, run the burst and the closed loop, print each as it ends; True if all pass."""
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
            status, error = response.status_code, ""
        except Exception as problem:  # no HTTP answer (within the client's 10 s): a failed ack
            url, status, error = "", 0, type(problem).__name__
        return Run(user, url, started, time.monotonic() - started, status, error)

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
        fake.wait_answer(send(command, text), timeout=120)
    with patched_env(env):
        worker = consumer_options() | {"nice": worker_nice()}
    database = "PostgreSQL (pgserver)" if args.postgres else "SQLite"
    print(
        f"stack: web `{procfile()['web']}`; worker `{procfile()['worker']}` "
        f"workers {worker['workers']} {worker['worker_type']}(s), nice {worker['nice']}; "
        f"{database} database and queue; {os.cpu_count()} CPUs; "
        f"Slack delay {args.slack_delay * 1000:.0f} ms per call; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    ok = True
    if args.burst:
        with ThreadPoolExecutor(args.burst) as pool:
            runs = list(pool.map(lambda n: send(*MIX[n % len(MIX)]), range(args.burst)))
        settle(fake, runs)
        ok &= report(fake, "burst", runs)
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
                fake.wait_answer(run, timeout=90)

        with ThreadPoolExecutor(args.users) as pool:
            list(pool.map(user_loop, range(args.users)))
        settle(fake, loop_runs)
        ok &= report(fake, "closed loop", loop_runs)
    alerts = {
        str(c.params.get("channel"))
        for c in fake.calls
        if c.method == "chat.postMessage" and str(c.params.get("channel")).startswith("C0ALERT")
    }
    print(f"clock: {len(alerts)} of {args.alerts} daily alerts due during the run posted")
    rss = {kind: tree_memory_mb(p.pid) for kind, p in processes.items()}
    total = sum(r for r, _, _ in rss.values())
    pss = sum(p for _, p, _ in rss.values())
    print(
        f"memory after the load: RSS web {rss['web'][0]:.0f} MB + worker {rss['worker'][0]:.0f} MB"
        f" + clock {rss['clock'][0]:.0f} MB = {total:.0f} MB (PSS, shared pages split: "
        f"{pss:.0f} MB)"
    )
    print(
        "  of which anonymous (heap): "
        + ", ".join(f"{kind} {anon:.0f} MB" for kind, (_, _, anon) in rss.items())
        + "; the rest is file-backed (interpreter, extension modules, libraries)"
    )
    ok &= total <= TARGETS["rss_mb"]
    print(f"Slack refused {len(fake.refused)} calls (over-used response_urls, 429s)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("targets:", "PASS" if ok else "FAIL", flush=True)
    return ok


def settle(fake: DelayedSlack, runs: list[Run], timeout: float = 300) -> None:
    """Wait until every command has its answer and chart (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = sum(1 for r in runs if answer_of(fake, r) is not None)
        if answered >= len(runs) and len(charts(fake, runs)) >= len(runs):
            return
        time.sleep(0.5)


def charts(fake: DelayedSlack, runs: list[Run]) -> dict[str, float]:
    """Seconds from each command to its chart, by user."""
    return {r.user: fake.chart_at[r.user] - r.sent for r in runs if r.user in fake.chart_at}


def report(fake: DelayedSlack, name: str, runs: list[Run]) -> bool:
    """Print one phase's figures; True if it meets the targets."""
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
        f"(p95 {pct(list(drawn.values()), 95):.1f} s); load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    failures = Counter(f"{r.status} {r.error}".strip() for r in runs if r.status != 200)
    if failures:
        print(f"  not 200: {dict(failures)}", flush=True)
    ok = max(acks) <= TARGETS["ack_max"] and pct(acks, 99) < TARGETS["ack_p99"]
    return ok and lost == 0 and sorry == 0 and failed_acks == 0 and within >= TARGETS["charts_60s"]


if __name__ == "__main__":
    raise SystemExit(main())
