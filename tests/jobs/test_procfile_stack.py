"""The Procfile stack (web + worker processes, default SQLite) against a fake Slack."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from bot.modes.web import WEB_COMMAND
from bot.worker import DEFAULT_NICE
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack
from tests.slack.harness import SIGNING_SECRET, SlackClientSide, block_text

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """The Procfile's processes, started like a platform would (same env, own sessions)."""

    fake: FakeSlack
    workdir: Path
    port: int = field(default_factory=_free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLEX_"))}
        env.update(
            SLACK_BOT_TOKEN=DEFAULT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.fake.api_url,
            DATABASE_URL=f"sqlite:///{self.workdir}/flexcalc.sqlite",
            FLEX_OFFLINE="1",
            FLEX_CACHE_DIR=str(self.workdir / "cache"),
            FLEX_WORKERS="1",
            FLEX_WORKER_DEAD_SECONDS="3",
            PORT=str(self.port),
            PYTHONPATH=str(REPO),
        )
        return env

    def start(self, kind: str) -> subprocess.Popen:
        argv = shlex.split(procfile()[kind].replace("$PORT", str(self.port)))
        # the venv's python and gunicorn
        argv = [sys.executable, *argv[1:]] if argv[0] == "python" else [sys.executable, "-m", *argv]
        with open(self.workdir / f"{kind}.log", "ab") as log:
            process = subprocess.Popen(
                argv, cwd=self.workdir, env=self.env(), start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        self.processes[kind] = process
        return process

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).text.strip() == "ok":
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert self.processes["web"].poll() is None, self.log("web")
            assert time.monotonic() < deadline, "web did not start"
            time.sleep(0.3)

    def log(self, kind: str) -> str:
        return (self.workdir / f"{kind}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def stack(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(fake_slack, tmp_path)
    try:
        running.start("web")
        running.start("worker")
        running.wait_healthy()
        yield running
    finally:
        running.stop()


def mention(stack: Stack, text: str, event_id: str) -> requests.Response:
    return SlackClientSide(stack.url, stack.fake).event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@U0FLEXBOT> {text}",
            "ts": "1700000005.000500",
            "channel": "C0GENERAL",
            "event_ts": "1700000005.000500",
        },
        event_id=event_id,
    )


def test_python_m_bot_web_is_the_procfiles_web_line():
    assert procfile()["web"] == WEB_COMMAND
    assert set(procfile()) == {"web", "worker", "clock"}


def test_the_stack_answers_commands_and_serves_nothing_else(stack):
    slack = SlackClientSide(stack.url, stack.fake)
    response, url = slack.command("/flex", "help")
    assert response.status_code == 200
    assert "bestslot" in block_text(stack.fake.wait_replies(url, timeout=60)[0])
    assert requests.get(f"{stack.url}/slack/install", timeout=5).status_code == 404
    assert requests.post(f"{stack.url}/slack/events", data="x=1", timeout=5).status_code == 401


def test_sigterm_mid_answer_finishes_the_answer_and_its_chart(stack):
    stack.fake.delays["files.getUploadURLExternal"] = 3.0  # the chart upload is slow
    assert mention(stack, "bestslot 2h", "Ev0TERM").status_code == 200
    stack.fake.wait_calls("chat.postMessage", timeout=60)  # the answer is out, chart in hand
    worker = stack.processes["worker"]
    worker.send_signal(signal.SIGTERM)  # a deploy
    assert worker.wait(timeout=40) == 0, stack.log("worker")
    [complete] = stack.fake.wait_calls("files.completeUploadExternal", timeout=5)
    assert complete.params["channel_id"] == "C0GENERAL"
    assert len(stack.fake.calls_to("chat.postMessage")) == 1


def test_a_worker_killed_mid_job_is_replaced_and_the_answer_is_posted_once(stack):
    stack.fake.delays["files.getUploadURLExternal"] = 4.0
    assert mention(stack, "bestslot 3h", "Ev0KILL").status_code == 200
    stack.fake.wait_calls("chat.postMessage", timeout=60)
    time.sleep(1.0)  # the worker has the answer's receipt and waits on the chart upload
    os.killpg(stack.processes["worker"].pid, signal.SIGKILL)  # the machine went away
    stack.processes["worker"].wait(timeout=10)
    stack.fake.delays.clear()
    stack.start("worker")  # the platform starts a new one
    [complete] = stack.fake.wait_calls("files.completeUploadExternal", timeout=60)
    assert complete.params["channel_id"] == "C0GENERAL"
    time.sleep(2)
    assert len(stack.fake.calls_to("chat.postMessage")) == 1, stack.log("worker")  # rerun skips
    assert len(stack.fake.calls_to("files.completeUploadExternal")) == 1
    assert "runs again" in stack.log("worker")


def test_the_worker_gives_the_web_first_call_on_the_cpu(stack):
    """Workers lower their own priority (FLEX_WORKER_NICE, default 5): acks win the cores."""
    web, worker = stack.processes["web"].pid, stack.processes["worker"].pid
    deadline = time.monotonic() + 60
    while os.getpriority(os.PRIO_PROCESS, worker) == os.getpriority(os.PRIO_PROCESS, web):
        assert stack.processes["worker"].poll() is None, stack.log("worker")
        assert time.monotonic() < deadline, "the worker never lowered its priority"
        time.sleep(0.2)
    gap = os.getpriority(os.PRIO_PROCESS, worker) - os.getpriority(os.PRIO_PROCESS, web)
    assert gap == DEFAULT_NICE
