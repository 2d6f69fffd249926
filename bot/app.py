"""The Bolt app factory: one ``App`` for Socket Mode and HTTP, single or multi-workspace.

This module is the web's: it registers listeners and enqueues their work, and imports no
answering code. Where jobs run in the same process (Socket Mode, tests) ``bot.one_process``
hands ``create_app`` the work table."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from huey import Huey, MemoryHuey
from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.alerts.slack_post import SlackClients
from bot.config import SlackConfig
from bot.jobs.bridge import ListenerTable, QueuingApp
from bot.jobs.runner import JobQueue, LocalWorkers, SlackTokens
from bot.listeners import register_listeners
from bot.security import admin_slack, lifecycle
from bot.security.installations import installation_store
from bot.security.replay import ReplayGuard
from bot.security.slack_replay import SlackReplayMiddleware
from bot.services import Services
from bot.slack_web import retry_handlers
from bot.storage.db import get_engine

log = logging.getLogger(__name__)

OAUTH_STATE_SECONDS = 600
LOCAL_WORKER_THREADS = 8  # one-process modes (Socket Mode, tests): jobs run on these threads


def oauth_settings(config: SlackConfig, engine: Engine) -> OAuthSettings:
    """OAuth install flow with slack_sdk's SQLAlchemy installation and state stores."""
    installations = installation_store(config.client_id, engine)  # tokens encrypted
    states = SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine)
    for store in (installations, states):
        try:
            store.metadata.create_all(engine)  # idempotent, like init_db
        except Exception:  # another process created them at the same moment
            log.debug("OAuth tables already exist", exc_info=True)
    return OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(config.scopes),
        installation_store=installations,
        state_store=states,
    )


def slack_tokens(config: SlackConfig, engine: Engine | None) -> SlackTokens:
    """Tokens for the workers: the installation store (OAuth) or the single bot token."""
    clients = SlackClients(
        engine if config.oauth_enabled else None,
        client_id=config.client_id,
        default_token=config.bot_token,
        base_url=config.api_url,
    )
    return SlackTokens(clients.token_for, config.api_url)


def create_app(
    config: SlackConfig | None = None,
    services: Services | None = None,
    *,
    huey: Huey | None = None,
    work: Callable[[Services], Mapping[str, Callable[..., Any]]] | None = None,
) -> App:
    """A Bolt app whose listeners ack and enqueue; the work runs as jobs (``bot.jobs``).

    ``config`` defaults to the environment. Single workspace: bot token + signing secret.
    Multi-workspace: client id/secret (OAuth, installations on the services' database).
    ``huey`` is the queue (the web process passes the durable one from ``make_huey``; workers
    run the jobs). Without one, or with a memory queue, jobs run on threads in this process
    (Socket Mode, tests): ``app.job_workers`` stops them, and ``work`` (the work table,
    ``bot.listeners.work.lazy_work``) is required; ``bot.one_process.create_one_process_app``
    passes it.
    """
    config = config or SlackConfig.from_env()
    if services is None:
        services = Services(engine=get_engine(), public_base_url=config.public_base_url)
    if config.oauth_enabled and services.engine is None:
        raise ValueError("OAuth installs need a database (Services.engine)")
    client = WebClient(base_url=config.api_url, retry_handlers=retry_handlers())
    common = {
        "signing_secret": config.signing_secret or "",
        "client": client,
        "process_before_response": True,  # the ack is the HTTP answer; listeners only enqueue
        "name": "flexcalc",
    }
    if config.oauth_enabled:
        app = App(**common, oauth_settings=oauth_settings(config, services.engine))
    else:
        client.token = config.bot_token
        app = App(**common)
    app.use(SlackReplayMiddleware(ReplayGuard(services.engine)))  # the one dedupe (ADR 0083)
    admin_slack.register(app, services.engine)  # first: /flex admin, the subscription gate
    table = ListenerTable()
    queue = JobQueue(huey or MemoryHuey("flexcalc", results=False), table,
                     lambda: slack_tokens(config, services.engine))  # fmt: skip
    local = isinstance(queue.huey, MemoryHuey)  # jobs run here, on threads
    if local and work is None:
        raise ValueError("jobs run in this process: use bot.one_process.create_one_process_app")
    jobs = work(services) if local and work is not None else None
    register_listeners(QueuingApp(app, table, queue.run, jobs), services)
    lifecycle.register(app, services.engine)  # uninstall, revoked tokens, channels gone
    app.job_queue = queue  # type: ignore[attr-defined]
    app.job_workers = None  # type: ignore[attr-defined]
    if local:
        app.job_workers = LocalWorkers(queue, LOCAL_WORKER_THREADS).start()  # type: ignore[attr-defined]
    return app
