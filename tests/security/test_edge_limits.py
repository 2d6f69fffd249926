"""Oversized, chunked and malformed requests against the real web app, as an attacker sends
them: nothing unauthenticated gets past the edge, nothing raises, nothing is read unbounded."""

from __future__ import annotations

import base64
import io
import json
import logging

import pytest

from bot.security.limits import EdgeLimits, limit_for
from bot.teams.outgoing import sign as teams_sign
from tests.slack.harness import sign as slack_sign
from tests.teams.conftest import SECRET, activity

MB = 1024 * 1024


def _chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


@pytest.fixture
def teams(make_teams_app):
    return make_teams_app()


def _no_traceback(caplog) -> bool:
    return not any(r.exc_info or r.levelno >= logging.ERROR for r in caplog.records)


def test_declared_oversized_slack_body_is_refused(teams):
    response = teams.session.post(
        f"{teams.url}/slack/events",
        data=b"x" * (MB + 1),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "size"), [("/slack/events", 2 * MB), ("/teams/outgoing", 300_000)]
)
def test_chunked_oversized_bodies_are_refused(teams, path, size):
    response = teams.session.post(
        f"{teams.url}{path}",
        data=_chunks(size),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413


def test_a_chunked_signed_teams_message_within_the_limit_is_answered(teams):
    payload = activity("<at>Flexcalc</at> help")
    payload["padding"] = "p" * 150_000
    body = json.dumps(payload).encode()
    response = teams.session.post(
        f"{teams.url}/teams/outgoing",
        data=(body[i : i + 8192] for i in range(0, len(body), 8192)),  # chunked
        headers={"Content-Type": "application/json", "Authorization": teams_sign(body, SECRET)},
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["type"] == "message"


class EndlessStream:
    """A body that never ends (the 200 MB POST, and more): counts what the server read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size


def test_an_endless_chunked_body_is_read_only_up_to_the_limit():
    stream = EndlessStream()
    called = []
    app = EdgeLimits(lambda environ, start: called.append(1) or [b""])
    statuses = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "wsgi.input": stream,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
    }
    app(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Content Too Large"] and not called
    assert stream.read_bytes <= limit_for("/slack/events") + 1


@pytest.mark.parametrize("path", ["/slack/events", "/teams/outgoing", "/api/messages"])
def test_json_content_type_with_a_bad_body_gets_400_without_a_traceback(teams, path, caplog):
    caplog.set_level(logging.DEBUG)
    headers = {"Content-Type": "application/json", **slack_sign("{not json")}
    if path == "/api/messages":
        headers["Authorization"] = "Bearer " + _jwt({"alg": "RS256", "kid": "k1"})
    response = teams.session.post(
        f"{teams.url}{path}", data=b"{not json", headers=headers, timeout=10
    )
    assert response.status_code == 400
    assert _no_traceback(caplog)


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "", "-5", "12 34"])
def test_non_numeric_slack_timestamp_gets_400_without_a_traceback(teams, timestamp, caplog):
    caplog.set_level(logging.DEBUG)
    body = "command=%2Fflex&text=help&team_id=T0000TEAM"
    headers = {
        **slack_sign(body),
        "X-Slack-Request-Timestamp": timestamp,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = teams.session.post(
        f"{teams.url}/slack/events", data=body, headers=headers, timeout=10
    )
    assert response.status_code in (400, 401)
    assert _no_traceback(caplog)


def _jwt(header: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part(header)}.{part({'iss': 'https://api.botframework.com'})}.c2ln"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer " + _jwt({"alg": "RS256"}), "Bearer not-a-jwt", "Bearer a.b.c", "Basic eA=="],
)
def test_bot_messages_without_a_usable_token_get_401(teams, authorization, caplog):
    caplog.set_level(logging.DEBUG)
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    response = teams.session.post(
        f"{teams.url}/api/messages", data=b'{"type": "message"}', headers=headers, timeout=10
    )
    assert response.status_code == 401
    assert _no_traceback(caplog)


def test_the_body_reaches_the_app_unchanged():
    seen = []

    def inner(environ, start):
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start("200 OK", [])
        return [b""]

    body = json.dumps({"type": "event_callback"}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    EdgeLimits(inner)(environ, lambda *a: None)
    assert seen == [body]
