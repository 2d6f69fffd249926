"""The engagement tests' fixtures (the real app on loopback with a fake Slack that keeps alerts
and DMs, and a controllable clock ``clock.now``) and the Teams tests' web app."""

from tests.engagement.conftest import app, clock, fake  # noqa: F401
from tests.slack.conftest import engine, make_services, offline  # noqa: F401
from tests.teams.conftest import make_teams_app  # noqa: F401
