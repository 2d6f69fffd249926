"""gunicorn reads this file from the working directory by itself (the Procfile's web line, the
container image): prometheus-client's multiprocess housekeeping for /metrics."""

from bot.observability.metrics import mark_process_dead, reset_multiprocess_dir


def on_starting(_server) -> None:
    reset_multiprocess_dir()  # values of a previous run's workers would be summed in


def child_exit(_server, worker) -> None:
    mark_process_dead(worker.pid)  # drop the dead worker's live gauges
