"""gunicorn reads this file from the working directory by itself (the Procfile's web line, the
container image): a malformed FLEX_SECRET_KEY stops the web at start (one line, exit 1), and
prometheus-client's multiprocess housekeeping for /metrics."""

from bot.observability.metrics import mark_process_dead, reset_multiprocess_dir
from bot.security.secrets import exit_if_key_invalid


def on_starting(_server) -> None:
    exit_if_key_invalid()  # before any worker boots (a worker's exit would only be retried)
    reset_multiprocess_dir()  # values of a previous run's workers would be summed in


def child_exit(_server, worker) -> None:
    mark_process_dead(worker.pid)  # drop the dead worker's live gauges
