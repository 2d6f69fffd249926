"""Two workspaces installed through OAuth: same user and channel ids, nothing crosses over."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.config import SlackConfig
from bot.storage.engagement import Pledge
from flexcalc.engagement import PledgeOffer
from flexcalc.sources.sample import SampleProvider
from tests.engagement.test_pledges import buttons
from tests.slack.conftest import start_app
from tests.slack.harness import SIGNING_SECRET, block_text
from tests.slack.test_oauth import install

ONE, TWO = "T0000ONE", "T0000TWO"


@pytest.fixture
def oauth_app(fake, make_services, clock):
    config = SlackConfig(
        signing_secret=SIGNING_SECRET,
        client_id="111.222",
        client_secret="oauth-client-secret",
        api_url=fake.api_url,
    )
    running, stop = start_app(fake, make_services(clock=clock, chart_upload_timeout=5), config)
    try:
        install(running, ONE, "xoxb-one")
        install(running, TWO, "xoxb-two")
        yield running
    finally:
        stop()


def pledge_in(app, team: str, label: str) -> PledgeOffer:
    _, url = app.slack.command("/bestslot", "2h", team_id=team, channel_id="C0SHARED")
    button = buttons(app.fake.wait_replies(url)[0])[label]
    _, url = app.slack.click(
        button["action_id"], button["value"], team_id=team, channel_id="C0SHARED"
    )
    app.fake.wait_replies(url)
    return PledgeOffer.decode(button["value"])


def test_pledges_impact_reminders_and_forget_me_stay_in_their_workspace(oauth_app, engine, clock):
    app, fake = oauth_app, oauth_app.fake
    one = pledge_in(app, ONE, "I'll charge my EV then")  # 14 kWh
    pledge_in(app, TWO, "I'll run my 2 h load then")  # 4 kWh, same user and channel ids
    tokens = [c.token for c in fake.calls_to("chat.scheduleMessage")]
    assert sorted(tokens) == ["xoxb-one", "xoxb-two"]  # each reminder with its own token

    clock.now = max(one.end, one.baseline_end) + pd.Timedelta(hours=1)
    clients = SlackClients(engine, client_id="111.222", base_url=fake.api_url)
    Clock(engine, SampleProvider(), clients, settings=ClockSettings(renew_every=0.0)).tick()
    settled_dms = [
        c for c in fake.calls_to("chat.postMessage") if "Your pledge" in c.params.get("text", "")
    ]
    assert sorted(c.token for c in settled_dms) == ["xoxb-one", "xoxb-two"]
    by_token = {c.token: c.params["text"] for c in settled_dms}
    assert "Sun 09 Jun" in by_token["xoxb-one"]

    _, url = app.slack.command("/flex", "impact team all", team_id=ONE, channel_id="C0SHARED")
    text = block_text(fake.wait_replies(url)[0])
    assert "shifted 14.0 kWh" in text and "by 1 person." in text and "18.0" not in text

    _, url = app.slack.command("/flex", "forget me", team_id=ONE, channel_id="C0SHARED")
    assert "Deleted 1 pledge(s)" in fake.wait_replies(url)[0]["text"]
    with Session(engine) as session:
        left = [(r.team_id, r.kwh) for r in session.scalars(select(Pledge))]
    assert left == [(TWO, 4.0)]
    _, url = app.slack.command("/flex", "impact me all", team_id=TWO, channel_id="C0SHARED")
    assert "You shifted 4.0 kWh" in block_text(fake.wait_replies(url)[0])
