"""The domain writes neutral hints (a command to type, a person); each door renders them its
own way: Slack `/flex …` and <@U…>, Teams @Flexcalc …, the CLI `flexcalc …`, the shell bare."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from bot.blocks import reply_blocks, reply_text
from bot.shell import shell_command
from bot.teams.cards import reply_card
from flexcalc import engagement
from flexcalc.engagement.impact import Outcome

ROOT = Path(__file__).resolve().parents[2]
HINT_CHARS = re.compile("[\u27e6\u27e7]")


def _outcomes() -> list[Outcome]:
    start = pd.Timestamp("2024-06-04 01:00Z")
    return [
        Outcome("U0ALICE", start, 2.0, 0.5, 1.2, channel_id="C1"),
        Outcome("U0BOB", start, 4.0, 0.9, 2.5, channel_id="C1"),
    ]


def impact():
    return engagement.impact_reply(
        _outcomes(), scope="team", period="all", hidden=set(), viewer_hidden=False, charts=False
    )


def test_no_flexcalc_source_writes_slack_mentions_or_slash_commands():
    offenders = []
    for path in (ROOT / "flexcalc").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for found in re.finditer(r"<@|`/flex |Slack or Teams|in Slack", text):
            offenders.append(
                f"{path.relative_to(ROOT)}: {text[found.start() : found.start() + 20]}"
            )
    assert offenders == []


def test_slack_renders_commands_and_mentions_its_way():
    reply = impact()
    blocks = json.dumps([b.to_dict() for b in reply_blocks(reply)])
    assert "<@U0ALICE>" in blocks and "<@U0BOB>" in blocks
    assert "`/flex impact show me`" in blocks
    assert not HINT_CHARS.search(blocks) and not HINT_CHARS.search(reply_text(reply))


def test_teams_renders_commands_as_a_bot_mention():
    card = json.dumps(reply_card(impact()), ensure_ascii=False)
    assert "@Flexcalc impact show me" in card and "/flex" not in card
    assert "@U0BOB" in card and "<@" not in card and not HINT_CHARS.search(card)


def test_the_cli_and_the_shell_render_commands_as_typed_there():
    reply = impact()
    text = reply.to_text()
    assert "`flexcalc impact show me`" in text and "/flex" not in text
    assert "@U0ALICE" in text and "<@" not in text and not HINT_CHARS.search(text)
    shell = reply.to_text(shell_command)
    assert "`impact show me`" in shell and "flexcalc impact" not in shell
    assert not HINT_CHARS.search(reply.to_json())


def test_the_cli_tells_chat_only_commands_apart_without_slack_words():
    run = subprocess.run(
        [sys.executable, "-m", "flexcalc", "impact", "me"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"FLEX_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0 and "works in team chat" in run.stdout
    assert "Slack" not in run.stdout and "/flex" not in run.stdout
