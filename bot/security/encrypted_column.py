"""A Text column stored encrypted with ``FLEX_SECRET_KEY`` (``bot.security.secrets``)."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.security.secrets import decrypt, encrypt


class EncryptedText(TypeDecorator[str]):
    """A Text column whose values are encrypted on the way in and decrypted on the way out."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return decrypt(value)
