"""@mentions, DMs and the Home tab (listeners/events)."""

from __future__ import annotations

import json

from tests.slack.harness import block_text


def _mention(slack_app, text: str, channel: str = "C0GENERAL", ts: str = "1700000005.000500"):
    return slack_app.slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@U0FLEXBOT> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
    )


def test_mention_is_answered_in_a_thread_with_the_chart_in_the_same_thread(slack_app):
    response = _mention(slack_app, "bestslot 2h within 12 hours")
    assert response.status_code == 200
    [post] = slack_app.fake.wait_calls("chat.postMessage")
    assert post.params["channel"] == "C0GENERAL"
    assert post.params["thread_ts"] == "1700000005.000500"
    assert "Best 2 h window" in block_text(post.params)
    assert "Share to channel" not in block_text(post.params)  # already public
    [complete] = slack_app.fake.wait_calls("files.completeUploadExternal")
    assert complete.params["thread_ts"] == "1700000005.000500"


def test_mention_with_wrong_words_gets_a_private_usage_message(slack_app):
    _mention(slack_app, "bestslot forever")
    [ephemeral] = slack_app.fake.wait_calls("chat.postEphemeral")
    assert ephemeral.params["user"] == "U0ALICE"
    assert "Try: bestslot" in block_text(ephemeral.params)
    assert slack_app.fake.calls_to("chat.postMessage") == []


def test_dm_with_the_same_words_is_answered_in_the_dm(slack_app):
    slack_app.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "/prices",
            "ts": "1700000006.000600",
            "channel": "D0ALICE",
        }
    )
    [post] = slack_app.fake.wait_calls("chat.postMessage")
    assert post.params["channel"] == "D0ALICE"
    assert "Agile prices" in block_text(post.params)


def test_the_apps_own_messages_and_edits_are_ignored(slack_app):
    for extra in ({"bot_id": "B0FLEX"}, {"subtype": "message_changed"}):
        slack_app.slack.event(
            {
                "type": "message",
                "channel_type": "im",
                "user": "U0FLEXBOT",
                "text": "Agile prices",
                "ts": "1700000007.000700",
                "channel": "D0ALICE",
                **extra,
            }
        )
    slack_app.slack.event(  # a real message afterwards proves the listener was running
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "help",
            "ts": "1700000008.000800",
            "channel": "D0ALICE",
        }
    )
    slack_app.fake.wait_calls("chat.postMessage")
    posts = slack_app.fake.calls_to("chat.postMessage")
    assert len(posts) == 1 and "bestslot" in block_text(posts[0].params)


def test_home_tab_shows_region_greener_window_and_quick_buttons(slack_app):
    _, url = slack_app.slack.command("/flex", "region B", channel_id="C0GENERAL")
    slack_app.fake.wait_replies(url)
    slack_app.slack.event(
        {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home"}
    )
    [publish] = slack_app.fake.wait_calls("views.publish")
    assert publish.params["user_id"] == "U0ALICE"
    view = publish.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    text = block_text({"blocks": view["blocks"]})
    assert "Your region:* East Midlands (B)" in text
    assert "Next greener window" in text and "gCO2/kWh" in text
    [quick] = [b for b in view["blocks"] if b.get("block_id") == "flex_quick"]
    assert [e["text"]["text"] for e in quick["elements"]] == ["Best 1 h", "Best 2 h", "Best 4 h"]
    assert [e["value"] for e in quick["elements"]] == ["bestslot 1h", "bestslot 2h", "bestslot 4h"]


def test_mentioned_footprint_posts_working_then_updates_that_message_in_place(slack_app):
    _mention(slack_app, "footprint storage 50 TB ssd replication 3")
    [working] = slack_app.fake.wait_calls("chat.postMessage")
    assert working.params["text"].startswith("Working on it")
    assert working.params["thread_ts"] == "1700000005.000500"
    fake = slack_app.fake
    answered = fake.wait_for(
        lambda f: [
            c for c in f.calls_to("chat.update") if "Storage footprint" in block_text(c.params)
        ],
        timeout=30,
    )
    updates = fake.calls_to("chat.update")
    assert {u.params["ts"] for u in updates} == {working.response["ts"]}  # one message, edited
    assert "Storage footprint: 50 TB SSD" in block_text(answered[-1].params)
    progress = [u for u in updates if "Working on it" in u.params["text"]]
    assert all("%" in u.params["text"] for u in progress)  # progress shown while it works
    assert len(slack_app.fake.calls_to("chat.postMessage")) == 1  # no second message


def test_impact_in_a_dm_is_answered_from_the_workspace_pledges(slack_app):
    slack_app.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "impact me all",
            "ts": "1700000007.000700",
            "channel": "D0ALICE",
        }
    )
    [post] = slack_app.fake.wait_calls("chat.postMessage")
    assert post.params["channel"] == "D0ALICE"
    text = block_text(post.params)
    assert "Flexibility impact" in text
    assert "works in Slack" not in text
