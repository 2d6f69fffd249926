"""Button handlers: record a pledge and schedule its reminder; cancel a pledge.

Each acks at once and works in a lazy listener. The user is answered privately: through the
click's response_url when there is one, else in their DM with the app (Home tab clicks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import Where
from bot.engagement import blocks, pledges
from bot.engagement.commands import now_for
from bot.listeners.events.app_home_opened import build_home
from bot.listeners.payloads import action_value, action_where
from bot.services import Services
from flexcalc import regions, tips
from flexcalc.engagement import PledgeOffer, Saving, pledge_saving
from flexcalc.tips import TipChoice

log = logging.getLogger(__name__)


def _tell(
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    user: str | None,
    text: str,
    message_blocks: list[dict[str, Any]] | None = None,
) -> None:
    """A private answer: response_url when the click came from a message, else a DM."""
    try:
        if body.get("response_url"):
            respond(
                text=text, blocks=message_blocks, response_type="ephemeral", replace_original=False
            )
        elif user:
            client.chat_postMessage(channel=user, text=text, blocks=message_blocks)
    except Exception:
        log.exception("could not answer a pledge button")


def forecast_extras(
    services: Services, offer: PledgeOffer, now: pd.Timestamp
) -> tuple[Saving | None, TipChoice | None]:
    """For the confirmation: the forecast saving (the real one comes after the window) and
    another tip that fits today's shape."""
    try:
        forecast = services.provider.forecast(regions.by_letter(offer.region), now)
        frame = forecast.frame()
        expected = pledge_saving(
            frame["price"], frame["carbon"], offer.start, offer.end, offer.baseline_start, offer.kwh
        )
        others = [c for c in tips.tips_for(forecast, 3) if c.tip.key != offer.what]
        return expected, (others[0] if others else None)
    except Exception:  # a forecast hiccup must not lose the pledge
        log.info("no forecast saving for a pledge", exc_info=True)
        return None, None


def make_pledge(services: Services) -> Callable[..., None]:
    def pledge(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = action_where(body)
        now = now_for(services)
        try:
            offer = PledgeOffer.decode(action_value(body))
            if services.engine is None:
                raise pledges.PledgeRefused("Pledges need the app's database; it isn't set up.")
            info, created = pledges.record(
                services.engine,
                offer,
                team_id=where.team_id,
                user_id=where.user_id or "",
                channel_id=where.channel_id,
                now=now,
            )
        except (ValueError, pledges.PledgeRefused) as problem:
            message = (
                str(problem)
                if isinstance(problem, pledges.PledgeRefused)
                else ("That button is out of date; ask again for a fresh answer.")
            )
            _tell(body, respond, client, where.user_id, message)
            return
        if created or info.reminder == "none":
            try:
                info = pledges.schedule_reminder(services.engine, client, info, now)
            except SlackApiError as error:
                log.warning(
                    "reminder for pledge %s not scheduled: %s", info.id, error.response.get("error")
                )
        expected, tip = forecast_extras(services, offer, now)
        text, message_blocks = blocks.confirmation(info, expected, created, tip)
        _tell(body, respond, client, where.user_id, text, message_blocks)

    return pledge


def make_cancel(services: Services) -> Callable[..., None]:
    def cancel(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = action_where(body)
        try:
            pledge_id = int(action_value(body))
        except ValueError:
            return
        if services.engine is None:
            return
        info = pledges.cancel(
            services.engine,
            client,
            team_id=where.team_id,
            user_id=where.user_id or "",
            pledge_id=pledge_id,
            now=now_for(services),
        )
        if info is None:
            _tell(body, respond, client, where.user_id, "That pledge isn't yours to cancel.")
            return
        if info.status == "cancelled":
            text = "Cancelled — no problem. It won't count, and any reminder is withdrawn."
        else:
            text = "That pledge is already settled, so it stays on the record."
        _tell(body, respond, client, where.user_id, text)
        if (body.get("view") or {}).get("type") == "home":
            refresh_home(services, where, client)

    return cancel


def refresh_home(services: Services, where: Where, client: WebClient) -> None:
    """Re-publish the user's Home tab after a change made from it."""
    try:
        client.views_publish(user_id=where.user_id, view=build_home(services, where))
    except Exception:
        log.exception("could not refresh the Home tab")
