"""Alembic migrations of the bot's database (``flexcalc-bot migrate``; see bot.storage.schema)."""
