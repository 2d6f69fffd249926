#!/usr/bin/env bash
# Set up .venv from the pinned requirements and start Flexcalc: the Slack app when Slack
# credentials are set, otherwise the terminal shell (live data, bundled sample when offline).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m bot "$@"
