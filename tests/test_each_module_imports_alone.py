"""Every first-party module imports on its own, whatever was imported before it.

The import-cycle checker reads import statements; an import-order cycle through package
``__init__`` files (``flexcalc.engagement`` <-> ``flexcalc.commands`` once broke
``import bot.alerts.fanout`` as a first import) only shows when a module is imported first, in a
fresh interpreter. A child process preloads the third-party libraries once, then forks one child
per first-party module, so each module is the first of ours that its child imports.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THIRD_PARTY = [
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "scipy.sparse",
    "sqlalchemy",
    "alembic",
    "slack_bolt",
    "slack_sdk",
    "huey",
    "requests",
    "requests_cache",
    "apscheduler",
    "cryptography",
    "prometheus_client",
]

CHILD = textwrap.dedent(
    """
    import importlib, os, sys, traceback
    for name in sys.argv[2:]:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # optional third-party (e.g. the Teams SDK): not what this test checks
    failures = []
    for name in sys.argv[1].split(","):
        pid = os.fork()
        if pid == 0:
            try:
                importlib.import_module(name)
            except BaseException:
                sys.stderr.write(f"--- {name}\\n{traceback.format_exc(limit=4)}")
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            failures.append(name)
    print(",".join(failures))
    """
)


def first_party_modules() -> list[str]:
    names = []
    for package in ("bot", "flexcalc"):
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[:2] == ("bot", "migrations") and parts[-1] != "__init__":
                continue  # Alembic's env and revisions run inside Alembic, not on import
            if parts[-1] == "__main__":
                continue  # runs a program
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.slow
def test_each_module_imports_first_in_a_fresh_process():
    modules = first_party_modules()
    assert len(modules) > 100  # the walk found the packages
    result = subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(modules), *THIRD_PARTY],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    failed = [name for name in result.stdout.strip().split(",") if name]
    assert failed == [], f"these fail when imported first: {failed}\n{result.stderr[-3000:]}"
