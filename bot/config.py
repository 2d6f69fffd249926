"""Slack settings read from the environment (see the README's table of variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# The bot scopes the app really uses (mirrors manifest.json).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "app_mentions:read",
    "im:history",
    "im:write",  # conversations.open for reminder DMs (alerts, pledges)
    "channels:history",  # alerts: find a post a crashed clock made before recording it
    "groups:history",  # the same in private channels
    "channels:read",  # conversations.list: `/flex digest subscribe #name` finds the channel by name
    "groups:read",  # the same for private channels the app is in
    "users:read",  # users.info: is this person a workspace admin (bot.security.admin)
)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class SlackConfig:
    """Credentials and URLs for one running app."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None  # xapp- token: Socket Mode
    client_id: str | None = None  # with client_secret: multi-workspace OAuth install
    client_secret: str | None = None
    api_url: str = DEFAULT_SLACK_API_URL
    public_base_url: str | None = None  # where /charts/<token>.png is reachable from Slack
    scopes: tuple[str, ...] = field(default=BOT_SCOPES)

    @classmethod
    def from_env(cls) -> SlackConfig:
        api_url = _env("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        public = _env("PUBLIC_BASE_URL")
        return cls(
            bot_token=_env("SLACK_BOT_TOKEN"),
            signing_secret=_env("SLACK_SIGNING_SECRET"),
            app_token=_env("SLACK_APP_TOKEN"),
            client_id=_env("SLACK_CLIENT_ID"),
            client_secret=_env("SLACK_CLIENT_SECRET"),
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            public_base_url=public.rstrip("/") if public else None,
        )

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def http_ready(self) -> bool:
        """Enough to serve Slack over HTTP (single workspace or OAuth)."""
        return bool(self.signing_secret and (self.bot_token or self.oauth_enabled))
