"""Posting cards to a Teams Workflows webhook: a fake endpoint on loopback (pytest-httpserver)
answers 202, 429 with Retry-After, 5xx, 404 or nothing; the poster retries, then reports, and
never raises or lets the secret URL reach a log line."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from werkzeug import Response

from bot.storage.teams import mask
from bot.teams.cards import reply_card
from bot.teams.workflows import make_session, post_card
from flexcalc.reply import Reply

PATH = "/workflows/8d1c0b5e7f6a4b3c9d2e1f0a/triggers/manual/paths/invoke"
SIG = "Zx9Qm3Lr7Tv1Kb5Nw8Ys2Hd6Fg4Jc0PaUeRiOo"
CARD = reply_card(Reply(title="Greener times today — London (C)", summary="Best 2 h: 12:00–14:00"))


@pytest.fixture
def url(httpserver) -> str:
    return (
        httpserver.url_for(PATH) + f"?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
    )


@pytest.fixture
def fast():
    return make_session(retries=3, backoff=0.0)


def test_accepted_post_carries_the_card_in_the_message_wrapper(httpserver, url, fast):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_data("", status=202)
    result = post_card(url, CARD, session=fast)
    assert result.ok and result.status == 202 and result.attempts == 1
    [(request, _)] = httpserver.log
    body = request.get_json()
    assert body["type"] == "message"
    assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert body["attachments"][0]["content"] == CARD
    assert request.args["sig"] == SIG  # the full URL is used to post, and only there


def test_429_is_retried_after_the_retry_after_delay(httpserver, url, fast):
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"})
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data("", status=202)
    started = time.monotonic()
    result = post_card(url, CARD, session=fast)
    assert result.ok and result.attempts == 2
    assert time.monotonic() - started >= 0.95  # waited as asked
    assert len(httpserver.log) == 2


def test_persistent_5xx_is_retried_then_reported_without_raising(httpserver, url, fast):
    httpserver.expect_request(PATH, method="POST").respond_with_data("busy", status=503)
    result = post_card(url, CARD, session=fast)
    assert (result.ok, result.kind, result.status, result.attempts) == (False, "retry", 503, 4)
    assert len(httpserver.log) == 4  # 1 + 3 retries
    assert result.error.startswith("HTTP 503")


def test_500_then_success_counts_as_sent(httpserver, url, fast):
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data("", status=500)
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data("", status=502)
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data("", status=200)
    result = post_card(url, CARD, session=fast)
    assert result.ok and result.attempts == 3


@pytest.mark.parametrize(("status", "kind"), [(404, "gone"), (403, "gone"), (400, "rejected")])
def test_permanent_answers_are_not_retried(httpserver, url, fast, status, kind):
    httpserver.expect_request(PATH, method="POST").respond_with_data("nope", status=status)
    result = post_card(url, CARD, session=fast)
    assert (result.kind, result.status, len(httpserver.log)) == (kind, status, 1)


def test_unreachable_endpoint_is_reported_not_raised(fast):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: connection refused
    result = post_card(f"http://127.0.0.1:{port}{PATH}?sig={SIG}", CARD, session=fast)
    assert result.kind == "retry" and result.status is None
    assert SIG not in result.error


def test_the_secret_never_reaches_the_logs(httpserver, url, fast, caplog):
    httpserver.expect_request(PATH, method="POST").respond_with_data(f"bad sig={SIG}", status=503)
    # urllib3's own logger too: the CLI and shell quieten it to ERROR, and that outlives a test
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="urllib3"):
        result = post_card(url, CARD, session=fast)
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]  # not the fake's
    text = "\n".join(r.getMessage() for r in ours)
    assert {"urllib3.connectionpool", "urllib3.util.retry", "bot.teams.workflows"} <= {
        r.name for r in ours
    }  # connections, retries and the failure were all logged...
    assert SIG not in text and SIG not in result.error  # ...without the secret
    assert mask(url) in text


def test_mask_shows_host_start_and_last_four_only():
    secret = "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=Qw3rTya1b2"
    assert mask(secret) == "https://prod-12.westeurope…/…a1b2"
