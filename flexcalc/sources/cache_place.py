"""Where the shared HTTP cache lives: `$FLEX_CACHE_DIR/http_cache.sqlite` (default `.flexcalc/`).

Its own small module so that a health check can find the file without loading the HTTP session
(``flexcalc.sources.http``, which needs pandas)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_FILE = "http_cache.sqlite"
DEFAULT_CACHE_DIR = ".flexcalc"


def cache_dir() -> Path:
    """``$FLEX_CACHE_DIR`` or ``./.flexcalc``."""
    return Path(os.environ.get("FLEX_CACHE_DIR") or DEFAULT_CACHE_DIR)
