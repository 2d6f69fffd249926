"""Button handlers. Every one acks at once and does its work in a lazy listener."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import Where
from bot.blocks import shared_context
from bot.delivery import Target, apologise_on_error, deliver, problem_text, upload_chart
from bot.listeners.payloads import action_value, action_where, private_target
from bot.services import Services
from bot.storage.answers import load_answer

log = logging.getLogger(__name__)


def make_share_answer(services: Services) -> Callable[..., None]:
    """Repost a saved answer (exactly what the user saw) in the channel, chart included."""

    def share_answer(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = action_where(body)
        target = Target(
            client=client, channel_id=where.channel_id, user_id=where.user_id, respond=respond
        )
        with apologise_on_error(target, "sharing an answer"):
            saved = load_answer(services.engine, action_value(body)) if services.engine else None
            if saved is None or saved.team_id != where.team_id:
                target.tell("That answer has expired. Run the command again to get a fresh one.")
                return
            blocks = [*saved.blocks, shared_context(where.user_id, saved.command).to_dict()]
            try:
                posted = client.chat_postMessage(
                    channel=where.channel_id, text=saved.text, blocks=blocks
                )
            except SlackApiError as problem:
                error = str(problem.response.get("error", "unknown_error"))
                log.warning("sharing to %s failed: %s", where.channel_id, error)
                target.tell(problem_text(error, "the answer"))
                return
            has_image = any(b.get("type") == "image" for b in saved.blocks)
            if saved.chart_png and not has_image:
                thread = Target(
                    client=client,
                    channel_id=where.channel_id,
                    user_id=where.user_id,
                    respond=respond,
                    thread_ts=posted.get("ts"),
                )
                upload_chart(
                    thread,
                    str(posted.get("channel") or where.channel_id),
                    saved.chart_png,
                    saved.chart_title,
                    f"Chart for `{saved.command}`",
                    services.chart_upload_timeout,
                )

    return share_answer


def make_run_command(services: Services) -> Callable[..., None]:
    """A follow-up button under an answer: run its command and answer privately."""

    def run_command(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = action_where(body)
        line = action_value(body)
        target = private_target(client, where, respond)
        with apologise_on_error(target, line):
            deliver(line, line, services, where, target)

    return run_command


def make_quick_answer(services: Services) -> Callable[..., None]:
    """Home tab "Best 1 h / 2 h / 4 h": the answer arrives in the user's DM with the app."""

    def quick_answer(body: dict[str, Any], client: WebClient) -> None:
        where = action_where(body)
        line = action_value(body)
        user = where.user_id
        target = Target(client=client, channel_id=None, user_id=user)
        with apologise_on_error(target, line):
            deliver(line, line, services, Where(where.team_id, None, user), target)

    return quick_answer
