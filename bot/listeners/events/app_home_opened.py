"""The Home tab: the user's region, the next greener hour and quick buttons."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.answering import Where, default_region, reply_for, understand
from bot.blocks import home_view
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
    return home_view(region.label, greener)


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
