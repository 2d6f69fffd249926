"""``python -m bot [shell|web|worker|socket|clock|teams|secrets|migrate]``: none: the env's mode.

Socket Mode if SLACK_APP_TOKEN; HTTP if a bot token + signing secret (or OAuth client id/secret);
otherwise the terminal shell. ``web`` runs exactly the Procfile's web line (acks and enqueues),
``worker`` the job consumer (``bot.worker``), ``clock`` the alerts scheduler (``bot.clock``).
Socket Mode and the shell are one process (jobs run on threads inside it). ``migrate`` brings
the database schema up to date (``bot.migrate_cli``); ``teams package`` builds the Teams app
package. Each mode runs from its own small module in ``bot/modes/`` (``MODE_MODULES``), imported
only when chosen.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

from bot.config import SlackConfig
from bot.observability.logs import configure_logging
from bot.security import redaction
from bot.security.secrets import SecretKeyInvalid, exit_if_key_invalid
from bot.storage.schema_error import SchemaError
from flexcalc import __version__

# Each mode's module (bot/modes/): only the chosen one is imported, so ``web`` and ``clock``,
# which exec gunicorn and ``bot.clock``, load no pandas, numpy or Slack apps first.
MODE_MODULES = {
    "shell": "bot.modes.shell",
    "web": "bot.modes.web",
    "worker": "bot.modes.worker",
    "socket": "bot.modes.socket",
    "clock": "bot.modes.clock",
    "teams": "bot.modes.teams",
    "secrets": "bot.modes.secrets",
    "migrate": "bot.modes.migrate",
}
MODES = tuple(MODE_MODULES)
CLOCK_ONCE = "bot.modes.clock_once"  # ``clock --once``: a tick inline, not the clock process

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


def module_for(mode: str, argv: list[str]) -> str:
    """The module that runs ``mode`` with these arguments (``CLOCK_ONCE`` for ``clock --once``)."""
    if mode == "clock" and "--once" in argv:
        return CLOCK_ONCE
    return MODE_MODULES[mode]


def load_mode(mode: str, argv: list[str]) -> ModuleType:
    """Import the mode's module only now: the table's lazy load, on purpose (docs/adr/0111)."""
    return importlib.import_module(module_for(mode, argv))


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
    return load_mode(mode, argv).run(argv, config)


if __name__ == "__main__":
    sys.exit(main())
