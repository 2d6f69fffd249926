"""``python -m bot teams ...``: register Teams Workflows webhook URLs for the daily alerts.

    python -m bot teams subscribe URL [HH:MM] [in REGION] [DURATION] [tomorrow]
    python -m bot teams subscribe - ...      read the URL from standard input (not shell history)
    python -m bot teams list
    python -m bot teams unsubscribe KEY      KEY as shown by `list` (teams:...)
    python -m bot teams test URL|KEY [in REGION]   post today's alert card there now
    python -m bot teams package [--out ZIP]   the Teams app package for the admin centre

The words after the URL are the `alerts subscribe` grammar. URLs are stored as secrets in the
database (DATABASE_URL) and only ever printed masked.
"""

from __future__ import annotations

import sys

from sqlalchemy import Engine

from bot.alerts import store
from bot.alerts.digests import Digests
from bot.storage.db import get_engine
from bot.storage.teams import destination_key, destination_url, destinations, forget, is_teams, mask
from bot.teams.alerts import list_reply, post_alert_card, subscribe_teams
from bot.teams.cards import reply_card
from bot.teams.package import main as package_main
from flexcalc.commands import UsageError, parse
from flexcalc.regions import configured_default, resolve
from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.providers import make_provider

CLI_TEAM = "cli"


def _url(arg: str) -> str:
    return sys.stdin.readline().strip() if arg == "-" else arg.strip()


def subscribe(engine: Engine, url: str, words: list[str]) -> int:

    try:
        request = parse(" ".join(["alerts", "subscribe", *words, "teams", url]))
    except UsageError as problem:
        print(problem.reply().to_text(), file=sys.stderr)
        return 2
    reply = subscribe_teams(request, engine=engine, team_id=CLI_TEAM, user_id=CLI_TEAM,
                            origin="cli")  # fmt: skip
    print(reply.to_text())
    return 1 if reply.is_error else 0


def list_all(engine: Engine) -> int:

    rows = destinations(engine)
    if not rows:
        print("No Teams workflows registered.")
        return 0
    for key, masked, team, origin in rows:
        print(f"{key}  {masked}  (registered by {team} from {origin or '?'})")
    print()
    print(list_reply(engine, [key for key, *_ in rows]).to_text())
    return 0


def unsubscribe(engine: Engine, key: str) -> int:

    key = key if is_teams(key) else destination_key(key)
    owners = {team for k, _, team, _ in destinations(engine) if k == key}
    removed = sum(store.remove(engine, team, key) for team in owners)
    if not forget(engine, key):
        print(f"No Teams workflow {key}.", file=sys.stderr)
        return 1
    print(f"Removed Teams workflow {key} and its {removed} alert(s).")
    return 0


def test_post(engine: Engine, target: str, words: list[str]) -> int:
    """Post today's daily alert card for a region to a workflow, now (checks the set-up)."""
    import os

    import pandas as pd

    url = destination_url(engine, target) if is_teams(target) else target
    if not url:
        print(f"No Teams workflow {target}.", file=sys.stderr)
        return 1
    region = resolve(words[1]) if len(words) >= 2 and words[0] == "in" else configured_default()
    digests = Digests(make_provider(), engine=engine,
                      public_base_url=os.environ.get("PUBLIC_BASE_URL") or None)  # fmt: skip
    try:
        digest = digests.daily(region.letter, pd.Timestamp.now(tz="UTC"))
        chart = digest.chart()
        card = reply_card(digest.reply(()), chart_url=chart.url)
    except DataUnavailable as error:
        print(f"No data for the test card: {error}", file=sys.stderr)
        return 1
    result = post_alert_card(url, card)
    shown = mask(url)
    if result.ok:
        print(f"Posted a test card to {shown} (HTTP {result.status}).")
        return 0
    print(f"Could not post to {shown}: {result.error} after {result.attempts} attempt(s).")
    return 1


def main(argv: list[str]) -> int:

    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    action, rest = argv[0], argv[1:]
    if action == "package":  # needs no database
        return package_main(rest)
    engine = get_engine()
    if action == "list":
        return list_all(engine)
    if action in ("subscribe", "unsubscribe", "test") and not rest:
        print(f"usage: python -m bot teams {action} URL ...", file=sys.stderr)
        return 2
    if action == "subscribe":
        return subscribe(engine, _url(rest[0]), rest[1:])
    if action == "unsubscribe":
        return unsubscribe(engine, _url(rest[0]))
    if action == "test":
        return test_post(engine, _url(rest[0]), rest[1:])
    print(__doc__, file=sys.stderr)
    return 2
