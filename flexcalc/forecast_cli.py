"""``flexcalc forecast train|skill``: rebuild the shipped price model, and measure its skill.

    flexcalc forecast train [--history DIR] [--until DATE] [--out FILE] [--json]
    flexcalc forecast skill --prices FILE --carbon FILE from DATE to DATE [in REGION] [--json]
        [--model auto|shipped|refit] [--no-carbon]

Exit codes as the main CLI: 0 done, 2 bad input (one line, never a traceback).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from flexcalc import regions
from flexcalc.forecast import model as price_model
from flexcalc.forecast import skill, training
from flexcalc.forecast.features import NotEnoughHistory
from flexcalc.forecast.history import History, read_history
from flexcalc.sources.csv_files import read_carbon, read_prices
from flexcalc.tariffs.regional_formula import to_wholesale
from flexcalc.timeslots import utc

DEFAULT_HISTORY = Path("tests/fixtures/history")
DEFAULT_OUT = Path(__file__).parent / "data" / price_model.MODEL_FILE
MIN_REFIT_DAYS = 60
CARBON_NOTE = (
    "the carbon file's recorded forecast column (the Carbon Intensity API forecast as recorded for "
    "each slot, i.e. its latest near-term forecast, not the one published at 10:00 on D-1: it "
    "flatters the model slightly; --no-carbon gives the carbon-free figure)"
)
USAGE = (
    "usage: flexcalc forecast train [--history DIR] [--until DATE] [--out FILE] [--json]\n"
    "       flexcalc forecast skill --prices FILE --carbon FILE from DATE to DATE [in REGION] "
    "[--json]"
)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("train", "skill"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        if argv[0] == "train":
            return _train(_train_parser().parse_args(argv[1:]))
        return _skill(_skill_parser().parse_args(argv[1:]))
    except (ValueError, OSError, regions.UnknownRegion) as err:
        print(f"flexcalc forecast: {err}", file=sys.stderr)
        return 2


def _train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flexcalc forecast train")
    p.add_argument("--history", type=Path, default=DEFAULT_HISTORY, help="recorded history folder")
    p.add_argument("--until", metavar="DATE", help="train on prices before this date only")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model file to write")
    p.add_argument("--json", action="store_true")
    return p


def _train(args: argparse.Namespace) -> int:
    history = read_history(args.history)
    if args.until:
        history = history.before(utc(_date(args.until).isoformat()))
    started = time.perf_counter()
    model = training.fit(history)
    seconds = time.perf_counter() - started
    path = price_model.save(model, args.out)
    result = {
        "model": str(path),
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rows": model.rows,
        "trained_from": model.trained_from,
        "trained_until": model.trained_until,
        "seconds": round(seconds, 1),
    }
    return _emit(
        result,
        args.json,
        f"Trained on {model.rows:,} rows ({model.trained_from[:10]} to "
        f"{model.trained_until[:10]}) in {seconds:.0f} s; wrote {path} "
        f"({result['bytes'] / 1e6:.2f} MB).",
    )


def _emit(result: dict, as_json: bool, text: str) -> int:
    """Print ``result`` as JSON, or ``text`` for people; exit code 0."""
    print(json.dumps(result, indent=2) if as_json else text)
    return 0


def _skill_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flexcalc forecast skill")
    p.add_argument("words", nargs="+", help="from DATE to DATE [in REGION]")
    p.add_argument("--prices", required=True, metavar="FILE", help="the region's import prices")
    p.add_argument("--carbon", metavar="FILE", help="carbon history with a forecast column")
    p.add_argument("--no-carbon", action="store_true", help="score without the carbon forecast")
    p.add_argument("--model", choices=["auto", "shipped", "refit"], default="auto")
    p.add_argument("--json", action="store_true")
    return p


def _skill_words(words: list[str]) -> tuple[date, date, str]:
    tokens = [w.lower() for w in words]
    values: dict[str, str] = {}
    for key in ("from", "to", "in"):
        if key in tokens:
            at = tokens.index(key)
            if at + 1 >= len(words):
                raise ValueError(f"'{key}' needs a value")
            values[key] = " ".join(words[at + 1 : at + 2])
    if "from" not in values or "to" not in values:
        raise ValueError("say which days to score: from YYYY-MM-DD to YYYY-MM-DD")
    first, last = _date(values["from"]), _date(values["to"])
    if last < first:
        raise ValueError(f"'to' ({last}) is before 'from' ({first})")
    region = values.get("in") or os.environ.get("FLEX_REGION", "C")
    return first, last, regions.resolve(region).letter


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _skill(args: argparse.Namespace) -> int:
    first, last, letter = _skill_words(args.words)
    prices = read_prices(args.prices).prices
    carbon = None
    if args.carbon and not args.no_carbon:
        carbon = read_carbon(args.carbon).frame["forecast"]
    cutoff = utc(f"{first - timedelta(days=1)} 10:00")
    model, model_info = _skill_model(args.model, prices, letter, carbon, cutoff)
    result = skill.evaluate(model, prices, letter, carbon, first, last)
    if not result["days"]:
        raise ValueError(f"no whole day from {first} to {last} has prices and a week before it")
    result = {
        "region": letter,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "decision": "10:00 UK on D-1 for D 00:00-24:00 UK",
        "persistence": "the same UK slot on the latest published day",
        "carbon_forecast": CARBON_NOTE if carbon is not None else "none",
        "model": model_info,
        **result,
    }
    return _emit(
        result,
        args.json,
        f"{result['days']} days in region {letter}: model MAE {result['model_mae']:.2f} p/kWh "
        f"vs persistence {result['persistence_mae']:.2f} (ratio {result['mae_ratio']}); "
        f"regret {result['model_regret']:.2f} vs {result['persistence_regret']:.2f} "
        f"(ratio {result['regret_ratio']}); 10-90% band held "
        f"{result['inside_10_90']:.0%} of actual prices.",
    )


def _skill_model(
    choice: str, prices: pd.Series, letter: str, carbon: pd.Series | None, cutoff: pd.Timestamp
) -> tuple[price_model.PriceModel, dict]:
    """The shipped model, or one refitted on the file's prices published before the first
    decision (honest when the shipped model has seen the days being scored)."""
    before = prices[prices.index < cutoff].dropna()
    enough = len(before) >= MIN_REFIT_DAYS * 48
    if choice == "refit" or (choice == "auto" and enough):
        if not enough:
            raise ValueError(f"refit needs {MIN_REFIT_DAYS} days of prices before the first day")
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([], tz="UTC"))
        history = History(to_wholesale(before, letter), carbon if carbon is not None else empty)
        try:
            model = training.fit(history)
        except NotEnoughHistory as err:
            raise ValueError(str(err)) from None
        return model, {
            "kind": "refit on the prices file before the first decision",
            "trained_until": model.trained_until,
        }
    model = price_model.shipped_model()
    overlaps = pd.Timestamp(model.trained_until) >= cutoff
    return model, {
        "kind": "shipped",
        "trained_until": model.trained_until,
        "overlaps_scored_days": bool(overlaps),
    }
