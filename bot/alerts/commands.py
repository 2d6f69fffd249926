"""``/flex alerts ...``: subscribe, list, unsubscribe, pause and resume a channel's alerts.

Entry point for the Slack front end: ``handle_alerts(request, engine=..., team_id=...,
channel_id=..., user_id=...) -> Reply``. Input is validated again here (the parser already
rejects most mistakes) and nothing is stored unless all of it is valid.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import time

import pandas as pd
from sqlalchemy import Engine

from bot.alerts import schedule, store
from bot.alerts.clock_warning import with_clock_warning
from bot.alerts.tariffs import tariff_text
from bot.security import outbound
from bot.storage.settings import get_region
from bot.storage.subscriptions import ACTIVE, DAILY, PAUSED, THRESHOLD, utcnow
from bot.storage.teams import (
    TakenByAnotherWorkspace,
    destination_key,
    destination_url,
    destinations,
    forget,
    is_teams,
    mask,
    save_destination,
)
from flexcalc import regions
from flexcalc.commands import units
from flexcalc.commands.requests import AlertsRequest
from flexcalc.regions import Region
from flexcalc.reply import Field, Reply, error_reply
from flexcalc.timeslots import fmt_day_time

DEFAULT_AT = time(8, 0)
MAX_DURATION = pd.Timedelta(hours=24)
LIMITS = {"price": (-100.0, 200.0), "carbon": (0.0, 1000.0)}
EXAMPLES = [
    "/flex alerts subscribe 08:00 in NG1 4h",
    "/flex alerts subscribe 07:30 tomorrow",
    "/flex alerts when price below 0",
]


class BadAlert(ValueError):
    """Invalid alert input; the message is shown to the user."""


def handle_alerts(
    request: AlertsRequest,
    *,
    engine: Engine | None,
    team_id: str,
    channel_id: str,
    user_id: str,
) -> Reply:
    """Answer one ``alerts`` command for a channel of a workspace."""
    if engine is None:  # the terminal shell keeps no database
        return error_reply(
            "Alerts post to a Slack channel every day, so they are set up in Slack "
            "(and need the bot's database).",
            ["/flex alerts subscribe 08:00 in NG1 4h (in a Slack channel)"],
        )
    if not team_id or not channel_id:
        return error_reply("Alerts belong to a channel: run this command in one.", EXAMPLES)
    try:
        if request.action == "subscribe":
            reply = _subscribe(request, engine, team_id, channel_id, user_id)
            return with_clock_warning(reply, engine)
        if request.action in ("unsubscribe", "stop"):
            return _unsubscribe(request, engine, team_id, channel_id)
        if request.action == "list":
            return _list(engine, team_id, channel_id)
        if request.action in ("pause", "resume"):
            return _pause(request.action, engine, team_id, channel_id)
    except BadAlert as error:
        return error_reply(str(error), EXAMPLES)
    return error_reply(f"I don't know 'alerts {request.action}'.", EXAMPLES)


def _region(request: AlertsRequest, engine: Engine, team_id: str, channel_id: str) -> Region:
    if request.region is not None:
        region = request.region
        if not isinstance(region, Region) or region not in regions.all_regions():
            raise BadAlert("I don't recognise that region; try a letter A–P, a name or NG1.")
        return region
    daily_here = [s for s in store.list_for_channel(engine, team_id, channel_id) if s.kind == DAILY]
    letter = (daily_here[0].region_letter if daily_here else None) or get_region(
        engine, team_id, channel_id
    )
    try:
        return regions.by_letter(letter) if letter else regions.configured_default()
    except regions.UnknownRegion:
        return regions.configured_default()


def _valid_at(at: time | None) -> time:
    if at is None:
        return DEFAULT_AT
    if not isinstance(at, time) or at.second or at.microsecond:
        raise BadAlert("Give the time as HH:MM in UK time, e.g. 08:00 or 17:30.")
    return at


def _valid_minutes(duration: pd.Timedelta | None) -> int | None:
    if duration is None:
        return None
    try:
        minutes = pd.Timedelta(duration) / pd.Timedelta(minutes=1)
    except (TypeError, ValueError):
        raise BadAlert("Give the load length like 2h, 90m or 4h.") from None
    if not (0 < minutes <= MAX_DURATION / pd.Timedelta(minutes=1)) or minutes % 30:
        raise BadAlert("The load length must be a multiple of 30 minutes, up to 24 h.")
    return int(minutes)


def _subscribe(
    request: AlertsRequest, engine: Engine, team_id: str, channel_id: str, user_id: str
) -> Reply:
    if request.teams_url:  # a Teams Workflows destination (bot.teams.alerts stores the URL)
        return subscribe_teams(
            request, engine=engine, team_id=team_id, user_id=user_id, origin=channel_id
        )
    region = _region(request, engine, team_id, channel_id)
    if request.threshold is not None:
        return _subscribe_threshold(request, region, engine, team_id, channel_id, user_id)
    at = _valid_at(request.at)
    minutes = _valid_minutes(request.duration)
    info, created = store.save_daily(
        engine,
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        at_time=at.strftime("%H:%M"),
        region_letter=region.letter,
        duration_minutes=minutes,
        tomorrow=bool(request.tomorrow),
    )
    load = units.duration(pd.Timedelta(minutes=minutes)) if minutes else "1 h, 2 h and 4 h"
    nxt = schedule_next(at)
    summary = (
        f"Every day at *{info.at_time}* UK time I'll post today's greener times for "
        f"*{region.label}* here: the best {load} windows, the periods to avoid, the "
        "generation mix and a chart."
    )
    if info.tomorrow:
        summary += " I'll also post tomorrow's greener times as soon as Octopus publishes "
        summary += "tomorrow's prices (usually 16:00–20:00)."
    return Reply(
        title="Daily alerts on" if created else "Daily alerts updated",
        summary=summary,
        fields=[
            Field("Time (UK)", info.at_time),
            Field("Region", region.label),
            Field("Load length", load),
            Field("Tomorrow's prices", "yes" if info.tomorrow else "no"),
            Field("Tariff", tariff_text(engine, team_id, channel_id)),
            Field("Next alert", fmt_day_time(nxt)),
        ],
        notes=[
            "In a private channel, invite me first: /invite @Flexcalc",
            "Stop with /flex alerts unsubscribe; see them with /flex alerts list.",
        ],
        data={"subscription_id": info.id, "created": created, "next": nxt.isoformat()},
    )


def schedule_next(at: time) -> pd.Timestamp:
    """The next UTC instant the UK clock shows ``at``."""
    now = pd.Timestamp.now(tz="UTC")
    today = now.tz_convert("Europe/London").date()
    for offset in range(3):
        candidate = schedule.local_instant(today + pd.Timedelta(days=offset), at)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable")


def _subscribe_threshold(
    request: AlertsRequest,
    region: Region,
    engine: Engine,
    team_id: str,
    channel_id: str,
    user_id: str,
) -> Reply:
    metric, op, value = request.threshold  # type: ignore[misc]
    if metric not in LIMITS or op not in ("below", "above"):
        raise BadAlert("Try: alerts when price below 0, or alerts when carbon below 60.")
    low, high = LIMITS[metric]
    if not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise BadAlert(f"A {metric} threshold must be a number from {low:g} to {high:g}.")
    info, created = store.save_threshold(
        engine,
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        region_letter=region.letter,
        metric=metric,
        op=op,
        value=float(value),
    )
    shown = units.price(value) if metric == "price" else units.carbon(value)
    return Reply(
        title="Threshold alert on" if created else "Threshold alert updated",
        summary=(
            f"I'll post here once each time the {region.label} {metric} forecast goes {op} {shown}."
        ),
        fields=[
            Field("Alert", f"{metric} {op} {shown}"),
            Field("Region", region.label),
            *(
                [Field("Tariff", tariff_text(engine, team_id, channel_id))]
                if metric == "price"
                else []
            ),
        ],
        data={"subscription_id": info.id, "created": created},
    )


def _destinations(engine: Engine, team_id: str, channel_id: str) -> list[tuple[str, str]]:
    """(subscription channel, label) for this channel and each Teams workflow registered here."""

    teams = destinations(engine, team_id=team_id, origin=channel_id)
    return [(channel_id, ""), *((key, f" → Teams {masked}") for key, masked, *_ in teams)]


def _unsubscribe(request: AlertsRequest, engine: Engine, team_id: str, channel_id: str) -> Reply:

    removed = 0
    for channel, _ in _destinations(engine, team_id, channel_id):
        removed += store.remove(engine, team_id, channel)
        if is_teams(channel):
            forget(engine, channel)  # the secret URL goes with its alerts
    if not removed:
        return Reply(title="No alerts here", summary="This channel has no Flexcalc alerts.")
    plural = "s" if removed != 1 else ""
    return Reply(
        title="Alerts off",
        summary=f"Removed {removed} alert{plural} from this channel.",
        data={"removed": removed},
    )


def _pause(action: str, engine: Engine, team_id: str, channel_id: str) -> Reply:
    status = PAUSED if action == "pause" else ACTIVE
    changed = sum(
        store.set_status(engine, team_id, status=status, channel_id=channel)
        for channel, _ in _destinations(engine, team_id, channel_id)
    )
    if not changed:
        return Reply(title="No alerts here", summary="This channel has no Flexcalc alerts.")
    word = "paused" if action == "pause" else "resumed"
    return Reply(title=f"Alerts {word}", summary=f"{changed} alert(s) {word} in this channel.")


def _list(engine: Engine, team_id: str, channel_id: str) -> Reply:
    subs = [
        (sub, where)
        for channel, where in _destinations(engine, team_id, channel_id)
        for sub in store.list_for_channel(engine, team_id, channel)
    ]
    if not subs:
        return Reply(
            title="No alerts here",
            summary="This channel has no Flexcalc alerts. Start one with "
            "`/flex alerts subscribe 08:00`.",
            notes=[f"Try: {e}" for e in EXAMPLES],
        )
    fields = []
    for sub, where in subs:
        state = sub.status
        if sub.status == ACTIVE and sub.paused_until and sub.paused_until > utcnow():
            state = f"snoozed until {fmt_day_time(pd.Timestamp(sub.paused_until, tz='UTC'))}"
        label = "Threshold alert" if sub.kind == THRESHOLD else "Daily alert"
        fields.append(Field(f"{label} #{sub.id}{where}", f"{sub.description} — {state}"))
    notes = [f"#{s.id}: {s.note}" for s, _ in subs if s.note]
    return Reply(
        title=f"Alerts in this channel ({len(subs)})",
        fields=fields,
        notes=notes,
        data={"subscriptions": [s.id for s, _ in subs]},
    )


# -- Teams Workflows destinations -------------------------------------------------------------

TEAMS_HOW_TO = [
    "In Teams: Workflows → 'Post to a channel when a webhook request is received', copy its URL",
    "Then: alerts subscribe 08:00 in NG1 teams <workflow URL>",
]


def subscribe_teams(
    request: AlertsRequest,
    *,
    engine: Engine,
    team_id: str,
    user_id: str,
    origin: str = "",
    stop_hint: str = "",
) -> Reply:
    """Store ``request.teams_url`` as a secret and subscribe it (validated by the alerts code)."""
    url = (request.teams_url or "").strip()
    refused = outbound.refusal(url)  # not stored, not posted to
    if refused:
        return error_reply(refused, TEAMS_HOW_TO)
    existed = destination_url(engine, destination_key(url)) is not None
    try:
        key = save_destination(engine, url, team_id=team_id, origin=origin)
    except TakenByAnotherWorkspace:
        return error_reply("That workflow URL is already registered elsewhere; create a new "
                           "workflow in Teams and use its URL.", TEAMS_HOW_TO)  # fmt: skip
    done = handle_alerts(
        replace(request, teams_url=None),
        engine=engine,
        team_id=team_id,
        channel_id=key,
        user_id=user_id or "",
    )
    if done.is_error:
        if not existed and not store.list_for_channel(engine, team_id, key):
            forget(engine, key)
        return done
    shown = mask(url)
    fields = [f for f in done.fields if f.label not in ("Next alert",)]
    fields.append(Field("Teams workflow", shown))
    next_alert = next((f for f in done.fields if f.label == "Next alert"), None)
    if next_alert:
        fields.append(next_alert)
    return Reply(
        title=done.title.replace("alerts", "Teams alerts").replace("alert ", "Teams alert "),
        summary=f"Flexcalc will post the alert as a card to the Teams channel of the workflow "
        f"{shown}, once per day.",
        fields=fields,
        notes=[
            "The workflow URL is stored as a secret and is never shown in full.",
            stop_hint or f"Stop it (whoever runs Flexcalc): python -m bot teams unsubscribe {key}",
        ],
        data={**done.data, "teams_destination": key},
    )
