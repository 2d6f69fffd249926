"""``/flex tariff …``: a channel's and a person's default tariff, sent exactly as Slack sends."""

from __future__ import annotations

from tests.slack.harness import block_text

CUSTOM = "custom 7.5p 00:30-04:30, 28p otherwise"


def _ask(slack_app, text, **who):
    _, url = slack_app.slack.command("/flex", text, **who)
    [reply] = slack_app.fake.wait_replies(url)
    return block_text(reply)


def test_channel_tariff_is_used_by_later_commands_there_only(slack_app):
    assert "Default tariff set: Custom tariff" in _ask(slack_app, f"tariff {CUSTOM}")
    answer = _ask(slack_app, "bestslot 2h for price")
    assert "7.50 p/kWh" in answer and "Custom tariff" in answer
    elsewhere = _ask(slack_app, "bestslot 2h for price", channel_id="C0OTHER")
    assert "Custom tariff" not in elsewhere


def test_personal_tariff_beats_the_channel_one_for_that_person_only(slack_app):
    _ask(slack_app, f"tariff {CUSTOM}")
    assert "Default tariff set: Octopus Go" in _ask(slack_app, "tariff me go")
    assert "Octopus Go" in _ask(slack_app, "prices")  # Alice (the default user)
    assert "Custom tariff" in _ask(slack_app, "prices", user_id="U0BOB")
    assert "Octopus Go" in _ask(slack_app, "tariff")  # shows Alice's own


def test_a_tariff_that_cannot_be_priced_is_not_stored(slack_app):
    refused = _ask(slack_app, "tariff GO-NOPE-99-01-01")
    assert "Default tariff set" not in refused
    assert "Agile" in _ask(slack_app, "prices")
