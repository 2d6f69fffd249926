"""Slash commands as a Slack user experiences them (listeners/commands)."""

from __future__ import annotations

import time

from bot.answering import warm_up_in_background
from tests.slack.harness import block_text


def test_help_is_acked_at_once_and_answered_privately(slack_app):
    started = time.monotonic()
    response, url = slack_app.slack.command("/flex", "help")
    acked = time.monotonic() - started
    assert response.status_code == 200
    assert acked < 3
    [reply] = slack_app.fake.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply)
    assert "bestslot" in text and "carbon" in text and "prices" in text
    assert slack_app.fake.calls_to("chat.postMessage") == []


def test_wrong_input_gets_a_friendly_private_usage_message(slack_app):
    response, url = slack_app.slack.command("/bestslot", "banana")
    assert response.status_code == 200
    [reply] = slack_app.fake.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply)
    assert "banana" in text
    assert "Try: bestslot" in text
    assert "Traceback" not in text
    assert "Share to channel" not in text  # nothing to share


def _blocks_of_type(message, kind):
    return [b for b in message["blocks"] if b["type"] == kind]


def test_bestslot_answers_privately_with_windows_savings_note_and_chart(slack_app):
    fake = slack_app.fake
    started = time.monotonic()
    response, url = slack_app.slack.command("/bestslot", "4h by 07:00 in NG1 for both at 7 kW")
    assert response.status_code == 200
    assert time.monotonic() - started < 3

    [reply] = fake.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply)
    assert "Best 4 h window — East Midlands (B)" in text
    for label in ("Cheapest window", "Greenest window", "Balanced window"):
        assert label in text
    assert "vs start" in text and "vs worst window" in text  # comparisons with now and worst
    assert "£" in text and "kgCO2" in text and "p/kWh" in text
    assert "not live" in text  # the data-freshness note: offline sample says so
    buttons = [e for b in _blocks_of_type(reply, "actions") for e in b["elements"]]
    assert "Share to channel" in [b["text"]["text"] for b in buttons]

    # The chart: Slack's three upload steps, into the asker's DM (the answer is private).
    [complete] = fake.wait_calls("files.completeUploadExternal")
    [get_url] = fake.calls_to("files.getUploadURLExternal")
    [png] = fake.uploaded_pngs()
    assert png.startswith(b"\x89PNG")
    assert int(get_url.params["length"]) == len(png)
    assert complete.params["channel_id"] == "D0ALICE"  # never the channel: bot.security.privacy
    assert "bestslot 4h" in complete.params["initial_comment"]
    assert "<@U0ALICE>" in complete.params["initial_comment"]
    assert fake.calls_to("chat.postMessage") == []  # the answer itself stays private


def test_carbon_shows_now_mix_and_outlook(slack_app):
    _, url = slack_app.slack.command("/carbon", "")
    [reply] = slack_app.fake.wait_replies(url)
    text = block_text(reply)
    assert "gCO2/kWh" in text
    assert "wind" in text.lower() and "gas" in text.lower()  # generation mix
    slack_app.fake.wait_calls("files.completeUploadExternal")


def test_prices_lists_cheapest_dearest_and_plunge_slots(slack_app):
    _, url = slack_app.slack.command("/prices", "in C")
    [reply] = slack_app.fake.wait_replies(url)
    text = block_text(reply)
    assert "Cheapest" in text and "Dearest" in text
    assert "paid to use" in text  # negative (plunge) prices in the sample day
    assert "p/kWh" in text


def test_prices_and_carbon_take_a_time_word_from_slack(slack_app):
    _, url = slack_app.slack.command("/prices", "tomorrow in NG1")
    text = block_text(slack_app.fake.wait_replies(url)[0])
    assert "Agile prices tomorrow — East Midlands (B)" in text and "00:00–24:00" in text
    _, url = slack_app.slack.command("/flex", "carbon tonight")
    text = block_text(slack_app.fake.wait_replies(url)[0])
    assert "Carbon intensity tonight" in text and "Tonight (" in text


def test_chart_upload_refused_not_in_channel_tells_the_user_how_to_fix_it(slack_app):
    slack_app.fake.fail("files.completeUploadExternal", "not_in_channel", channel="D0ALICE")
    _, url = slack_app.slack.command("/bestslot", "2h", channel_id="C0PRIVATE")
    first, second = slack_app.fake.wait_replies(url, count=2)
    assert "Best 2 h window" in block_text(first)
    assert second["response_type"] == "ephemeral"
    assert "not a member" in second["text"] and "/invite @Flexcalc" in second["text"]


def test_slow_chart_upload_gets_a_clear_message(slack_app):
    slack_app.services.chart_upload_timeout = 1
    slack_app.fake.delays["files.completeUploadExternal"] = 3  # longer than the upload timeout
    _, url = slack_app.slack.command("/bestslot", "1h")
    first, second = slack_app.fake.wait_replies(url, count=2, timeout=20)
    assert "Best 1 h window" in block_text(first)
    assert "taking longer than usual" in second["text"]


def test_region_setting_is_used_by_later_commands_in_the_channel(slack_app):
    _, url = slack_app.slack.command("/flex", "region NG1")
    [reply] = slack_app.fake.wait_replies(url)
    assert "East Midlands (B)" in block_text(reply)
    _, url = slack_app.slack.command("/bestslot", "2h")
    assert "East Midlands (B)" in block_text(slack_app.fake.wait_replies(url)[0])
    # another channel of the same workspace falls back to the workspace default (set first time)
    _, url = slack_app.slack.command("/flex", "region", channel_id="C0OTHER")
    assert "East Midlands (B)" in block_text(slack_app.fake.wait_replies(url)[0])


class BrokenProvider:
    """A data provider with a bug (not an outage): every call raises something unexpected."""

    def forecast(self, region, now):
        raise KeyError("a bug, not an outage")

    def lookup_postcode(self, postcode):
        return None


def test_unexpected_error_gets_a_short_apology_never_a_traceback(fake_slack, make_services):
    from bot.config import SlackConfig
    from tests.fakes.slack_api import DEFAULT_TOKEN
    from tests.slack.conftest import start_app
    from tests.slack.harness import SIGNING_SECRET

    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    running, stop = start_app(fake_slack, make_services(provider_factory=BrokenProvider), config)
    try:
        response, url = running.slack.command("/bestslot", "2h")
        assert response.status_code == 200
        [reply] = fake_slack.wait_replies(url)
        text = block_text(reply)
        assert "Sorry, something went wrong" in text
        assert "KeyError" not in text and "Traceback" not in text
    finally:
        stop()


def test_flex_backtest_says_working_then_replaces_it_with_the_answer_chart_and_csv(slack_app):
    fake = slack_app.fake
    _, url = slack_app.slack.command("/flex", "backtest 2h daily")
    working, *_, answer = fake.wait_for(
        lambda f: (
            f.replies(url) if any("Backtest" in block_text(r) for r in f.replies(url)) else None
        ),
        timeout=30,
    )
    assert working["text"].startswith("Working on it") and not working.get("replace_original")
    assert answer["replace_original"] is True  # the same message, updated in place
    assert "Backtest: 2 h daily" in block_text(answer)
    completes = fake.wait_calls("files.completeUploadExternal", count=2, timeout=30)
    assert {c.params["channel_id"] for c in completes} == {"D0ALICE"}  # private answer: DM
    comments = " ".join(c.params["initial_comment"] for c in completes)
    assert "/flex backtest 2h daily" in comments and "(CSV)" in comments
    files = fake.uploaded_files()
    csv_names = [name for name in files if name.endswith(".csv")]
    assert csv_names, files.keys()
    assert any(b"," in files[name] and b"\n" in files[name] for name in csv_names)


def test_a_quick_command_gets_no_working_message(slack_app):
    _, url = slack_app.slack.command("/flex", "help")
    [reply] = slack_app.fake.wait_replies(url)
    assert not reply.get("replace_original")
    assert "Working on it" not in reply.get("text", "")


def test_slash_words_map_onto_the_shared_grammar():
    from bot.commands.table import command_line
    from bot.listeners.events.messages import command_from_message

    assert command_line(" 4h  by 07:00 ", "/bestslot") == "bestslot 4h by 07:00"
    assert command_line("region NG1", "/flex") == "region NG1"
    assert command_line("", "/flex") == "help"
    assert command_line("", "/carbon") == "carbon"
    assert command_from_message("<@U0FLEXBOT> /bestslot 2h") == "bestslot 2h"
    assert command_from_message("<@U0FLEXBOT|flexcalc> flex prices in B") == "prices in B"
    assert command_from_message("<@U0FLEXBOT>") == "help"


def test_python_m_bot_picks_its_mode_from_the_environment():
    from bot.__main__ import pick_mode
    from bot.config import SlackConfig

    assert pick_mode(SlackConfig()) == "shell"
    assert pick_mode(SlackConfig(bot_token="xoxb-1")) == "shell"  # no signing secret: not HTTP
    assert pick_mode(SlackConfig(bot_token="xoxb-1", signing_secret="s")) == "web"
    assert pick_mode(SlackConfig(client_id="1", client_secret="2", signing_secret="s")) == "web"
    assert pick_mode(SlackConfig(bot_token="xoxb-1", app_token="xapp-1")) == "socket"


def test_start_up_warm_up_never_blocks_commands_even_when_it_fails(make_services):
    services = make_services(provider_factory=BrokenProvider)
    warm_up_in_background(services).join(timeout=30)
    assert services.ready.is_set()  # commands go ahead; they will get the honest apology
