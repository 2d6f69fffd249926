"""The exactly-once guarantees again, on a real PostgreSQL server (``DATABASE_URL=postgres://``).

SQLite serialises writers; PostgreSQL really runs the two clocks' transactions side by side, so
the lease's conditional UPDATE and the UNIQUE delivery claims are tested where it matters.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.alerts.test_exactly_once import (  # noqa: F401 (collected again, here on PostgreSQL)
    test_restart_after_crash_before_posting_posts_after_the_stale_timeout,
    test_restart_after_crash_between_post_and_record,
    test_standby_clock_takes_over_when_the_lease_expires,
    test_two_clocks_ticking_at_once_post_each_alert_once,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    """The tests above, on PostgreSQL instead of SQLite."""
    return postgres_engine
