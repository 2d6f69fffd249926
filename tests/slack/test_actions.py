"""Buttons: Share to channel, follow-up commands, Home tab quick answers (listeners/actions)."""

from __future__ import annotations

import json

import pytest

from bot.config import SlackConfig
from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.slack.conftest import start_app
from tests.slack.harness import SIGNING_SECRET, block_text


def _buttons(message):
    return {
        e["text"]["text"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_share_to_channel_reposts_the_same_answer_in_channel_with_its_chart(slack_app):
    fake = slack_app.fake
    _, url = slack_app.slack.command("/bestslot", "3h for price")
    [private] = fake.wait_replies(url)
    fake.wait_calls("files.completeUploadExternal")
    share = _buttons(private)["Share to channel"]

    response, _ = slack_app.slack.click(share["action_id"], share["value"])
    assert response.status_code == 200
    [post] = fake.wait_calls("chat.postMessage")
    assert post.params["channel"] == "C0GENERAL"
    shared = block_text(post.params)
    assert "Best 3 h window" in shared
    assert "Shared by <@U0ALICE>" in shared and "/bestslot 3h for price" in shared
    assert "Share to channel" not in shared  # no buttons on the public copy
    # figures identical to what the user saw privately
    private_fields = [b for b in private["blocks"] if b["type"] == "section"]
    public_fields = [b for b in post.params["blocks"] if b["type"] == "section"]
    assert public_fields == private_fields
    uploads = fake.wait_calls("files.completeUploadExternal", count=2)
    assert uploads[1].params["channel_id"] == "C0GENERAL"
    assert uploads[1].params["thread_ts"] == post.response["ts"]  # under the shared message


def test_share_into_a_channel_the_bot_cannot_post_in_explains_why(slack_app):
    fake = slack_app.fake
    _, url = slack_app.slack.command("/prices", "", channel_id="C0SECRET")
    share = _buttons(fake.wait_replies(url)[0])["Share to channel"]
    fake.fail("chat.postMessage", "not_in_channel", channel="C0SECRET")
    _, click_url = slack_app.slack.click(share["action_id"], share["value"], channel_id="C0SECRET")
    [note] = fake.wait_replies(click_url)
    assert note["response_type"] == "ephemeral"
    assert "not a member" in note["text"] and "/invite @Flexcalc" in note["text"]


def test_share_token_from_another_workspace_is_refused(slack_app):
    fake = slack_app.fake
    _, url = slack_app.slack.command("/prices", "")
    share = _buttons(fake.wait_replies(url)[0])["Share to channel"]
    _, click_url = slack_app.slack.click(share["action_id"], share["value"], team_id="T0OTHER")
    [note] = fake.wait_replies(click_url)
    assert "expired" in note["text"]
    assert fake.calls_to("chat.postMessage") == []


def test_follow_up_button_runs_its_command_privately(slack_app):
    fake = slack_app.fake
    _, url = slack_app.slack.command("/bestslot", "2h")
    [private] = fake.wait_replies(url)
    follow = _buttons(private)["Best for carbon"]
    _, click_url = slack_app.slack.click(follow["action_id"], follow["value"])
    [answer] = fake.wait_replies(click_url)
    assert answer["response_type"] == "ephemeral"
    assert "Best 2 h window" in block_text(answer)
    assert "carbon" in block_text(answer).lower()


def test_home_quick_button_answers_in_the_users_dm_with_chart(slack_app):
    fake = slack_app.fake
    slack_app.slack.click("flex_quick_4h", "bestslot 4h", channel_id=None, user_id="U0BOB")
    [post] = fake.wait_calls("chat.postMessage")
    assert post.params["channel"] == "U0BOB"
    assert "Best 4 h window" in block_text(post.params)
    [complete] = fake.wait_calls("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D0BOB"  # the DM the message landed in


@pytest.fixture
def public_chart_app(fake_slack, make_services):
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    services = make_services()
    running, stop = start_app(fake_slack, services, config)
    services.public_base_url = running.url  # Slack would fetch the image from here
    try:
        yield running
    finally:
        stop()


def test_with_public_base_url_the_chart_is_an_image_block_served_by_the_app(public_chart_app):
    app = public_chart_app
    _, url = app.slack.command("/carbon", "")
    [reply] = app.fake.wait_replies(url)
    [image] = [b for b in reply["blocks"] if b["type"] == "image"]
    assert image["image_url"].startswith(f"{app.url}/charts/")
    png = app.slack.session.get(image["image_url"], timeout=5)
    assert png.status_code == 200
    assert png.headers["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert app.fake.calls_to("files.getUploadURLExternal") == []
    # the token is unguessable: a different one is not served
    other = image["image_url"].rsplit("/", 1)[0] + "/" + "A" * 43 + ".png"
    assert app.slack.session.get(other, timeout=5).status_code == 404
    assert json.dumps(reply).count("/charts/") == 1
