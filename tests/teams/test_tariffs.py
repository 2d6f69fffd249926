"""Tariffs through both Teams doors (the outgoing webhook and the Agents SDK bot), against the
fake Octopus and Carbon Intensity APIs: ``tariff …`` sets the channel's default, ``on go`` prices
one answer, ``for export`` ranks export prices, and every card says which tariff it priced."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import pytest
import requests

from bot.config import SlackConfig
from bot.one_process import create_one_process_app
from bot.services import Services
from bot.teams import agent as agent_module
from bot.teams.agent import TeamsAgent
from bot.teams.cards import problems
from bot.teams.outgoing import sign
from bot.web import create_web_app
from flexcalc.sources.csv_files import read_prices
from flexcalc.sources.horizon import price_horizon_end
from flexcalc.sources.http import make_session
from flexcalc.sources.live import LiveProvider
from flexcalc.tariffs import offline
from flexcalc.timeslots import LONDON
from tests.fakes.slack_api import DEFAULT_TOKEN, serve
from tests.fakes.upstream import FIXTURES as UPSTREAM_FIXTURES
from tests.teams.conftest import FIXTURES, SECRET, activity
from tests.teams.test_agent import FakeConnector

DASHBOARD = UPSTREAM_FIXTURES / "csv" / "agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"


@dataclass
class Doors:
    url: str
    session: requests.Session
    connector: FakeConnector

    def mention(self, text: str) -> dict:
        """``@Flexcalc <text>`` through the outgoing webhook: the reply card."""
        body = json.dumps(activity(f"<at>Flexcalc</at>&nbsp;{text}\n")).encode()
        response = self.session.post(
            f"{self.url}/teams/outgoing",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": sign(body, SECRET)},
            timeout=15,
        )
        assert response.status_code == 200
        assert "attachments" in response.json(), response.json()
        [attachment] = response.json()["attachments"]
        return attachment["content"]

    def bot(self, text: str) -> dict:
        """``@Flexcalc <text>`` to the bot in a channel: the card it posts to the connector."""
        payload = json.loads((FIXTURES / "agent_channel_message.json").read_text())
        payload["serviceUrl"] = self.connector.url + "/"
        payload["text"] = f"<at>Flexcalc</at> {text}"
        payload["id"] = str(time.time_ns())  # Teams: a new id and the current time per activity
        payload["timestamp"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        before = len(self.connector.cards())
        response = self.session.post(f"{self.url}/api/messages", json=payload, timeout=15)
        assert response.status_code == 202
        cards = self.connector.cards()
        assert len(cards) == before + 1
        return cards[-1]


@pytest.fixture
def doors(engine, fake_slack, fake_octopus, fake_carbon, fake_now, monkeypatch) -> Iterator[Doors]:
    monkeypatch.setenv("TEAMS_OUTGOING_WEBHOOK_SECRET", SECRET)
    monkeypatch.delenv("FLEX_REGION", raising=False)
    provider = LiveProvider(session=make_session(backoff=0.0, timeout=(1.0, 2.0)))
    services = Services(engine=engine, provider_factory=lambda: provider, clock=lambda: fake_now)
    config = SlackConfig(bot_token=DEFAULT_TOKEN, signing_secret="x", api_url=fake_slack.api_url)
    web = create_web_app(create_one_process_app(config, services), services)
    # Tariff words are under test here, not speed (bench_teams measures that): a loaded shared
    # machine may take longer than Teams' 5 s to fetch several products from the fakes.
    web.extensions["flexcalc_teams"].budget = 30.0
    agent = TeamsAgent(services, {"CONNECTIONS": {"SERVICE_CONNECTION": {"SETTINGS": {}}}},
                       anonymous=True)  # fmt: skip
    agent_module.register(web, services, agent=agent)
    connector = FakeConnector()
    connector_server, connector.url = serve(connector.app())
    server, url = serve(web)
    services.public_base_url = url
    yield Doors(url, requests.Session(), connector)
    server.shutdown()
    connector_server.shutdown()


def _text(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def _go_band() -> str:
    [band] = offline.schedule_tariff("go").periods  # Go's cheap hours, the fake serves them
    return f"{band.start:%H:%M}"


@pytest.mark.parametrize("door", ["mention", "bot"])
def test_tariff_go_becomes_the_channels_default_and_cards_say_so(doors, door):
    ask = getattr(doors, door)
    card = ask("tariff go")
    assert problems(card) == []
    assert card["body"][0]["text"].startswith("Default tariff set: Octopus Go (GO-VAR-")

    answer = ask("bestslot 2h")  # no tariff named: the channel's default
    assert problems(answer) == []
    assert "Octopus Go (GO-VAR-" in _text(answer)
    assert f"{_go_band()}–" in _text(answer)  # the best 2 h starts in Go's cheap band

    agile = ask("bestslot 2h on agile")  # one answer on another tariff; the default stays Go
    assert "Octopus Agile" in _text(agile) and "Octopus Go" not in _text(agile)
    assert "Octopus Go (GO-VAR-" in _text(ask("prices"))


@pytest.mark.parametrize("door", ["mention", "bot"])
def test_on_go_prices_one_answer(doors, door):
    card = getattr(doors, door)("prices on go")
    assert problems(card) == []
    assert "Octopus Go" in card["body"][0]["text"]


@pytest.mark.parametrize("door", ["mention", "bot"])
def test_for_export_ranks_the_highest_export_price(doors, door, fake_now):
    card = getattr(doors, door)("bestslot 2h for export")
    assert problems(card) == []
    text = _text(card)
    assert card["body"][0]["text"].startswith("Best 2 h to export")
    assert "Agile Outgoing" in text
    export = read_prices(DASHBOARD).export
    assert export is not None
    horizon = price_horizon_end(fake_now)  # what Octopus has published by then
    known = export[(export.index >= fake_now.floor("30min")) & (export.index < horizon)]
    means = known.rolling(4).mean().shift(-3).dropna()
    best = means.idxmax()  # brute force over the export column the fake serves
    [row] = next(r for r in card["body"] if r["type"] == "Table")["rows"][1:2]
    shown = float(row["cells"][2]["items"][0]["text"].split()[0])
    assert shown == pytest.approx(means.max(), abs=0.006)
    assert best.tz_convert(LONDON).strftime("%H:%M") in text
    assert pd.Timestamp(best) >= fake_now.floor("30min")
