"""Secrets at rest: Slack OAuth tokens and Teams workflow URLs, encrypted with Fernet.

``FLEX_SECRET_KEY`` holds one or more Fernet keys, comma-separated, newest first: the first
encrypts, all of them decrypt (``MultiFernet``), so a key is rotated by putting the new key in
front, running ``python -m bot secrets rotate`` (re-encrypts every stored secret with it) and
then dropping the old key. ``python -m bot secrets key`` prints a new key.

Stored values are Fernet tokens (they start ``gAAAAA``); anything else is a value stored before
encryption was turned on and is read as it is (``rotate`` encrypts it). Without a key, secrets are
stored in plaintext and a warning is logged once: set the key in production.

A malformed key stops every process at start (``exit_if_key_invalid``: web through
``gunicorn.conf.py``, worker, clock, shell and every ``flexcalc-bot`` mode): one line naming the
variable and how to make a key, exit status 1, no traceback. This module loads no database
library, so that check is cheap; the column type is ``bot.security.encrypted_column``.
"""

from __future__ import annotations

import logging
import os
import sys
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

KEY_ENV = "FLEX_SECRET_KEY"
MARK = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp's zeros)


class SecretKeyMissing(RuntimeError):
    """An encrypted secret was read but FLEX_SECRET_KEY is not set (or holds none of its keys)."""


class SecretKeyInvalid(ValueError):
    """FLEX_SECRET_KEY is set but one of its keys is not a Fernet key."""


BAD_KEY = (
    f"{KEY_ENV} is not a valid key: each comma-separated key must be a Fernet key (44 characters "
    "of URL-safe base64). Make one with `flexcalc-bot secrets key`, or unset it."
)


def new_key() -> str:
    return Fernet.generate_key().decode()


@cache
def _box(keys: str) -> MultiFernet | None:
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    try:
        return MultiFernet([Fernet(k.encode()) for k in parts]) if parts else None
    except ValueError as error:  # binascii.Error is a ValueError too
        raise SecretKeyInvalid(BAD_KEY) from error


def check_key() -> None:
    """Raise ``SecretKeyInvalid`` (a friendly message) when FLEX_SECRET_KEY is malformed."""
    box()


def exit_if_key_invalid() -> None:
    """At a process's start: a malformed key prints one line and exits 1 (no traceback)."""
    try:
        check_key()
    except SecretKeyInvalid as problem:
        print(problem, file=sys.stderr)
        raise SystemExit(1) from None


def box() -> MultiFernet | None:
    """The MultiFernet for the keys in the environment (None without a key)."""
    return _box(os.environ.get(KEY_ENV, ""))


def is_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(MARK)


def encrypt(value: str | None) -> str | None:
    """``value`` encrypted with the newest key (unchanged without a key, or if already done)."""
    if value is None or is_encrypted(value):
        return value
    fernet = box()
    if fernet is None:
        _warn_plaintext()
        return value
    return fernet.encrypt(value.encode()).decode()


def decrypt(value: str | None) -> str | None:
    """The plaintext of a stored value (plaintext values come back as they are)."""
    if value is None or not is_encrypted(value):
        return value
    fernet = box()
    if fernet is None:
        raise SecretKeyMissing(f"a stored secret is encrypted: set {KEY_ENV}")
    try:
        return fernet.decrypt(value.encode()).decode()
    except InvalidToken as error:
        raise SecretKeyMissing(f"no key in {KEY_ENV} decrypts a stored secret") from error


def reencrypt(value: str | None) -> str | None:
    """``value`` encrypted with the newest key, whatever it was encrypted with (or not)."""
    if value is None:
        return None
    fernet = box()
    if fernet is None:
        raise SecretKeyMissing(f"set {KEY_ENV} to rotate")
    return fernet.rotate(value.encode()).decode() if is_encrypted(value) else encrypt(value)


@cache
def _warn_plaintext() -> None:
    log.warning("%s is not set: secrets are stored unencrypted (see docs/security.md)", KEY_ENV)
