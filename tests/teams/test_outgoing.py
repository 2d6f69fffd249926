"""The Teams outgoing webhook, driven over real HTTP against the real web app on loopback:
signed mentions get the same answer as Slack as a card within Teams' 5 s; anything unsigned,
forged or tampered with is refused before any work is done."""

from __future__ import annotations

import base64
import json
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.answers import SavedAnswerRow
from bot.teams.cards import problems
from bot.teams.outgoing import command_text, sign, verify, where_from
from flexcalc.commands import Context, run
from flexcalc.regions import by_letter
from flexcalc.sources.sample import SampleProvider
from tests.teams.conftest import SECRET, activity


def _card(response) -> dict:
    payload = response.json()
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def _saved(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(SavedAnswerRow))


def test_signed_mention_gets_the_bestslot_card_with_a_served_chart(make_teams_app):
    teams = make_teams_app()
    started = time.monotonic()
    response = teams.mention("bestslot 4h in NG1")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 5.0
    card = _card(response)
    assert problems(card) == []
    assert card["body"][0]["text"] == "Best 4 h window — East Midlands (B)"
    facts = [f["title"] for f in next(e for e in card["body"] if e["type"] == "FactSet")["facts"]]
    same = run("bestslot 4h in NG1", Context(provider=SampleProvider(), region=by_letter("C")))
    assert facts == [f.label for f in same.fields]  # the same answer the CLI and Slack give
    assert {"Cheapest window", "Greenest window"} <= set(facts)
    image = next(e for e in card["body"] if e["type"] == "Image")
    assert image["url"].startswith(f"{teams.url}/charts/") and image["url"].endswith(".png")
    chart = teams.session.get(image["url"], timeout=5)  # the link Teams will fetch works
    assert chart.status_code == 200 and chart.headers["Content-Type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")


FORGED = [
    None,  # unsigned
    "",
    "Bearer abc",
    "HMAC " + base64.b64encode(b"\0" * 32).decode(),  # well-formed, wrong
    "HMAC not-base64!!",
    "hmac " + "A" * 44,
]


def test_unsigned_or_forged_requests_are_refused_without_running(make_teams_app):
    teams = make_teams_app()
    body = json.dumps(activity("<at>Flexcalc</at> bestslot 4h")).encode()
    for authorization in FORGED:
        response = teams.post(body, authorization)
        assert response.status_code == 401, authorization
        assert "attachments" not in response.text and "Best" not in response.text
    assert teams.provider.forecasts == 0 and _saved(teams.engine) == 0


def test_signature_with_another_secret_or_a_tampered_body_is_refused(make_teams_app):
    teams = make_teams_app()
    other = base64.b64encode(b"someone else's outgoing webhook token").decode()
    assert teams.mention("prices", secret=other).status_code == 401
    signed = json.dumps(activity("<at>Flexcalc</at> help")).encode()
    tampered = signed.replace(b"help", b"prices")
    assert teams.post(tampered, sign(signed, SECRET)).status_code == 401
    assert teams.provider.forecasts == 0


def test_answer_not_ready_within_the_budget_gets_an_honest_text_in_time(make_teams_app):
    teams = make_teams_app(delay=3.0, budget=0.8)
    started = time.monotonic()
    response = teams.mention("carbon in London")
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 3.0  # did not wait for the answer
    payload = response.json()
    assert payload["type"] == "message" and "attachments" not in payload
    assert payload["text"].startswith("Still working on 'carbon in London'")


def test_answer_ready_too_close_to_the_deadline_comes_back_as_plain_text(make_teams_app):
    teams = make_teams_app()
    teams.hook.card_margin = teams.hook.budget  # no time left for the card and chart link
    payload = teams.mention("carbon in London").json()
    assert "attachments" not in payload
    assert payload["text"].startswith("Carbon intensity — London (C)")
    assert "gCO2/kWh" in payload["text"]


def test_bad_input_gets_the_friendly_usage_card(make_teams_app):
    teams = make_teams_app()
    card = _card(teams.mention("bestslot banana"))
    assert card["body"][0]["text"] == "Sorry, I didn't get that"
    assert any("Try:" in e.get("text", "") for e in card["body"])
    assert teams.provider.forecasts == 0


def test_region_set_in_a_teams_channel_is_used_by_later_commands(make_teams_app):
    teams = make_teams_app()
    card = _card(teams.mention("region NG1"))
    assert card["body"][0]["text"].startswith("Default region set: East Midlands")
    card = _card(teams.mention("prices"))
    assert "East Midlands (B)" in card["body"][0]["text"]


def test_without_public_base_url_the_card_says_why_there_is_no_chart(make_teams_app):
    teams = make_teams_app(public=False)
    card = _card(teams.mention("carbon"))
    assert "Image" not in json.dumps(card)
    assert any("PUBLIC_BASE_URL" in e.get("text", "") for e in card["body"])


def test_sign_and_verify_match_teams_scheme():
    body = b'{"type":"message","text":"hi"}'
    header = sign(body, SECRET)
    assert header.startswith("HMAC ") and verify(header, body, SECRET)
    assert not verify(header, body + b" ", SECRET)
    assert not verify(header, body, None)  # no secret configured: refuse everything
    assert not verify(header, body, "%%%not base64%%%")


def test_mentions_and_html_are_stripped_from_the_command():
    assert command_text("<at>Flexcalc</at>&nbsp;bestslot 4h in NG1\n") == "bestslot 4h in NG1"
    assert command_text("<div><at>Flex calc</at> prices&nbsp;in&nbsp;<b>B</b></div>") == (
        "prices in B"
    )
    assert command_text("<at>Flexcalc</at>") == ""


def test_teams_ids_become_keys_that_fit_the_shared_tables():
    where = where_from(activity("x"))
    assert all(len(v) <= 32 for v in (where.team_id, where.channel_id, where.user_id))
    assert where.team_id.startswith("mst:") and where.channel_id.startswith("msc:")
    assert where_from(activity("y")) == where  # stable across messages
