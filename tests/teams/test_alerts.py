"""The clock treats a Teams destination exactly like a Slack channel: one alert per day, the
region's chart rendered once and shared, failures (429/5xx) retried then recorded as failed
without stopping the other destinations. Real clock, real SQLite, fakes on loopback,
time travelled with time-machine."""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Iterator
from datetime import datetime

import pandas as pd
import pytest
import time_machine
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.commands import handle_alerts
from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.storage.subscriptions import DISABLED, GAVE_UP, SENT, Delivery, Subscription
from bot.teams.alerts import use_session
from bot.teams.cards import problems
from bot.teams.workflows import make_session
from flexcalc.commands import parse
from flexcalc.sources.sample import SampleProvider
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.SystemTimeWarning")
PUBLIC = "https://flexcalc.example.com"
SIG = "Qw3rTyUi0pAsDfGhJkLz"


def london(text: str) -> datetime:
    return pd.Timestamp(text).tz_localize("Europe/London").to_pydatetime()


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> tuple[str, str]:
    """A throwaway self-signed certificate for 127.0.0.1 (Teams URLs must be https://)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def httpserver(tls) -> Iterator[HTTPServer]:
    """A fake Workflows endpoint over HTTPS on loopback."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    session = make_session(retries=2, backoff=0.0)  # 1 + 2 tries per attempt, no sleeping
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override session.verify
    session.verify = tls[0]
    use_session(session)
    yield server
    use_session(None)
    server.clear()
    server.stop()


def _subscribe(engine, text: str, channel: str = "C0SLACK") -> None:
    reply = handle_alerts(
        parse(text), engine=engine, team_id=DEFAULT_TEAM, channel_id=channel, user_id="U0ALICE"
    )
    assert not reply.is_error, reply.to_text()


def _tick(clock: Clock, start: datetime, end: datetime, minutes: int = 5) -> list:
    reports, moment = [], start
    with time_machine.travel(start, tick=False) as traveller:
        while moment <= end:
            traveller.move_to(moment)
            reports.append(clock.tick())
            moment += pd.Timedelta(minutes=minutes)
    return reports


def _hook(httpserver, name: str, status: int) -> str:
    httpserver.expect_request(f"/{name}", method="POST").respond_with_data("", status=status)
    return httpserver.url_for(f"/{name}") + f"?api-version=1&sig={SIG}{name}"


def _posts(httpserver, name: str) -> list[dict]:
    return [r.get_json() for r, _ in httpserver.log if r.path == f"/{name}"]


def _rows(engine, model):
    with Session(engine) as session:
        return list(session.scalars(select(model).order_by(model.id)))


@pytest.mark.slow
def test_teams_destinations_get_one_alert_a_day_like_slack_channels(engine, fake_slack, httpserver):
    good_c = _hook(httpserver, "good-c", 202)
    good_d = _hook(httpserver, "good-d", 200)
    broken = _hook(httpserver, "broken", 503)
    _subscribe(engine, "alerts subscribe 08:00 in C")  # a Slack channel
    _subscribe(engine, f"alerts subscribe 08:00 in C teams {good_c}")
    _subscribe(engine, f"alerts subscribe 08:00 in D 2h teams {broken}")
    _subscribe(engine, f"alerts subscribe 08:00 in D 2h teams {good_d}")
    clients = SlackClients(engine, default_token=DEFAULT_TOKEN, base_url=fake_slack.api_url)
    clock = Clock(engine, SampleProvider(), clients, settings=ClockSettings(renew_every=0.0),
                  public_base_url=PUBLIC)  # fmt: skip

    day_one = _tick(clock, london("2024-06-05 07:40"), london("2024-06-05 09:00"))

    assert len(_posts(httpserver, "good-c")) == 1 and len(_posts(httpserver, "good-d")) == 1
    slack_posts = [c for c in fake_slack.calls_to("chat.postMessage")
                   if c.params.get("channel") == "C0SLACK"]  # fmt: skip
    assert len(slack_posts) == 1
    # one chart per region, shared by Slack and Teams (and by the retries of the broken one)
    assert clock.digests.chart_renders == 2
    [card_c] = [p["attachments"][0]["content"] for p in _posts(httpserver, "good-c")]
    assert problems(card_c) == []
    assert card_c["body"][0]["text"].startswith("Today's greener times — Wed 05 Jun, London (C)")
    image_c = next(e for e in card_c["body"] if e["type"] == "Image")["url"]
    assert image_c.startswith(f"{PUBLIC}/charts/")
    assert image_c in json.dumps(slack_posts[0].params.get("blocks"))  # the very same chart
    card_d = _posts(httpserver, "good-d")[0]["attachments"][0]["content"]
    assert "2 h" in json.dumps(card_d, ensure_ascii=False)  # its own load length

    # the broken workflow: each attempt retried twice at once, attempted again every 10
    # minutes (08:00 … 08:40), then given up after the ledger's 5 attempts; recorded, not raised
    assert len(_posts(httpserver, "broken")) == 5 * 3
    deliveries = {d.subscription_id: d for d in _rows(engine, Delivery)}
    subs = _rows(engine, Subscription)
    assert [deliveries[s.id].status for s in subs] == [SENT, SENT, GAVE_UP, SENT]
    assert deliveries[subs[2].id].attempts == 5
    failed_at = [r.errors for r in day_one if r.retry_later]
    assert len(failed_at) == 5 and all("Teams HTTP 503" in e[0] for e in failed_at)
    assert sum(r.posted for r in day_one) == 3 and any(r.retry_later for r in day_one)
    assert all(SIG not in error for r in day_one for error in r.errors)

    # the next day: exactly one more each
    _tick(clock, london("2024-06-06 07:55"), london("2024-06-06 08:30"))
    assert len(_posts(httpserver, "good-c")) == 2 and len(_posts(httpserver, "good-d")) == 2


@pytest.mark.parametrize("status", [404, 410])
def test_a_deleted_workflow_is_disabled_with_a_note(engine, fake_slack, httpserver, status):
    gone = _hook(httpserver, "gone", status)
    _subscribe(engine, f"alerts subscribe 08:00 in C teams {gone}")
    clients = SlackClients(engine, default_token=DEFAULT_TOKEN, base_url=fake_slack.api_url)
    clock = Clock(engine, SampleProvider(), clients, settings=ClockSettings(renew_every=0.0))
    reports = _tick(clock, london("2024-06-05 08:00"), london("2024-06-05 08:30"), minutes=10)
    assert len(_posts(httpserver, "gone")) == 1  # not retried: 404/410 are permanent
    assert reports[0].disabled_channels == 1
    [sub] = _rows(engine, Subscription)
    assert sub.status == DISABLED and "Register a new workflow URL" in sub.note
    assert SIG not in sub.note and "…" in sub.note
