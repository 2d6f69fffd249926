"""Admin controls: under the "admins" policy, an ordinary member cannot point alerts or digests
at a channel, nor change the policy; admins (Slack's, Teams' listed ones, or named ones) can.

The command table's ``who`` is enforced at every door: the Slack Home tab's alert form, the
Teams outgoing webhook and bot, and the shell obey the policy exactly like
``/flex alerts subscribe``; a word marked admin-only is refused for a member everywhere."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.alerts import home, store
from bot.commands import permissions, table
from bot.listeners.alerts import modal_refusal
from bot.security import admin
from bot.security.admin import ADMINS, EVERYONE, get_policy
from bot.services import Services
from bot.shell import _user, run_shell
from bot.storage.subscriptions import Subscription
from bot.storage.teams import TeamsConversation, TeamsDestination
from bot.teams.outgoing import sign, where_from
from flexcalc.commands import parse
from flexcalc.commands.requests import CarbonRequest
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import SlackClientSide, block_text
from tests.teams.conftest import FIXTURES, SECRET, activity

BOSS_AAD = "0f9e8d7c-6b5a-4938-2716-05f4e3d2c1b0"  # a Teams admin (FLEX_TEAMS_ADMINS)
WORKFLOW = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    "?sig=s3cr3t"
)


@pytest.fixture
def app(make_teams_app, fake_slack, monkeypatch):
    monkeypatch.setenv(admin.TEAMS_ADMINS_ENV, BOSS_AAD)
    teams = make_teams_app()
    fake_slack.admins.add("U0BOSS")
    return teams, SlackClientSide(teams.url, fake_slack, secret="unused-here")


def _say(app, user: str, text: str) -> str:
    slack = app[1]
    response, url = slack.command("/flex", text, user_id=user)
    assert response.status_code == 200
    if response.content:  # answered in the command's own response
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


def _teams(app, text: str, aad: str = "7c3a9e12-4b5d-4e6f-8a9b-0c1d2e3f4a5b") -> str:
    payload = activity(f"<at>Flexcalc</at> {text}")
    payload["from"]["aadObjectId"] = aad
    body = json.dumps(payload).encode()
    response = app[0].post(body, sign(body, SECRET))
    assert response.status_code == 200
    return json.dumps(response.json())


def _rows(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def _form(app, user: str, channel: str = "C0PLANT") -> dict:
    values = {
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": channel}},
        "at": {"at": {"type": "timepicker", "selected_time": "07:30"}},
        "region": {"region": {"type": "static_select", "selected_option": {"value": "B"}}},
        "length": {"length": {"type": "static_select", "selected_option": {"value": "4h"}}},
        "tomorrow": {"tomorrow": {"type": "checkboxes", "selected_options": []}},
    }
    payload = {
        "type": "view_submission", "team": {"id": DEFAULT_TEAM, "domain": "flexcalc-test"},
        "user": {"id": user, "team_id": DEFAULT_TEAM}, "api_app_id": "A0FLEXCALC",
        "trigger_id": f"{time.monotonic_ns()}.1.form",
        "view": {"id": "VMODAL", "type": "modal", "callback_id": home.CREATE_CALLBACK,
                 "state": {"values": values}},
    }  # fmt: skip
    response = app[1]._post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    return response.json() if response.content else {}


def test_the_home_tab_alert_form_obeys_the_admin_policy(app):
    engine = app[0].engine
    assert "saved" in _say(app, "U0BOSS", "admin subscriptions admins")
    refused = _form(app, "U0MALLORY")
    assert refused["response_action"] == "errors"
    assert "Ask an admin" in refused["errors"]["channel"]
    time.sleep(0.3)
    assert store.list_for_channel(engine, DEFAULT_TEAM, "C0PLANT") == []
    assert _form(app, "U0BOSS") == {}  # an admin's form is accepted (a job stores it)
    deadline = time.monotonic() + 10
    while (
        not store.list_for_channel(engine, DEFAULT_TEAM, "C0PLANT") and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert len(store.list_for_channel(engine, DEFAULT_TEAM, "C0PLANT")) == 1


def test_teams_outgoing_subscribe_obeys_the_teams_admin_policy(app):
    engine = app[0].engine
    assert "Only workspace admins" in _teams(app, "admin subscriptions admins")  # a member
    assert "saved" in _teams(app, "admin subscriptions admins", aad=BOSS_AAD)
    for command in ("alerts subscribe 08:00 in NG1 teams " + WORKFLOW, "alerts when price below 0",
                    "alerts subscribe 07:00"):  # fmt: skip
        assert "Ask an admin" in _teams(app, command)
    assert _rows(engine, Subscription) == 0 and _rows(engine, TeamsDestination) == 0
    assert "alerts" in _teams(app, "alerts list").lower()  # reading stays open to all
    boss = _teams(app, "alerts subscribe 08:00 in NG1 teams " + WORKFLOW, aad=BOSS_AAD)
    assert "Ask an admin" not in boss


def test_teams_bot_subscribe_obeys_the_teams_admin_policy(bot, connector, monkeypatch):
    monkeypatch.setenv(admin.TEAMS_ADMINS_ENV, BOSS_AAD)
    payload = json.loads((FIXTURES / "agent_channel_message.json").read_text())
    admin._update(bot.engine, where_from(payload).team_id, "test", subscribers=ADMINS)
    response = bot.send("agent_channel_message.json", connector,
                        text="<at>Flexcalc</at> alerts subscribe 08:00 in London")  # fmt: skip
    assert response.status_code == 202
    [card] = connector.cards()
    assert "Ask an admin" in json.dumps(card)
    assert _rows(bot.engine, Subscription) == 0 and _rows(bot.engine, TeamsConversation) == 0


@pytest.fixture
def carbon_for_admins(monkeypatch):
    """Mark `carbon` admin-only in the command table, as a future admin-only word would be."""
    entry = replace(table.TABLE["carbon"], who=permissions.ADMINS)
    monkeypatch.setitem(table.TABLE, "carbon", entry)
    monkeypatch.setitem(table._BY_REQUEST, CarbonRequest, entry)


def test_an_admin_only_word_is_refused_for_a_member_at_every_door(
    app, carbon_for_admins, bot, connector
):
    refused = "admins can use"
    assert refused in _say(app, "U0MALLORY", "carbon")
    assert refused not in _say(app, "U0BOSS", "carbon")  # Slack's admins may
    assert refused in _teams(app, "carbon")
    assert refused not in _teams(app, "carbon", aad=BOSS_AAD)  # FLEX_TEAMS_ADMINS may
    bot.send("agent_personal_message.json", connector, text="carbon")
    assert refused in json.dumps(connector.cards()[-1])
    assert "prices" in _say(app, "U0MALLORY", "help").lower()  # other words stay open


def test_the_shell_obeys_the_command_table_too(app, carbon_for_admins, tmp_path):
    services = Services(engine=app[0].engine)
    out = io.StringIO()
    run_shell(io.StringIO("carbon\n"), out, services=services, chart_dir=tmp_path)
    assert "Only this workspace's admins can use `carbon`" in out.getvalue()
    admin._update(services.engine, "shell", "test", admins=_user())  # a named Flexcalc admin
    out = io.StringIO()
    run_shell(io.StringIO("carbon\n"), out, services=services, chart_dir=tmp_path)
    assert "Only this workspace's admins" not in out.getvalue()


def test_the_web_refuses_the_alert_form_by_the_command_tables_rule(monkeypatch):
    """The web refuses the form inline without loading the table; both read one rule."""
    asked = []

    def record(who, word, *_):
        asked.append((who, word))

    monkeypatch.setattr(admin, "refusal", record)
    values = {
        "channel": {"channel": {"selected_conversation": "C0PLANT"}},
        "at": {"at": {"selected_time": "07:30"}},
    }
    body = {"team": {"id": DEFAULT_TEAM}, "user": {"id": "U0MALLORY"},
            "view": {"state": {"values": values}}}  # fmt: skip
    assert modal_refusal(create_engine("sqlite://"))(body, None) is None
    _, command = home.modal_command(values)
    request = parse(command)
    assert asked == [(table.command_for(request).who_for(request), "alerts")]
    assert asked[0][0] == permissions.CHANNEL_MANAGERS


def test_every_table_row_takes_its_rule_from_the_permissions_column():
    for word, command in table.TABLE.items():
        assert command.who == permissions.WHO.get(word, permissions.EVERYONE), word
