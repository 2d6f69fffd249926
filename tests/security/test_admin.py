"""Admin controls: under the "admins" policy, an ordinary member cannot point alerts or digests
at a channel, nor change the policy; admins (Slack's, or named ones) can."""

from __future__ import annotations

import time

import pytest

from bot.alerts import store
from bot.security.admin import ADMINS, EVERYONE, get_policy
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import SlackClientSide, block_text


@pytest.fixture
def app(make_teams_app, fake_slack):
    teams = make_teams_app()
    fake_slack.admins.add("U0BOSS")
    return teams, SlackClientSide(teams.url, fake_slack, secret="unused-here")


def _say(app, user: str, text: str) -> str:
    slack = app[1]
    response, url = slack.command("/flex", text, user_id=user)
    assert response.status_code == 200
    if response.content:  # answered in the command's own response (the gate)
        return block_text(response.json())
    return block_text(slack.fake.wait_replies(url)[0])


def _subs(app) -> list:
    return store.list_for_channel(app[0].engine, DEFAULT_TEAM, "C0GENERAL")


def test_by_default_everyone_may_subscribe(app):
    assert "Daily" in _say(app, "U0MALLORY", "alerts subscribe 07:00 in NG1")
    assert len(_subs(app)) == 1


def test_under_the_admins_policy_members_are_told_to_ask_an_admin(app):
    assert "saved" in _say(app, "U0BOSS", "admin subscriptions admins")
    assert get_policy(app[0].engine, DEFAULT_TEAM)[0] == ADMINS
    commands = ("alerts subscribe 07:00 in NG1", "alerts when price below 0",
                "digest subscribe #general monday 09:00", "  ALERTS   SUBSCRIBE 08:00")  # fmt: skip
    for command in commands:
        assert "Ask an admin" in _say(app, "U0MALLORY", command)
    time.sleep(0.5)
    assert _subs(app) == []
    assert "Daily" in _say(app, "U0BOSS", "alerts subscribe 07:00 in NG1")  # admins still can
    assert len(_subs(app)) == 1


def test_members_cannot_change_the_policy(app):
    _say(app, "U0BOSS", "admin subscriptions admins")
    for attempt in ("admin subscriptions everyone", "admin add <@U0MALLORY>"):
        assert "Only workspace admins" in _say(app, "U0MALLORY", attempt)
    assert get_policy(app[0].engine, DEFAULT_TEAM) == (ADMINS, [])


def test_named_flexcalc_admins_may_subscribe_and_anyone_may_see_the_policy(app):
    _say(app, "U0BOSS", "admin subscriptions admins")
    _say(app, "U0BOSS", "admin add <@U0CAROL|carol>")
    shown = _say(app, "U0MALLORY", "admin")
    assert "admins" in shown and "<@U0CAROL>" in shown
    assert "Daily" in _say(app, "U0CAROL", "alerts subscribe 07:00 in NG1")
    _say(app, "U0BOSS", "admin remove <@U0CAROL>")
    assert "Ask an admin" in _say(app, "U0CAROL", "alerts subscribe 09:00 in NG1")
    _say(app, "U0BOSS", "admin subscriptions everyone")
    assert get_policy(app[0].engine, DEFAULT_TEAM)[0] == EVERYONE
