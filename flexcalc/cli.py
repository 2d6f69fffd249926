"""``python -m flexcalc``: the same command words as in team chat, plus flags for scripts.

    python -m flexcalc bestslot 4h by 07:00 in NG1 for both
    python -m flexcalc bestslot 4h --by 07:00 --region NG1 --for both --json

Exit codes: 0 answered, 2 bad input (a one-line reason and examples, never a traceback),
1 the data could not be had.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from flexcalc import __version__, regions
from flexcalc.commands import Context, UsageError, answer, parse
from flexcalc.commands.answer_tariffs import default_choice
from flexcalc.commands.grammar import MAX_DATE, MIN_DATE
from flexcalc.reply import Reply
from flexcalc.sources.csv_files import UnstatedRegion
from flexcalc.sources.live import LiveProvider
from flexcalc.sources.missing_metric import MissingMetric
from flexcalc.sources.providers import FileProvider, make_provider, offline_requested
from flexcalc.timeslots import utc

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flexcalc",
        description="When to use electricity in GB so it costs less and emits less.",
        epilog="Examples: bestslot 4h | bestslot 2h by 07:00 in NG1 for both | prices | carbon "
        "| backtest 4h daily at 09:00 | battery 13.5 kWh 5 kW | footprint 10 kWh. "
        "'help COMMAND' explains one command.",
    )
    p.add_argument("words", nargs="*", help="a command in the shared grammar, e.g. bestslot 4h")
    p.add_argument("--version", action="version", version=f"flexcalc {__version__}")
    g = p.add_argument_group("the same options as words")
    g.add_argument("--within", metavar="HOURS", help="finish within this long (e.g. 12h)")
    g.add_argument("--by", metavar="HH:MM", help="finish by this UK time")
    g.add_argument("--between", nargs="+", metavar="HH:MM", help="only between two UK times")
    g.add_argument("--region", metavar="REGION", help="letter, name, postcode/outcode or MPAN")
    g.add_argument("--for", dest="objective", choices=["price", "carbon", "both"])
    g.add_argument("--split", action="store_true", help="allow non-adjacent half-hours")
    g.add_argument("--kw", type=float, help="power of the load (kW): adds £ and kgCO2")
    g.add_argument("--kwh", type=float, help="energy of the load (kWh): adds £ and kgCO2")
    g.add_argument("--at", metavar="HH:MM", help="backtest: the usual start time")
    g.add_argument("--from", dest="date_from", metavar="DATE", help="history from (YYYY-MM-DD)")
    g.add_argument("--to", dest="date_to", metavar="DATE", help="history to (YYYY-MM-DD)")
    o = p.add_argument_group("data and output")
    o.add_argument(
        "--prices", metavar="FILE", help="prices from a CSV/JSON file instead of the API"
    )
    o.add_argument(
        "--carbon", metavar="FILE", help="carbon from a CSV/JSON file instead of the API"
    )
    o.add_argument("--offline", action="store_true", help="use the bundled sample data")
    o.add_argument("--now", metavar="TIME", help="pretend it is this UK time (replay history)")
    o.add_argument("--json", action="store_true", help="print the answer as JSON")
    o.add_argument("--chart", metavar="PNG", help="save the chart to this file")
    o.add_argument("--csv", metavar="DIR", help="write the answer's tables as CSV files here")
    o.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def command_text(args: argparse.Namespace) -> str:
    """The words plus every flag, turned into the shared grammar."""
    words = list(args.words)
    if args.within:
        words += ["within", args.within]
    if args.by:
        words += ["by", args.by]
    if args.between:
        times = [t for t in args.between if t.lower() != "and"]
        words += ["between", *times[:1], "and", *times[1:]]
    if args.at:
        words += ["at", args.at]
    if args.date_from:
        words += ["from", args.date_from]
    if args.date_to:
        words += ["to", args.date_to]
    if args.region:
        words += ["in", args.region]
    if args.objective:
        words += ["for", args.objective]
    if args.split:
        words.append("split")
    if args.kw is not None:
        words += ["at", f"{args.kw:g}kW"]
    if args.kwh is not None:
        words.append(f"{args.kwh:g}kWh")
    return " ".join(words)


def parse_now(text: str) -> pd.Timestamp:
    """``--now`` as UTC: a UK wall time (``2024-06-08 17:30``) or an ISO time with offset."""
    try:
        stamp = utc(text)
    except (ValueError, OverflowError, TypeError):
        stamp = None
    if stamp is None or pd.isna(stamp) or not MIN_DATE <= stamp.date() <= MAX_DATE:
        raise UsageError(
            f"--now {text!r}: give a UK date and time from {MIN_DATE.year} to {MAX_DATE.year},"
            " e.g. --now '2024-06-08 17:30'."
        )
    return stamp


def file_region(provider: FileProvider) -> regions.Region:
    """The region files answer for when the words don't say: the one the files show (tariff
    code or MPAN), else the configured ``FLEX_REGION``, else "not stated" (never silently
    London)."""
    shown = provider.region_shown()
    if shown is not None:
        return regions.by_letter(shown)
    configured = regions.configured()
    if configured is not None:
        return configured
    return UnstatedRegion(**dataclasses.asdict(regions.configured_default()))


def file_fallback(args: argparse.Namespace) -> MissingMetric:
    """Where a file's missing metric comes from: the sample where it covers, else live data
    (not with ``--offline`` or ``FLEX_OFFLINE``)."""
    offline = args.offline or offline_requested()
    return MissingMetric(None if offline else LiveProvider())


def make_context(args: argparse.Namespace) -> Context:
    if args.prices or args.carbon:
        provider = FileProvider(args.prices, args.carbon, fallback=file_fallback(args))
        default = file_region(provider)
    else:
        provider = make_provider(offline=True if args.offline else None)
        default = regions.configured_default()
    now = parse_now(args.now) if args.now else None
    return Context(
        provider=provider,
        region=default,
        now=now,
        charts=bool(args.chart) or not args.json,
        progress=None if args.quiet else _progress_bar(),
        tariff=default_choice(),
    )


def _progress_bar() -> Callable[[float, str], None]:
    """A tqdm bar on stderr, created on first use so short answers print nothing."""
    state: dict = {}

    def update(fraction: float, label: str) -> None:
        from tqdm import tqdm

        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=100, file=sys.stderr, leave=False, unit="%")
        bar.set_description(label)
        bar.update(max(0, round(fraction * 100) - bar.n))
        if fraction >= 1:
            bar.close()

    return update


def emit(reply: Reply, args: argparse.Namespace) -> int:
    """Print the answer and write any --chart/--csv files; 1 (with the reason) if a file
    could not be written, else 0."""
    print(reply.to_json() if args.json else reply.to_text())
    try:
        if args.chart and reply.chart_png:
            Path(args.chart).write_bytes(reply.chart_png)
            if not args.json:
                print(f"\nChart saved to {args.chart}")
        elif args.chart:
            print(f"flexcalc: this answer has no chart; {args.chart} not written", file=sys.stderr)
        if args.csv and reply.csv:
            folder = Path(args.csv)
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in reply.csv.items():
                (folder / name).write_text(text)
            if not args.json:
                print(f"Tables saved to {folder}/: {', '.join(reply.csv)}")
    except OSError as err:
        where = err.filename or args.chart or args.csv
        print(f"flexcalc: could not write {where}: {err.strerror or err}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # retries are reported in the answer
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["forecast"]:
        # Training and the skill measure import scikit-learn (~90 MB, ADR 0108): only here.
        from flexcalc import forecast_cli

        return forecast_cli.main(argv[1:])
    args = build_parser().parse_args(argv)  # bad flags: argparse prints usage and exits 2
    text = command_text(args)
    try:
        ctx = make_context(args)
        request = parse(text or "help", ctx.provider.lookup_postcode)
    except (UsageError, regions.UnknownRegion, ValueError, OSError) as err:
        reply = err.reply() if isinstance(err, UsageError) else None
        if reply is None:
            print(f"flexcalc: {err}", file=sys.stderr)
            return 2
        print(reply.to_json() if args.json else reply.to_text(), file=sys.stderr)
        return 2
    try:
        reply = answer(request, ctx)
    except Exception as err:  # a bug: one line for the person, the details in the log
        log.error("answering %r failed: %s: %s", text, type(err).__name__, err)
        print("flexcalc: sorry, something went wrong working that out (logged).", file=sys.stderr)
        return 1
    if isinstance(ctx.provider, FileProvider) and not reply.is_error:
        region = ctx.region_for(getattr(request, "region", None))
        reply.notes[:0] = ctx.provider.region_notes(region)
    if reply.is_error:
        print(reply.to_json() if args.json else reply.to_text(), file=sys.stderr)
        return 1 if reply.data.get("error") == "unavailable" else 2
    return emit(reply, args)
