"""``accuracy`` in Slack (signed slash commands), Teams (signed outgoing webhook) and the shell:
every help example answered, figures matching the stored scores, one workspace at a time."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bot.answering import reply_to
from bot.services import Services
from bot.teams.outgoing import where_from
from bot.where import Where
from flexcalc.commands.grammar import EXAMPLES
from tests.advice.helpers import advise, answer_to, scored_regrets
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import block_text
from tests.teams.conftest import activity


@pytest.fixture
def seeded(engine):
    advise(engine, DEFAULT_TEAM, "2024-06-09 10:00", 2)
    advise(engine, DEFAULT_TEAM, "2024-06-09 17:00", 2, forecast=True)  # the evening peak
    advise(engine, "T0OTHER", "2024-06-09 18:00", 1)
    return scored_regrets(engine, DEFAULT_TEAM)


@pytest.mark.parametrize("example", EXAMPLES["accuracy"])
def test_every_accuracy_example_answers_in_slack_with_the_stored_figures(
    example, seeded, app, fake, clock
):
    clock.now = pd.Timestamp("2024-06-10 09:00", tz="UTC")
    _, url = app.slack.command("/flex", example)
    reply = answer_to(fake, url)
    text = block_text(reply)
    days = 30 if "month" in example else 7
    assert f"How Flexcalc's advice did — last {days} days" in text
    assert "2 piece(s) of advice scored" in text  # not the other workspace's third
    assert f"{sum(seeded) / len(seeded):.2f} p/kWh" in text
    within = sum(r <= 1 for r in seeded) / len(seeded)
    assert f"{within:.0%} within 1 p" in text
    assert f"1 piece(s) of advice scored; {max(seeded):.2f} p/kWh" in text  # the forecast one
    assert max(seeded) > 1  # the peak is far from the cheapest: a test that can fail


def test_accuracy_in_teams_counts_that_teams_workspace(make_teams_app, engine):
    teams = make_teams_app()
    teams.hook.services.clock = lambda: pd.Timestamp("2024-06-10 09:00", tz="UTC")
    team = where_from(activity("accuracy")).team_id
    advise(engine, team, "2024-06-09 12:00", 1)
    [regret] = scored_regrets(engine, team)
    response = teams.mention("accuracy month")
    assert response.status_code == 200
    card = json.dumps(response.json(), ensure_ascii=False)
    assert "How Flexcalc's advice did" in card and "1 piece(s) of advice scored" in card
    assert f"{regret:.2f} p/kWh" in card


def test_the_shell_keeps_no_records_and_says_where_accuracy_works():
    reply = reply_to("accuracy", Services(engine=None), Where("shell", "terminal", "me"))
    assert "team chat" in reply.title and "`accuracy`" in reply.summary and not reply.is_error


def test_bad_accuracy_words_get_a_reason_and_the_examples(app, fake):
    _, url = app.slack.command("/flex", "accuracy yesterday")
    text = block_text(answer_to(fake, url))
    assert "use accuracy [week|month]" in text and "accuracy month" in text
