"""The command table: every command word, and for each how it is parsed, answered, explained,
who may run it (its permissions column, ``bot.commands.permissions``, which the web reads too)
and whether it is fast or slow.

Every door (Slack slash commands, mentions and DMs, the Home tab, Teams, the shell) reads a
command line with ``understand`` and answers it with ``Command.answer`` from ``command_for``;
nothing else in ``bot/`` matches command words. Usage text and examples come from their one
owner, the grammar's help (``flexcalc.commands.help.USAGE`` and ``grammar.EXAMPLES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk import WebClient

from bot.advice import record as advice_record
from bot.advice import report as advice_report
from bot.commands.context import make_context
from bot.commands.permissions import EVERYONE, WHO, Who, WhoRule, who_under
from bot.commands.settings import alerts_reply, region_reply, tariff_reply
from bot.engagement.commands import handle as engagement_answer
from bot.services import Services
from bot.where import Where
from flexcalc.commands import answer as domain_answer
from flexcalc.commands import parse
from flexcalc.commands.grammar import EXAMPLES, PostcodeLookup, tokenize
from flexcalc.commands.help import USAGE
from flexcalc.commands.requests import (
    AccuracyRequest,
    AlertsRequest,
    BacktestRequest,
    BatteryRequest,
    BestSlotRequest,
    CarbonRequest,
    CompareTariffsRequest,
    DigestRequest,
    FootprintEnergyRequest,
    FootprintStorageRequest,
    ForgetRequest,
    HelpRequest,
    ImpactRequest,
    ImpactVisibilityRequest,
    PricesRequest,
    RegionRequest,
    Request,
    TariffRequest,
)
from flexcalc.reply import Reply

Speed = Literal["fast", "slow"]


@dataclass(frozen=True)
class Asked:
    """Who asked, where, and how the answer will be shown (what every answer function gets)."""

    services: Services
    where: Where
    client: WebClient | None = None  # the Slack client when asked in Slack (pledges need it)
    charts: bool = True
    now: Any = None
    provider: Any = None  # overrides services.provider (e.g. a prefetched forecast)
    progress: Callable[[float, str], None] | None = None

    def context(self) -> Any:
        return make_context(
            self.services,
            self.where,
            charts=self.charts,
            now=self.now,
            provider=self.provider,
            progress=self.progress,
        )


Answer = Callable[[Any, Asked], Reply]


@dataclass(frozen=True)
class Command:
    """One command word and everything the doors need to know about it."""

    word: str
    requests: tuple[type, ...]  # the request types ``parse`` gives for this word
    answer: Answer
    speed: Speed = "fast"  # slow: a progress message first (history, optimisation)
    who: WhoRule = EVERYONE  # who may run it: its rule in ``permissions.WHO``
    chart_after: bool = False  # post the answer first, draw its chart afterwards
    slack_only: bool = False  # kept per Slack workspace: other doors say so (not in Teams' list)

    @property
    def usage(self) -> str:
        return USAGE[self.word]

    @property
    def examples(self) -> list[str]:
        return list(EXAMPLES[self.word])

    def who_for(self, request: Request) -> Who:
        """Who may run this request (``who``, by the request's ``action`` for some words)."""
        return who_under(self.who, getattr(request, "action", None))

    def parse(self, rest: str, lookup: PostcodeLookup | None = None) -> Request:
        """The request for ``WORD rest`` (raises ``UsageError`` with this word's examples)."""
        return parse(f"{self.word} {rest}".strip(), lookup)


def _computed(request: Request, asked: Asked) -> Reply:
    """A domain answer (flexcalc.commands), with the asker's region and tariff."""
    return domain_answer(request, asked.context())


def _bestslot(request: BestSlotRequest, asked: Asked) -> Reply:
    """A bestslot answer; its recommended window is recorded for scoring (issue 14)."""
    ctx = asked.context()
    reply = domain_answer(request, ctx)
    engine = asked.services.engine
    nobody = asked.where.channel_id is None and asked.where.user_id is None  # e.g. the warm-up
    if engine is None or reply.is_error or nobody:
        return reply
    choice = request.tariff or ctx.tariff
    given = advice_record.from_answer(
        reply.data,
        team_id=asked.where.team_id,
        channel_id=asked.where.channel_id,
        user_id=asked.where.user_id,
        tariff=choice.text() if choice is not None else "",
        now=ctx.current_time(),
    )
    if given is not None:
        advice_record.save(engine, given)
    return reply


def _accuracy(request: AccuracyRequest, asked: Asked) -> Reply:
    """How this workspace's past advice did; the shell (no database) is told where it works."""
    engine = asked.services.engine
    if engine is None:
        return _computed(request, asked)
    now = asked.context().current_time()
    return advice_report.accuracy(
        engine, asked.services.provider, asked.where.team_id, now, request.period
    )


def _tariff(request: TariffRequest, asked: Asked) -> Reply:
    if request.choice is None:
        return _computed(request, asked)
    return tariff_reply(request, asked.services, asked.where, asked.context(), domain_answer)


def _region(request: RegionRequest, asked: Asked) -> Reply:
    return region_reply(request, asked.services, asked.where)


def _alerts(request: AlertsRequest, asked: Asked) -> Reply:
    return alerts_reply(request, asked.services, asked.where)


def _engagement(request: Any, asked: Asked) -> Reply:
    """Pledges, impact and digests belong to a Slack workspace; elsewhere this says so (the
    application layer knows the platforms; the domain only says "team chat")."""
    if asked.client is None:
        return Reply(
            title="That one works in Slack",
            summary="Pledges, team impact and the weekly digest are kept per Slack workspace: "
            "use /flex impact, /flex digest or /flex forget me there.",
        )
    return engagement_answer(request, asked.services, asked.where, asked.client)


_ENTRIES = (
    Command("bestslot", (BestSlotRequest,), _bestslot, chart_after=True),
    Command("prices", (PricesRequest,), _computed, chart_after=True),
    Command("carbon", (CarbonRequest,), _computed, chart_after=True),
    Command("backtest", (BacktestRequest,), _computed, speed="slow"),
    Command("battery", (BatteryRequest,), _computed, speed="slow"),
    Command(
        "footprint", (FootprintEnergyRequest, FootprintStorageRequest), _computed, speed="slow"
    ),
    Command("tariff", (TariffRequest,), _tariff),
    Command("compare", (CompareTariffsRequest,), _computed),
    Command("region", (RegionRequest,), _region),
    Command("alerts", (AlertsRequest,), _alerts, who=WHO["alerts"]),
    Command("impact", (ImpactRequest, ImpactVisibilityRequest), _engagement, slack_only=True),
    Command("digest", (DigestRequest,), _engagement, who=WHO["digest"], slack_only=True),
    Command("forget", (ForgetRequest,), _engagement, slack_only=True),
    Command("accuracy", (AccuracyRequest,), _accuracy),
    Command("help", (HelpRequest,), _computed),
)

TABLE: dict[str, Command] = {command.word: command for command in _ENTRIES}
_BY_REQUEST: dict[type, Command] = {kind: c for c in _ENTRIES for kind in c.requests}


def lookup(word: str) -> Command | None:
    """The command for a word (``/bestslot``, ``Prices`` and ``?`` included), or None."""
    word = word.lower().lstrip("/")
    return TABLE.get("help" if word == "?" else word)


def command_for(request: Request) -> Command:
    """The table entry that answers a parsed request."""
    return _BY_REQUEST[type(request)]


_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")


def command_line(text: str, command: str = "/flex") -> str:
    """The command words a person typed, however they reached us.

    A slash command's own word goes in front (``/bestslot`` + ``4h`` -> ``bestslot 4h``);
    Slack mentions, a leading slash and a leading ``flex`` are dropped; nothing left is ``help``.
    """
    words = _MENTION.sub(" ", text or "").split()
    word = command.lstrip("/").lower()
    if word != "flex":
        words = [word, *words]
    if words and words[0].lower().lstrip("/") == "flex":
        words = words[1:]
    return " ".join(words).lstrip("/") or "help"


def word_of(line: str) -> Command | None:
    """The command a line starts with (None: not a command word, e.g. ``4h``)."""
    words = tokenize(line)
    return lookup(words[0]) if words else None
