"""Requests that did not come from Slack are refused before anything runs."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.slack.harness import sign


def _form(response_url: str) -> str:
    return urlencode(
        {
            "team_id": "T0000TEAM",
            "channel_id": "C0GENERAL",
            "user_id": "U0MALLORY",
            "command": "/flex",
            "text": "region A",
            "response_url": response_url,
        }
    )


def _post(slack_app, body: str, headers: dict[str, str]):
    return slack_app.slack.session.post(
        f"{slack_app.url}/slack/events",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        timeout=10,
    )


def _nothing_reached_slack(slack_app) -> bool:
    time.sleep(0.5)  # a lazy listener, had one started, would have answered by now
    return not any(
        c.method in ("response_url", "chat.postMessage", "files.getUploadURLExternal")
        for c in slack_app.fake.calls
    )


def test_forged_signature_is_refused_and_nothing_is_posted(slack_app):
    body = _form(slack_app.fake.response_url("forged"))
    headers = sign(body, secret="not-the-signing-secret")
    response = _post(slack_app, body, headers)
    assert response.status_code == 401
    assert _nothing_reached_slack(slack_app)
    assert slack_app.services.get_region_letter("T0000TEAM", "C0GENERAL") is None


def test_body_changed_after_signing_is_refused(slack_app):
    body = _form(slack_app.fake.response_url("tampered"))
    headers = sign(body)
    response = _post(slack_app, body.replace("region+A", "region+B"), headers)
    assert response.status_code == 401
    assert _nothing_reached_slack(slack_app)


def test_stale_timestamp_is_refused_even_with_a_valid_signature(slack_app):
    body = _form(slack_app.fake.response_url("stale"))
    headers = sign(body, timestamp=int(time.time()) - 10 * 60)  # replayed 10 minutes later
    response = _post(slack_app, body, headers)
    assert response.status_code == 401
    assert _nothing_reached_slack(slack_app)


def test_missing_signature_is_refused(slack_app):
    response = _post(slack_app, _form(slack_app.fake.response_url("unsigned")), {})
    assert response.status_code == 401
    assert _nothing_reached_slack(slack_app)


def test_properly_signed_request_is_accepted(slack_app):
    response, url = slack_app.slack.command("/flex", "region A")
    assert response.status_code == 200
    slack_app.fake.wait_replies(url)
    assert slack_app.services.get_region_letter("T0000TEAM", "C0GENERAL") == "A"


def test_only_the_documented_endpoints_exist(slack_app):
    session = slack_app.slack.session
    assert session.get(f"{slack_app.url}/healthz", timeout=5).text.strip() == "ok"
    assert session.get(f"{slack_app.url}/slack/install", timeout=5).status_code == 404  # no OAuth
    assert session.get(f"{slack_app.url}/charts/" + "x" * 43 + ".png", timeout=5).status_code == 404
    assert session.get(f"{slack_app.url}/charts/../etc.png", timeout=5).status_code == 404
    assert session.get(f"{slack_app.url}/admin", timeout=5).status_code == 404
