"""``/flex my data``: everything Flexcalc stores about the person asking, in this workspace.

Generic over the schema: every table of the app with a ``team_id`` column and a ``user_id`` or
``created_by`` column contributes the asker's rows, so new tables are covered as they come.
Answered privately (ephemeral); ``/flex forget`` erases pledges and settings.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, or_, select

from bot.storage.base import Base
from flexcalc.reply import Field, Reply

MY_DATA = re.compile(r"^\s*my\s+data\s*$", re.IGNORECASE)
PERSON_COLUMNS = ("user_id", "created_by")
SECRET_COLUMNS = frozenset({"url", "reference", "token", "bot_token"})
MAX_TEXT = 2800  # a Slack section holds 3000 characters


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def collect(engine: Engine, team_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """{table name: the asker's rows} for every table that records people."""
    found: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            people = [table.c[name] for name in PERSON_COLUMNS if name in table.c]
            if "team_id" not in table.c or not people:
                continue
            query = select(table).where(
                table.c.team_id == team_id, or_(*(column == user_id for column in people))
            )
            rows = [
                {k: _plain(v) for k, v in row.items() if k not in SECRET_COLUMNS}
                for row in connection.execute(query).mappings()
            ]
            if rows:
                found[table.name] = rows
    return found


def my_data_reply(engine: Engine, team_id: str, user_id: str) -> Reply:
    data = collect(engine, team_id, user_id)
    if not data:
        return Reply(title="Your data in Flexcalc",
                     summary="Flexcalc stores nothing about you in this workspace.")  # fmt: skip
    text = json.dumps(data, indent=1, ensure_ascii=False)
    shown = text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "\n… (cut; ask an admin for all)"
    return Reply(
        title="Your data in Flexcalc",
        summary="Everything stored about you in this workspace (only you can see this):\n"
        f"```{shown}```",
        fields=[Field(name, f"{len(rows)} row(s)") for name, rows in data.items()],
        notes=["`/flex forget me` erases your pledges and settings. See docs/security.md."],
        data={"my_data": data},
    )
