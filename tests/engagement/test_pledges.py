"""'I'll do it' through the Slack harness: signed block_actions clicks, the scheduled DM
reminder, cancelling it from the confirmation, the reminder or the Home tab."""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.engagement import Pledge
from flexcalc.engagement import PledgeOffer
from tests.slack.harness import block_text


def buttons(message) -> dict[str, dict]:
    blocks = message["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    out = {}
    for block in blocks:
        if block["type"] == "actions":
            out |= {e["text"]["text"]: e for e in block["elements"]}
        if block.get("accessory", {}).get("type") == "button":
            out[block["accessory"]["text"]["text"]] = block["accessory"]
    return out


def pledge_rows(engine) -> list[Pledge]:
    with Session(engine) as session:
        return list(session.scalars(select(Pledge).order_by(Pledge.id)))


def ask_bestslot(app, text: str = "2h", **kw) -> dict:
    _, url = app.slack.command("/bestslot", text, **kw)
    [reply] = app.fake.wait_replies(url)
    return reply


def test_bestslot_answer_offers_pledges_and_a_click_schedules_a_dm_reminder(app, engine):
    reply = ask_bestslot(app, "2h")
    offered = buttons(reply)
    assert {"I'll run my 2 h load then", "I'll charge my EV then"} <= set(offered)
    ev = offered["I'll charge my EV then"]
    offer = PledgeOffer.decode(ev["value"])
    assert offer.kwh == 14.0  # 7 kW for 2 h, said on the confirmation

    response, url = app.slack.click(ev["action_id"], ev["value"])
    assert response.status_code == 200
    [confirm] = app.fake.wait_replies(url)
    text = block_text(confirm)
    assert confirm["response_type"] == "ephemeral"
    assert "Thank you! You'll charge your EV" in text
    assert f"I'll DM you a reminder at {offer.start.tz_convert('Europe/London'):%H:%M}" in text
    assert "Counted as 14 kWh" in text and "Forecast: you should save about" in text
    assert "Another idea for today" in text and "Effect: about" in text  # a fitted tip

    opened = app.fake.calls_to("conversations.open")  # the reminder's DM (and the chart's)
    assert opened and {c.params["users"] for c in opened} == {"U0ALICE"}
    [scheduled] = app.fake.calls_to("chat.scheduleMessage")
    assert scheduled.params["channel"] == "D0ALICE"
    assert int(scheduled.params["post_at"]) == int(offer.start.timestamp())
    assert "you pledged to charge your EV now" in block_text(scheduled.params)
    assert "I can't this time" in buttons(scheduled.params)
    [row] = pledge_rows(engine)
    assert (row.team_id, row.user_id, row.channel_id, row.what) == (
        "T0000TEAM",
        "U0ALICE",
        "C0GENERAL",
        "ev",
    )
    assert row.kwh == 14.0 and row.status == "pledged" and row.reminder == "scheduled"
    assert pd.Timestamp(row.baseline_start, tz="UTC") == offer.baseline_start

    # pressing again doesn't double-count or double-schedule
    _, again = app.slack.click(ev["action_id"], ev["value"])
    assert "You've already pledged this one" in block_text(app.fake.wait_replies(again)[0])
    assert len(pledge_rows(engine)) == 1 and len(app.fake.calls_to("chat.scheduleMessage")) == 1


def test_cancel_from_the_confirmation_deletes_the_scheduled_reminder(app, engine):
    ev = buttons(ask_bestslot(app, "3h"))["I'll charge my EV then"]
    _, url = app.slack.click(ev["action_id"], ev["value"])
    cancel = buttons(app.fake.wait_replies(url)[0])["Cancel my pledge"]
    [scheduled] = app.fake.calls_to("chat.scheduleMessage")
    message_id = scheduled.response["scheduled_message_id"]
    assert message_id in app.fake.scheduled

    _, cancel_url = app.slack.click(cancel["action_id"], cancel["value"])
    assert "Cancelled" in app.fake.wait_replies(cancel_url)[0]["text"]
    [deleted] = app.fake.calls_to("chat.deleteScheduledMessage")
    assert deleted.params["channel"] == "D0ALICE"
    assert deleted.params["scheduled_message_id"] == message_id
    assert deleted.response["ok"] and message_id not in app.fake.scheduled
    assert pledge_rows(engine)[0].status == "cancelled"


def test_cancel_from_the_reminder_after_it_was_posted(app, engine, clock):
    load = buttons(ask_bestslot(app, "2h"))["I'll run my 2 h load then"]
    _, url = app.slack.click(load["action_id"], load["value"])
    app.fake.wait_replies(url)
    [scheduled] = app.fake.calls_to("chat.scheduleMessage")
    reminder_cancel = buttons(scheduled.params)["I can't this time"]
    clock.now = PledgeOffer.decode(load["value"]).start + pd.Timedelta(minutes=5)  # DM is out
    _, cancel_url = app.slack.click(
        reminder_cancel["action_id"], reminder_cancel["value"], channel_id="D0ALICE"
    )
    assert "Cancelled" in app.fake.wait_replies(cancel_url)[0]["text"]
    assert app.fake.calls_to("chat.deleteScheduledMessage") == []  # nothing left to delete
    assert pledge_rows(engine)[0].status == "cancelled"


def test_cancel_from_the_home_tab_withdraws_the_reminder_and_refreshes_home(app, engine):
    ev = buttons(ask_bestslot(app, "2h"))["I'll charge my EV then"]
    _, url = app.slack.click(ev["action_id"], ev["value"])
    cancel = buttons(app.fake.wait_replies(url)[0])["Cancel my pledge"]
    app.slack.click(cancel["action_id"], cancel["value"], channel_id=None)  # from Home
    app.fake.wait_calls("chat.deleteScheduledMessage")
    app.fake.wait_calls("views.publish")
    [note] = app.fake.wait_for(lambda f: f.dms_to("U0ALICE") or None)
    assert "Cancelled" in note["text"]
    assert pledge_rows(engine)[0].status == "cancelled"


def test_a_window_starting_now_is_reminded_at_once(app, clock):
    reply = ask_bestslot(app, "2h")
    ev = buttons(reply)["I'll charge my EV then"]
    clock.now = PledgeOffer.decode(ev["value"]).start - pd.Timedelta(seconds=30)
    _, url = app.slack.click(ev["action_id"], ev["value"])
    assert "It starts now" in block_text(app.fake.wait_replies(url)[0])
    assert app.fake.calls_to("chat.scheduleMessage") == []
    [dm] = app.fake.dms_to("U0ALICE")
    assert "you pledged to charge your EV now" in dm["text"]


def test_a_past_window_or_a_forged_value_is_refused_politely(app, engine, clock):
    ev = buttons(ask_bestslot(app, "2h"))["I'll charge my EV then"]
    clock.now = PledgeOffer.decode(ev["value"]).end + pd.Timedelta(minutes=1)
    _, url = app.slack.click(ev["action_id"], ev["value"])
    assert "already passed" in app.fake.wait_replies(url)[0]["text"]
    _, url = app.slack.click("flex_pledge_0", "pledge ev C not-a-time 120m x 14kWh")
    assert "out of date" in app.fake.wait_replies(url)[0]["text"]
    assert pledge_rows(engine) == []
    assert app.fake.calls_to("chat.scheduleMessage") == []


def test_only_the_pledger_in_the_same_workspace_can_cancel(app, engine):
    ev = buttons(ask_bestslot(app, "2h"))["I'll charge my EV then"]
    _, url = app.slack.click(ev["action_id"], ev["value"])
    cancel = buttons(app.fake.wait_replies(url)[0])["Cancel my pledge"]
    _, other_team = app.slack.click(cancel["action_id"], cancel["value"], team_id="T0OTHER")
    _, other_user = app.slack.click(cancel["action_id"], cancel["value"], user_id="U0BOB")
    for reply_url in (other_team, other_user):
        assert "isn't yours" in app.fake.wait_replies(reply_url)[0]["text"]
    assert pledge_rows(engine)[0].status == "pledged"
    assert app.fake.calls_to("chat.deleteScheduledMessage") == []


def test_a_daily_alert_carries_pledge_buttons_that_work_from_the_channel(app, engine, clock):
    from bot.alerts.commands import handle_alerts
    from bot.alerts.fanout import Clock, ClockSettings
    from bot.alerts.slack_post import SlackClients
    from flexcalc.commands import parse
    from flexcalc.sources.sample import SampleProvider
    from tests.alerts.conftest import london, run_ticks

    handle_alerts(
        parse("alerts subscribe 08:00 4h"),
        engine=engine,
        team_id="T0000TEAM",
        channel_id="C0ALERTS",
        user_id="U0ALICE",
    )
    clients = SlackClients(engine, default_token="xoxb-fake-default", base_url=app.fake.api_url)
    alerts = Clock(engine, SampleProvider(), clients, settings=ClockSettings(renew_every=0.0))
    run_ticks(alerts, london("2024-06-08 08:00"), london("2024-06-08 08:00"))
    [alert] = app.fake.alerts_in("C0ALERTS")
    offered = buttons(alert)
    assert {"I'll run my 4 h load then", "I'll charge my EV then"} <= set(offered)
    assert "Remind me at the best time" in offered  # the alert's own buttons stay
    ev = offered["I'll charge my EV then"]
    offer = PledgeOffer.decode(ev["value"])
    assert offer.kwh == 28.0 and offer.duration == pd.Timedelta(hours=4)

    clock.now = pd.Timestamp(london("2024-06-08 08:05"))  # people read the alert
    _, url = app.slack.click(ev["action_id"], ev["value"], channel_id="C0ALERTS", ephemeral=False)
    assert "Thank you!" in app.fake.wait_replies(url)[0]["text"]
    [row] = pledge_rows(engine)
    assert (row.channel_id, row.what, row.kwh) == ("C0ALERTS", "ev", 28.0)


def test_home_tab_lists_upcoming_pledges_with_cancel_buttons(app, engine):
    ev = buttons(ask_bestslot(app, "2h"))["I'll charge my EV then"]
    _, url = app.slack.click(ev["action_id"], ev["value"])
    app.fake.wait_replies(url)
    app.slack.event(
        {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home"}
    )
    [publish] = app.fake.wait_calls("views.publish")
    view = publish.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = block_text({"blocks": view["blocks"]})
    assert "*Your pledges*" in text and "Charge your EV" in text and "14 kWh" in text
    cancel = buttons({"blocks": view["blocks"]})["Cancel"]
    app.slack.click(cancel["action_id"], cancel["value"], channel_id=None)
    app.fake.wait_calls("chat.deleteScheduledMessage")
    [_, again] = app.fake.wait_calls("views.publish", count=2)  # refreshed without it
    view = again.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "No upcoming pledges" in block_text({"blocks": view["blocks"]})
    assert pledge_rows(engine)[0].status == "cancelled"
