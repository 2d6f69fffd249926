"""The real web app on loopback (Slack + Teams endpoints), from the Teams tests' fixtures.

``loopback_workflows`` is deliberately not imported: these tests run the production outbound
policy.
"""

from tests.teams.conftest import engine, make_teams_app  # noqa: F401  (fixtures)
from tests.teams.test_agent import bot, connector  # noqa: F401  (the Teams bot's fixtures)
