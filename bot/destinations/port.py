"""The Destination port: what the application layer asks of any place it posts to.

The clock's fan-out claims an alert, asks its subscription's destination to post it and records
one ``Outcome``, whatever the platform: Slack channels (``bot.destinations.slack``), Teams
Workflows URLs and Teams bot conversations (``bot.destinations.teams``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from flexcalc.reply import Reply

OutcomeKind = Literal["sent", "retry", "give_up", "channel_gone", "team_gone"]


@dataclass(frozen=True)
class Chart:
    """How the chart travels: a public image link (one per region) or PNG bytes to upload."""

    url: str | None = None
    png: bytes | None = None
    title: str = "chart"


@dataclass(frozen=True)
class Outcome:
    """What became of one post.

    ``sent``: ``ref`` says where it is (a Slack ts, ``teams:201``); ``retry``: try again later;
    ``give_up``: drop this alert only; ``channel_gone`` / ``team_gone``: stop the destination's
    (or the workspace's) alerts, with ``note`` telling people why and how to restart.
    """

    kind: OutcomeKind
    ref: str = ""
    error: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "sent"


@dataclass(frozen=True)
class Reminder:
    """A reminder set up for a person: its conversation and scheduled id ("" if sent now)."""

    channel: str
    scheduled_id: str


class Destination(Protocol):
    """A place alerts go to, and the ways of reaching the people behind it."""

    name: str  # for notes: "<#C0123>", "the Teams workflow …abcd"

    def post_alert(
        self, reply: Reply, *, subscription_id: int, delivery_key: str, chart: Chart | None
    ) -> Outcome:
        """Post one alert (with its chart, attached or linked); never raises."""
        ...

    def find_posted(self, since: datetime, delivery_key: str) -> str | None:
        """The ref of an alert already posted for ``delivery_key`` (None: none, or unknowable)."""
        ...

    def attach_chart(self, ref: str, chart: Chart, alt: str) -> bool:
        """Add the chart to the post ``ref``; False where charts only travel as links."""
        ...

    def tell_privately(self, user_id: str, text: str) -> bool:
        """A private note to one person (why alerts stopped); False where there is no way."""
        ...

    def schedule_reminder(
        self, user_id: str, text: str, blocks: list[dict[str, Any]] | None, at: datetime | None
    ) -> Reminder | None:
        """Remind a person at ``at`` (None: now); None where the platform cannot."""
        ...
