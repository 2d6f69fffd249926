"""OAuth installs and per-workspace settings on a real PostgreSQL server (``postgres://`` URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.slack.test_oauth import (  # noqa: F401 (collected again, here on PostgreSQL)
    oauth_app,
    test_install_round_trip_then_the_workspace_is_answered_with_its_own_token,
    test_two_workspaces_never_see_each_others_region,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    """The tests above, on PostgreSQL instead of SQLite."""
    return postgres_engine
