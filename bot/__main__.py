"""``python -m bot [shell|web|socket|clock|teams]``: with no argument, the mode the env allows.

Socket Mode if SLACK_APP_TOKEN; HTTP if a bot token + signing secret (or OAuth client id/secret);
otherwise the terminal shell. ``clock`` runs the alerts scheduler (``bot.clock.main``).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys

from bot.config import SlackConfig
from flexcalc import __version__

MODES = ("shell", "web", "socket", "clock", "teams")

USAGE = """usage: flexcalc-bot [MODE] [--help] [--version]   (same as: python -m bot ...)

Flexcalc's chat bot. With no MODE it runs the mode your environment allows:
  socket   Slack over Socket Mode (SLACK_APP_TOKEN is set): one process, no public URL
  web      Slack (and Teams) over HTTP under gunicorn (SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN,
           or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET for OAuth installs)
  clock    the scheduler that posts daily alerts, digests and reminders (run exactly one)
  teams    manage Teams Workflows webhooks (teams --help)
  shell    ask Flexcalc in this terminal (the default without Slack variables): live data,
           or the bundled sample when offline, labelled on every answer
"""


def pick_mode(config: SlackConfig) -> str:
    if config.socket_mode:
        return "socket"
    if config.http_ready:
        return "web"
    return "shell"


def run_socket(config: SlackConfig) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.services import Services
    from bot.storage.db import get_engine

    services = Services(engine=get_engine(), public_base_url=config.public_base_url)
    app = create_app(config, services)
    services.warm_up_in_background()
    logging.getLogger(__name__).info("Flexcalc is running in Socket Mode")
    SocketModeHandler(app, config.app_token).start()
    return 0


def run_web() -> int:
    """gunicorn serving ``bot.web:create_web_app()`` on PORT (Flask's server if no gunicorn)."""
    port = os.environ.get("PORT", "3000")
    if shutil.which("gunicorn") or _has_module("gunicorn"):
        args = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"0.0.0.0:{port}",
            "--worker-class", "gthread",
            "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
            "--threads", "8",
            "bot.web:app",
        ]  # fmt: skip
        os.execv(sys.executable, args)
    from bot.web import create_web_app

    create_web_app().run(host="0.0.0.0", port=int(port), threaded=True)
    return 0


def run_clock(argv: list[str]) -> int:
    from bot.clock import main

    return int(main(argv) or 0)


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):  # before picking a mode: help never starts the shell
        print(USAGE)
        return 0
    if argv[:1] == ["--version"]:
        print(f"flexcalc-bot {__version__}")
        return 0
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = SlackConfig.from_env()
    mode = argv.pop(0) if argv and argv[0] in MODES else pick_mode(config)
    if argv and argv[0] in ("-h", "--help", "help") and mode not in ("shell", "teams"):
        print(USAGE)
        return 0
    if mode == "socket":
        if not config.app_token:
            print("Socket Mode needs SLACK_APP_TOKEN (an xapp- token).", file=sys.stderr)
            return 2
        return run_socket(config)
    if mode == "web":
        if not config.http_ready:
            print(
                "HTTP mode needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
                "(or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET for OAuth installs).",
                file=sys.stderr,
            )
            return 2
        return run_web()
    if mode == "clock":
        return run_clock(argv)
    if mode == "teams":  # register Teams Workflows webhook URLs (bot.teams.cli)
        from bot.teams.cli import main as teams_main

        return teams_main(argv)
    logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "WARNING"))
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # retries show up in the answer's notes
    from bot.shell import run_shell

    return run_shell()


if __name__ == "__main__":
    sys.exit(main())
