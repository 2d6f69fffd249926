"""Scopes: the ones the code needs, derived from the Slack Web API calls in bot/, are exactly the
ones manifest.json (and the OAuth install) requests; the fake Slack refuses calls without them."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.config import BOT_SCOPES
from tests.fakes.slack_api import Workspace, missing_scope
from tests.fakes.slack_scopes import CLIENT_EXPANSIONS, EVENT_SCOPES, TYPE_SCOPES, needed

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())
GRANTED = frozenset(MANIFEST["oauth_config"]["scopes"]["bot"])
# Granted without a Web API call needing it, and why.
JUSTIFIED = {
    "commands": "the slash commands in the manifest",
    "chat:write.public": "alerts and digests post into channels the bot was not invited to",
}


def api_method(client_method: str) -> str:
    """``chat_postMessage`` -> ``chat.postMessage``; ``files_upload_v2`` -> ``files.uploadV2``."""
    return client_method.replace("_v2", "V2").replace("_", ".")


def calls_in_code() -> list[tuple[str, str, list[frozenset[str]]]]:
    """(where, API method, scope alternatives) of every WebClient call in bot/."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name.startswith("_") or not callable(getattr(WebClient, name, None)):
                continue
            if "_" not in name:
                continue  # api_call, token helpers...
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            method = api_method(name)
            params = {k.arg: k.value.value for k in node.keywords
                      if isinstance(k.value, ast.Constant)}  # fmt: skip
            for real in CLIENT_EXPANSIONS.get(method, (method,)):
                found.append((where, real, needed(real, params)))
    return found


def test_the_code_calls_the_web_api_it_is_expected_to():
    methods = {method for _, method, _ in calls_in_code()}
    assert {"chat.postMessage", "conversations.list", "files.completeUploadExternal"} <= methods


def test_every_web_api_call_in_the_code_has_its_scope_in_the_manifest():
    missing = [
        f"{where} {method} needs one of {sorted(alternatives)}"
        for where, method, needs in calls_in_code()
        for alternatives in needs
        if not alternatives & GRANTED
    ]
    assert missing == []


def test_the_manifest_asks_for_no_scope_the_code_does_not_use():
    used = set()
    for _, _, needs in calls_in_code():
        for alternatives in needs:
            used |= alternatives & GRANTED
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        used |= EVENT_SCOPES[event]
    assert sorted(GRANTED - used - set(JUSTIFIED)) == []


def test_every_subscribed_event_has_its_scope():
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        assert EVENT_SCOPES[event] <= GRANTED, event


def test_the_oauth_install_requests_the_manifest_scopes():
    assert frozenset(BOT_SCOPES) == GRANTED


@pytest.mark.parametrize(
    ("method", "params", "scopes", "refused"),
    [
        (
            "conversations.list",
            {"types": "public_channel,private_channel"},
            {"channels:read"},
            True,
        ),
        ("conversations.list", {"types": "public_channel"}, {"channels:read"}, False),
        ("chat.postMessage", {"channel": "C1"}, {"commands"}, True),
        ("chat.postMessage", {"channel": "C1"}, {"chat:write"}, False),
        ("conversations.open", {"users": "U1"}, {"chat:write"}, True),
    ],
)
def test_the_fake_slack_refuses_calls_without_the_scope(method, params, scopes, refused):
    workspace = Workspace("T1", "xoxb-1", "UB1", scopes=frozenset(scopes))
    answer = missing_scope(method, params, workspace)
    assert (answer is not None and answer["error"] == "missing_scope") == refused


def test_types_map_to_read_scopes():
    assert set(TYPE_SCOPES.values()) == {"channels:read", "groups:read", "im:read", "mpim:read"}
