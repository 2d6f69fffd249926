"""``python -m bot migrate [--check]`` (= ``flexcalc-bot migrate``): bring the database up to date.

    flexcalc-bot migrate           upgrade DATABASE_URL to this release's schema (under a lock;
                                   a database made before migrations existed is adopted)
    flexcalc-bot migrate --check   say where the database stands; exit 1 if it needs migrating

Back up the database first. Processes refuse to start on an out-of-date schema unless
FLEX_AUTO_MIGRATE=1.
"""

from __future__ import annotations

import argparse

from sqlalchemy import create_engine

from bot.storage.db import database_url
from bot.storage.schema import SchemaError, migrate, schema_state

_SAYS = {
    "empty": "empty (no tables yet)",
    "current": "up to date",
    "old": "out of date: run `flexcalc-bot migrate`",
    "unknown": "at a revision this release does not know (a newer release migrated it)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="flexcalc-bot migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if behind")
    args = parser.parse_args(argv)
    engine = create_engine(database_url())
    try:
        state = schema_state(engine)
        where = engine.url.render_as_string(hide_password=True)
        if args.check:
            print(f"{where}: revision {state.current or 'none'} of {state.head}, "
                  f"{_SAYS[state.kind]}.")  # fmt: skip
            return 0 if state.kind == "current" else 1
        before = state.current
        try:
            state = migrate(engine)
        except SchemaError as problem:
            print(problem)
            return 2
        if before == state.current:
            print(f"{where}: already at revision {state.current} (newest).")
        else:
            print(f"{where}: migrated from {before or 'no revision'} to {state.current}.")
        return 0
    finally:
        engine.dispose()
