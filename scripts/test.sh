#!/usr/bin/env bash
# Install what the tests need into .venv (pinned requirements) and run lint + the whole suite.
# Used by the README and by .ci/run. Exits non-zero on any failure, including "no tests ran".
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
