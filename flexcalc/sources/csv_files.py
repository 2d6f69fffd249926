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

Files may be gzipped (``.gz``). Unrecognised files raise ``ValueError`` with a readable message;
malformed rows (unreadable time or value, too many fields, a cut-off last row) are left out and
reported by line number in ``Coverage.problems``, never with a library's message. A saved API
page with more pages to come (``next`` set) says so. A file's region is ``None`` unless the file
shows it: an Octopus tariff code such as ``E-1R-AGILE-24-04-03-C`` in its name or text, or an
MPAN in a column or header line named "MPAN" (its distributor id: 10 -> A ... 23 -> M).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flexcalc.regions import Region, by_mpan, mpan_core
from flexcalc.sources import payloads
from flexcalc.sources.coverage import Coverage
from flexcalc.timeslots import LONDON

PathLike = str | Path

DASHBOARD_COLUMNS = ("Period from", "Period to")
FLAT_PRICE_COLUMNS = ("time", "cost_p_per_kwh")
CARBON_HISTORY_COLUMNS = ("carbon_intensity_forecast", "carbon_intensity_actual", "time")
CARBON_SEED_COLUMNS = ("PeriodFrom", "CarbonIntensity")
MAX_PROBLEMS_SHOWN = 5
# An Octopus electricity tariff code (E-1R-AGILE-24-04-03-C) or a flattened export's file name
# (electricity_costs_octopus_AGILE-24-04-03_C_...): the region letter the file shows.
_TARIFF_REGION = re.compile(r"\bE-[12]R-[A-Z0-9-]+?-([A-HJ-NP])\b")
_NAME_REGION = re.compile(r"AGILE(?:-[A-Z]+)*-\d\d-\d\d-\d\d_([A-HJ-NP])_", re.I)
# Digits, possibly grouped by single spaces as bills print an MPAN ("12 3456 7890 123").
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?: ?\d)*(?!\d)")


@dataclass(frozen=True)
class UnstatedRegion(Region):
    """The region of a user's file when neither the file nor the words state it: it keeps a
    default region's ids (national data works the same) but never claims its name."""

    @property
    def label(self) -> str:
        return "your file's region (not stated: add `in REGION`)"


def region_shown(path: PathLike, text: str = "") -> str | None:
    """The region letter a file shows in its name or first 4 KB: a tariff code, else an MPAN
    (see ``mpan_region``), else None."""
    name = Path(path).name
    for pattern, where in ((_TARIFF_REGION, name), (_NAME_REGION, name), (_TARIFF_REGION, text)):
        found = pattern.search(where[:4096])
        if found:
            return found.group(1).upper()
    return mpan_region(f"{name}\n{text[:4096]}")


def mpan_region(text: str) -> str | None:
    """The region letter of the MPANs in ``text`` (13-digit cores or 21-digit full MPANs, spaces
    allowed, check digit right), only where the text says "MPAN" (a column or a header line):
    bare 13-digit numbers such as millisecond times are not taken for one. None when there are
    none, or when they belong to different regions."""
    if "mpan" not in text.lower():
        return None
    letters = set()
    for run in _DIGIT_RUN.finditer(text):
        for candidate in (run.group(0), *run.group(0).split(" ")):  # grouped, or a lone number
            core = mpan_core(candidate)
            if core is not None:
                letters.add(by_mpan(core).letter)
                break
    return letters.pop() if len(letters) == 1 else None


@dataclass
class PriceFile:
    """Half-hourly electricity prices read from a file (any tariff's)."""

    prices: pd.Series  # import p/kWh inc VAT, name "price"
    export: pd.Series | None  # export p/kWh (dashboard exports only), name "export"
    coverage: Coverage
    format: str  # "octopus-dashboard" | "api-flat" | "octopus-json"
    path: str = ""
    region: str | None = None  # the letter the file shows (tariff code), else None


@dataclass
class CarbonFile:
    """Carbon intensity read from a file."""

    frame: pd.DataFrame  # columns forecast, actual (gCO2/kWh, NaN where missing)
    coverage: Coverage
    format: str  # "carbon-history" | "carbon-seed" | "carbon-json"
    path: str = ""
    region: str | None = None  # the letter the file shows (an MPAN), else None


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


def _csv(text: str, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The rows as text columns, with a ``line`` column (the file's line number), plus the
    problems found: rows with more fields than the header, reported by line number.

    Well-formed files take pandas' C parser (blank lines kept so row i is line i + 2); a file
    with a row of too many fields is read again line by line to name those rows."""
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return _csv_by_line(text, path)
    if '"' in text:  # a quoted field may span lines: count lines exactly instead
        return _csv_by_line(text, path)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame["line"] = np.arange(2, len(frame) + 2)
    blank = (frame.drop(columns="line") == "").all(axis=1).to_numpy()
    return frame[~blank].reset_index(drop=True), []


def _csv_by_line(text: str, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """``_csv`` with Python's csv module, one row at a time (exact line numbers)."""
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    try:
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path}: the file is empty.")
        header = [h.strip() for h in header]
        rows, lines, problems = [], [], []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                problems.append(f"line {line}: {len(row)} fields, the header has {len(header)}")
                continue
            rows.append([cell.strip() for cell in row] + [""] * (len(header) - len(row)))
            lines.append(line)
    except csv.Error as exc:
        raise ValueError(f"{path}: not a readable CSV (line {reader.line_num}: {exc}).") from None
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame["line"] = lines
    return frame, problems


def _numbers(values: pd.Series, lines: pd.Series, what: str, problems: list[str]) -> np.ndarray:
    """Floats; a non-empty cell that is not a number (or not finite) is a problem by line."""
    text = values.fillna("").astype(str)
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    bad = (text != "").to_numpy() & ~np.isfinite(numbers)
    lines = lines.to_numpy()
    for line, cell in zip(lines[bad], text[bad], strict=True):
        problems.append(f"line {line}: {what} {cell[:20]!r} is not a number")
    numbers[bad] = np.nan
    return numbers


def _problem_rows(index: pd.DatetimeIndex, lines: pd.Series, problems: list[str]) -> np.ndarray:
    """Rows whose time could not be read (NaT): reported by line, to be left out."""
    bad = np.asarray(pd.isna(index))
    problems.extend(f"line {line}: unreadable time" for line in lines[bad])
    return bad


def _sorted_problems(problems: list[str]) -> tuple[str, ...]:
    def line_of(text: str) -> int:
        found = re.match(r"line (\d+)", text)
        return int(found.group(1)) if found else 0

    return tuple(sorted(problems, key=line_of))


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
    """ISO 8601 times -> UTC; an unreadable or cut-off one (``2024-06-02T03:0``) becomes NaT,
    reported by the caller."""
    text = values.fillna("").astype(str)
    lengths = text.str.len().to_numpy()
    usual = np.bincount(lengths).argmax() if len(lengths) else 0
    odd = lengths != usual  # only rows unlike the rest can be cut off: check those closely
    whole = np.ones(len(text), dtype=bool)
    whole[odd] = [bool(_ISO_RE.match(t.strip())) for t in text[odd]]
    parsed = pd.to_datetime(text.where(whole), utc=True, format="ISO8601", errors="coerce")
    index = pd.DatetimeIndex(parsed).rename(None)
    payloads.check_half_hours(index[~pd.isna(index)], str(path))
    return index


_ISO_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$", re.I
)


def dashboard_slot_starts(labels: pd.Series, path: Path | str = "file") -> pd.DatetimeIndex:
    """UK local ``dd/mm/yyyy HH:MM`` 'Period from' labels, in row order -> UTC slot starts.

    A label of the autumn repeated hour is GMT only where the rows themselves go back in time
    inside that hour (01:00, 01:30, 01:00, 01:30: the clock went back); otherwise it is BST, so
    two overlapping exports that each list the hour once give duplicates (dropped), never an
    invented GMT hour. An unreadable label becomes NaT (reported by the caller).
    """
    naive = pd.to_datetime(labels.astype(str).str.strip(), format="%d/%m/%Y %H:%M", errors="coerce")
    naive = pd.DatetimeIndex(naive)
    bst = np.ones(len(naive), dtype=bool)
    ok = ~pd.isna(naive)
    local_try = naive[ok].tz_localize(LONDON, ambiguous="NaT", nonexistent="shift_forward")
    ambiguous = np.zeros(len(naive), dtype=bool)
    ambiguous[np.flatnonzero(ok)] = np.asarray(pd.isna(local_try))
    for i in np.flatnonzero(ambiguous):
        j = i - 1
        if j >= 0 and ambiguous[j] and naive[j].date() == naive[i].date():
            # The clock went back (01:30 -> 01:00), or we are already in the GMT hour.
            bst[i] = not (naive[i] <= naive[j] or not bst[j])
    local = pd.DatetimeIndex(naive).tz_localize(LONDON, ambiguous=bst, nonexistent="shift_forward")
    return local.tz_convert("UTC").rename(None)


def _prices_dashboard(
    frame: pd.DataFrame, path: Path, problems: list[str]
) -> tuple[pd.Series, pd.Series | None]:
    columns = [c for c in frame.columns if c != "line"]
    import_col = _find(columns, "import", "price") or _find(columns, "price")
    if import_col is None:
        raise _unrecognised(path, columns, "prices")
    export_col = _find(columns, "export", "price")
    if export_col == import_col:
        export_col = None
    index = dashboard_slot_starts(frame["Period from"], path)
    bad = _problem_rows(index, frame["line"], problems)
    values = _numbers(frame[import_col], frame["line"], "price", problems)
    _missing_values(frame[import_col], frame["line"], problems, bad)
    prices = pd.Series(values, index=index, name="price")[~bad]
    export = None
    if export_col is not None:
        values = _numbers(frame[export_col], frame["line"], "export price", problems)
        export = pd.Series(values, index=index, name="export")[~bad]
    return prices, export


def _missing_values(
    values: pd.Series, lines: pd.Series, problems: list[str], skip: np.ndarray
) -> None:
    """A row with a time but an empty value (often a cut-off last row): a problem by line."""
    empty = (values.fillna("").astype(str) == "").to_numpy() & ~skip
    problems.extend(f"line {line}: no value" for line in lines[empty])


def read_prices(path: PathLike) -> PriceFile:
    """Import (and export, if present) prices from a CSV or JSON file."""
    path = Path(path)
    text = _open_text(path)
    region = region_shown(path, text)
    if text.lstrip().startswith(("{", "[")):
        payload = _load_json(text, path)
        if not isinstance(payload, dict) or "results" not in payload:
            if isinstance(payload, list) or (isinstance(payload, dict) and "data" in payload):
                raise ValueError(f"{path}: this is carbon intensity data; pass it as carbon.")
            raise ValueError(f"{path}: JSON without Octopus 'results'; not a unit-rates file.")
        raw = payloads.octopus_rates(payload["results"], what=str(path))
        prices, dupes = payloads.tidy(raw)
        notes = _pagination(payload, len(payload["results"]))
        cover = Coverage.of(prices.index, dupes, "prices", problems=notes)
        return PriceFile(prices, None, cover, "octopus-json", str(path), region)
    header = _header(text)
    if set(CARBON_HISTORY_COLUMNS) <= set(header) or set(CARBON_SEED_COLUMNS) <= set(header):
        raise ValueError(f"{path}: this is a carbon intensity file; pass it as carbon, not prices.")
    frame, problems = _csv(text, path)
    export: pd.Series | None = None
    if all(c in frame.columns for c in DASHBOARD_COLUMNS):
        raw, export = _prices_dashboard(frame, path, problems)
        fmt = "octopus-dashboard"
    elif all(c in frame.columns for c in FLAT_PRICE_COLUMNS):
        index = _utc_column(frame["time"], path)
        bad = _problem_rows(index, frame["line"], problems)
        values = _numbers(frame["cost_p_per_kwh"], frame["line"], "price", problems)
        _missing_values(frame["cost_p_per_kwh"], frame["line"], problems, bad)
        raw, fmt = pd.Series(values, index=index, name="price")[~bad], "api-flat"
    else:
        raise _unrecognised(path, header, "prices")
    prices, dupes = payloads.tidy(raw.astype(float))
    if export is not None:
        export, _ = payloads.tidy(export.astype(float))
    if prices.empty:
        raise ValueError(_nothing_readable(path, "prices", problems))
    cover = Coverage.of(prices.index, dupes, "prices", problems=_sorted_problems(problems))
    return PriceFile(prices, export, cover, fmt, str(path), region)


def _nothing_readable(path: Path, what: str, problems: list[str]) -> str:
    shown = "; ".join(_sorted_problems(problems)[:MAX_PROBLEMS_SHOWN])
    return f"{path}: no {what} in the file" + (f" ({shown})." if shown else ".")


def _pagination(payload: dict, rows: int) -> tuple[str, ...]:
    """A note when a saved API page says more pages follow (``next``) or counts more rows."""
    count = payload.get("count")
    if payload.get("next"):
        more = f" of {count:,} rows" if isinstance(count, int) else ""
        return (f"this is one page ({rows:,} rows{more}); the later pages (`next`) are not in it",)
    if isinstance(count, int) and count > rows:
        return (f"the API counted {count:,} rows but the file has {rows:,}",)
    return ()


def read_carbon(path: PathLike) -> CarbonFile:
    """Carbon intensity (forecast and, where known, actual) from a CSV or JSON file."""
    path = Path(path)
    text = _open_text(path)
    if text.lstrip().startswith(("{", "[")):
        payload = _load_json(text, path)
        if isinstance(payload, dict) and "results" in payload:
            raise ValueError(f"{path}: these are Octopus prices; pass them as prices.")
        if isinstance(payload, list):  # the bare array of slots some exports save
            payload = {"data": payload}
        frame = payloads.carbon_frame(payload, what=str(path))
        frame = frame.dropna(how="all")
        if frame.empty:
            raise ValueError(f"{path}: no carbon intensity values in the file.")
        cover = Coverage.of(frame.index, 0, "carbon")
        return CarbonFile(frame, cover, "carbon-json", str(path), region_shown(path, text))
    header = _header(text)
    frame, problems = _csv(text, path)
    if all(c in frame.columns for c in CARBON_HISTORY_COLUMNS):
        index = _utc_column(frame["time"], path)
        forecast = frame["carbon_intensity_forecast"]
        actual = frame["carbon_intensity_actual"]
        fmt = "carbon-history"
    elif all(c in frame.columns for c in CARBON_SEED_COLUMNS):
        index = _utc_column(frame["PeriodFrom"], path)
        forecast = frame["CarbonIntensity"]
        actual = pd.Series("", index=frame.index)
        fmt = "carbon-seed"
    elif all(c in frame.columns for c in DASHBOARD_COLUMNS) or "cost_p_per_kwh" in frame.columns:
        raise ValueError(f"{path}: these are electricity prices; pass them as prices, not carbon.")
    else:
        raise _unrecognised(path, header, "carbon")
    bad = _problem_rows(index, frame["line"], problems)
    data = pd.DataFrame(
        {
            "forecast": _numbers(forecast, frame["line"], "forecast", problems),
            "actual": _numbers(actual, frame["line"], "actual", problems),
        },
        index=index,
    )[~bad]
    empty = data.isna().all(axis=1).to_numpy()
    problems.extend(f"line {line}: no value" for line in frame["line"][~bad][empty])
    data.loc[data["actual"] == 0, "actual"] = np.nan
    data = data.dropna(how="all")
    dupes = int(data.index.duplicated(keep="last").sum())
    data = data[~data.index.duplicated(keep="last")].sort_index()
    if data.empty:
        raise ValueError(_nothing_readable(path, "carbon intensity values", problems))
    cover = Coverage.of(data.index, dupes, "carbon", problems=_sorted_problems(problems))
    return CarbonFile(data, cover, fmt, str(path), region_shown(path, text))
