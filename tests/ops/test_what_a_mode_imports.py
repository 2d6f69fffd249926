"""``python -m bot web`` and ``python -m bot clock`` replace themselves with gunicorn and
``bot.clock``, so before the exec they load only their own mode's module from the table in
``bot.__main__``: none of pandas, numpy, scipy, matplotlib, scikit-learn or the Slack app.
``--help`` and ``--version`` load no database library either.

Run in a fresh interpreter through ``bot.__main__.main`` exactly as the command line does, with
``os.execv`` replaced by a recorder that prints what was loaded and what would be exec'd.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import MODES, USAGE, load_mode, main
from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.slack.harness import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["matplotlib", "numpy", "pandas", "scipy", "sklearn", "slack_bolt"]
DATABASE = ["alembic", "sqlalchemy"]

CHILD = r"""
import json, os, sys

def execv(path, argv):
    loaded = sorted(name for name in HEAVY if name in sys.modules)
    print(json.dumps({"loaded": loaded, "argv": argv[1:]}), flush=True)
    os._exit(0)

os.execv = execv
from bot.__main__ import main
code = main(ARGV)
print(json.dumps({"loaded": sorted(name for name in HEAVY if name in sys.modules)}))
sys.exit(code)
"""


def _exec_of(argv: list[str], tmp_path: Path, heavy: list[str] = HEAVY) -> dict:
    """What ``python -m bot *argv`` loaded and exec'd (or printed), in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FLEX_", "DATABASE"))}
    env.update(
        SLACK_BOT_TOKEN=DEFAULT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path}/flexcalc.sqlite",
        FLEX_QUEUE_FILE=str(tmp_path / "queue.sqlite"),
        PORT="8123",
        PYTHONPATH=str(ROOT),
    )
    code = f"HEAVY = {heavy!r}\nARGV = {argv!r}\n" + CHILD
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_web_execs_gunicorn_without_the_numeric_stack_or_the_slack_app(tmp_path):
    seen = _exec_of(["web"], tmp_path)
    assert seen["loaded"] == []
    assert seen["argv"][:2] == ["-m", "gunicorn"]
    assert seen["argv"][-3:] == ["--bind", "0.0.0.0:8123", "bot.web:app"]


def test_clock_execs_the_clock_process_without_the_numeric_stack(tmp_path):
    seen = _exec_of(["clock", "--minutes", "2"], tmp_path)
    assert seen["loaded"] == []
    assert seen["argv"] == ["-m", "bot.clock", "--minutes", "2"]


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_and_version_load_no_database_or_numeric_library(argv, tmp_path):
    assert _exec_of(argv, tmp_path, heavy=HEAVY + DATABASE)["loaded"] == []


def test_every_mode_in_the_table_has_a_runner():
    for mode in MODES:
        assert callable(load_mode(mode, []).run), mode
        assert mode in USAGE  # the usage text names every mode
    assert load_mode("clock", ["--once"]) is not load_mode("clock", [])  # inline, not exec'd


@pytest.mark.parametrize("argv", [["web", "--help"], ["clock", "-h"], ["--help"]])
def test_help_prints_the_usage_without_running_the_mode(argv, capsys):
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == USAGE.strip()


def test_web_without_slack_credentials_says_what_it_needs(monkeypatch, capsys):
    for name in ("BOT_TOKEN", "SIGNING_SECRET", "CLIENT_ID", "CLIENT_SECRET", "APP_TOKEN"):
        monkeypatch.delenv(f"SLACK_{name}", raising=False)
    assert main(["web"]) == 2
    assert "HTTP mode needs SLACK_SIGNING_SECRET" in capsys.readouterr().err
