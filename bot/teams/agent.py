"""A Teams bot on the Microsoft 365 Agents SDK for Python: ``POST /api/messages``.

Optional: mounted only when the SDK's service connection is configured in the environment
(``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID`` / ``__CLIENTSECRET`` / ``__TENANTID``,
the SDK's own variable names). Incoming requests carry a Bot Framework JWT, validated by the
SDK's ``JwtTokenValidator``; a missing or bad token gets 401 before anything runs. An authorised
activity whose id was already acted on (a replay) gets 200 and is not answered again
(``bot.security.replay``, the one dedupe owner).

Personal chats and channels get the same grammar and the same Adaptive Card as the outgoing
webhook. ``alerts subscribe ...`` in a bot conversation stores that conversation's reference
(``tmsbot:`` key) and subscribes it; the alerts clock then delivers it proactively through
``send_card`` exactly like a Slack channel or a Workflows URL (``bot.teams.alerts``).

The SDK is async (aiohttp inside); Flask calls it with ``asyncio.run`` per request, on the
request's own thread, so no event loop is shared between threads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import (
    Activity,
    Attachment,
    ConversationReference,
    load_configuration_from_env,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    ClaimsIdentity,
    HttpAdapterBase,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization.jwt import _authorize_request

from bot.alerts.commands import handle_alerts
from bot.answering import refusal_for
from bot.commands.table import TABLE, word_of
from bot.security.replay import WINDOW, ReplayGuard, teams_activity_refusal
from bot.services import Services
from bot.storage.teams import save_conversation
from bot.teams.alerts import use_conversation_sender
from bot.teams.cards import CARD_CONTENT_TYPE, reply_card
from bot.teams.lifecycle import conversation_gone
from bot.teams.outgoing import (
    command_text,
    parse_activity,
    publish_chart,
    teams_answer,
    where_from,
)
from bot.where import Where
from flexcalc.commands import UsageError, parse
from flexcalc.commands.requests import AlertsRequest
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

PATH = "/api/messages"
MAX_BODY = 256 * 1024
_ENV_KEY = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"


def _clean(value: Any) -> Any:
    """Drop JSON nulls: the SDK's models refuse ``null`` where a field is simply absent."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class _Request:
    """A Flask request body as the SDK's ``HttpRequestProtocol``."""

    method = "POST"

    def __init__(self, body: bytes, headers: Mapping[str, str], claims: ClaimsIdentity) -> None:
        self._body, self._headers, self._claims = body, headers, claims

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    async def json(self) -> dict[str, Any]:
        return _clean(json.loads(self._body))

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._claims

    def get_path_param(self, name: str) -> str:
        return ""


class FlaskAgentAdapter(HttpAdapterBase):
    """The SDK's framework-neutral HTTP adapter, fed from Flask."""


def configuration(env: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The SDK configuration from the environment, or None when no bot is configured."""
    env = os.environ if env is None else env
    if not env.get(_ENV_KEY):
        return None
    return load_configuration_from_env(env)


class TeamsAgent:
    """The bot: an AgentApplication whose handlers answer with Flexcalc cards."""

    def __init__(self, services: Services | None, config: dict[str, Any], *,
                 anonymous: bool = False) -> None:  # fmt: skip
        self.services = services
        settings = config["CONNECTIONS"]["SERVICE_CONNECTION"]["SETTINGS"]
        self.app_id: str = settings.get("CLIENTID", "")
        self.auth = AgentAuthConfiguration(
            client_id=self.app_id or None,
            tenant_id=settings.get("TENANTID"),
            client_secret=settings.get("CLIENTSECRET"),
            anonymous_allowed=anonymous,
        )
        connections = MsalConnectionManager(**config)
        self.adapter = FlaskAgentAdapter(connection_manager=connections)
        self.app = AgentApplication[TurnState](
            storage=MemoryStorage(), connection_manager=connections,
            start_typing_timer=False,
        )  # fmt: skip
        self.replay = ReplayGuard(services.engine if services is not None else None)
        self.app.activity("message")(self._on_message)
        self.app.activity("conversationUpdate")(self._on_update)

    # -- inbound ------------------------------------------------------------------------

    def handle(self, body: bytes, authorization: str | None) -> tuple[int, Any]:
        """(HTTP status, JSON body or None) for one POST /api/messages."""
        return asyncio.run(self._handle(body, authorization))

    async def _handle(self, body: bytes, authorization: str | None) -> tuple[int, Any]:
        claims = await _authorize_request(authorization, self.auth)
        if not isinstance(claims, ClaimsIdentity):
            return claims.status_code, claims.body
        activity = parse_activity(body)
        if activity is None:
            return 400, {"error": "bad activity"}
        refused = teams_activity_refusal(self.replay, activity, max_age=WINDOW, undated=True)
        if refused == "replayed":
            log.warning("dropped a replayed Teams bot activity")
            return 200, None  # acknowledged, so the sender stops; acted on once
        if refused:
            log.warning("refused a Teams bot activity (%s)", refused)
            return 401, {"error": refused}
        try:
            response = await self.adapter.process_request(_Request(body, {}, claims), self.app)
        except (ValueError, json.JSONDecodeError):
            return 400, {"error": "bad activity"}
        return response.status_code, response.body

    async def _on_message(self, context: TurnContext, _state: TurnState) -> None:

        activity = context.activity
        text = command_text(activity.text or "") or "help"
        raw = activity.model_dump(mode="json", by_alias=True, exclude_none=True)
        reply = await asyncio.to_thread(self.answer, text, raw)
        await context.send_activity(self.card_activity(reply, text, raw))

    async def _on_update(self, context: TurnContext, _state: TurnState) -> None:
        """Members, channels and teams changing: say hello when added; when a channel or team
        goes away (or the bot is removed), stop the alerts posting there."""
        activity = context.activity
        if self.services is not None and self.services.engine is not None:
            raw = activity.model_dump(mode="json", by_alias=True, exclude_none=True)
            await asyncio.to_thread(conversation_gone, self.services.engine, raw,
                                    where_from(raw).team_id)  # fmt: skip
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_added or []):
            await context.send_activity(
                "Hi, I'm Flexcalc: ask me `bestslot 4h`, `prices` or `carbon`, or "
                "`alerts subscribe 08:00 in NG1` for a daily greener-times card here."
            )

    def answer(self, text: str, activity: dict[str, Any]) -> Reply:
        """The same grammar as everywhere; ``alerts`` subscribe this conversation. The command
        table's ``who`` is checked first, as at every door."""

        services = self.services
        assert services is not None, "an agent that answers needs Services"
        where = where_from(activity)
        refused = refusal_for(text, services, where)
        if refused is not None:
            return refused
        if word_of(text) is TABLE["alerts"] and services.engine is not None:
            mine = self._conversation_alerts(text, activity, where)
            if mine is not None:
                return mine
        return teams_answer(text, services, where)

    def _conversation_alerts(self, text: str, activity: dict[str, Any], where: Where):

        try:
            request = parse(text)
        except UsageError:
            return None
        if not isinstance(request, AlertsRequest) or request.teams_url:
            return None
        engine = self.services.engine  # type: ignore[union-attr]
        key = save_conversation(engine, reference_json(activity), team_id=where.team_id)
        reply = handle_alerts(request, engine=engine, team_id=where.team_id, channel_id=key,
                              user_id=where.user_id or "")  # fmt: skip
        reply.notes = [n for n in reply.notes if "/invite" not in n and "/flex" not in n]
        return reply

    def card_activity(self, reply: Reply, command: str, raw: dict[str, Any]) -> Activity:

        chart_url = None
        if self.services is not None and reply.chart_png and not reply.is_error:
            chart_url = publish_chart(self.services, reply, where_from(raw), command)
        return card_message(reply_card(reply, chart_url=chart_url), reply.title)

    # -- proactive ----------------------------------------------------------------------

    def send_card(self, reference: str, card: dict[str, Any], fallback: str = "") -> str:
        """Post ``card`` to a stored conversation (JSON reference); returns the activity id."""
        return asyncio.run(self._send_card(reference, card, fallback))

    async def _send_card(self, reference: str, card: dict[str, Any], fallback: str) -> str:
        ref = ConversationReference.model_validate(json.loads(reference))
        sent: list[str] = []

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(card_message(card, fallback))
            sent.append(getattr(response, "id", "") or "")

        continuation = ref.get_continuation_activity()
        if self.app_id:
            await self.adapter.continue_conversation(self.app_id, continuation, post)
        else:  # local/offline: anonymous, as the SDK allows for development
            await self.adapter.continue_conversation_with_claims(ClaimsIdentity(), continuation,
                                                                 post)  # fmt: skip
        return sent[0] if sent else ""


def card_message(card: dict[str, Any], fallback: str = "") -> Activity:
    """A message activity carrying one Adaptive Card."""
    return Activity(
        type="message",
        summary=fallback[:200] or None,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


def reference_json(activity: dict[str, Any]) -> str:
    """The conversation reference to post to later: a channel's root, not the thread."""
    ref = Activity.model_validate(_clean(activity)).get_conversation_reference()
    channel = ((activity.get("channelData") or {}).get("channel") or {}).get("id")
    if ref.conversation is not None:
        ref.conversation.id = channel or ref.conversation.id.split(";")[0]
    ref.activity_id = None
    return ref.model_dump_json(by_alias=True, exclude_none=True)


_agent: TeamsAgent | None = None


def use_agent(agent: TeamsAgent | None) -> None:
    """The agent the alerts clock posts with (tests pass an offline one)."""
    global _agent
    _agent = agent


def sender() -> TeamsAgent | None:
    """The configured agent for proactive posts (built from the environment once)."""
    global _agent
    if _agent is None and (config := configuration()) is not None:
        _agent = TeamsAgent(None, config)
    return _agent


def register(web: Any, services: Services, agent: TeamsAgent | None = None) -> TeamsAgent | None:
    """Mount ``POST /api/messages`` when a bot is configured (or ``agent`` is given)."""
    from flask import Response, request

    if agent is None:
        config = configuration()
        if config is None:
            return None
        agent = TeamsAgent(services, config)

    def messages() -> Response:
        if (request.content_length or 0) > MAX_BODY:
            return Response('{"error": "too large"}', 413, mimetype="application/json")
        status, body = agent.handle(request.get_data(), request.headers.get("Authorization"))
        text = "" if body is None else json.dumps(body)
        return Response(text, status, mimetype="application/json")

    web.add_url_rule(PATH, "teams_agent_messages", messages, methods=["POST"])
    web.extensions["flexcalc_teams_agent"] = agent
    return agent


use_conversation_sender(sender)  # the alerts clock posts to bot conversations through this agent
