"""Container health probe: ``python -m bot.observability.probe [web|worker|clock]``.

- ``web`` (the image's HEALTHCHECK): ``GET http://127.0.0.1:$PORT/healthz`` answers ``ok``;
- ``clock``: some clock ticked in the last 10 minutes (the heartbeat in the database);
- ``worker``: the database answers (the queue lives there or beside it).

Exit 0 when healthy, 1 when not, with one line saying why (Docker keeps the last few).
"""

from __future__ import annotations

import os
import sys
import urllib.request

from sqlalchemy import create_engine, text

from bot.storage.db import database_url
from bot.storage.heartbeat import clock_is_stale

ROLES = ("web", "worker", "clock")


def web_ok() -> tuple[bool, str]:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            body = response.read().decode(errors="replace").strip()
    except OSError as error:
        return False, f"{url}: {error}"
    return body == "ok", f"{url}: {body[:40]}"


def database_ok(role: str) -> tuple[bool, str]:
    engine = create_engine(database_url(), pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if role == "clock" and clock_is_stale(engine):
            return False, "no clock heartbeat in the last 10 minutes"
        return True, f"{role}: ok"
    except Exception as error:  # report, never a traceback, in `docker inspect`
        return False, f"database: {type(error).__name__}"
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    role = argv[0] if argv else "web"
    if role not in ROLES:
        print(f"usage: python -m bot.observability.probe [{'|'.join(ROLES)}]", file=sys.stderr)
        return 2
    healthy, why = web_ok() if role == "web" else database_ok(role)
    print(why)
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
