"""``help`` and ``help COMMAND``: the grammar, in words people read."""

from __future__ import annotations

from flexcalc.commands.grammar import EXAMPLES
from flexcalc.reply import Field, Reply

USAGE: dict[str, str] = {
    "bestslot": "bestslot DURATION [within HOURS | by (before) HH:MM | between HH:MM and HH:MM "
    "| tonight | overnight | today | this morning/afternoon/evening | tomorrow [morning|"
    "afternoon|evening]] [after HH:MM] [usually HH:MM] [in REGION] "
    "[for price|carbon|both|export] [on TARIFF] [split] [at N kW | N kWh]",
    "prices": "prices [today | tonight | tomorrow | this/tomorrow morning/afternoon/evening | "
    "overnight] [in REGION] [on TARIFF] — upcoming prices, cheapest, dearest and negative slots "
    "(a forecast, marked, where not yet published)",
    "tariff": "tariff agile|go|intelligent|cosy|flux|tracker|fixed|outgoing|PRODUCT-CODE | "
    "tariff custom 7.5p 00:30-04:30, 28p otherwise | tariff bands red 16:00-19:00 weekdays +15p "
    "— the default tariff; 'on TARIFF' after any command prices one answer",
    "compare": "compare tariffs [DURATION] [at HH:MM] [from DATE] [to DATE] [in REGION] "
    "[battery N kWh N kW] — a daily load (and a battery) on every tariff, shifted and not",
    "carbon": "carbon [today | tonight | tomorrow | this/tomorrow morning/afternoon/evening | "
    "overnight] [in REGION] — intensity now, generation mix and the 48 h outlook (or that span's "
    "lowest, highest and greenest 2 h)",
    "backtest": "backtest DURATION daily [at HH:MM] [within HOURS] [from DATE] [to DATE] "
    "[in REGION] [at N kW] — what shifting a daily job would have saved",
    "battery": "battery N kWh N kW [site|grid] [efficiency 90%] [for price|carbon|both] "
    "[in REGION] — the optimal charge/discharge plan (site: discharging offsets the site's "
    "import, the default; grid: sells at the export price)",
    "footprint": "footprint N kWh [in REGION] | footprint storage SIZE [ssd|hdd] "
    "[replication N] [pue X] [in REGION]",
    "alerts": "alerts subscribe [HH:MM] [in REGION] [DURATION] [tomorrow] | alerts when "
    "price|carbon below N | alerts list | alerts unsubscribe",
    "region": "region REGION — set this channel's default (letter A-P, name, postcode or MPAN)",
    "impact": "impact [me|channel|team] [week|month|all] | impact hide me | impact show me "
    "— what kept pledges saved, with a team leaderboard",
    "digest": "digest subscribe #CHANNEL [DAY] [HH:MM] | digest unsubscribe | digest "
    "— the weekly leadership digest",
    "accuracy": "accuracy [week|month] — how past advice did once prices and carbon were "
    "known: regret against the best window in hindsight, forecast vs published prices",
    "forget": "forget me — delete your pledges and settings in this workspace",
    "help": "help [COMMAND]",
}

DETAILS = (
    "DURATION: 4h, 90m, 2h30m, 1.5h (rounded up to whole half-hours, at most 24 h). "
    "REGION: a letter A-P, a name (London, East Midlands), a postcode or outcode (NG1 1AA), "
    "or an MPAN. Times are UK time, on the half-hour (07:00, 7:30pm); a window starts at the "
    "next half-hour boundary, never in the past."
)


def answer_help(topic: str | None) -> Reply:
    """The command list, or one command's usage with examples."""
    if topic and topic in USAGE:
        return Reply(
            title=f"help {topic}",
            summary=USAGE[topic],
            notes=[DETAILS] + [f"Example: {e}" for e in EXAMPLES[topic]],
        )
    return Reply(
        title="Flexcalc — when to use electricity so it costs less and emits less",
        summary="Commands (the same words in team chat, the shell and the CLI):",
        fields=[
            Field(name, usage.split(" — ")[-1] if " — " in usage else usage)
            for name, usage in USAGE.items()
        ],
        notes=[DETAILS, "Try: bestslot 4h · bestslot 2h by 07:00 in NG1 for both · carbon"],
    )
