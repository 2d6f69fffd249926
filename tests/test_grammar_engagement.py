"""Grammar for pledges and impact: impact, impact hide/show me, digest, forget me."""

from datetime import time

import pytest

from flexcalc.commands import UsageError, parse, run
from flexcalc.commands.help import answer_help
from flexcalc.commands.requests import (
    DigestRequest,
    ForgetRequest,
    ImpactRequest,
    ImpactVisibilityRequest,
)


@pytest.mark.parametrize(
    ("text", "scope", "period"),
    [
        ("impact", "team", "month"),
        ("impact me", "me", "month"),
        ("impact me week", "me", "week"),
        ("impact week me", "me", "week"),
        ("impact channel all", "channel", "all"),
        ("/flex impact team month", "team", "month"),
        ("impact workspace this week", "team", "week"),
        ("impact my all time", "me", "all"),
    ],
)
def test_impact_scope_and_period_in_any_order(text, scope, period):
    assert parse(text) == ImpactRequest(scope, period)


def test_impact_hide_and_show_me():
    assert parse("impact hide me") == ImpactVisibilityRequest(hidden=True)
    assert parse("impact show me") == ImpactVisibilityRequest(hidden=False)
    assert parse("Impact Hide") == ImpactVisibilityRequest(hidden=True)


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("digest", DigestRequest("preview")),
        ("digest unsubscribe", DigestRequest("unsubscribe")),
        ("digest stop", DigestRequest("unsubscribe")),
        ("digest subscribe", DigestRequest("subscribe")),
        (
            "digest subscribe #leadership monday 09:00",
            DigestRequest("subscribe", "#leadership", 0, time(9, 0)),
        ),
        (  # what Slack sends when the channel is picked from the autocomplete
            "digest subscribe <#C0LEAD|leadership> friday at 4pm",
            DigestRequest("subscribe", "C0LEAD", 4, time(16, 0)),
        ),
        ("digest subscribe tues 08:30", DigestRequest("subscribe", None, 1, time(8, 30))),
        ("digest subscribe #Board sundays", DigestRequest("subscribe", "#board", 6)),
    ],
)
def test_digest_commands(text, request_):
    assert parse(text) == request_


def test_forget_me():
    assert parse("forget me") == ForgetRequest()
    assert parse("/flex forget me") == ForgetRequest()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("impact yesterday", "use impact [me|channel|team] [week|month|all]"),
        ("impact hide you", "didn't understand 'you'"),
        ("digest subscribe #leadership someday", "didn't understand 'someday'"),
        ("digest subscribe monday 25:00", "not a time of day"),
        ("digest subscribe #bad!name", "not a channel name"),
        ("digest publish", "don't know 'digest publish'"),
        ("forget", "forget me"),
        ("forget everyone", "forget me"),
        ("forget me now", "didn't understand 'now'"),
    ],
)
def test_bad_engagement_input_gets_a_reason_and_examples(text, reason):
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert reason in caught.value.message
    reply = caught.value.reply()
    assert reply.is_error and reply.notes and all(n.startswith("Try: ") for n in reply.notes)


def test_help_lists_the_new_commands():
    text = answer_help(None).to_text()
    for word in ("impact", "digest", "forget"):
        assert word in text
    assert "impact hide me" in answer_help("impact").to_text()
    assert "digest subscribe #leadership monday 09:00" in answer_help("digest").to_text()


def test_outside_slack_the_commands_say_where_they_work():
    class NoProvider:
        def lookup_postcode(self, postcode):
            return None

    from flexcalc.commands import Context
    from flexcalc.regions import by_letter

    reply = run("impact me", Context(provider=NoProvider(), region=by_letter("C")))
    assert reply.title == "That one works in team chat" and not reply.is_error
    assert "`impact`" in reply.summary and "/flex" not in reply.summary
