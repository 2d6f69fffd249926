"""Pure parsers for Octopus and Carbon Intensity JSON bodies (shared by clients and file readers).

Each returns data on UTC half-hour slot starts, sorted and unique, and raises ``ValueError`` with
a readable message when a body is not the expected shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from flexcalc.timeslots import SLOT

# Longest single rate row expanded into half-hour slots (day-ahead rows are 30 min already).
_MAX_EXPAND = pd.Timedelta(days=2)


def _utc_index(values: Iterable[Any]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(values), utc=True, format="ISO8601"))


def check_half_hours(index: pd.DatetimeIndex, what: str) -> None:
    """Raise ``ValueError`` unless every timestamp is a half-hour boundary."""
    off = index[(index.minute % 30 != 0) | (index.second != 0)]
    if len(off):
        raise ValueError(
            f"{what}: {off[0]:%Y-%m-%d %H:%M:%S} is not a half-hour slot start; "
            "Flexcalc needs half-hourly data."
        )


def tidy(series: pd.Series) -> tuple[pd.Series, int]:
    """Sort; drop NaN values and duplicate slots (last row wins). Returns (series, duplicates)."""
    series = series.dropna()
    dupes = int(series.index.duplicated(keep="last").sum())
    series = series[~series.index.duplicated(keep="last")].sort_index()
    return series, dupes


def direct_debit_rows(results: list[Any]) -> list[Any]:
    """Some tariffs list both payment methods; keep the direct-debit (or unlabelled) rows."""
    methods = {row.get("payment_method") for row in results if isinstance(row, dict)}
    if "NON_DIRECT_DEBIT" in methods and len(methods) > 1:
        return [row for row in results if row.get("payment_method") != "NON_DIRECT_DEBIT"]
    return results


def rate_steps(results: list[dict[str, Any]], what: str = "Octopus rates") -> pd.DataFrame:
    """Rate rows -> DataFrame ``start``, ``end`` (NaT: open-ended), ``value`` (p/kWh or p/day
    inc VAT), sorted by start. Rows of any length (half-hours, Go's bands, a fixed year)."""
    if not isinstance(results, list):
        raise ValueError(f"{what}: 'results' is not a list.")
    rows = direct_debit_rows(results)
    try:
        frame = pd.DataFrame(
            {
                "start": pd.to_datetime(
                    [r["valid_from"] for r in rows], utc=True, format="ISO8601"
                ),
                "end": pd.to_datetime(
                    [r.get("valid_to") for r in rows], utc=True, format="ISO8601"
                ),
                "value": np.asarray([r["value_inc_vat"] for r in rows], dtype=float),
            }
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"{what}: unexpected row shape ({reason}).") from None
    if frame["start"].isna().any():
        raise ValueError(f"{what}: a row has no valid_from.")
    return frame.sort_values("start", kind="stable").reset_index(drop=True)


def steps_on(steps: pd.DataFrame, slots: pd.DatetimeIndex, name: str = "price") -> pd.Series:
    """The value of the row covering each slot (NaN where none does); of overlapping rows the
    one starting last wins. ``steps`` as from ``rate_steps`` (sorted by start)."""
    values = np.full(len(slots), np.nan)
    if len(steps) and len(slots):
        starts = pd.DatetimeIndex(steps["start"]).as_unit("ns").asi8
        ends = pd.DatetimeIndex(steps["end"]).as_unit("ns")
        at = pd.DatetimeIndex(slots).as_unit("ns").asi8
        row = np.searchsorted(starts, at, side="right") - 1
        ok = row >= 0
        picked = np.where(ok, row, 0)
        end = ends.asi8[picked]
        ok &= ends.isna()[picked] | (at < end)
        values[ok] = steps["value"].to_numpy(dtype=float)[picked[ok]]
    return pd.Series(values, index=slots, name=name, dtype=float)


def octopus_rates(results: list[dict[str, Any]], what: str = "Octopus unit rates") -> pd.Series:
    """``standard-unit-rates`` ``results`` rows -> p/kWh inc VAT per UTC half-hour slot.

    Rows longer than 30 minutes (up to two days) are spread over their half-hour slots; an
    open-ended row (``valid_to`` null) counts as one slot.
    """
    if not isinstance(results, list):
        raise ValueError(f"{what}: 'results' is not a list.")
    starts: list[pd.Timestamp] = []
    values: list[float] = []
    results = direct_debit_rows(results)
    try:
        for row in results:
            start = pd.Timestamp(row["valid_from"]).tz_convert("UTC")
            end = pd.Timestamp(row["valid_to"]).tz_convert("UTC") if row.get("valid_to") else None
            value = float(row["value_inc_vat"])
            count = 1
            if end is not None and SLOT < end - start <= _MAX_EXPAND:
                count = int((end - start) / SLOT)
            for k in range(count):
                starts.append(start + k * SLOT)
                values.append(value)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{what}: unexpected row shape ({exc}).") from None
    index = pd.DatetimeIndex(starts, tz="UTC") if starts else pd.DatetimeIndex([], tz="UTC")
    check_half_hours(index, what)
    series, _ = tidy(pd.Series(values, index=index, name="price", dtype=float))
    return series


def _intensity_slots(payload: Any, what: str) -> list[dict[str, Any]]:
    """The per-slot dicts of a national or single-region Carbon Intensity body."""
    if not isinstance(payload, dict) or "data" not in payload:
        raise ValueError(f"{what}: no 'data' in the response.")
    data = payload["data"]
    # Dated single-region responses: {"data": {"regionid": .., "data": [...]}}.
    if isinstance(data, dict):
        data = data.get("data", [data])
    # Current single-region responses: {"data": [{"regionid": .., "data": [...]}]}.
    if isinstance(data, list) and data and isinstance(data[0], dict) and "regionid" in data[0]:
        if len(data) != 1:
            raise ValueError(f"{what}: several regions in one response; ask for one region.")
        data = data[0].get("data", [])
    if isinstance(data, list) and data and isinstance(data[0], dict) and "regions" in data[0]:
        raise ValueError(f"{what}: an all-regions response; ask for one region id.")
    if not isinstance(data, list):
        raise ValueError(f"{what}: 'data' is neither a list nor an object.")
    return data


def _number(value: Any) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def carbon_frame(payload: Any, what: str = "Carbon Intensity response") -> pd.DataFrame:
    """``/intensity`` or ``/regional`` body -> DataFrame ``forecast``, ``actual`` (gCO2/kWh).

    ``actual`` is NaN where absent, null or 0 (the API's 0 is an artefact, not a real value).
    """
    slots = _intensity_slots(payload, what)
    try:
        index = _utc_index(slot["from"] for slot in slots)
        forecast = [_number(slot["intensity"].get("forecast")) for slot in slots]
        actual = [_number(slot["intensity"].get("actual")) for slot in slots]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"{what}: unexpected slot shape ({exc}).") from None
    check_half_hours(index, what)
    frame = pd.DataFrame({"forecast": forecast, "actual": actual}, index=index, dtype=float)
    frame.loc[frame["actual"] == 0, "actual"] = np.nan
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    return frame


def generation_mix(payload: Any, what: str = "Carbon Intensity generation mix") -> pd.DataFrame:
    """Generation mix per slot (rows: UTC slot starts, columns: fuels, values: %).

    Accepts ``/generation`` (``data`` an object), dated ``/generation/{from}/{to}`` (a list) and
    regional intensity bodies whose slots carry ``generationmix``.
    """
    if (
        isinstance(payload, dict)
        and isinstance(payload.get("data"), dict)
        and ("generationmix" in payload["data"])
    ):
        slots = [payload["data"]]
    else:
        slots = _intensity_slots(payload, what)
    rows: dict[pd.Timestamp, dict[str, float]] = {}
    try:
        for slot in slots:
            if "generationmix" not in slot:
                continue
            start = pd.Timestamp(slot["from"]).tz_convert("UTC")
            rows[start] = {m["fuel"]: float(m["perc"]) for m in slot["generationmix"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{what}: unexpected generation mix shape ({exc}).") from None
    frame = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    if not frame.empty:
        frame.index = pd.DatetimeIndex(frame.index).tz_convert("UTC")
    return frame


def mix_at(mix: pd.DataFrame, when: pd.Timestamp) -> dict[str, float]:
    """The mix of the latest slot starting at or before ``when`` (or the first), as fuel -> %."""
    if mix.empty:
        return {}
    upto = mix.loc[:when]
    row = upto.iloc[-1] if len(upto) else mix.iloc[0]
    return {str(k): float(v) for k, v in row.dropna().items()}
