"""The command table: every word the grammar knows is answered, explained and read one way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answering import reply_to, understand
from bot.commands.table import TABLE, command_for, command_line, lookup, word_of
from bot.services import Services
from bot.where import Where
from flexcalc.commands.grammar import COMMANDS
from flexcalc.reply import Reply

WHERE = Where(team_id="T0TABLE", channel_id="C0TABLE", user_id="U0TABLE")


def test_every_grammar_word_has_one_entry_with_usage_examples_and_a_policy():
    assert set(TABLE) == set(COMMANDS)
    for word, command in TABLE.items():
        assert command.usage and command.examples, word
        assert command.speed in ("fast", "slow")
        for example in command.examples:
            request = understand(example.removeprefix("/flex "))
            assert command.who_for(request) in ("everyone", "channel_managers", "admins"), example


@pytest.mark.parametrize(
    ("line", "who"),
    [("alerts subscribe 07:00", "channel_managers"), ("alerts when price below 0",
      "channel_managers"), ("alerts list", "everyone"), ("digest subscribe #general",
      "channel_managers"), ("digest preview", "everyone"), ("bestslot 4h", "everyone")],
)  # fmt: skip
def test_subscribing_a_channel_is_for_channel_managers_reading_for_everyone(line, who):
    request = understand(line)
    assert command_for(request).who_for(request) == who


@pytest.mark.parametrize("word", sorted(TABLE))
def test_every_example_reads_as_its_own_command(word):
    for example in TABLE[word].examples:
        request = understand(example.removeprefix("/flex "))
        assert not isinstance(request, Reply), (example, request)
        assert command_for(request) is TABLE[word], example


@pytest.mark.parametrize("word", sorted(TABLE))
def test_help_for_a_word_shows_the_tables_usage_and_examples(word):
    reply = reply_to(f"help {word}", Services(engine=None), WHERE)
    text = reply.to_text()
    assert TABLE[word].usage in text
    assert all(example in text for example in TABLE[word].examples)


def test_history_and_optimisation_answers_are_slow_forecasts_draw_their_chart_after():
    slow = {w for w, c in TABLE.items() if c.speed == "slow"}
    assert slow == {"backtest", "battery", "footprint"}
    assert {w for w, c in TABLE.items() if c.chart_after} == {"bestslot", "prices", "carbon"}


def test_lookup_reads_slashes_case_and_question_mark():
    assert lookup("/BestSlot") is TABLE["bestslot"]
    assert lookup("?") is TABLE["help"]
    assert lookup("banana") is None
    assert word_of("  Alerts list") is TABLE["alerts"]
    assert word_of("4h") is None and word_of("") is None


def test_pledge_commands_outside_slack_say_where_they_work():
    reply = reply_to("impact me week", Services(engine=None), WHERE)
    assert "Slack" in reply.title and not reply.data.get("error")


def test_pledge_commands_in_slack_without_a_database_say_so():
    reply = reply_to("forget me", Services(engine=None), WHERE, client=object())
    assert reply.is_error and "database" in reply.to_text()


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789:.", min_size=1, max_size=8)


@given(st.lists(_word, max_size=5), st.sampled_from(["/flex", "/bestslot", "/carbon", "/prices"]))
def test_a_slash_command_line_is_its_word_then_the_typed_words(words, command):
    typed = "  ".join(words)
    expected = [] if command == "/flex" else [command[1:]]
    expected += words
    if expected and expected[0] == "flex":  # "/flex flex prices" is "prices"
        expected = expected[1:]
    assert command_line(typed, command) == (" ".join(expected) or "help")


@given(st.lists(_word, min_size=1, max_size=4))
def test_mentions_and_a_leading_flex_are_dropped_from_messages(words):
    line = " ".join(words)
    assert command_line(f"<@U0FLEXBOT|flexcalc> flex {line}") == command_line(line)
    assert command_line(f"<@U0FLEXBOT> /{line}") == command_line(line)
