"""Read downloaded price and carbon files; the format is detected from the header.

Prices (``read_prices``):
- Octopus dashboard export ``Period from,Period to,Agile Import price (p/kWh),Agile Export price
  (p/kWh)`` with ``dd/mm/yyyy HH:MM`` UK local times. The spring-change row labelled
  00:30→02:00 is one 30-minute slot. On the autumn change an export lists the repeated local hour
  once: the first occurrence of a repeated label is read as BST (a second one, if present, as
  GMT), and the slots never listed are reported as a gap, not invented.
- API-flattened ``time,cost_p_per_kwh`` (UTC slot starts).
- Saved Octopus ``standard-unit-rates`` JSON (``results[]``).

Carbon (``read_carbon``):
- ``carbon_intensity_forecast,carbon_intensity_actual,carbon_intensity_index,time`` (UTC).
- ``PeriodFrom,PeriodTo,CarbonIntensity`` (UTC; forecast only).
- Saved Carbon Intensity ``/intensity`` or single-region ``/regional`` JSON.

Files may be gzipped (``.gz``). Unrecognised files raise ``ValueError`` with a readable message.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flexcalc.sources import payloads
from flexcalc.sources.coverage import Coverage
from flexcalc.timeslots import LONDON

PathLike = str | Path

DASHBOARD_COLUMNS = ("Period from", "Period to")
FLAT_PRICE_COLUMNS = ("time", "cost_p_per_kwh")
CARBON_HISTORY_COLUMNS = ("carbon_intensity_forecast", "carbon_intensity_actual", "time")
CARBON_SEED_COLUMNS = ("PeriodFrom", "CarbonIntensity")


@dataclass
class PriceFile:
    """Agile prices read from a file."""

    prices: pd.Series  # import p/kWh inc VAT, name "price"
    export: pd.Series | None  # export p/kWh (dashboard exports only), name "export"
    coverage: Coverage
    format: str  # "octopus-dashboard" | "api-flat" | "octopus-json"
    path: str = ""


@dataclass
class CarbonFile:
    """Carbon intensity read from a file."""

    frame: pd.DataFrame  # columns forecast, actual (gCO2/kWh, NaN where missing)
    coverage: Coverage
    format: str  # "carbon-history" | "carbon-seed" | "carbon-json"
    path: str = ""


def _open_text(path: Path) -> str:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
                return handle.read()
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file.") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"{path}: cannot read it as text ({exc}).") from None


def _header(text: str) -> list[str]:
    first = text.lstrip().split("\n", 1)[0]
    return [c.strip().strip('"') for c in first.split(",")]


def _load_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}).") from None


def _csv(text: str, path: Path) -> pd.DataFrame:
    from io import StringIO

    try:
        frame = pd.read_csv(StringIO(text), skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable CSV ({exc}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _find(columns: list[str], *words: str) -> str | None:
    for column in columns:
        low = column.lower()
        if all(w in low for w in words):
            return column
    return None


def _unrecognised(path: Path, header: list[str], kind: str) -> ValueError:
    shown = ",".join(header)[:120]
    if kind == "prices":
        expected = (
            "an Octopus dashboard export (Period from,Period to,Agile Import price (p/kWh),…), "
            "time,cost_p_per_kwh, or Octopus standard-unit-rates JSON"
        )
    else:
        expected = (
            "carbon_intensity_forecast,carbon_intensity_actual,carbon_intensity_index,time, "
            "PeriodFrom,PeriodTo,CarbonIntensity, or Carbon Intensity API JSON"
        )
    return ValueError(f"{path}: unrecognised {kind} file (header: {shown!r}). Expected {expected}.")


def _utc_column(values: pd.Series, path: Path) -> pd.DatetimeIndex:
    try:
        index = pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601")).rename(None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable timestamps ({exc}).") from None
    payloads.check_half_hours(index, str(path))
    return index


def dashboard_slot_starts(labels: pd.Series, path: Path | str = "file") -> pd.DatetimeIndex:
    """UK local ``dd/mm/yyyy HH:MM`` 'Period from' labels, in row order -> UTC slot starts.

    A label that occurs twice (the autumn repeated hour) is BST the first time and GMT the second;
    a label listed once is taken as its first (BST) occurrence.
    """
    try:
        naive = pd.to_datetime(labels.str.strip(), format="%d/%m/%Y %H:%M")
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: 'Period from' is not dd/mm/yyyy HH:MM ({exc}).") from None
    first_time = naive.groupby(naive).cumcount().to_numpy() == 0
    local = pd.DatetimeIndex(naive).tz_localize(
        LONDON, ambiguous=first_time, nonexistent="shift_forward"
    )
    return local.tz_convert("UTC").rename(None)


def _prices_dashboard(frame: pd.DataFrame, path: Path) -> tuple[pd.Series, pd.Series | None]:
    columns = list(frame.columns)
    import_col = _find(columns, "import", "price") or _find(columns, "price")
    if import_col is None:
        raise _unrecognised(path, columns, "prices")
    export_col = _find(columns, "export", "price")
    if export_col == import_col:
        export_col = None
    index = dashboard_slot_starts(frame["Period from"], path)
    prices = pd.Series(
        pd.to_numeric(frame[import_col], errors="coerce").to_numpy(), index=index, name="price"
    )
    export = None
    if export_col is not None:
        export = pd.Series(
            pd.to_numeric(frame[export_col], errors="coerce").to_numpy(), index=index, name="export"
        )
    return prices, export


def read_prices(path: PathLike) -> PriceFile:
    """Agile import (and export, if present) prices from a CSV or JSON file."""
    path = Path(path)
    text = _open_text(path)
    if text.lstrip().startswith(("{", "[")):
        payload = _load_json(text, path)
        if not isinstance(payload, dict) or "results" not in payload:
            if isinstance(payload, dict) and "data" in payload:
                raise ValueError(f"{path}: this is carbon intensity data; pass it as carbon.")
            raise ValueError(f"{path}: JSON without Octopus 'results'; not a unit-rates file.")
        raw = payloads.octopus_rates(payload["results"], what=str(path))
        prices, dupes = payloads.tidy(raw)
        return PriceFile(
            prices, None, Coverage.of(prices.index, dupes, "prices"), "octopus-json", str(path)
        )
    header = _header(text)
    if set(CARBON_HISTORY_COLUMNS) <= set(header) or set(CARBON_SEED_COLUMNS) <= set(header):
        raise ValueError(f"{path}: this is a carbon intensity file; pass it as carbon, not prices.")
    frame = _csv(text, path)
    export: pd.Series | None = None
    if all(c in frame.columns for c in DASHBOARD_COLUMNS):
        raw, export, fmt = *_prices_dashboard(frame, path), "octopus-dashboard"
    elif all(c in frame.columns for c in FLAT_PRICE_COLUMNS):
        index = _utc_column(frame["time"], path)
        values = pd.to_numeric(frame["cost_p_per_kwh"], errors="coerce").to_numpy()
        raw, fmt = pd.Series(values, index=index, name="price"), "api-flat"
    else:
        raise _unrecognised(path, header, "prices")
    prices, dupes = payloads.tidy(raw.astype(float))
    if export is not None:
        export, _ = payloads.tidy(export.astype(float))
    if prices.empty:
        raise ValueError(f"{path}: no prices in the file.")
    return PriceFile(prices, export, Coverage.of(prices.index, dupes, "prices"), fmt, str(path))


def read_carbon(path: PathLike) -> CarbonFile:
    """Carbon intensity (forecast and, where known, actual) from a CSV or JSON file."""
    path = Path(path)
    text = _open_text(path)
    if text.lstrip().startswith(("{", "[")):
        payload = _load_json(text, path)
        if isinstance(payload, dict) and "results" in payload:
            raise ValueError(f"{path}: these are Octopus prices; pass them as prices.")
        frame = payloads.carbon_frame(payload, what=str(path))
        frame = frame.dropna(how="all")
        if frame.empty:
            raise ValueError(f"{path}: no carbon intensity values in the file.")
        return CarbonFile(frame, Coverage.of(frame.index, 0, "carbon"), "carbon-json", str(path))
    header = _header(text)
    frame = _csv(text, path)
    if all(c in frame.columns for c in CARBON_HISTORY_COLUMNS):
        index = _utc_column(frame["time"], path)
        forecast = frame["carbon_intensity_forecast"]
        actual = frame["carbon_intensity_actual"]
        fmt = "carbon-history"
    elif all(c in frame.columns for c in CARBON_SEED_COLUMNS):
        index = _utc_column(frame["PeriodFrom"], path)
        forecast = frame["CarbonIntensity"]
        actual = pd.Series(np.nan, index=frame.index)
        fmt = "carbon-seed"
    elif all(c in frame.columns for c in DASHBOARD_COLUMNS) or "cost_p_per_kwh" in frame.columns:
        raise ValueError(f"{path}: these are Agile prices; pass them as prices, not carbon.")
    else:
        raise _unrecognised(path, header, "carbon")
    data = pd.DataFrame(
        {
            "forecast": pd.to_numeric(forecast, errors="coerce").to_numpy(dtype=float),
            "actual": pd.to_numeric(actual, errors="coerce").to_numpy(dtype=float),
        },
        index=index,
    )
    data.loc[data["actual"] == 0, "actual"] = np.nan
    data = data.dropna(how="all")
    dupes = int(data.index.duplicated(keep="last").sum())
    data = data[~data.index.duplicated(keep="last")].sort_index()
    if data.empty:
        raise ValueError(f"{path}: no carbon intensity values in the file.")
    return CarbonFile(data, Coverage.of(data.index, dupes, "carbon"), fmt, str(path))
