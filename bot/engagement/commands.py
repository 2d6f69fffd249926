"""``/flex impact``, ``impact hide|show me``, ``digest ...`` and ``forget me`` in Slack.

``handle(request, services, where, client)`` answers them (the command table,
``bot.commands.table``, sends them here). Everything is scoped to the asking
workspace; impact first settles that workspace's finished pledges (on demand).
"""

from __future__ import annotations

import logging

import pandas as pd
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advice import record as advice_record
from bot.commands.context import default_region
from bot.engagement import digests, pledges, settle
from bot.services import Services
from bot.storage.engagement import PLEDGED, SETTLED, Pledge, ensure_tables
from bot.storage.subscriptions import naive_utc
from bot.where import Where
from flexcalc import engagement
from flexcalc.commands.requests import (
    DigestRequest,
    ForgetRequest,
    ImpactRequest,
    ImpactVisibilityRequest,
)
from flexcalc.engagement import Outcome
from flexcalc.reply import Field, Reply, error_reply

log = logging.getLogger(__name__)

DIGEST_EXAMPLES = ["/flex digest subscribe #leadership monday 09:00", "/flex digest"]


def now_for(services: Services) -> pd.Timestamp:
    return services.clock() if services.clock is not None else pd.Timestamp.now(tz="UTC")


def handle(
    request: ImpactRequest | ImpactVisibilityRequest | DigestRequest | ForgetRequest,
    services: Services,
    where: Where,
    client: WebClient | None,
) -> Reply:
    if services.engine is None:
        return error_reply("Pledges and impact need the app's database; it isn't configured.")
    if not where.team_id or not where.user_id:
        return error_reply("I couldn't tell which workspace or person this is.")
    if isinstance(request, ImpactRequest):
        return impact(request, services, where, client)
    if isinstance(request, ImpactVisibilityRequest):
        pledges.set_hidden(services.engine, where.team_id, where.user_id, request.hidden)
        if request.hidden:
            return Reply(
                title="You're off the leaderboard",
                summary="Your kept pledges still count in the team's totals, but your name won't "
                "be listed. `/flex impact show me` puts you back.",
            )
        return Reply(title="You're on the leaderboard", summary="Thanks for sharing your impact!")
    if isinstance(request, DigestRequest):
        return digest(request, services, where, client)
    return forget(services, where, client)


def impact(
    request: ImpactRequest, services: Services, where: Where, client: WebClient | None
) -> Reply:
    engine = services.engine
    assert engine is not None
    now = now_for(services)
    if request.scope == "channel" and not where.channel_id:
        return error_reply("Run `impact channel` in a channel.", ["/flex impact me"])
    settle.settle_due(
        engine,
        services.provider,
        now,
        team_id=where.team_id,
        client_for=lambda team: client if team == where.team_id else None,
    )
    since = engagement.period_start(request.period, now)
    ensure_tables(engine)
    query = select(Pledge).where(Pledge.team_id == where.team_id)
    if request.scope == "me":
        query = query.where(Pledge.user_id == where.user_id)
    elif request.scope == "channel":
        query = query.where(Pledge.channel_id == where.channel_id)
    if since is not None:
        query = query.where(Pledge.start_at >= naive_utc(since))
    with Session(engine) as session:
        rows = session.scalars(query.where(Pledge.status.in_([SETTLED, PLEDGED]))).all()
        outcomes = [
            Outcome(
                r.user_id,
                pd.Timestamp(r.start_at).tz_localize("UTC"),
                r.kwh,
                r.saved_gbp,
                r.saved_kg,
                r.channel_id,
            )
            for r in rows
            if r.status == SETTLED
        ]
        pending = sum(r.status == PLEDGED for r in rows)
    listed = pledges.listed_users(engine, where.team_id)  # opt-in: privacy by default
    hidden = {o.user_id for o in outcomes} - listed
    return engagement.impact_reply(
        outcomes,
        scope=request.scope,
        period=request.period,
        hidden=hidden,
        viewer_hidden=where.user_id not in listed,
        pending=pending,
    )


def digest(
    request: DigestRequest, services: Services, where: Where, client: WebClient | None
) -> Reply:
    engine = services.engine
    assert engine is not None
    if request.action == "preview":
        region = default_region(services, where)
        reply = digests.build(
            engine, services.provider, where.team_id, region.letter, now_for(services)
        )
        reply.notes.append(
            "Preview. Post it weekly with `/flex digest subscribe #channel monday 09:00`."
        )
        return reply
    if request.action == "unsubscribe":
        removed = digests.unsubscribe(engine, where.team_id, where.channel_id, where.user_id)
        if not removed:
            return Reply(title="No weekly digest to stop", summary="Nothing was changed.")
        return Reply(title="Weekly digest stopped", summary=f"Removed {removed} digest(s).")
    channel = request.channel or where.channel_id
    if channel and channel.startswith("#"):
        channel = _channel_id(client, channel[1:])
        if channel is None:
            return error_reply(
                f"I couldn't find {request.channel}. Pick the channel from Slack's suggestions "
                "when you type #, or run the command in that channel without a channel name.",
                DIGEST_EXAMPLES,
            )
    if not channel:
        return error_reply("Which channel should get the digest?", DIGEST_EXAMPLES)
    region = default_region(services, Where(where.team_id, channel, where.user_id))
    _, created = digests.subscribe(
        engine,
        team_id=where.team_id,
        channel_id=channel,
        user_id=where.user_id or "",
        weekday=request.weekday,
        at=request.at,
        region_letter=region.letter,
    )
    at = request.at.strftime("%H:%M")
    return Reply(
        title="Weekly digest " + ("set up" if created else "updated"),
        summary=f"Every {digests.WEEKDAY_NAMES[request.weekday]} at {at} (UK time) I'll post last "
        f"week's team impact, what the grid did and three actions for the week to <#{channel}>.",
        fields=[digests.describe(request.weekday, at, channel), Field("Grid region", region.label)],
        notes=[
            "Invite @Flexcalc to that channel if it isn't a member. `/flex digest` previews it."
        ],
    )


def _channel_id(client: WebClient | None, name: str) -> str | None:
    """A channel's id from its name (public and private channels the app can see)."""
    if client is None:
        return None
    cursor = None
    try:
        for _ in range(20):
            page = client.conversations_list(
                types="public_channel,private_channel",
                limit=1000,
                cursor=cursor,
                exclude_archived=True,
            )
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as error:
        log.info("conversations.list failed: %s", error.response.get("error"))
    return None


def forget(services: Services, where: Where, client: WebClient | None) -> Reply:
    engine = services.engine
    assert engine is not None and where.user_id
    done = pledges.forget(engine, client, where.team_id, where.user_id, now_for(services))
    advice = advice_record.forget(engine, where.team_id, where.user_id)
    parts = [f"{done.pledges} pledge(s)"]
    if done.reminders_withdrawn:
        parts.append(f"{done.reminders_withdrawn} scheduled reminder(s)")
    if done.settings:
        parts.append("your leaderboard setting")
    if done.digests_unattributed:
        parts.append(f"your name on {done.digests_unattributed} digest subscription(s)")
    if advice:
        parts.append(f"{advice} recorded piece(s) of advice")
    return Reply(
        title="Done: your Flexcalc data in this workspace is deleted",
        summary="Deleted " + ", ".join(parts) + ". The team's totals no longer include your "
        "pledges. Nothing in any other workspace was touched.",
        data={"pledges": done.pledges, "reminders": done.reminders_withdrawn},
    )
