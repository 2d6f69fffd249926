"""The Bolt app factory: one ``App`` for Socket Mode and HTTP, single or multi-workspace."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.config import SlackConfig
from bot.listeners import register_listeners
from bot.services import Services

log = logging.getLogger(__name__)

OAUTH_STATE_SECONDS = 600
# Bolt runs acks and lazy listeners on one executor (default 5 threads): with slow answers in
# flight, acks would queue behind them. Threads mostly wait (HTTP, the chart semaphore).
LISTENER_THREADS = 64


def oauth_settings(config: SlackConfig, engine: Engine) -> OAuthSettings:
    """OAuth install flow with slack_sdk's SQLAlchemy installation and state stores."""
    installations = SQLAlchemyInstallationStore(client_id=config.client_id, engine=engine)
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


def create_app(
    config: SlackConfig | None = None,
    services: Services | None = None,
    *,
    process_before_response: bool = False,
) -> App:
    """A Bolt app with every listener registered.

    ``config`` defaults to the environment. Single workspace: bot token + signing secret.
    Multi-workspace: client id/secret (OAuth, installations on the services' database).
    ``process_before_response=True`` only for FaaS hosts; long-running processes keep the
    default so acks return at once while lazy listeners work in threads.
    """
    config = config or SlackConfig.from_env()
    if services is None:
        from bot.storage.db import get_engine

        services = Services(engine=get_engine(), public_base_url=config.public_base_url)
    if config.oauth_enabled and services.engine is None:
        raise ValueError("OAuth installs need a database (Services.engine)")
    client = WebClient(base_url=config.api_url)
    common = {
        "signing_secret": config.signing_secret or "",
        "client": client,
        "process_before_response": process_before_response,
        "name": "flexcalc",
        "listener_executor": ThreadPoolExecutor(LISTENER_THREADS, "flexcalc-listener"),
    }
    if config.oauth_enabled:
        app = App(**common, oauth_settings=oauth_settings(config, services.engine))
    else:
        client.token = config.bot_token
        app = App(**common)
    register_listeners(app, services)
    return app
