"""OAuth installs and per-workspace settings on a real PostgreSQL server (``postgres://`` URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.storage.db import get_engine
from tests.slack.test_oauth import (  # noqa: F401 (collected again, here on PostgreSQL)
    oauth_app,
    test_install_round_trip_then_the_workspace_is_answered_with_its_own_token,
    test_two_workspaces_never_see_each_others_region,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def engine(postgres_url: str) -> Engine:
    engine = get_engine(postgres_url)
    assert engine.dialect.name == "postgresql"
    return engine
