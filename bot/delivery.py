"""Getting a ``Reply`` in front of a Slack user: the message, the chart, and clear problems.

Slash commands and buttons answer ephemerally through ``respond`` (the response_url); mentions,
DMs and shares post with ``chat.postMessage``. The chart goes either into the message as an image
block (when PUBLIC_BASE_URL serves ``/charts/<token>.png``) or, uploaded with ``files_upload_v2``,
into the conversation; if that fails (``not_in_channel``, a slow upload) the user is told why.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.answering import Where, apology, prefetch, reply_for, understand
from bot.blocks import as_dicts, reply_blocks, reply_text
from bot.commands.table import command_for
from bot.security.privacy import NOTE as PRIVATE_NOTE
from bot.security.privacy import private_channel
from bot.services import Services
from bot.slack_web import BudgetedRespond, client_with_timeout
from bot.storage.answers import attach_chart, new_token, save_answer
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

STILL_WORKING = (
    "Still working on it: the price or carbon service is slow to answer right now. "
    "I'll post the answer here as soon as I have it."
)
NOT_A_MEMBER = ("not_in_channel", "channel_not_found", "is_archived")


def chart_link(services: Services, token: str) -> str | None:
    """The public chart URL for a saved answer, when PUBLIC_BASE_URL is configured."""
    if not services.public_base_url:
        return None
    return f"{services.public_base_url}/charts/{token}.png"


def problem_text(error: str, what: str = "the chart") -> str:
    """What to tell the user when Slack refused or delayed a post."""
    if error in NOT_A_MEMBER:
        return (
            f"I couldn't post {what} here because I'm not a member of this conversation. "
            "Invite me with `/invite @Flexcalc` (or DM me) and try again."
        )
    if error == "timeout":
        return (
            f"Uploading {what} is taking longer than usual; it may still appear here in a moment."
        )
    said = f"I couldn't post {what} (Slack said `{error}`)."
    return said if what == "the answer" else f"{said} The answer above is complete."


@dataclass
class Target:
    """Where an answer goes."""

    client: WebClient
    channel_id: str | None
    user_id: str | None
    respond: Callable[..., Any] | None = None  # set: answer ephemerally via response_url
    thread_ts: str | None = None
    shareable: bool = False  # add "Share to channel" (ephemeral answers)
    replace: str | None = None  # update this message in place ("original" or a message ts)

    def tell(self, text: str, *, progress: bool = False) -> None:
        """A short private note to the user (problems with posting or uploading).

        ``progress`` notes ("still working") may be dropped to keep a response_url use for
        the answer (``BudgetedRespond``)."""
        try:
            if self.respond is not None:
                extra = {"progress": True} if progress and _budgeted(self.respond) else {}
                self.respond(text=text, response_type="ephemeral", replace_original=False, **extra)
            elif self.channel_id and self.user_id:
                self.client.chat_postEphemeral(
                    channel=self.channel_id, user=self.user_id, text=text, thread_ts=self.thread_ts
                )
        except Exception:
            log.exception("could not tell the user: %s", text)


@contextmanager
def apologise_on_error(target: Target, what: str) -> Iterator[None]:
    """Log anything unexpected and give the user a short apology instead of silence."""
    try:
        yield
    except Exception:
        log.exception("listener failed while handling %s", what)
        try:
            send_reply(apology(), target, services=None, where=None, command=what)
        except Exception:
            log.exception("could not send the apology either")


@dataclass(frozen=True)
class Posted:
    """Where an answer went: its saved token (for Share / the chart) and its channel."""

    token: str | None
    channel: str | None


def failed(reply: Reply) -> bool:
    """A usage problem, an outage reply or an apology: nothing to share or chart."""
    return reply.is_error or bool(reply.data.get("error"))


def deliver(line: str, shown: str, services: Services, where: Where, target: Target) -> None:
    """Answer a command line for a Slack user: the message at once, then its chart.

    Charts take most of the compute time (matplotlib), so for bestslot/prices/carbon, unless the
    chart is an image block served from PUBLIC_BASE_URL, the answer is posted without it and the
    chart is drawn and uploaded right after on the services' chart pool (so acks and answers
    stay fast under load). The forecast is fetched once, before the computing turn.
    """
    with _still_working_notice(services, target):
        services.wait_until_warm()
        request = understand(line, services)
        if isinstance(request, Reply):
            send_reply(request, target, services=services, where=where, command=shown)
            return
        command = command_for(request)
        now = services.clock() if services.clock is not None else pd.Timestamp.now(tz="UTC")
        quick = command.chart_after
        provider = prefetch(request, services, where, now) if quick else None
        later = quick and not services.public_base_url
        working = WorkingMessage.post(target, shown) if command.speed == "slow" else None
        if working is not None:
            target = working.target
        with _computing_turn(services):
            reply = reply_for(
                request, services, where, charts=not later, now=now, provider=provider,
                progress=working.progress if working else None, client=target.client,
            )  # fmt: skip
    follows = later and not failed(reply)
    posted = send_reply(
        reply, target, services=services, where=where, command=shown, chart_follows=follows
    )
    if working is not None and reply.csv and posted.channel is not None and not failed(reply):
        upload_tables(target, posted.channel, reply.csv, shown, services.chart_upload_timeout)
    if follows and posted.channel is not None:  # drawn on this job's thread, after the answer
        _draw_and_upload(request, services, where, target, shown, now, provider, posted)


@contextmanager
def _still_working_notice(services: Services, target: Target) -> Iterator[None]:
    """Tell the user we're on it if the answer takes longer than ``slow_notice_after``."""
    notice = threading.Timer(
        services.slow_notice_after, target.tell, args=(STILL_WORKING,), kwargs={"progress": True}
    )
    notice.daemon = True
    notice.start()
    try:
        yield
    finally:
        notice.cancel()


@contextmanager
def _computing_turn(services: Services) -> Iterator[None]:
    """A bounded number of answers compute at once (memory), waiting at most ``answer_wait``."""
    turn = services.answer_slots.acquire(timeout=services.answer_wait)
    try:
        yield
    finally:
        if turn:
            services.answer_slots.release()


def _draw_and_upload(
    request: Any,
    services: Services,
    where: Where,
    target: Target,
    shown: str,
    now: Any,
    provider: Any,
    posted: Posted,
) -> None:
    """Draw the chart (same data as the answer), keep it for Share, upload it."""
    try:
        drawn = reply_for(request, services, where, charts=True, now=now, provider=provider)
        if not drawn.chart_png or posted.channel is None:
            return
        if posted.token and services.engine is not None:
            try:
                attach_chart(services.engine, posted.token, drawn.chart_png)
            except SQLAlchemyError:  # Share will repost the answer without its chart
                log.warning("could not keep the chart for Share", exc_info=True)
        title = drawn.chart_alt or drawn.title
        upload_chart(
            target, posted.channel, drawn.chart_png, title, _comment(shown, target),
            services.chart_upload_timeout,
        )  # fmt: skip
    except Exception:
        log.exception("drawing or uploading the chart for %r failed", shown)
        target.tell("Sorry, I couldn't draw the chart this time; the answer above is complete.")


def _comment(command: str, target: Target) -> str:
    who = f" (asked by <@{target.user_id}>)" if target.user_id else ""
    return f"Chart for `{command}`{who}"


def send_reply(
    reply: Reply,
    target: Target,
    *,
    services: Services | None,
    where: Where | None,
    command: str,
    chart_follows: bool = False,
) -> Posted:
    """Post a finished answer (with its chart: image block or upload, if it has one)."""
    token = new_token()
    chart = reply.chart_png if not failed(reply) else None
    chart_url = chart_link(services, token) if (services and chart) else None
    upload = chart is not None and chart_url is None
    keep = services is not None and services.engine is not None and not failed(reply)
    if keep:
        public = as_dicts(reply_blocks(reply, chart_url=chart_url, with_buttons=False))
        try:
            save_answer(
                services.engine,
                token=token,
                team_id=where.team_id if where else "",
                command=command,
                text=reply_text(reply),
                blocks=public,
                chart_png=chart,
                chart_title=reply.chart_alt or reply.title,
            )
        except SQLAlchemyError:  # database down or locked: answer anyway, without Share
            log.warning("could not keep the answer for Share; answering without it", exc_info=True)
            keep = False
            chart_url = None
            upload = chart is not None
    posting = (
        PRIVATE_NOTE
        if target.respond is not None
        else "The chart is being posted to this conversation."
    )
    notes = [posting] if (upload or chart_follows) else []
    blocks = reply_blocks(
        reply,
        chart_url=chart_url,
        share_token=token if (keep and target.shareable) else None,
        extra_notes=notes,
    )
    files = upload or chart_follows or bool(reply.csv)
    channel = post_message(reply, blocks, target, files=files)
    if upload and channel:
        timeout = services.chart_upload_timeout if services else 20.0
        title = reply.chart_alt or reply.title
        upload_chart(target, channel, chart, title, _comment(command, target), timeout)
    return Posted(token if keep else None, channel)


def post_message(reply: Reply, blocks: list, target: Target, *, files: bool = True) -> str | None:
    """Send the message; returns the channel id the chart should go to (None: don't upload).
    ``files``: charts or CSVs will follow (an ephemeral answer's go to the asker's DM)."""
    text = reply_text(reply)
    if target.respond is not None:
        target.respond(
            text=text,
            blocks=blocks,
            response_type="ephemeral",
            replace_original=target.replace is not None,
        )
        if not files:
            return None
        return private_channel(target.client, target.user_id)  # its files: to the asker only
    if target.replace is not None and target.channel_id:
        try:
            target.client.chat_update(
                channel=target.channel_id, ts=target.replace, text=text, blocks=blocks
            )
            return target.channel_id
        except SlackApiError as problem:
            log.warning("chat.update failed (%s); posting instead", problem.response.get("error"))
    if reply.is_error and target.channel_id and target.user_id and not _is_dm(target.channel_id):
        target.client.chat_postEphemeral(
            channel=target.channel_id,
            user=target.user_id,
            text=text,
            blocks=blocks,
            thread_ts=target.thread_ts,
        )
        return None
    channel = target.channel_id or target.user_id
    try:
        response = target.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=target.thread_ts
        )
    except SlackApiError as problem:
        error = str(problem.response.get("error", "unknown_error"))
        log.warning("chat.postMessage to %s failed: %s", channel, error)
        target.tell(problem_text(error, "the answer"))
        return None
    return str(response.get("channel") or channel)


def _budgeted(respond: Any) -> bool:
    return isinstance(respond, BudgetedRespond)


def _is_dm(channel_id: str) -> bool:
    return channel_id.startswith("D")


def upload_chart(
    target: Target, channel_id: str, png: bytes, title: str, comment: str, timeout: float = 20.0
) -> bool:
    """Upload the PNG into the conversation with files_upload_v2; tell the user if it fails."""
    client = client_with_timeout(target.client, timeout)
    try:
        client.files_upload_v2(
            channel=channel_id,
            file=png,
            filename="flexcalc-chart.png",
            title=title[:250],
            alt_txt=title[:1000],
            initial_comment=comment,
            thread_ts=target.thread_ts,
        )
        return True
    except SlackApiError as problem:
        error = str(problem.response.get("error", "unknown_error"))
    except (TimeoutError, urllib.error.URLError) as problem:
        log.warning("chart upload to %s was slow or failed: %s", channel_id, problem)
        error = "timeout"
    log.warning("chart upload to %s failed: %s", channel_id, error)
    target.tell(problem_text(error))
    return False


WORKING = "Working on it: `{command}` can take a few seconds…"
PROGRESS_EVERY = 2.0  # seconds between progress updates (Slack rate limits chat.update)


class WorkingMessage:
    """An immediate "working on it" message, updated in place with progress and the answer.

    Ephemeral answers (slash commands, buttons) are replaced through the response_url
    (``replace_original``); posted ones (mentions, DMs) with ``chat.update``.
    """

    def __init__(self, target: Target, command: str) -> None:
        self.target = target
        self.command = command
        self._last = 0.0

    @classmethod
    def post(cls, target: Target, command: str) -> WorkingMessage | None:
        text = WORKING.format(command=command)
        try:
            if target.respond is not None:
                target.respond(text=text, response_type="ephemeral")
                replace = "original"
            elif target.channel_id:
                response = target.client.chat_postMessage(
                    channel=target.channel_id, text=text, thread_ts=target.thread_ts
                )
                target = replace_target(target, str(response.get("channel")), response.get("ts"))
                return cls(target, command)
            else:
                return None
        except (SlackApiError, urllib.error.URLError):
            log.warning("could not post the working-on-it message for %r", command)
            return None
        return cls(replace_target(target, target.channel_id, replace), command)

    def progress(self, fraction: float, label: str) -> None:
        """Show how far a long answer has got, at most every ``PROGRESS_EVERY`` seconds."""
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY or fraction >= 1:
            return
        self._last = now
        text = f"{WORKING.format(command=self.command)} {label} ({fraction:.0%})"
        try:
            if self.target.respond is not None:
                extra = {"progress": True} if _budgeted(self.target.respond) else {}
                self.target.respond(
                    text=text, response_type="ephemeral", replace_original=True, **extra
                )
            elif self.target.replace and self.target.channel_id:
                self.target.client.chat_update(
                    channel=self.target.channel_id, ts=self.target.replace, text=text
                )
        except (SlackApiError, urllib.error.URLError):
            log.warning("could not update progress for %r", self.command)


def replace_target(target: Target, channel_id: str | None, replace: str | None) -> Target:
    return Target(
        client=target.client,
        channel_id=channel_id,
        user_id=target.user_id,
        respond=target.respond,
        thread_ts=target.thread_ts,
        shareable=target.shareable,
        replace=replace,
    )


def upload_tables(
    target: Target, channel_id: str, tables: dict[str, str], command: str, timeout: float = 20.0
) -> None:
    """Attach the answer's tables as CSV files to the conversation (files_upload_v2)."""
    client = client_with_timeout(target.client, timeout)
    try:
        client.files_upload_v2(
            channel=channel_id,
            file_uploads=[
                {"content": text, "filename": name, "title": name} for name, text in tables.items()
            ],
            initial_comment=f"Tables for `{command}` (CSV)",
            thread_ts=target.thread_ts,
        )
    except SlackApiError as problem:
        target.tell(problem_text(str(problem.response.get("error", "unknown_error")), "the CSV"))
    except (TimeoutError, urllib.error.URLError):
        target.tell(problem_text("timeout", "the CSV"))
