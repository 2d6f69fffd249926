"""``python -m bot`` without Slack credentials: the terminal shell, driven through stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_shell(lines: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in ("DATABASE_URL", "FLEX_REGION")
    }
    env.update(FLEX_OFFLINE="1", PYTHONPATH=str(REPO), FLEX_CACHE_DIR=str(cwd / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_shell_answers_the_slack_words_and_saves_charts(tmp_path):
    result = run_shell(
        ["/bestslot 4h by 07:00", "carbon", "/flex region NG1", "prices", "bestslot banana"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Best 4 h window — London (C)" in out
    assert "Carbon intensity" in out or "gCO2/kWh" in out
    assert "Default region set: East Midlands (B)" in out
    assert "Agile prices — East Midlands (B)" in out  # the region setting is remembered
    assert "Sorry, I didn't get that" in out and "Try: bestslot" in out
    assert "Traceback" not in out + result.stderr
    saved = [
        line.split("Chart saved: ", 1)[1] for line in out.splitlines() if "Chart saved: " in line
    ]
    assert len(saved) == 3  # bestslot, carbon, prices
    for path in saved:
        png = (tmp_path / path).read_bytes()
        assert png.startswith(b"\x89PNG")
    assert not (tmp_path / "flexcalc.sqlite").exists()  # the shell needs no database


def test_shell_mode_by_name_help_and_quit(tmp_path):
    result = run_shell(["help", "quit", "carbon"], tmp_path, "shell")
    assert result.returncode == 0
    assert "bestslot" in result.stdout and "footprint" in result.stdout
    assert "Chart saved" not in result.stdout  # nothing after quit was run
