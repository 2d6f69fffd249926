"""Private stays private: files that belong to an ephemeral answer go to the asker's DM.

An ephemeral reply (a slash command's answer, a button's follow-up) is seen by one person;
uploading its chart or CSV into the channel would show it to everyone there. ``private_channel``
opens (or finds) the app's DM with that user (``conversations.open``, scope ``im:write``) and
returns its id for the upload; None if it cannot, and then nothing is uploaded.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

NOTE = "The chart is being sent to you in a direct message from Flexcalc (only you can see it)."


def private_channel(client: WebClient, user_id: str | None) -> str | None:
    """The id of the app's DM with ``user_id`` (None if there is no user or Slack refuses)."""
    if not user_id:
        return None
    try:
        response = client.conversations_open(users=user_id)
    except SlackApiError as problem:
        log.warning("conversations.open failed: %s", problem.response.get("error"))
        return None
    channel = (response.get("channel") or {}).get("id")
    return str(channel) if channel else None
