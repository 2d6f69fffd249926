"""The Slack app fixtures (a real app on loopback talking to a fake Slack) for the ops tests."""

from tests.slack.conftest import engine, make_services, offline, slack_app  # noqa: F401
