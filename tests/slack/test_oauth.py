"""Multi-workspace: install through OAuth, then each workspace only sees its own data."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from bot.config import SlackConfig
from tests.slack.conftest import start_app
from tests.slack.harness import SIGNING_SECRET, block_text


@pytest.fixture
def oauth_app(fake_slack, make_services):
    config = SlackConfig(
        signing_secret=SIGNING_SECRET,
        client_id="111.222",
        client_secret="oauth-client-secret",
        api_url=fake_slack.api_url,
    )
    running, stop = start_app(fake_slack, make_services(), config)
    try:
        yield running
    finally:
        stop()


def install(app, team_id: str, bot_token: str) -> None:
    """Click "Add to Slack", approve, and come back to the redirect URL, as a browser would."""
    session = app.slack.session
    page = session.get(f"{app.url}/slack/install", timeout=10)
    assert page.status_code == 200
    link = unescape(re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', page.text)[1])
    query = parse_qs(urlparse(link).query)
    assert query["client_id"] == ["111.222"]
    assert set(query["scope"][0].split(",")) >= {"commands", "chat:write", "files:write"}
    # The state cookie is Secure (https only); pass it on as a browser on https would.
    cookie = page.headers["Set-Cookie"].split(";")[0]
    assert "Secure" in page.headers["Set-Cookie"]
    code = f"code-{team_id}"
    app.fake.add_oauth_code(code, team_id, bot_token)
    done = session.get(
        f"{app.url}/slack/oauth_redirect",
        params={"code": code, "state": query["state"][0]},
        headers={"Cookie": cookie},
        timeout=10,
    )
    assert done.status_code == 200, done.text


def mention(app, team_id: str, text: str, channel: str = "C0SHARED") -> None:
    app.slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@UBOT> {text}",
            "ts": "1700000001.000100",
            "channel": channel,
            "team": team_id,
            "event_ts": "1700000001.000100",
        },
        team_id=team_id,
    )


def test_install_round_trip_then_the_workspace_is_answered_with_its_own_token(oauth_app):
    install(oauth_app, "T0000ONE", "xoxb-one")
    [access] = oauth_app.fake.calls_to("oauth.v2.access")
    assert access.params["code"] == "code-T0000ONE"

    mention(oauth_app, "T0000ONE", "help")
    [post] = oauth_app.fake.wait_calls("chat.postMessage")
    assert post.token == "xoxb-one"
    assert post.params["thread_ts"] == "1700000001.000100"
    assert "bestslot" in block_text(post.params)


def test_redirect_with_a_forged_state_installs_nothing(oauth_app):
    oauth_app.fake.add_oauth_code("code-evil", "T0000EVIL", "xoxb-evil")
    done = oauth_app.slack.session.get(
        f"{oauth_app.url}/slack/oauth_redirect",
        params={"code": "code-evil", "state": "made-up"},
        timeout=10,
    )
    assert done.status_code >= 400
    assert oauth_app.fake.calls_to("oauth.v2.access") == []


def test_two_workspaces_never_see_each_others_region(oauth_app):
    install(oauth_app, "T0000ONE", "xoxb-one")
    install(oauth_app, "T0000TWO", "xoxb-two")

    _, url = oauth_app.slack.command(
        "/flex", "region NG1", team_id="T0000ONE", channel_id="C0SHARED"
    )
    assert "East Midlands" in block_text(oauth_app.fake.wait_replies(url)[0])

    # Same channel id in the other workspace: still the default (London, C).
    _, url = oauth_app.slack.command("/flex", "region", team_id="T0000TWO", channel_id="C0SHARED")
    text = block_text(oauth_app.fake.wait_replies(url)[0])
    assert "London (C)" in text
    assert "East Midlands" not in text

    _, url = oauth_app.slack.command("/flex", "region", team_id="T0000ONE", channel_id="C0OTHER")
    assert "East Midlands (B)" in block_text(oauth_app.fake.wait_replies(url)[0])


def test_a_workspace_that_never_installed_gets_no_answer_with_anyone_elses_token(oauth_app):
    install(oauth_app, "T0000ONE", "xoxb-one")
    mention(oauth_app, "T0000NOPE", "help")
    mention(oauth_app, "T0000ONE", "help")
    oauth_app.fake.wait_calls("chat.postMessage")
    posts = oauth_app.fake.calls_to("chat.postMessage")
    assert [p.token for p in posts] == ["xoxb-one"]
