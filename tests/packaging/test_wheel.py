"""`pip install .` gives a package that works outside the repo: its dependencies and extras are
declared, `flexcalc` and `flexcalc-bot` are on PATH, one version everywhere, help never starts the
shell, and the bundled data travels with it.

The wheel is built with pip (build isolation fetches setuptools from the package index) and
installed without dependencies into a fresh venv that sees this venv's packages through a .pth
file, so the test checks our packaging, not the index.
"""

from __future__ import annotations

import email.parser
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from flexcalc import __version__

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the tree, so leftovers of earlier builds (build/, *.egg-info) in the
    checkout can neither leak stale modules into the wheel nor be written there."""
    source = tmp_path_factory.mktemp("source") / "flexcalc"
    junk = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(REPO, source, ignore=junk)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("flexcalc-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """bin/ of a fresh venv with the wheel installed (dependencies seen from this venv)."""
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=False)
    fresh_site = Path(
        sysconfig.get_path("purelib", vars={"base": str(root), "platbase": str(root)})
    )
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (fresh_site / "deps-from-test-venv.pth").write_text("\n".join(ours) + "\n")
    subprocess.run(
        [str(root / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )  # the fresh venv's python runs pip (seen through the .pth), so scripts point at it
    return root / "bin"


def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(z.read(name).decode())


def test_wheel_declares_dependencies_extras_licence_and_version(wheel):
    meta = metadata(wheel)
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0"
    requires = " ".join(meta.get_all("Requires-Dist"))
    for dependency in ("slack-bolt", "pandas", "requests", "apscheduler", "matplotlib"):
        assert dependency in requires
    assert {"teams", "postgres", "dev"} <= set(meta.get_all("Provides-Extra"))
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert any(n.startswith("flexcalc/data/sample_") for n in names), "bundled sample missing"
    assert "flexcalc/data/price_forecast.npz" in names, "shipped price model missing"


def run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLEX_OFFLINE": "1", "PYTHONPATH": ""}
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=bin_dir.parent,  # outside the repo: only the installed package can be imported
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_console_scripts_print_version_and_help(installed):
    for script in ("flexcalc", "flexcalc-bot"):
        done = run(installed, script, "--version")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"{script} {__version__}"
        helped = run(installed, script, "--help")
        assert helped.returncode == 0, helped.stderr
        assert "usage" in helped.stdout.lower() or "flexcalc" in helped.stdout.lower()
        assert "Flexcalc shell" not in helped.stdout  # help never starts the shell


def test_installed_cli_answers_from_the_bundled_sample(installed):
    done = run(installed, "flexcalc", "bestslot", "2h", "--now", "2024-06-10T09:00Z")
    assert done.returncode == 0, done.stderr
    assert "sample" in done.stdout.lower()
    assert "Best 2 h" in done.stdout or "best" in done.stdout.lower()
