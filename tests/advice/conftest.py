"""The engagement tests' fixtures: the real app on loopback with a fake Slack that keeps alerts
and DMs, and a controllable clock (``clock.now``)."""

from tests.engagement.conftest import app, clock, fake  # noqa: F401
from tests.slack.conftest import engine, make_services, offline  # noqa: F401
