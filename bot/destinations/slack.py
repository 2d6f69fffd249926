"""The Destination port for a Slack channel (or DM), through one workspace's WebClient."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.slack_post import (
    METADATA_EVENT,
    disabled_note,
    error_code,
    error_kind,
    find_posted,
    render,
)
from bot.blocks import reply_text
from bot.destinations.port import Chart, Outcome, Reminder
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

KINDS = {"channel": "channel_gone", "team": "team_gone", "retry": "retry"}


class SlackDestination:
    """Posts to ``channel`` with ``client``; Slack's refusals become ``Outcome`` kinds."""

    def __init__(self, client: WebClient, channel: str, today: str = "") -> None:
        self.client, self.channel, self.today = client, channel, today
        self.name = f"<#{channel}>"

    def post_alert(
        self, reply: Reply, *, subscription_id: int, delivery_key: str, chart: Chart | None
    ) -> Outcome:
        try:
            response = self.client.chat_postMessage(
                channel=self.channel,
                text=reply_text(reply),
                blocks=render(reply, subscription_id, chart.url if chart else None),
                metadata={
                    "event_type": METADATA_EVENT,
                    "event_payload": {"delivery": delivery_key},
                },
                unfurl_links=False,
            )
        except SlackApiError as error:
            code = error_code(error)
            kind = KINDS[error_kind(code)]
            note = disabled_note(code, self.today) if kind != "retry" else ""
            return Outcome(kind, error=code, note=note)  # type: ignore[arg-type]
        ts = str(response["ts"])
        if chart is not None and chart.url is None and chart.png:
            self.channel = str(response.get("channel") or self.channel)
            self.attach_chart(ts, chart, reply.chart_alt)
        return Outcome("sent", ref=ts)

    def find_posted(self, since: datetime, delivery_key: str) -> str | None:
        return find_posted(self.client, self.channel, since, delivery_key)

    def attach_chart(self, ref: str, chart: Chart, alt: str) -> bool:
        """Upload the chart into the post's thread; a failed upload is logged (the post stays)."""
        if not chart.png:
            return False
        try:
            self.client.files_upload_v2(
                channel=self.channel,
                thread_ts=ref,
                content=chart.png,
                filename="flexcalc-greener-times.png",
                title=chart.title,
                alt_txt=alt[:1000] or chart.title,
            )
        except Exception:  # the alert itself is out; the chart is a bonus
            log.warning("chart upload failed in %s", self.channel, exc_info=True)
            return False
        return True

    def tell_privately(self, user_id: str, text: str) -> bool:
        """A DM from the app (best effort)."""
        if not user_id:
            return False
        try:
            self.client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError:
            log.info("could not DM %s", user_id)
            return False
        return True

    def schedule_reminder(
        self, user_id: str, text: str, blocks: list[dict[str, Any]] | None, at: datetime | None
    ) -> Reminder | None:
        """A DM at ``at`` (``chat.scheduleMessage``), or now; raises ``SlackApiError``."""
        channel = str(self.client.conversations_open(users=user_id)["channel"]["id"])
        if at is None:
            self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            return Reminder(channel, "")
        response = self.client.chat_scheduleMessage(
            channel=channel, post_at=int(at.timestamp()), text=text, blocks=blocks
        )
        return Reminder(channel, str(response.get("scheduled_message_id", "")))
