"""The bot's database start-up: several processes starting at once on one new database."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import inspect

from bot.storage.db import get_engine, init_db


def _start(url: str) -> None:
    from sqlalchemy import create_engine

    init_db(create_engine(url))  # what each gunicorn worker / clock does at start


def start_together(url: str, count: int = 4) -> list[int | None]:
    """Start ``count`` processes on ``url`` at once; their exit codes."""
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_start, args=(url,)) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return [w.exitcode for w in workers]


@pytest.mark.parametrize("round_", range(3))
def test_processes_starting_together_all_create_the_schema_without_failing(tmp_path, round_):
    url = f"sqlite:///{tmp_path}/shared.sqlite"
    assert start_together(url) == [0, 0, 0, 0]
    tables = set(inspect(get_engine(url)).get_table_names())
    assert {"region_settings", "alert_subscriptions", "alert_deliveries"} <= tables
