"""The alert listeners' work, run as jobs (registered in ``bot.listeners.alerts``): "Remind me",
"Snooze", the Home tab's pause / resume / remove, and storing the alert form's subscription.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pandas as pd
from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.alerts import home, store
from bot.alerts.commands import handle_alerts
from bot.answering import Where
from bot.commands.table import command_for
from bot.destinations.slack import SlackDestination
from bot.listeners.events.app_home_opened import build_home
from bot.listeners.payloads import action_value
from bot.security import admin
from bot.services import Services
from bot.storage.db import database_url, get_engine
from bot.storage.subscriptions import ACTIVE, PAUSED, utcnow
from flexcalc.commands import UsageError, parse
from flexcalc.timeslots import fmt_day_time, fmt_span

log = logging.getLogger(__name__)

SNOOZE = timedelta(days=7)


def alerts_engine(services: Services) -> Engine:
    """The app database (the services', else ``DATABASE_URL``'s)."""
    return services.engine if services.engine is not None else get_engine(database_url())


def make_alert_work(services: Services) -> dict[str, Callable[..., None]]:
    """The jobs ``bot.listeners.alerts`` names, by name."""

    def on_engine(handler: Callable[..., None]) -> Callable[..., None]:
        def job(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            handler(body=body, client=client, respond=respond, engine=alerts_engine(services))

        job.__name__ = handler.__name__
        return job

    return {
        "remind_me": remind_me,
        "snooze": on_engine(snooze),
        "pause_alert": on_engine(pause),
        "resume_alert": on_engine(resume),
        "remove_alert": on_engine(remove),
        "create_alert": on_engine(create_alert),
    }


def _team(body: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id", "")


def _tell(respond: Respond, body: dict[str, Any], text: str) -> None:
    """An ephemeral note to whoever clicked (only possible from a message)."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)


def remind_me(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """Remind the clicker at the start of the alert's best window (a scheduled DM in Slack)."""
    try:
        window = json.loads(action_value(body))
        start, end = pd.Timestamp(window["start"]), pd.Timestamp(window["end"])
    except (ValueError, KeyError, TypeError):
        _tell(respond, body, "Sorry, I couldn't read that window.")
        return
    span = fmt_span(start, end)
    now = pd.Timestamp(utcnow(), tz="UTC")
    if start <= now + pd.Timedelta(minutes=1):
        message = "now" if end > now else "over"
        _tell(respond, body, f"The best window ({span}) is {message} — no reminder needed.")
        return
    text = (
        f"⏰ It's the best time to use electricity now: {span} UK time "
        f"({window.get('title', 'Flexcalc alert')})."
    )
    user = _user(body)
    try:  # through the Destination port: the one way a person is reminded, on any platform
        SlackDestination(client, user).schedule_reminder(user, text, None, start.to_pydatetime())
    except SlackApiError as error:
        log.info("scheduling a reminder failed: %s", error.response.get("error"))
        _tell(respond, body, "Sorry, I couldn't schedule that reminder just now.")
        return
    _tell(respond, body, f"OK — I'll DM you at {fmt_day_time(start)} UK time.")


def snooze(*, body: dict[str, Any], client, respond: Respond, engine: Engine) -> None:
    """Skip this channel's alert for a week (it stays subscribed)."""
    try:
        sub_id = int(action_value(body))
    except ValueError:
        return
    until = utcnow() + SNOOZE
    if not store.snooze(engine, _team(body), sub_id, until):
        _tell(respond, body, "That alert no longer exists.")
        return
    shown = fmt_day_time(pd.Timestamp(until, tz="UTC"))
    _tell(
        respond,
        body,
        f"Alerts here are snoozed until {shown} UK time. `/flex alerts resume` restarts them.",
    )


def _home_toggle(body, client, engine, *, status: str | None, remove_it: bool = False) -> None:
    team, user = _team(body), _user(body)
    try:
        sub_id = int(action_value(body))
    except ValueError:
        return
    sub = store.get(engine, team, sub_id)
    if sub is None:
        return
    if remove_it:
        store.remove(engine, team, ids=[sub_id])
    elif status is not None:
        store.set_status(engine, team, status=status, ids=[sub_id])
    publish_home(client, engine, team, user)


def pause(*, body, client, respond, engine: Engine) -> None:
    _home_toggle(body, client, engine, status=PAUSED)


def resume(*, body, client, respond, engine: Engine) -> None:
    _home_toggle(body, client, engine, status=ACTIVE)


def remove(*, body, client, respond, engine: Engine) -> None:
    _home_toggle(body, client, engine, status=None, remove_it=True)


def create_alert(*, body, client: WebClient, respond, engine: Engine) -> None:
    """Store the form's alert (validated and gated like the command) and confirm in the channel.

    The web already refused a form without a channel or from a member where only admins may
    subscribe (inline, in the ack); what is refused here is told to the user in a DM."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    channel, command = home.modal_command(values)
    team, user = _team(body), _user(body)
    if not channel:
        return
    try:
        request = parse(command)
    except UsageError as problem:
        client.chat_postMessage(channel=user, text=f"Your alert wasn't saved: {problem.message}")
        return
    gate = command_for(request)
    refused = admin.refusal(gate.who_for(request), gate.word, engine, client, team, user)
    reply = refused or handle_alerts(
        request, engine=engine, team_id=team, channel_id=channel, user_id=user
    )
    if reply.is_error:
        client.chat_postMessage(channel=user, text=f"Your alert wasn't saved: {reply.summary}")
        return
    text = f"<@{user}> set up Flexcalc alerts here: {reply.summary}"
    try:
        client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as error:
        code = error.response.get("error")
        log.info("alert confirmation in %s failed: %s", channel, code)
        if code in ("not_in_channel", "channel_not_found"):
            client.chat_postMessage(
                channel=user,
                text=f"Your alert for <#{channel}> is saved, but I'm not in that channel yet: "
                "invite me with `/invite @Flexcalc` so the alerts can be posted.",
            )
    publish_home(client, engine, team, user)


alerts_home_blocks = home.user_home_blocks  # the name the Home view used to import


def publish_home(client: WebClient, engine: Engine, team_id: str, user_id: str) -> None:
    """Refresh the Home tab: the front end's view (when available) plus "Your alerts"."""
    blocks: list[dict[str, Any]] = []
    try:
        view = build_home(Services(engine=engine), Where(team_id=team_id, user_id=user_id))
        blocks = [b if isinstance(b, dict) else b.to_dict() for b in view.blocks]
    except Exception:  # the Home tab still shows the alerts
        log.debug("front-end Home view unavailable", exc_info=True)
    if not any(b.get("block_id") == home.NEW_BLOCK for b in blocks):
        blocks += alerts_home_blocks(engine, team_id, user_id)
    try:
        client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks[:100]})
    except SlackApiError as error:
        log.info("Home tab refresh failed: %s", error.response.get("error"))
