"""Adaptive Card rules that matter to Teams: version 1.5, known element types only, the
message wrapper, under 28 KB, the chart by link (never base64), every figure of the reply."""

from __future__ import annotations

import json

import pytest

from bot.teams.cards import (
    ACTION_TYPES,
    CARD_CONTENT_TYPE,
    ELEMENT_TYPES,
    MAX_MESSAGE_BYTES,
    markdown,
    message,
    message_size,
    problems,
    reply_card,
    walk_types,
)
from flexcalc.commands import Context, run
from flexcalc.regions import by_letter
from flexcalc.reply import Field, Reply, Table
from flexcalc.sources.sample import SampleProvider

CHART = "https://flexcalc.example.com/charts/AbCdEfGhIjKlMnOpQrStUvWxYz012345.png"
COMMANDS = [
    "bestslot 4h in NG1",
    "prices",
    "carbon",
    "battery 10 kWh 5 kW",
    "footprint 20 kWh",
    "help",
    "bestslot banana",
]


@pytest.fixture(scope="module")
def replies() -> dict[str, Reply]:
    ctx = Context(provider=SampleProvider(), region=by_letter("C"))
    return {command: run(command, ctx) for command in COMMANDS}


def _texts(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_answer_is_a_valid_teams_card(replies, command):
    reply = replies[command]
    card = reply_card(reply, chart_url=CHART)
    assert problems(card) == []
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert set(walk_types(card)) <= ELEMENT_TYPES | ACTION_TYPES
    assert card["body"][0]["type"] == "TextBlock" and card["body"][0]["text"] == reply.title
    assert message_size(message(card)) < MAX_MESSAGE_BYTES


def test_bestslot_card_shows_fields_table_chart_and_notes(replies):
    reply = replies["bestslot 4h in NG1"]
    assert reply.chart_png and len(reply.chart_png) > 20_000  # a real PNG exists...
    card = reply_card(reply, chart_url=CHART)
    raw = _texts(card)
    assert "base64" not in raw and "iVBOR" not in raw  # ...but only its link travels
    facts = next(e for e in card["body"] if e["type"] == "FactSet")["facts"]
    assert [(f["title"], f["value"]) for f in facts] == [(f.label, f.value) for f in reply.fields]
    table = next(e for e in card["body"] if e["type"] == "Table")
    assert len(table["columns"]) == len(reply.table.columns)
    assert len(table["rows"]) == 1 + len(reply.table.rows)  # header row first
    first_row = [c["items"][0]["text"] for c in table["rows"][1]["cells"]]
    assert first_row == reply.table.rows[0]
    image = next(e for e in card["body"] if e["type"] == "Image")
    assert image["url"] == CHART and image["altText"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open full chart", "url": CHART}]
    subtle = [e["text"] for e in card["body"] if e.get("isSubtle")]
    assert all(note in subtle for note in reply.notes)
    assert any("@Flexcalc bestslot" in t for t in subtle)  # follow-ups as words to type


def test_without_a_chart_link_there_is_no_image_at_all(replies):
    card = reply_card(replies["carbon"])
    assert "Image" not in walk_types(card) and "actions" not in card


def test_error_replies_are_marked_and_carry_no_chart(replies):
    reply = replies["bestslot banana"]
    card = reply_card(reply, chart_url=CHART)
    assert reply.is_error and card["body"][0]["color"] == "Attention"
    assert "Image" not in walk_types(card)


def test_webhook_message_wrapper():
    card = reply_card(Reply(title="Hello"))
    assert message(card) == {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }
    assert CARD_CONTENT_TYPE == "application/vnd.microsoft.card.adaptive"


def test_huge_tables_are_shrunk_to_fit_the_28_kb_limit():
    rows = [
        [f"Sun 09 Jun {i:04d}", f"{i * 0.37:.2f} p/kWh", f"{i % 300} gCO2/kWh"] for i in range(3000)
    ]
    reply = Reply(
        title="Very long table",
        summary="x" * 5000,
        fields=[Field(f"label {i}", "value " * 20) for i in range(30)],
        table=Table(["When", "Price", "Carbon"], rows),
        notes=["note " * 50] * 20,
    )
    card = reply_card(reply, chart_url=CHART)
    assert problems(card) == []
    assert message_size(message(card)) <= MAX_MESSAGE_BYTES
    assert "more rows" in _texts(card)  # the reader is told rows were left out


def test_problems_catches_what_teams_would_refuse():
    bad = {
        "type": "AdaptiveCard",
        "version": "1.6",
        "body": [
            {"type": "Input.Text", "id": "x"},
            {"type": "Image", "url": "data:image/png;base64,iVBORw0KGgo="},
        ],
        "actions": [{"type": "Action.Submit"}],
    }
    found = problems(bad)
    assert "version must be 1.5" in found
    assert any("Input.Text" in p for p in found) and any("Action.Submit" in p for p in found)
    assert "images must be links, never base64" in found


def test_slack_style_markup_becomes_card_markdown():
    assert markdown("Every day at *08:00* UK time; stop with `/flex alerts unsubscribe`.") == (
        "Every day at **08:00** UK time; stop with /flex alerts unsubscribe."
    )
    assert markdown("2 * 3 * 4") == "2 * 3 * 4"
