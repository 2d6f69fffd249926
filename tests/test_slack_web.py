"""Slack etiquette: response_url's 5 uses and 30 minutes, 429s waited out, writes made once."""

from __future__ import annotations

import time

from bot.slack_web import BudgetedRespond, OnceWebClient, SendLedger, make_client
from tests.fakes.slack_api import DEFAULT_TOKEN


def _respond(fake, ledger=None, **kw) -> tuple[BudgetedRespond, str]:
    url = fake.response_url()
    ledger = ledger or SendLedger("job-1")
    client = OnceWebClient(token=DEFAULT_TOKEN, base_url=fake.api_url, ledger=ledger)
    return BudgetedRespond(
        url, client=client, channel_id="C1", user_id="U1", ledger=ledger, **kw
    ), url


def test_a_chatty_slow_answer_keeps_the_last_response_url_use_for_the_answer(fake_slack):
    respond, url = _respond(fake_slack)
    respond(text="Working on it…", response_type="ephemeral")
    for n in range(17):  # a one-year backtest reporting progress
        respond(text=f"{n * 6}%", replace_original=True, progress=True)
    respond(text="Backtest: the answer", replace_original=True)
    replies = fake_slack.replies(url)
    assert len(replies) == 5 and fake_slack.refused == []
    assert replies[-1]["text"] == "Backtest: the answer"


def test_past_five_uses_the_answer_goes_out_as_an_ephemeral_message(fake_slack):
    respond, url = _respond(fake_slack)
    for n in range(5):
        respond(text=f"note {n}")
    respond(text="the answer")
    assert len(fake_slack.replies(url)) == 5
    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert ephemeral.params["text"] == "the answer" and ephemeral.params["user"] == "U1"


def test_after_thirty_minutes_the_answer_skips_the_expired_response_url(fake_slack):
    respond, url = _respond(fake_slack, received=time.time() - 31 * 60)
    respond(text="still working", progress=True)
    respond(text="the answer")
    assert fake_slack.replies(url) == []
    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert ephemeral.params["text"] == "the answer"


def test_a_refused_response_url_falls_back_instead_of_losing_the_answer(fake_slack):
    fake_slack.response_url_uses = 0  # Slack says used_url at once
    respond, _ = _respond(fake_slack)
    respond(text="the answer")
    assert [c.params["text"] for c in fake_slack.calls_to("chat.postEphemeral")] == ["the answer"]


def test_a_job_run_twice_posts_once(fake_slack):
    store: dict = {}
    for _ in range(2):  # the second run is the job again after its worker died
        ledger = SendLedger("job-7", store)
        client = OnceWebClient(token=DEFAULT_TOKEN, base_url=fake_slack.api_url, ledger=ledger)
        first = client.chat_postMessage(channel="C1", text="answer")
        client.chat_postMessage(channel="C1", text="second message of the job")
        respond = BudgetedRespond(
            fake_slack.response_url("r7"), client=client, channel_id="C1", user_id="U1",
            ledger=ledger,
        )  # fmt: skip
        respond(text="private answer")
    assert [c.params["text"] for c in fake_slack.calls_to("chat.postMessage")] == [
        "answer",
        "second message of the job",
    ]
    assert len(fake_slack.calls_to("response_url")) == 1
    assert first["ts"] == fake_slack.calls_to("chat.postMessage")[0].response["ts"]


def test_every_client_waits_out_429(fake_slack):
    fake_slack.rate_limit("chat.postMessage", times=2, retry_after=1)
    started = time.monotonic()
    make_client(DEFAULT_TOKEN, fake_slack.api_url).chat_postMessage(channel="C1", text="hi")
    assert time.monotonic() - started >= 2  # honoured Retry-After twice
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
