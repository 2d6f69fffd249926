"""The real Slack app on loopback with a controllable clock (the engagement tests' fixtures)."""

from tests.engagement.conftest import app, clock, fake  # noqa: F401
from tests.slack.conftest import engine, make_services, offline  # noqa: F401
