"""The Home tab: the user's region, the next greener hour and quick buttons."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.alerts.home import user_home_blocks
from bot.answering import Where, default_region, reply_for, understand
from bot.blocks import home_view
from bot.engagement.commands import now_for
from bot.engagement.home import home_blocks
from bot.services import Services
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

GREENER_QUESTION = "bestslot 1h for carbon"


def build_home(services: Services, where: Where) -> Any:
    """The Home view for a user (the workspace default region)."""
    region = default_region(services, where)
    request = understand(GREENER_QUESTION)
    greener: Reply | None = None
    if not isinstance(request, Reply):
        greener = reply_for(request, services, where, charts=False)
    if greener is not None and (greener.is_error or greener.data.get("error")):
        greener = None
    view = home_view(region.label, greener)
    extra = alerts_section(services, where) + pledges_section(services, where)
    if extra:
        view.blocks = [*view.blocks, *Block.parse_all(extra)][:100]
    return view


def alerts_section(services: Services, where: Where) -> list[dict[str, Any]]:
    """ "Your alerts" from the alerts package (issue 4), when it is installed."""
    if services.engine is None or not where.user_id:
        return []
    try:
        return user_home_blocks(services.engine, where.team_id, where.user_id)
    except Exception:
        log.exception("the alerts section of the Home tab failed")
        return []


def pledges_section(services: Services, where: Where) -> list[dict[str, Any]]:
    """ "Your pledges" with Cancel buttons (issue 7, ``bot.engagement.home``)."""
    if services.engine is None or not where.user_id:
        return []
    try:
        return home_blocks(services.engine, where.team_id, where.user_id, now_for(services))
    except Exception:
        log.exception("the pledges section of the Home tab failed")
        return []


def make_publish_home(services: Services) -> Callable[..., None]:
    def publish_home(event: dict[str, Any], client: WebClient, context: Any) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event.get("user", "")
        where = Where(team_id=context.get("team_id") or "", channel_id=None, user_id=user)
        try:
            view = build_home(services, where)
            client.views_publish(user_id=user, view=view)
        except Exception:
            log.exception("publishing the Home tab for %s failed", user)

    return publish_home
