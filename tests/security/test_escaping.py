"""Injection: whatever a user types, echoed back it never becomes a live Slack mention or link,
nor a clickable link in Teams. Checked with generated input through the real grammar and
renderers, and end to end through the real web app."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import as_dicts, reply_blocks, reply_text
from bot.teams.cards import reply_card, text_message
from flexcalc.commands import UsageError, parse
from flexcalc.reply import Field, Reply
from tests.slack.harness import SlackClientSide

FRAGMENTS = [
    "<!channel>", "<!here>", "<!everyone>", "<!subteam^S0ADMINS>", "<@U0BOSS>", "<@W0BOSS|boss>",
    "<#C0GENERAL|general>", "<https://evil.example|click>", "<mailto:a@evil.example>", "&lt;",
    "&gt;", "&amp;", "<", ">", "@channel", "[click](https://evil.example)", "https://evil.example",
    "www.evil.example", "\\[x](javascript:alert(1))", "<a href='https://evil.example'>x</a>",
    "<https://evil.example>", "*", "_", "`", "|", "\\", "]", "(", ")",
]  # fmt: skip
typed = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), min_size=1, max_size=6
).map("".join)


def live_slack_tokens(text: str) -> list[str]:
    """Every ``<…>`` span Slack would parse as a mention, link or command, except channel
    references (harmless, kept on purpose)."""
    return [m for m in re.findall(r"<([^<>]*)>", text) if not re.fullmatch(r"#[CG][A-Z0-9]+", m)]


def slack_texts(node: Any) -> list[str]:
    """Every mrkdwn text in a Block Kit tree."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(node.get("text", ""))
        for value in node.values():
            found += slack_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += slack_texts(value)
    return found


def teams_texts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("text", "title", "value"):
            if isinstance(node.get(key), str) and node.get("type") != "Action.OpenUrl":
                found.append(node[key])
        for value in node.values():
            if isinstance(value, dict | list):
                found += teams_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += teams_texts(value)
    return found


def clickable_in_teams(text: str) -> bool:
    """Could Teams' markdown make a link of ``text``? (an unescaped bracket or angle bracket,
    or a URL scheme / www. a linkifier would pick up)."""
    for i, char in enumerate(text):
        if char in "[]<>":
            backslashes = len(text[:i]) - len(text[:i].rstrip("\\"))
            if backslashes % 2 == 0:
                return True
    return bool(re.search(r"[a-z]://|\w\.[a-z]|mailto:|javascript:", text, re.IGNORECASE))


def echo(text: str) -> Reply:
    """The reply to a command containing ``text`` (usually an error echoing it)."""
    for command in (f"region {text}", f"bestslot {text}", text):
        try:
            parse(command)
        except UsageError as problem:
            return problem.reply()
    return Reply(title="Echo", summary=f"'{text}'", fields=[Field(text, text)], notes=[text])


@settings(max_examples=300, deadline=None)
@given(typed)
def test_no_typed_text_becomes_a_live_slack_mention_or_link(text):
    for reply in (echo(text), Reply(title=text, summary=text, fields=[Field(text, text)],
                                    notes=[text])):  # fmt: skip
        blocks = as_dicts(reply_blocks(reply))
        for shown in [reply_text(reply), *slack_texts(blocks)]:
            assert live_slack_tokens(shown) == [], shown


@settings(max_examples=300, deadline=None)
@given(typed)
def test_no_typed_text_becomes_a_teams_link(text):
    reply = Reply(title=text, summary=f"I don't know '{text}'", fields=[Field(text, text)],
                  notes=[text])  # fmt: skip
    for shown in [*teams_texts(reply_card(reply)), text_message(text)["text"]]:
        assert not clickable_in_teams(shown), shown


def test_the_leaderboard_keeps_only_its_own_mentions():
    reply = Reply(
        title="Team impact",
        summary="Thank you to:\n1. <@U0ALICE> — 1 kg\n2. <@U0MALLORY> <!channel> <@U0BOSS>",
        data={"mentions": ["U0ALICE", "U0MALLORY"]},
    )
    [summary] = [t for t in slack_texts(as_dicts(reply_blocks(reply))) if "Thank" in t]
    assert live_slack_tokens(summary) == ["@U0ALICE", "@U0MALLORY"]


def test_slash_command_injection_end_to_end(make_teams_app, fake_slack):
    teams = make_teams_app()
    slack = SlackClientSide(teams.url, fake_slack, secret="unused-here")
    _, url = slack.command("/flex", "region <!channel> <@U0BOSS> <https://evil.example|login>")
    [reply] = fake_slack.wait_replies(url)
    assert "region" in reply["text"].lower() or "didn't get" in reply["text"]
    for shown in [reply["text"], *slack_texts(reply.get("blocks", []))]:
        assert live_slack_tokens(shown) == [], shown


def test_teams_mention_injection_end_to_end(make_teams_app):
    teams = make_teams_app()
    response = teams.mention("region [log in here](https://evil.example/login) www.evil.example")
    card = response.json()["attachments"][0]["content"]
    assert "evil" in json.dumps(card)  # echoed...
    assert not any(clickable_in_teams(t) for t in teams_texts(card["body"]))  # ...but inert


@pytest.mark.parametrize("text", ["<@U0BOSS>", "<!here>"])
def test_fallback_text_never_notifies(text):
    assert live_slack_tokens(reply_text(Reply(title="x", summary=text))) == []
