#!/usr/bin/env bash
# Regenerate the pinned requirement files from pyproject.toml's ranges (uv pip compile).
# Run after changing a dependency, or with --upgrade to take every package's newest release.
set -euo pipefail
cd "$(dirname "$0")/.."
compile() { uvx --from 'uv==0.13.8' uv pip compile --quiet --python-version 3.11 "$@"; }
command -v uvx >/dev/null || python3 -m pip install --quiet 'uv==0.13.8'
compile pyproject.toml --extra teams --extra postgres -o requirements.txt "$@"
compile pyproject.toml --extra teams --extra postgres --extra dev -o requirements-dev.txt "$@"
