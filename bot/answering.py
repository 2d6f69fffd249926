"""Text in the shared grammar -> ``Reply``: the doors' way in to the command table.

``understand`` reads a line, ``reply_for`` answers it with its ``bot.commands.table`` entry.
Neither raises: usage problems come back as the domain's friendly usage reply, anything
unexpected as a short apology.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from bot.commands.context import apology, default_region, make_context
from bot.commands.table import Asked, command_for
from bot.observability import metrics
from bot.security import admin
from bot.services import Services
from bot.where import Where
from flexcalc.commands import UsageError, parse
from flexcalc.commands.requests import Request
from flexcalc.regions import Region
from flexcalc.reply import Reply

__all__ = [
    "Where", "apology", "default_region", "make_context", "refusal_for", "reply_for", "reply_to",
]  # fmt: skip

log = logging.getLogger(__name__)


def understand(text: str, services: Services | None = None) -> Request | Reply:
    """The parsed request, or the reply to give instead (friendly usage message / apology).

    With ``services``, postcode districts missing from the bundled table are looked up live.
    """

    try:
        lookup = services.provider.lookup_postcode if services is not None else None
        return parse(text, lookup)
    except UsageError as problem:
        metrics.record_command(None, "usage")
        return problem.reply()
    except Exception:
        log.exception("parsing %r failed", text)
        return apology("that command")


def reply_for(
    request: Request,
    services: Services,
    where: Where,
    *,
    charts: bool = True,
    now: Any = None,
    provider: Any = None,
    progress: Any = None,
    client: Any = None,
) -> Reply:
    """Answer a parsed request with its command table entry. Never raises.

    ``provider`` overrides the services' one (e.g. a ``Prefetched`` forecast); ``client`` is the
    Slack client when the question came from Slack (pledges, impact and digests need it)."""

    started, outcome = time.perf_counter(), "failed"
    asked = Asked(services, where, client, charts, now, provider, progress)
    try:
        refused = refusal_for(request, services, where, client)
        if refused is not None:  # the command table's ``who`` says not this asker
            outcome = "refused"
            return refused
        reply = command_for(request).answer(request, asked)
        outcome = "error" if reply.is_error else "ok"
        return reply
    except Exception:
        log.exception("answering %r failed", request)
        return apology("an answer to that")
    finally:
        metrics.record_command(request, outcome, time.perf_counter() - started)


def refusal_for(
    request: Request | str, services: Services, where: Where, client: Any = None
) -> Reply | None:
    """The "ask an admin" reply when the asker may not run this request (or command line) by
    its command table entry's ``who``; None when they may, or the line is not a command."""
    if isinstance(request, str):
        try:
            request = parse(request)
        except Exception:  # a usage problem or worse: the door's own answer deals with it
            return None
    command = command_for(request)
    who = command.who_for(request)
    return admin.refusal(who, command.word, services.engine, client, where.team_id,
                         where.user_id or "")  # fmt: skip


def reply_to(text: str, services: Services, where: Where, client: Any = None) -> Reply:
    """Answer one command line (``bestslot 4h``, ``help``, ``region NG1`` …). Never raises."""
    request = understand(text, services)
    if isinstance(request, Reply):
        return request
    return reply_for(request, services, where, client=client)


class Prefetched:
    """A provider whose forecast for one (region, now) was fetched up front.

    Fetching is I/O that may hang on a slow upstream; computing is CPU. Fetching first, outside
    the bounded computing turns, keeps a hung API from blocking everyone else's answers, and the
    answer and its chart (drawn afterwards) share one fetch. Failures are replayed, not retried.
    """

    def __init__(self, inner: Any, region: Region, now: Any) -> None:
        self.inner, self.region, self.now = inner, region, now
        self.result: Any = None
        self.error: Exception | None = None
        try:
            self.result = inner.forecast(region, now)
        except Exception as problem:  # DataUnavailable, or a bug: answer() deals with it
            self.error = problem

    def forecast(self, region: Region, now: Any) -> Any:
        if region == self.region and now == self.now:
            if self.error is not None:
                raise self.error
            return self.result
        return self.inner.forecast(region, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def prefetch(request: Request, services: Services, where: Where, now: Any) -> Prefetched:
    """Fetch the forecast a bestslot/prices/carbon request will need."""
    region = getattr(request, "region", None) or default_region(services, where)
    return Prefetched(services.provider, region, now)


WARM_UP_COMMAND = "bestslot 1h"


def warm_up(services: Services) -> None:
    """Answer one command (chart included) so the provider, its caches, pandas and matplotlib
    are loaded before users arrive; commands that come in meanwhile wait for it (up to
    ``services.warm_up_wait``) instead of all loading the same things at once."""
    try:
        request = understand(WARM_UP_COMMAND)
        reply_for(request, services, Where(team_id="warm-up"), charts=True)  # type: ignore[arg-type]
    except Exception:
        log.warning("warm-up failed", exc_info=True)
    finally:
        services.ready.set()


def warm_up_in_background(services: Services) -> threading.Thread:
    services.ready.clear()
    thread = threading.Thread(
        target=warm_up, args=(services,), name="flexcalc-warm-up", daemon=True
    )
    thread.start()
    return thread
