"""Bolt listeners for alerts: the alert's buttons, the Home-tab buttons and the create modal.

``register(app, engine)`` is called by ``bot.listeners.register_listeners``. Every button acks at
once and its work runs as a job (``bot.listeners.alerts.buttons``). Only two things answer in
the web, because Slack needs them inside the ack: opening the modal (its ``trigger_id`` lives
3 s) and refusing a modal submission inline (no channel picked; a member where only admins may
subscribe channels). The accepted submission is stored by a job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.alerts import home
from bot.alerts.slack_post import REMIND_ACTION, SNOOZE_ACTION
from bot.commands.permissions import who_may_run
from bot.security import admin
from bot.storage.db import database_url, get_engine


def register(app: App, engine: Engine | None = None) -> None:
    """Register the alert buttons, Home-tab buttons and modal on ``app``."""
    app.action(REMIND_ACTION)(lazy=["remind_me"])
    app.action(SNOOZE_ACTION)(lazy=["snooze"])
    app.action(home.PAUSE_ACTION)(lazy=["pause_alert"])
    app.action(home.RESUME_ACTION)(lazy=["resume_alert"])
    app.action(home.REMOVE_ACTION)(lazy=["remove_alert"])
    app.action(home.NEW_ACTION)(open_modal)
    app.view(home.CREATE_CALLBACK)(lazy=["create_alert"], check=modal_refusal(engine))


def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body.get("trigger_id", ""), view=home.create_modal())


def modal_refusal(engine: Engine | None) -> Callable[..., dict[str, Any] | None]:
    """The inline errors a submitted alert form is refused with, or None to accept it."""

    def refusal(body: dict[str, Any], client: WebClient) -> dict[str, Any] | None:
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        channel, command = home.modal_command(values)
        if not channel:
            return _errors("Pick a channel to post in.")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        user = (body.get("user") or {}).get("id", "")
        db = engine if engine is not None else get_engine(database_url())
        # The form's command (``alerts subscribe ...``) under the command table's rule, read from
        # its permissions column (light enough for the web); the job applies it again.
        word, action = command.split()[:2]
        refused = admin.refusal(who_may_run(word, action), word, db, client, team, user)
        if refused is not None:  # nothing is stored
            return _errors(refused.summary)
        return None

    return refusal


def _errors(channel: str) -> dict[str, Any]:
    return {"response_action": "errors", "errors": {"channel": channel}}
