"""Which destination an alert subscription posts to (its ``channel_id`` says which kind)."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.alerts.slack_post import SlackClients
from bot.alerts.store import SubscriptionInfo
from bot.destinations.port import Destination, Outcome
from bot.destinations.slack import SlackDestination
from bot.destinations.teams import TeamsConversation, TeamsWorkflow
from bot.storage.teams import destination_url, is_bot_conversation, is_teams


def destination_for(
    engine: Engine, clients: SlackClients, sub: SubscriptionInfo, today: str
) -> Destination | Outcome:
    """The subscription's destination, or the outcome to record when it cannot be reached."""
    key = sub.channel_id
    if is_bot_conversation(key):
        return TeamsConversation(engine, key, today)
    if is_teams(key):
        url = destination_url(engine, key)
        if url is None:
            return Outcome("give_up", error="Teams workflow URL missing")
        return TeamsWorkflow(url, today)
    client = clients.for_team(sub.team_id)
    if client is None:
        return Outcome("retry", error="no bot token")
    return SlackDestination(client, key, today)
