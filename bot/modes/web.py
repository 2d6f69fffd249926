"""``python -m bot web``: exactly the Procfile's web line (gunicorn acks and enqueues)."""

from __future__ import annotations

import os
import shlex
import sys

from bot.config import SlackConfig
from bot.storage.db import get_engine

# The Procfile's web line, word for word (tests/jobs/test_procfile_stack.py keeps them equal).
WEB_COMMAND = (
    "gunicorn --worker-class gthread --threads 16 --timeout 30 --graceful-timeout 20 "
    "--bind 0.0.0.0:$PORT bot.web:app"
)
NOT_READY = (
    "HTTP mode needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
    "(or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET for OAuth installs)."
)


def run(argv: list[str], config: SlackConfig) -> int:
    """Replace this process with gunicorn (``WEB_CONCURRENCY`` processes, default 1)."""
    if not config.http_ready:
        print(NOT_READY, file=sys.stderr)
        return 2
    get_engine()  # refuse an out-of-date schema here, before gunicorn's workers boot
    port = os.environ.get("PORT", "3000")
    command = shlex.split(WEB_COMMAND.replace("$PORT", port))
    os.execv(sys.executable, [sys.executable, "-m", *command])
    return 0  # not reached
