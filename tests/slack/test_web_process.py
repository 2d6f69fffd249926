"""The Procfile's web process: gunicorn serving ``bot.web:app`` from the environment."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.slack.harness import SIGNING_SECRET, SlackClientSide, block_text

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(kind: str, port: int) -> list[str]:
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            command = line.split(":", 1)[1].replace("$PORT", str(port))
            return shlex.split(command)
    raise AssertionError(f"no {kind}: line in Procfile")


@pytest.mark.slow
def test_procfile_web_serves_slack_commands_health_and_nothing_else(fake_slack, tmp_path):
    port = _free_port()
    argv = procfile_command("web", port)
    assert argv[0] == "gunicorn"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=DEFAULT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/web.sqlite",
        FLEX_OFFLINE="1",
        FLEX_CACHE_DIR=str(tmp_path / "cache"),
        PYTHONPATH=str(REPO),
    )
    argv = [sys.executable, "-m", *argv]  # the venv's gunicorn
    server = subprocess.Popen(argv, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).text.strip() == "ok":
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # still booting (refused), or booted but busy importing (read timeout)
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        slack = SlackClientSide(base, fake_slack)
        response, url = slack.command("/flex", "help")
        assert response.status_code == 200
        # under load the "still working" notice (5 s) may come first: the answer must follow
        assert fake_slack.wait_for(
            lambda f: any("bestslot" in block_text(r) for r in f.replies(url)), timeout=30
        )
        assert requests.get(f"{base}/slack/install", timeout=5).status_code == 404
        assert requests.post(f"{base}/slack/events", data="x=1", timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
