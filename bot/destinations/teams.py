"""The Destination port for Teams: a Workflows webhook URL, or a bot conversation.

Both post an Adaptive Card with the chart as a link (Teams cards cannot carry uploads). Teams
has no history to read back, no private note from a webhook and no scheduled messages, so those
port methods answer "cannot" (None / False).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from bot.destinations.port import Chart, Outcome, Reminder
from bot.storage.teams import mask
from bot.teams.alerts import post_alert_card, post_to_conversation
from bot.teams.cards import reply_card
from bot.teams.workflows import PostResult
from flexcalc.reply import Reply


class _Teams:
    """What both Teams destinations share: the card, and what they cannot do."""

    name = "Teams"
    today = ""

    def _send(self, card: dict[str, Any], title: str) -> PostResult:
        raise NotImplementedError

    def _gone_note(self, error: str) -> str:
        raise NotImplementedError

    def post_alert(
        self, reply: Reply, *, subscription_id: int, delivery_key: str, chart: Chart | None
    ) -> Outcome:
        card = reply_card(reply, chart_url=chart.url if chart else None)
        result = self._send(card, reply.title)
        if result.ok:
            return Outcome("sent", ref=f"teams:{result.status}")
        error = f"Teams {result.error}"
        if result.kind == "retry":
            return Outcome("retry", error=error)
        if result.kind == "gone":
            return Outcome("channel_gone", error=error, note=self._gone_note(str(result.error)))
        return Outcome("give_up", error=error)

    def find_posted(self, since: datetime, delivery_key: str) -> str | None:
        return None  # no history to read back: a crash after Teams accepted can repeat once

    def attach_chart(self, ref: str, chart: Chart, alt: str) -> bool:
        return False  # charts travel as links in the card

    def tell_privately(self, user_id: str, text: str) -> bool:
        return False

    def schedule_reminder(
        self, user_id: str, text: str, blocks: list[dict[str, Any]] | None, at: datetime | None
    ) -> Reminder | None:
        return None


class TeamsWorkflow(_Teams):
    """A Teams channel reached through a Workflows webhook URL."""

    def __init__(self, url: str, today: str = "") -> None:
        self.url, self.today = url, today
        self.name = f"the Teams workflow {mask(url)}"

    def _send(self, card: dict[str, Any], title: str) -> PostResult:
        return post_alert_card(self.url, card)

    def _gone_note(self, error: str) -> str:
        return (
            f"Stopped on {self.today}: the Teams workflow {mask(self.url)} answered {error} "
            "(deleted or turned off). Register a new workflow URL to restart."
        )


class TeamsConversation(_Teams):
    """A Teams chat or channel the Flexcalc bot was added to (a stored conversation reference)."""

    def __init__(self, engine: Engine, key: str, today: str = "") -> None:
        self.engine, self.key, self.today = engine, key, today
        self.name = "this Teams conversation"

    def _send(self, card: dict[str, Any], title: str) -> PostResult:
        return post_to_conversation(self.engine, self.key, card, title)

    def _gone_note(self, error: str) -> str:
        return (
            f"Stopped on {self.today}: Teams refused the bot's post ({error}); the bot was "
            "probably removed. Add it again and subscribe."
        )
