"""A terminal front end with the same words as Slack: ``/bestslot 4h`` or ``bestslot 4h``.

Prints ``Reply.to_text()``, saves chart PNGs in ./flexcalc-charts/ and prints their paths.
Works on a pipe too (reads lines until EOF), so it can be scripted and tested.
"""

from __future__ import annotations

import getpass
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.answering import Where, reply_to
from bot.commands.table import command_line
from bot.services import Services

CHART_DIR = Path("flexcalc-charts")
QUIT_WORDS = {"quit", "exit", "q", ":q"}
BANNER = (
    "Flexcalc shell: the same commands as in Slack, e.g. `bestslot 4h by 07:00`, "
    "`carbon`, `prices in NG1`, `region B`. Type `help` or `quit`."
)


def shell_command(words: str) -> str:
    """A command hint as typed at the ``flexcalc>`` prompt."""
    return f"`{words}`"


def save_chart(png: bytes, line: str, directory: Path = CHART_DIR) -> Path:
    """Write the chart next to the user's working directory; a readable, unique file name."""
    directory.mkdir(parents=True, exist_ok=True)
    word = re.sub(r"[^a-z0-9]+", "-", line.lower()).strip("-")[:40] or "chart"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = directory / f"{stamp}-{word}.png"
    path.write_bytes(png)
    return path


def run_shell(
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    services: Services | None = None,
    chart_dir: Path = CHART_DIR,
) -> int:
    """Read commands until EOF or ``quit``; returns the process exit code."""
    services = services or Services(engine=None)
    where = Where(team_id="shell", channel_id="terminal", user_id=_user())
    interactive = stdin.isatty()
    print(BANNER, file=stdout)
    while True:
        if interactive:
            print("flexcalc> ", end="", file=stdout, flush=True)
        raw = stdin.readline()
        if not raw:
            break
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        line = command_line(raw)
        if line.lower() in QUIT_WORDS:
            break
        reply = reply_to(line, services, where)
        print(reply.to_text(shell_command), file=stdout)
        if reply.chart_png:
            print(f"\nChart saved: {save_chart(reply.chart_png, line, chart_dir)}", file=stdout)
        print("", file=stdout, flush=True)
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "you"
