"""``python -m bot [shell|web|worker|socket|clock|teams|secrets|migrate]``: none: the env's mode.

Socket Mode if SLACK_APP_TOKEN; HTTP if a bot token + signing secret (or OAuth client id/secret);
otherwise the terminal shell. ``web`` runs exactly the Procfile's web line (acks and enqueues),
``worker`` the job consumer (``bot.worker``), ``clock`` the alerts scheduler (``bot.clock``).
Socket Mode and the shell are one process (jobs run on threads inside it). ``migrate`` brings
the database schema up to date (``bot.migrate_cli``); ``teams package`` builds the Teams app
package.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys

from bot.alerts.tick_job import run_once as clock_once
from bot.answering import warm_up_in_background
from bot.clock import parser as clock_parser
from bot.config import SlackConfig
from bot.jobs.runner import LocalWorkers
from bot.migrate_cli import main as migrate_main
from bot.observability.logs import configure_logging
from bot.one_process import create_one_process_app
from bot.security import redaction
from bot.security.secrets import SecretKeyInvalid, exit_if_key_invalid
from bot.services import Services
from bot.shell import run_shell
from bot.storage.db import get_engine
from bot.storage.schema import SchemaError
from bot.teams.cli import main as teams_main
from bot.worker import build_queue
from bot.worker import main as worker_main
from flexcalc import __version__

MODES = ("shell", "web", "worker", "socket", "clock", "teams", "secrets", "migrate")
# The Procfile's web line, word for word (tests/jobs/test_procfile_stack.py keeps them equal).
WEB_COMMAND = (
    "gunicorn --worker-class gthread --threads 16 --timeout 30 --graceful-timeout 20 "
    "--bind 0.0.0.0:$PORT bot.web:app"
)

USAGE = """usage: flexcalc-bot [MODE] [--help] [--version]   (same as: python -m bot ...)

Flexcalc's chat bot. With no MODE it runs the mode your environment allows:
  socket   Slack over Socket Mode (SLACK_APP_TOKEN is set): one process, no public URL
  web      Slack (and Teams) over HTTP under gunicorn (SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN,
           or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET for OAuth installs)
  worker   answers the commands the web process queued (beside web)
  clock    the scheduler: queues the daily alerts, digests and reminders for the worker (run
           one, two for failover); clock --once: one tick in this process (cron, no worker)
  teams    manage Teams Workflows webhooks, build the Teams app package (teams --help)
  secrets  encryption of stored tokens and URLs: key, rotate, status (secrets --help)
  migrate  bring the database schema up to date (migrate --help); back up first
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

    services = Services(engine=get_engine(), public_base_url=config.public_base_url)
    app = create_one_process_app(config, services)
    warm_up_in_background(services)
    start_queue_worker(services)
    logging.getLogger(__name__).info("Flexcalc is running in Socket Mode")
    SocketModeHandler(app, config.app_token).start()
    return 0


def start_queue_worker(services: Services, threads: int = 1) -> LocalWorkers:
    """Worker threads on the durable queue, inside this process: Socket Mode is one process,
    so it runs the alerts ticks the clock queues (docs/adr/0106)."""
    return LocalWorkers(build_queue(services=services), threads).start()


def run_web() -> int:
    """Exactly the Procfile's web line (gunicorn, ``WEB_CONCURRENCY`` processes, default 1)."""
    port = os.environ.get("PORT", "3000")
    argv = shlex.split(WEB_COMMAND.replace("$PORT", port))
    os.execv(sys.executable, [sys.executable, "-m", *argv])
    return 0  # not reached


def run_clock(argv: list[str]) -> int:
    """``clock --once``: one tick inline (cron without a worker, tests). Otherwise the clock
    process proper (``python -m bot.clock``) replaces this one, which loaded the numeric
    stack: the clock only queues ticks and stays small (docs/adr/0106)."""
    if "--once" in argv:
        options = clock_parser().parse_args([a for a in argv if a != "--once"])
        return clock_once(options.minutes)
    os.execv(sys.executable, [sys.executable, "-m", "bot.clock", *argv])
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except SchemaError as problem:  # out-of-date database: say what to do, no traceback
        print(problem, file=sys.stderr)
        return 2
    except SecretKeyInvalid as problem:  # FLEX_SECRET_KEY malformed: one line, no traceback
        print(problem, file=sys.stderr)
        return 1


def _main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):  # before picking a mode: help never starts the shell
        print(USAGE)
        return 0
    if argv[:1] == ["--version"]:
        print(f"flexcalc-bot {__version__}")
        return 0
    exit_if_key_invalid()  # every mode: a malformed FLEX_SECRET_KEY stops here, exit 1
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    redaction.install()  # tokens and signed URLs never reach a log, at any level
    config = SlackConfig.from_env()
    mode = argv.pop(0) if argv and argv[0] in MODES else pick_mode(config)
    helped = ("shell", "teams", "secrets", "migrate")
    if argv and argv[0] in ("-h", "--help", "help") and mode not in helped:
        print(USAGE)
        return 0
    if mode == "migrate":
        return migrate_main(argv)
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
        get_engine()  # refuse an out-of-date schema here, before gunicorn's workers boot
        return run_web()
    if mode == "clock":
        return run_clock(argv)
    if mode == "worker":
        return worker_main(argv)
    if mode == "secrets":  # encryption keys: new key, rotate (bot.security.cli)
        from bot.security.cli import main as secrets_main  # only this mode needs the database

        return secrets_main(argv)
    if mode == "teams":  # register Teams Workflows webhook URLs (bot.teams.cli)
        return teams_main(argv)
    logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "WARNING"))
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # retries show up in the answer's notes

    return run_shell()


if __name__ == "__main__":
    sys.exit(main())
