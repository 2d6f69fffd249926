"""Every ``$ flexcalc-bot ...`` line in the deploy and operations pages runs and prints what the
page shows (tests/test_docs.py runs the ``$ flexcalc ...`` lines of every page)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs/admin/deploy.md", ROOT / "docs/admin/operations.md"]
BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)


def examples(page: Path) -> list[tuple[dict[str, str], list[str], list[str]]]:
    """(environment, flexcalc-bot arguments, expected output lines) for each command shown."""
    found = []
    for block in BLOCK.findall(page.read_text()):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *output = chunk.strip().splitlines()
            words = shlex.split(command)
            env = {}
            while "=" in words[0]:
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            assert words[0] == "flexcalc-bot", f"{page.name}: {command}"
            found.append((env, words[1:], [line.strip() for line in output if line.strip()]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_commands_shown_run_and_print_what_the_page_says(page, tmp_path):
    shown = examples(page)
    assert shown, f"{page.name} shows no flexcalc-bot command"
    for env, args, expected in shown:  # in order, in one scratch directory (like a reader)
        run = subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=tmp_path, capture_output=True, text=True,
            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
                 "FLEX_OFFLINE": "1", **env},
            timeout=180,
        )  # fmt: skip
        assert run.returncode == 0, f"{args}: {run.stderr[-800:]}"
        printed = [line.strip() for line in run.stdout.splitlines() if line.strip()]
        assert printed == expected or not expected  # no output shown: the exit status only
