"""A fake Slack Web API on loopback that answers like Slack and records every call.

Serves ``/api/<method>`` (auth.test, chat.postMessage, chat.postEphemeral, views.publish,
files.getUploadURLExternal, files.completeUploadExternal, files.info, oauth.v2.access), the
upload URLs it hands out, and ``response_url`` endpoints. Tests point SLACK_API_URL at
``fake_slack.api_url`` and read ``fake_slack.calls`` to see what a Slack user would see.
Like Slack, a response_url takes 5 uses (then HTTP 404 ``used_url``), and ``rate_limit`` makes
a method answer HTTP 429 with Retry-After; ``refused`` lists what was turned away.

Registered as a pytest plugin (``pytest_plugins`` in tests/conftest.py): fixture ``fake_slack``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.config import BOT_SCOPES
from tests.fakes.slack_scopes import needed

DEFAULT_TEAM = "T0000TEAM"
DEFAULT_TOKEN = "xoxb-fake-default"
SCOPES = ",".join(BOT_SCOPES)


@dataclass
class Call:
    """One request the app made to the fake."""

    method: str  # "chat.postMessage", "upload", "response_url"
    params: dict[str, Any]
    token: str | None = None
    body: bytes = b""
    target: str = ""  # the response_url name, or the upload's file id
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered
    at: float = field(default_factory=time.monotonic)


@dataclass
class Workspace:
    team_id: str
    bot_token: str
    bot_user_id: str
    name: str = "Test workspace"
    scopes: frozenset[str] = frozenset(BOT_SCOPES)  # what the install granted


class FakeSlack:
    """The fake's state: workspaces, injected failures and the record of calls."""

    def __init__(self) -> None:
        self.base_url = ""  # set when served
        self.calls: list[Call] = []
        self.workspaces: dict[str, Workspace] = {}
        self.oauth_codes: dict[str, Workspace] = {}
        self.errors: dict[tuple[str, str | None], str] = {}  # (method, channel) -> error
        self.delays: dict[str, float] = {}  # method (or "response_url") -> seconds to answer
        self.response_url_uses = 5  # Slack accepts a response_url 5 times, then 404 used_url
        self.rate_limits: dict[str, list[int]] = {}  # method -> [calls left to 429, Retry-After]
        self.refused: list[Call] = []  # what Slack turned away (over-used URLs, 429s)
        self.admins: set[str] = set()  # users.info says these users are workspace admins
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self.add_workspace(DEFAULT_TEAM, DEFAULT_TOKEN)

    # ----- set-up helpers

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def add_workspace(self, team_id: str, bot_token: str, name: str = "Test workspace") -> None:
        self.workspaces[bot_token] = Workspace(team_id, bot_token, f"U{team_id[1:]}BOT", name)

    def add_oauth_code(self, code: str, team_id: str, bot_token: str, name: str = "") -> None:
        """``oauth.v2.access`` with this code installs the app into ``team_id``."""
        workspace = Workspace(team_id, bot_token, f"U{team_id[1:]}BOT", name or team_id)
        self.oauth_codes[code] = workspace

    def fail(self, method: str, error: str, channel: str | None = None) -> None:
        """Answer ``method`` (optionally only for ``channel``) with ``ok: false``."""
        self.errors[(method, channel)] = error

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and Retry-After."""
        self.rate_limits[method] = [times, retry_after]

    def response_url(self, name: str = "") -> str:
        return f"{self.base_url}/response/{name or next(self._ids)}"

    # ----- reading what happened

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[FakeSlack], Any], timeout: float = 15.0) -> Any:
        """Wait until ``predicate(self)`` is truthy; returns its value (fails the test if not)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting; calls so far: {names}")
                self._cond.wait(remaining)

    def wait_calls(self, method: str, count: int = 1, timeout: float = 15.0) -> list[Call]:
        return self.wait_for(
            lambda s: s.calls_to(method) if len(s.calls_to(method)) >= count else None, timeout
        )

    # ----- the WSGI app

    def __call__(self, environ: dict, start_response: Callable) -> Iterator[bytes]:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _handle(self, request: Request) -> Response:
        path = request.path
        body = request.get_data()
        if path.startswith("/response/"):
            payload = json.loads(body or b"{}")
            call = Call("response_url", payload, body=body, target=path.rsplit("/", 1)[1])
            if "response_url" in self.delays:
                time.sleep(self.delays["response_url"])
            with self._cond:
                used = sum(1 for c in self.calls if c.target == call.target)
                if used >= self.response_url_uses and call.method == "response_url":
                    self.refused.append(call)
                    return Response("used_url", status=404)
            self._record(call)
            return Response("ok")
        if path.startswith("/upload/"):
            self._record(Call("upload", {"file_id": path.rsplit("/", 1)[1]}, body=body))
            return Response(f"OK - {len(body)}")
        if not path.startswith("/api/"):
            return Response("not found", status=404)
        method = path[len("/api/") :]
        params = _params(request, body)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or params.get(
            "token"
        )
        if method in self.delays:
            time.sleep(self.delays[method])
        with self._cond:
            limit = self.rate_limits.get(method)
            if limit and limit[0] > 0:
                limit[0] -= 1
                self.refused.append(Call(method, params, token=token))
                return Response(
                    json.dumps({"ok": False, "error": "ratelimited"}),
                    status=429,
                    mimetype="application/json",
                    headers={"Retry-After": str(limit[1])},
                )
        answer = missing_scope(method, params, self.workspaces.get(token or "")) or self._answer(
            method, params, token
        )
        self._record(Call(method, params, token=token, response=answer))
        return Response(json.dumps(answer), mimetype="application/json")

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = params.get("channel") or params.get("channel_id")
        error = self.errors.get((method, channel)) or self.errors.get((method, None))
        if error:
            return {"ok": False, "error": error}
        workspace = self.workspaces.get(token or "")
        if method == "oauth.v2.access":
            return self._oauth(params)
        if workspace is None:
            return {"ok": False, "error": "invalid_auth"}
        n = next(self._ids)
        if method == "auth.test":
            return {
                "ok": True,
                "url": f"https://{workspace.team_id.lower()}.slack.com/",
                "team": workspace.name,
                "user": "flexcalc",
                "team_id": workspace.team_id,
                "user_id": workspace.bot_user_id,
                "bot_id": f"B{workspace.team_id[1:]}",
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            target = str(channel)
            if target.startswith("U"):
                target = "D" + target[1:]  # posting to a user id lands in the app's DM
            ts = f"1700000000.{n:06d}"
            return {"ok": True, "channel": target, "ts": ts, "message": {"ts": ts, **params}}
        if method == "users.info":  # admins: ids listed in ``self.admins``
            user = str(params.get("user", ""))
            return {"ok": True, "user": {"id": user, "is_admin": user in self.admins,
                                         "is_owner": False}}  # fmt: skip
        if method == "conversations.open":  # the app's DM with a user: D + the user id's tail
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))[1:]}}
        if method == "chat.update":
            return {
                "ok": True,
                "channel": channel,
                "ts": params.get("ts"),
                "text": params.get("text"),
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{n:06d}"}
        if method == "views.publish":
            return {"ok": True, "view": {"id": f"V{n}", **_as_obj(params.get("view"))}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{n:08d}"
            return {
                "ok": True,
                "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = _as_obj(params.get("files")) or []
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title", "")} for f in files],
            }
        if method == "files.info":
            return {"ok": True, "file": {"id": params.get("file"), "mimetype": "image/png"}}
        return {"ok": False, "error": "unknown_method"}

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        workspace = self.oauth_codes.pop(str(params.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        self.workspaces[workspace.bot_token] = workspace
        return {
            "ok": True,
            "app_id": "A0FLEXCALC",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": SCOPES,
            "token_type": "bot",
            "access_token": workspace.bot_token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # ----- convenient views of what users saw

    def ephemeral_replies(self) -> list[dict[str, Any]]:
        """Bodies posted to response_url (slash commands and buttons answer through them)."""
        return [c.params for c in self.calls_to("response_url")]

    def replies(self, response_url: str) -> list[dict[str, Any]]:
        """What the app sent back through one response_url."""
        name = response_url.rsplit("/", 1)[1]
        return [c.params for c in self.calls_to("response_url") if c.target == name]

    def wait_replies(self, response_url: str, count: int = 1, timeout: float = 15.0) -> list:
        return self.wait_for(
            lambda s: s.replies(response_url) if len(s.replies(response_url)) >= count else None,
            timeout,
        )

    def uploaded_pngs(self) -> list[bytes]:
        return [c.body for c in self.calls_to("upload") if c.body.startswith(b"\x89PNG")]

    def uploaded_files(self) -> dict[str, bytes]:
        """File name -> bytes of every upload (names from files.getUploadURLExternal)."""
        names = {
            c.response["file_id"]: str(c.params.get("filename"))
            for c in self.calls_to("files.getUploadURLExternal")
            if c.response and c.response.get("ok")
        }
        return {
            names.get(c.params["file_id"], c.params["file_id"]): c.body
            for c in self.calls_to("upload")
        }


def missing_scope(
    method: str, params: dict[str, Any], workspace: Workspace | None
) -> dict[str, Any] | None:
    """Slack's ``missing_scope`` answer when the token's install lacks the method's scope."""
    if workspace is None:
        return None
    for alternatives in needed(method, params):
        if not alternatives & workspace.scopes:
            return {"ok": False, "error": "missing_scope", "needed": ",".join(sorted(alternatives)),
                    "provided": ",".join(sorted(workspace.scopes))}  # fmt: skip
    return None


def _params(request: Request, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.args)
    ctype = request.headers.get("Content-Type", "")
    if "json" in ctype and body:
        params.update(json.loads(body))
    elif "x-www-form-urlencoded" in ctype:
        params.update(parse_qsl(body.decode()))
    return params


def _as_obj(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


F = TypeVar("F", bound="FakeSlack")


def serve(app: Callable, host: str = "127.0.0.1") -> tuple[Any, str]:
    """Serve a WSGI app on a free loopback port in a daemon thread; returns (server, base URL)."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_port}"


@contextmanager
def running(fake: F) -> Iterator[F]:
    """Serve ``fake`` (a FakeSlack or subclass) on loopback for the duration of the block."""
    server, fake.base_url = serve(fake)
    try:
        yield fake
    finally:
        server.shutdown()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Slack Web API (``.api_url``) with one default workspace."""
    with running(FakeSlack()) as fake:
        yield fake
