"""Battery dispatch as a linear programme (scipy ``linprog``, HiGHS).

Model, per half-hour slot t (dt = 0.5 h), all powers in kW on the grid side of the battery:

* ``charge[t]`` (0..power) imported at the tariff's import price ``price[t]`` (p/kWh);
* ``discharge[t]`` (0..min(power, site load)) used on site, so it *avoids* import at
  ``price[t]``. The site is assumed to draw a flat ``site_load_kw`` (default: the battery's
  power, i.e. every discharged kWh replaces an imported one). Without an export price nothing is
  exported;
* with an ``export_price`` column (the export tariff's, p/kWh), ``export[t]`` (0..power) is sold at
  that price;
* one converter: ``charge + discharge + export <= power`` in each slot, so charging and
  discharging in the same half-hour means time-sharing it (e.g. 15 min each), which is
  physically possible;
* state of charge ``soc[t]`` (kWh, end of slot) within [soc_min, soc_max] (default 0..capacity):
  ``soc[t] = soc[t-1] + dt * (eta * charge[t] - (discharge[t] + export[t]) / eta)``, where
  ``eta = sqrt(round-trip efficiency)`` on each leg; the end SoC equals the start SoC (which the
  optimiser picks unless given).

Objectives (minimised, relative to having no battery): ``price`` (£), ``carbon`` (kgCO2, grid
intensity gCO2/kWh; exported and displaced kWh both avoid the grid average), or ``both``: each
coefficient scaled by its range and blended with ``weight`` on price.

At negative prices the plan may charge and discharge within one slot to turn cheap energy into
losses; ``Plan.simultaneous_slots`` counts such slots.
Units: p/kWh, gCO2/kWh, kW, kWh, £, kgCO2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from flexcalc.timeslots import LONDON

DT = 0.5  # hours per slot
OBJECTIVES = ("price", "carbon", "both")


@dataclass(frozen=True)
class Battery:
    """A battery's characteristics. Fractions are of ``capacity_kwh``."""

    capacity_kwh: float
    power_kw: float  # charge and discharge limit
    efficiency: float = 0.9  # round trip, 0 < e <= 1
    soc_min_frac: float = 0.0
    soc_max_frac: float = 1.0
    initial_soc_kwh: float | None = None  # None: chosen by the optimiser (end = start)
    site_load_kw: float | None = None  # flat site demand; None: = power_kw

    def validate(self) -> None:
        """Raise ``ValueError`` with a friendly one-line message for impossible values."""
        if not self.capacity_kwh > 0:
            raise ValueError("Battery capacity must be positive, e.g. `battery 13.5 kWh 5 kW`.")
        if not self.power_kw > 0:
            raise ValueError("Battery power must be positive, e.g. `battery 13.5 kWh 5 kW`.")
        if not 0 < self.efficiency <= 1:
            raise ValueError(
                f"Round-trip efficiency must be between 1% and 100% (got "
                f"{self.efficiency * 100:g}%), e.g. `efficiency 90%`."
            )
        if not 0 <= self.soc_min_frac < self.soc_max_frac <= 1:
            raise ValueError("State-of-charge limits must satisfy 0% <= min < max <= 100%.")
        if self.initial_soc_kwh is not None and not (
            self.soc_min <= self.initial_soc_kwh <= self.soc_max
        ):
            raise ValueError("The starting state of charge must lie within the SoC limits.")
        if self.site_load_kw is not None and self.site_load_kw < 0:
            raise ValueError("The site load cannot be negative.")

    @property
    def soc_min(self) -> float:
        return self.capacity_kwh * self.soc_min_frac

    @property
    def soc_max(self) -> float:
        return self.capacity_kwh * self.soc_max_frac

    @property
    def leg_efficiency(self) -> float:
        return math.sqrt(self.efficiency)

    @property
    def load_kw(self) -> float:
        return self.power_kw if self.site_load_kw is None else self.site_load_kw


@dataclass(frozen=True)
class Plan:
    """An optimal schedule. ``schedule`` columns: price, carbon (, export_price), charge_kw,
    discharge_kw (to site), export_kw, soc_kwh (end of slot); UTC slot index."""

    schedule: pd.DataFrame
    saving_gbp: float  # vs no battery (import avoided + export earned - charging bought)
    saving_kg: float  # vs no battery (NaN if carbon is missing anywhere)
    cycles: float  # equivalent full cycles: energy out of the cells / usable capacity
    start_soc_kwh: float
    simultaneous_slots: int = 0
    notes: list[str] = field(default_factory=list)


@cache
def _equalities(n: int, eta: float, export: bool) -> sparse.csr_matrix:
    """SoC balance rows (n) plus end = start (1). Columns: charge, discharge, [export], soc, s0."""
    blocks = 4 if export else 3
    eye = sparse.identity(n, format="csr")
    shift = sparse.eye(n, k=-1, format="csr")
    parts = [-DT * eta * eye, (DT / eta) * eye]
    if export:
        parts.append((DT / eta) * eye)
    parts.append(eye - shift)
    s0 = sparse.csr_matrix(
        (np.full(1, -1.0), (np.zeros(1, dtype=int), np.zeros(1, dtype=int))), shape=(n, 1)
    )
    balance = sparse.hstack([*parts, s0])
    end = sparse.lil_matrix((1, blocks * n + 1))
    end[0, blocks * n - 1] = 1.0
    end[0, blocks * n] = -1.0
    return sparse.vstack([balance, end]).tocsr()


@cache
def _power_shared(n: int, export: bool) -> sparse.csr_matrix:
    """charge[t] + discharge[t] (+ export[t]) <= power: one converter, time-shared in a slot."""
    eye = sparse.identity(n, format="csr")
    flows = [eye, eye, eye] if export else [eye, eye]
    return sparse.hstack([*flows, sparse.csr_matrix((n, n + 1))]).tocsr()


def _scaled(values: np.ndarray) -> np.ndarray:
    spread = float(np.nanmax(values) - np.nanmin(values))
    return values / spread if spread > 0 else np.zeros_like(values)


def _coefficients(frame: pd.DataFrame, objective: str, weight: float) -> tuple[np.ndarray, ...]:
    """(import value, export value) per slot for the chosen objective."""
    price = frame["price"].to_numpy(float)
    carbon = frame["carbon"].to_numpy(float) if "carbon" in frame else np.full(len(frame), np.nan)
    export = frame["export_price"].to_numpy(float) if "export_price" in frame else None
    if objective == "price":
        return price, export
    if objective == "carbon":
        return carbon, (carbon if export is not None else None)
    if objective == "both":
        p, c = _scaled(price), _scaled(carbon)
        imp = weight * p + (1 - weight) * c
        exp = None
        if export is not None:
            exp = weight * export / max(float(np.ptp(price)), 1e-9) + (1 - weight) * c
        return imp, exp
    raise ValueError(f"Unknown objective {objective!r}; use price, carbon or both.")


def plan(
    frame: pd.DataFrame, battery: Battery, objective: str = "price", weight: float = 0.5
) -> Plan:
    """Optimal charge/discharge plan over ``frame`` (UTC half-hour index, no gaps).

    frame columns: ``price`` (p/kWh, required), ``carbon`` (gCO2/kWh; required for the carbon
    and both objectives), optional ``export_price`` (p/kWh). Raises ``ValueError`` for bad
    battery values or missing data in the objective columns.
    """
    battery.validate()
    n = len(frame)
    if n == 0:
        raise ValueError("There is no price data to plan the battery over.")
    imp, exp = _coefficients(frame, objective, weight)
    if np.isnan(imp).any() or (exp is not None and np.isnan(exp).any()):
        raise ValueError(f"Data for the {objective} objective has gaps; cannot plan over them.")
    has_export = exp is not None
    eta = battery.leg_efficiency
    p_max = battery.power_kw
    site = min(p_max, battery.load_kw)
    cost = [DT * imp, -DT * imp]
    bounds = [(0, p_max)] * n + [(0, site)] * n
    if has_export:
        cost.append(-DT * exp)
        bounds += [(0, p_max)] * n
    cost += [np.zeros(n), np.zeros(1)]
    bounds += [(battery.soc_min, battery.soc_max)] * n
    s0 = battery.initial_soc_kwh
    bounds.append((battery.soc_min, battery.soc_max) if s0 is None else (s0, s0))
    res = linprog(
        np.concatenate(cost),
        A_ub=_power_shared(n, has_export),
        b_ub=np.full(n, p_max),
        A_eq=_equalities(n, eta, has_export),
        b_eq=np.zeros(n + 1),
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        raise ValueError(f"The battery optimisation failed: {res.message}")
    x = res.x
    charge, discharge = x[:n], x[n : 2 * n]
    export = x[2 * n : 3 * n] if has_export else np.zeros(n)
    k = 3 if has_export else 2
    soc, start = x[k * n : (k + 1) * n], float(x[-1])
    return _result(frame, battery, charge, discharge, export, soc, start)


def _result(frame, battery, charge, discharge, export, soc, start) -> Plan:
    tidy = lambda v: np.where(np.abs(v) < 1e-7, 0.0, v)  # noqa: E731 - solver noise
    charge, discharge, export = tidy(charge), tidy(discharge), tidy(export)
    schedule = frame.copy()
    schedule["charge_kw"] = charge
    schedule["discharge_kw"] = discharge
    schedule["export_kw"] = export
    schedule["soc_kwh"] = tidy(soc)
    price = frame["price"].to_numpy(float)
    saving = DT * float(np.sum(price * (discharge - charge))) / 100
    if "export_price" in frame:
        saving += DT * float(np.sum(frame["export_price"].to_numpy(float) * export)) / 100
    if "carbon" in frame:
        carbon = frame["carbon"].to_numpy(float)
        kg = DT * float(np.sum(carbon * (discharge + export - charge))) / 1000
    else:
        kg = float("nan")
    usable = battery.soc_max - battery.soc_min
    cycles = DT * float(np.sum(discharge + export)) / battery.leg_efficiency / usable
    both = int(np.sum((charge > 1e-6) & (discharge + export > 1e-6)))
    return Plan(schedule, saving, kg, cycles, start, both)


def optimise_days(
    frame: pd.DataFrame, battery: Battery, objective: str = "price", weight: float = 0.5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One LP per complete local (Europe/London) day of ``frame`` (46, 48 or 50 slots), each
    starting and ending at the same (optimiser-chosen) SoC.

    Returns (days, skipped): ``days`` indexed by date with ``saving_gbp``, ``saving_kg``,
    ``cycles``; ``skipped`` with ``day`` and ``reason`` for days with missing slots.
    """
    battery.validate()
    needed = ["price"] + (["carbon"] if objective != "price" else [])
    needed += ["export_price"] if "export_price" in frame else []
    local_day = frame.index.tz_convert(LONDON).date
    rows: dict = {}
    skipped: list[tuple] = []
    for day, part in frame.groupby(local_day, sort=True):
        expected = _slots_in_day(day)
        if len(part) != expected or part[needed].isna().any().any():
            skipped.append((day, f"{len(part.dropna(subset=needed))} of {expected} slots"))
            continue
        p = plan(part, battery, objective, weight)
        rows[day] = (p.saving_gbp, p.saving_kg, p.cycles)
    days = pd.DataFrame.from_dict(
        rows, orient="index", columns=["saving_gbp", "saving_kg", "cycles"]
    ).rename_axis("day")
    return days, pd.DataFrame(skipped, columns=["day", "reason"])


@cache
def _slots_in_day(day) -> int:
    start = pd.Timestamp(day).tz_localize(LONDON)
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(LONDON)
    return int((end - start) / pd.Timedelta(minutes=30))


def sensitivity(
    frame: pd.DataFrame,
    battery: Battery,
    objective: str = "price",
    weight: float = 0.5,
    progress=None,
    base_days: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Total daily-LP savings for the battery as given, with +1 kWh capacity and with +1 kW
    power, and the marginal value of each step. Rows: as given, +1 kWh, +1 kW; columns
    ``capacity_kwh``, ``power_kw``, ``saving_gbp``, ``saving_kg``, ``cycles``,
    ``extra_gbp``, ``extra_kg`` (vs as given). ``progress(fraction, label)`` is optional;
    ``base_days`` (``optimise_days`` of the battery as given) saves recomputing it."""
    variants = {
        "as given": battery,
        "+1 kWh capacity": replace(battery, capacity_kwh=battery.capacity_kwh + 1),
        "+1 kW power": replace(battery, power_kw=battery.power_kw + 1),
    }
    rows = {}
    for i, (name, variant) in enumerate(variants.items()):
        if progress:
            progress(i / len(variants), f"Optimising each day ({name})")
        if name == "as given" and base_days is not None:
            days = base_days
        else:
            days, _ = optimise_days(frame, variant, objective, weight)
        rows[name] = {
            "capacity_kwh": variant.capacity_kwh,
            "power_kw": variant.power_kw,
            "saving_gbp": float(days["saving_gbp"].sum()),
            "saving_kg": float(days["saving_kg"].sum()),
            "cycles": float(days["cycles"].sum()),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["extra_gbp"] = table["saving_gbp"] - table.loc["as given", "saving_gbp"]
    table["extra_kg"] = table["saving_kg"] - table.loc["as given", "saving_kg"]
    return table
