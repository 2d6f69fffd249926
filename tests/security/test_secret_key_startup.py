"""A malformed FLEX_SECRET_KEY stops every process at start with one friendly line naming the
variable and how to make a key, exit status 1, and no traceback: the web (gunicorn, as the
Procfile runs it), the worker, the clock, the shell and the ``flexcalc-bot`` modes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.security import secrets

ROOT = Path(__file__).resolve().parents[2]
BAD_KEYS = ["not-a-key", f"{secrets.new_key()},short", "x" * 44]

PROCESSES = {
    "web (Procfile)": [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "bot.web:app"],
    "worker (Procfile)": [sys.executable, "-m", "bot", "worker"],
    "clock (Procfile)": [sys.executable, "-m", "bot", "clock"],
    "clock module": [sys.executable, "-m", "bot.clock"],
    "shell": [sys.executable, "-m", "bot", "shell"],
    "secrets status": [sys.executable, "-m", "bot", "secrets", "status"],
    "migrate": [sys.executable, "-m", "bot", "migrate", "--check"],
}


def _run(argv: list[str], key: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLEX_", "DATABASE"))}
    env.update({"FLEX_SECRET_KEY": key, "FLEX_OFFLINE": "1", "PORT": "0",
                "DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite",
                "FLEX_QUEUE_FILE": str(tmp_path / "queue.sqlite")})  # fmt: skip
    return subprocess.run(argv, cwd=ROOT, env=env, input="help\n", capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_a_malformed_key_stops_the_process_with_one_friendly_line(process, tmp_path):
    done = _run(PROCESSES[process], BAD_KEYS[0], tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if "FLEX_SECRET_KEY" in line]
    assert lines == [secrets.BAD_KEY]
    assert "flexcalc-bot secrets key" in lines[0]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_every_malformed_shape_is_caught_by_the_start_check(key, monkeypatch, capsys):
    monkeypatch.setenv(secrets.KEY_ENV, key)
    with pytest.raises(SystemExit) as stopped:
        secrets.exit_if_key_invalid()
    assert stopped.value.code == 1
    assert capsys.readouterr().err.strip() == secrets.BAD_KEY


@pytest.mark.parametrize(
    "key", ["", f"{secrets.new_key()}", f"{secrets.new_key()}, {secrets.new_key()}"]
)
def test_an_unset_or_valid_key_passes(key, monkeypatch):
    monkeypatch.setenv(secrets.KEY_ENV, key)
    secrets.exit_if_key_invalid()  # no exit
