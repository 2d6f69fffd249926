"""The clock's queued ticks again, with the app tables and the queue on a real PostgreSQL server
(``PostgresHuey``, as a PostgreSQL ``DATABASE_URL`` gives)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from huey import Huey
from sqlalchemy import Engine

from bot.jobs.queue import make_huey
from tests.alerts.test_clock_queue import (  # noqa: F401 (collected again, here on PostgreSQL)
    test_a_rerun_takes_over_a_dead_workers_claims_at_once,
    test_a_standby_clock_takes_over_within_a_minute_and_queues_nothing_twice,
    test_a_worker_runs_the_queued_tick_and_a_doubled_tick_posts_nothing_twice,
    test_the_clock_queues_one_job_per_slot_and_only_while_it_holds_the_lease,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


@pytest.fixture
def new_huey(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Huey]:
    """Each call: a process's own PostgresHuey on the test's database."""
    monkeypatch.delenv("FLEX_QUEUE_URL", raising=False)
    return lambda: make_huey(db_url=postgres_url)
