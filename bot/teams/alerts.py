"""Daily alerts delivered to Teams through a Workflows webhook URL.

A Teams destination is an ordinary alert subscription whose ``channel_id`` is the URL's key
(``bot.storage.teams.destination_key``), so the clock plans, claims and records it exactly like a
Slack channel (one delivery row per subscription, day and kind; one analysis and one chart per
region, shared with Slack). Only the last step differs: the Destination port's Teams adapters
(``bot.destinations.teams``) post an Adaptive Card with the helpers here.
Teams webhooks have no history to read back, so a crash between Teams accepting a post and the
database recording it is the one case that can repeat an alert (after the stale-claim timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy import Engine

from bot.alerts import store
from bot.alerts.commands import TEAMS_HOW_TO as HOW_TO
from bot.alerts.commands import subscribe_teams
from bot.commands.table import TABLE, word_of
from bot.services import Services
from bot.storage.subscriptions import Subscription
from bot.storage.teams import (
    conversation_reference,
    destinations,
    forget,
)
from bot.teams.workflows import PostResult, make_session, post_card
from bot.where import Where
from flexcalc.commands import UsageError, parse
from flexcalc.commands.requests import AlertsRequest
from flexcalc.reply import Field, Reply

log = logging.getLogger(__name__)


_session: requests.Session | None = None
# Returns the Teams bot that posts into conversations; bot.teams.agent registers it on import
# (the Agents SDK is optional, and this module must not import the door that uses it).
_conversation_sender: Callable[[], Any] | None = None


def use_conversation_sender(sender: Callable[[], Any] | None) -> None:
    global _conversation_sender
    _conversation_sender = sender


def use_session(session: requests.Session | None) -> None:
    """The HTTP session Teams alerts are posted with (tests pass one with fast retries)."""
    global _session
    _session = session


def post_alert_card(url: str, card: dict[str, Any]) -> PostResult:
    """POST a card with the alerts session (retries 429/5xx); never raises."""
    global _session
    if _session is None:
        _session = make_session()
    return post_card(url, card, session=_session)


def post_to_conversation(engine: Engine, key: str, card: dict[str, Any], title: str) -> PostResult:
    """Post a card proactively through the Agents SDK bot (``bot.teams.agent``); never raises."""

    reference = conversation_reference(engine, key)
    if reference is None:
        return PostResult("gone", None, 1, "conversation unknown")
    agent = _conversation_sender() if _conversation_sender is not None else None
    if agent is None:
        return PostResult("retry", None, 1, "Teams bot not configured in this process")
    try:
        agent.send_card(reference, card, title)
    except Exception as error:
        status = getattr(error, "status", None)
        if status in (401, 403, 404):
            return PostResult("gone", status, 1, f"HTTP {status}")
        log.warning("Teams bot post to %s failed (%s)", key, type(error).__name__)
        return PostResult("retry", status, 1, type(error).__name__)
    return PostResult("sent", 201, 1)


# -- subscribing ---------------------------------------------------------------------------


def teams_alerts_reply(text: str, services: Services, where: Where) -> Reply | None:
    """``alerts ...`` typed in a Teams channel (outgoing webhook); None for other commands."""

    if word_of(text) is not TABLE["alerts"]:
        return None
    try:
        request = parse(text)
    except UsageError:
        return None
    if not isinstance(request, AlertsRequest) or services.engine is None:
        return None
    engine, channel = services.engine, where.channel_id or ""
    if request.action == "subscribe":
        if not request.teams_url:
            return Reply(
                title="Teams alerts need a workflow",
                summary="An outgoing webhook can only answer, not post later, so daily alerts "
                "reach this channel through a Teams Workflow.",
                notes=HOW_TO,
            )
        return subscribe_teams(
            request, engine=engine, team_id=where.team_id, user_id=where.user_id or "",
            origin=channel, stop_hint="Stop it with: @Flexcalc alerts unsubscribe (here)",
        )  # fmt: skip
    mine = [key for key, *_ in destinations(engine, team_id=where.team_id, origin=channel)]
    if request.action == "list":
        return list_reply(engine, mine)
    if request.action in ("unsubscribe", "stop"):
        removed = sum(store.remove(engine, where.team_id, key) for key in mine)
        for key in mine:
            forget(engine, key)
        return Reply(
            title="Teams alerts off" if removed else "No Teams alerts here",
            summary=f"Removed {removed} alert(s) registered from this channel.",
        )
    return None


def list_reply(engine: Engine, keys: list[str]) -> Reply:
    """The Teams destinations ``keys`` and their alerts, URLs masked."""
    fields = []
    shown = {key: masked for key, masked, *_ in destinations(engine)}
    for key in keys:
        for sub in _subs(engine, key):
            fields.append(Field(f"#{sub.id} → {shown.get(key, key)}", sub.description))
    if not fields:
        return Reply(title="No Teams alerts here", summary="Nothing is registered from here.",
                     notes=HOW_TO)  # fmt: skip
    return Reply(title=f"Teams alerts ({len(fields)})", fields=fields)


def _subs(engine: Engine, key: str):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        query = select(Subscription).where(Subscription.channel_id == key).order_by(Subscription.id)
        rows = session.scalars(query).all()
        return [store.SubscriptionInfo.of(r) for r in rows]
