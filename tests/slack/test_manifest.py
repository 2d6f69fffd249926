"""manifest.json asks for exactly what the code uses."""

from __future__ import annotations

import json
from pathlib import Path

from bot.config import BOT_SCOPES
from bot.listeners.commands import SLASH_COMMANDS

MANIFEST = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text())


def test_slash_commands_match_the_registered_listeners():
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == list(SLASH_COMMANDS) == ["/flex", "/bestslot", "/carbon", "/prices"]


def test_scopes_are_the_ones_the_oauth_install_requests():
    assert MANIFEST["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def test_events_home_tab_interactivity_and_one_request_url():
    settings = MANIFEST["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_mention",
        "app_uninstalled",  # lifecycle (bot.security.lifecycle)
        "channel_archive",
        "channel_deleted",
        "group_archive",
        "group_deleted",
        "message.im",
        "tokens_revoked",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    urls = {c["url"] for c in MANIFEST["features"]["slash_commands"]}
    urls |= {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert MANIFEST["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
    assert "socket_mode_enabled" in settings
