"""``SchemaError``, on its own so a process can catch it without loading Alembic first."""

from __future__ import annotations


class SchemaError(RuntimeError):
    """The database's schema is not the one this release needs; the message says what to do."""
