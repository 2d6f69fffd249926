"""Which bot scopes each Slack Web API method (and event) needs: from docs.slack.dev's method and
scope reference pages (each method's "Required scopes", bot tokens). ``any`` of a method's
scopes is enough: the conversations.* methods need the one matching the conversation's type.
Used by the fake Slack (refuses calls without the scope) and tests/security/test_scopes.py."""

from __future__ import annotations

METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.scheduleMessage": frozenset({"chat:write"}),
    "chat.deleteScheduledMessage": frozenset({"chat:write"}),
    "chat.scheduledMessages.list": frozenset(),
    "conversations.history": frozenset(
        {"channels:history", "groups:history", "im:history", "mpim:history"}
    ),
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "conversations.list": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "conversations.open": frozenset({"im:write", "mpim:write"}),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "files.info": frozenset({"files:read"}),
    "views.publish": frozenset(),
    "views.open": frozenset(),
    "views.update": frozenset(),
    "users.info": frozenset({"users:read"}),
    "oauth.v2.access": frozenset(),
}

# conversations.list / .info: the scope each requested ``types`` entry needs
TYPE_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}

EVENT_SCOPES: dict[str, frozenset[str]] = {
    "app_home_opened": frozenset(),
    "app_mention": frozenset({"app_mentions:read"}),
    "message.im": frozenset({"im:history"}),
    "app_uninstalled": frozenset(),
    "tokens_revoked": frozenset(),
    "channel_deleted": frozenset({"channels:read"}),
    "channel_archive": frozenset({"channels:read"}),
    "group_deleted": frozenset({"groups:read"}),
    "group_archive": frozenset({"groups:read"}),
}

# Methods a client wrapper expands to (slack_sdk's files_upload_v2 makes two calls).
CLIENT_EXPANSIONS = {
    "files.uploadV2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}


def needed(method: str, params: dict | None = None) -> list[frozenset[str]]:
    """Scope alternatives a call needs: every set in the list must be met by one of its scopes."""
    if method in ("conversations.list",) and params is not None:
        types = str(params.get("types") or "public_channel").split(",")
        return [frozenset({TYPE_SCOPES[t.strip()]}) for t in types if t.strip() in TYPE_SCOPES]
    scopes = METHOD_SCOPES.get(method)
    return [scopes] if scopes else []
