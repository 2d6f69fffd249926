"""``python -m bot secrets key|rotate|status``: the encryption of stored secrets.

    python -m bot secrets key      print a new Fernet key (put it first in FLEX_SECRET_KEY)
    python -m bot secrets rotate   re-encrypt every stored secret with the first key
                                   (also encrypts secrets stored before a key was set)
    python -m bot secrets status   how many stored secrets are encrypted, and with a known key

Rotation: FLEX_SECRET_KEY="NEW,OLD", run ``rotate``, then FLEX_SECRET_KEY="NEW".
"""

from __future__ import annotations

import os
import sys

from cryptography.fernet import InvalidToken
from sqlalchemy import Engine, Text, select, type_coerce, update

from bot.security import secrets
from bot.security.installations import installation_store, rotate_tokens
from bot.storage.db import database_url, get_engine
from bot.storage.teams import TeamsDestination


def _destinations(engine: Engine) -> list[tuple[str, str]]:
    table = TeamsDestination.__table__
    with engine.connect() as connection:
        query = select(table.c.key, type_coerce(table.c.url, Text))  # the stored form
        return [(key, url) for key, url in connection.execute(query)]


def rotate(engine: Engine) -> int:
    """Re-encrypt Teams workflow URLs and Slack tokens with the newest key; rows rewritten."""
    table = TeamsDestination.__table__
    count = 0
    with engine.begin() as connection:
        for key, stored in _destinations(engine):
            fresh = secrets.reencrypt(stored)
            connection.execute(
                update(table).where(table.c.key == key).values(url=type_coerce(fresh, Text))
            )
            count += 1
    client_id = os.environ.get("SLACK_CLIENT_ID")
    if client_id:
        store = installation_store(client_id, engine)
        store.metadata.create_all(engine)
        count += rotate_tokens(store)
    return count


def status(engine: Engine) -> tuple[int, int, int]:
    """(stored workflow URLs, encrypted ones, ones no configured key decrypts)."""
    rows = _destinations(engine)
    encrypted = [url for _, url in rows if secrets.is_encrypted(url)]
    unreadable = 0
    for url in encrypted:
        try:
            secrets.decrypt(url)
        except (secrets.SecretKeyMissing, InvalidToken):
            unreadable += 1
    return len(rows), len(encrypted), unreadable


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "help"
    if action == "key":
        print(secrets.new_key())
        return 0
    if action not in ("rotate", "status"):
        print(__doc__)
        return 0 if action in ("help", "-h", "--help") else 2
    engine = get_engine(database_url())  # keyed by the URL in use (get_engine caches)
    if action == "status":
        total, encrypted, unreadable = status(engine)
        print(f"{total} Teams workflow URL(s): {encrypted} encrypted, {unreadable} unreadable "
              "with the configured keys.")  # fmt: skip
        return 1 if unreadable else 0
    if secrets.box() is None:
        print(f"Set {secrets.KEY_ENV} first (python -m bot secrets key).", file=sys.stderr)
        return 2
    try:
        count = rotate(engine)
    except secrets.SecretKeyMissing as problem:
        print(f"Nothing changed: {problem}.", file=sys.stderr)
        return 1
    print(f"Re-encrypted {count} stored secret(s) with the first key of {secrets.KEY_ENV}.")
    return 0
