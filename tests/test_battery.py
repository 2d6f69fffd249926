"""Battery LP: known small cases, invariants, DST days, real history, bad input, the answer."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from flexcalc.battery import Battery, optimise_days, plan, sensitivity
from flexcalc.commands.answer_battery import answer_battery
from flexcalc.commands.requests import BatteryRequest, Context
from flexcalc.sources.base import Forecast
from tests.test_backtest import HistoryProvider, national_carbon, region, region_c_prices


def day_frame(prices: list[float], carbon: float | list[float] = 100.0, start="2024-06-10 23:00"):
    idx = pd.date_range(start, periods=len(prices), freq="30min", tz="UTC")
    return pd.DataFrame({"price": prices, "carbon": carbon}, index=idx)


def real_frame(start: str, end: str) -> pd.DataFrame:
    c = national_carbon()
    carbon = c["actual"].where(c["actual"] > 0).combine_first(c["forecast"])
    frame = pd.concat({"price": region_c_prices(), "carbon": carbon}, axis=1, sort=True)
    return frame.loc[start:end].dropna()


def test_flat_prices_mean_no_cycling():
    p = plan(day_frame([15.0] * 48), Battery(10, 5, 0.9))
    assert p.saving_gbp == pytest.approx(0, abs=1e-9)
    assert p.schedule["charge_kw"].sum() == 0
    assert p.schedule["discharge_kw"].sum() == 0
    assert p.cycles == 0


def test_two_price_day_charges_in_the_cheap_block():
    # 8 h at 10p then 16 h at 30p; 10 kWh / 5 kW, 81% round trip (90% each way).
    p = plan(day_frame([10.0] * 16 + [30.0] * 32), Battery(10, 5, 0.81))
    s = p.schedule
    assert s["charge_kw"].iloc[16:].sum() == 0  # never charges in the dear block
    assert s["discharge_kw"].iloc[:16].sum() == 0  # never discharges in the cheap block
    assert s["charge_kw"].sum() * 0.5 == pytest.approx(10 / 0.9)  # fills 10 kWh of cells
    assert s["discharge_kw"].sum() * 0.5 == pytest.approx(10 * 0.9)  # delivers 9 kWh
    assert p.saving_gbp == pytest.approx((9 * 30 - 10 / 0.9 * 10) / 100)
    assert p.cycles == pytest.approx(1.0)


def test_lossy_battery_earns_less_and_cycles_less():
    frame = real_frame("2023-06-01", "2023-06-07")
    ideal, _ = optimise_days(frame, Battery(13.5, 5, 1.0))
    lossy, _ = optimise_days(frame, Battery(13.5, 5, 0.8))
    assert ideal["saving_gbp"].sum() > lossy["saving_gbp"].sum() > 0
    assert ideal["cycles"].sum() > lossy["cycles"].sum()


def test_soc_bounds_and_start_equals_end_hold_and_balance_adds_up():
    frame = real_frame("2023-01-10 00:00", "2023-01-10 23:30")
    b = Battery(10, 3, 0.9, soc_min_frac=0.1, soc_max_frac=0.9)
    p = plan(frame, b)
    soc = p.schedule["soc_kwh"].to_numpy()
    assert soc.min() >= 1 - 1e-7 and soc.max() <= 9 + 1e-7
    assert soc[-1] == pytest.approx(p.start_soc_kwh, abs=1e-6)
    eta = math.sqrt(0.9)
    flows = 0.5 * (eta * p.schedule["charge_kw"] - p.schedule["discharge_kw"] / eta)
    assert np.allclose(p.start_soc_kwh + flows.cumsum(), soc, atol=1e-6)
    assert (p.schedule["charge_kw"] + p.schedule["discharge_kw"]).max() <= 3 + 1e-7
    fixed = plan(frame, Battery(10, 3, 0.9, initial_soc_kwh=5.0))
    assert fixed.start_soc_kwh == 5.0
    assert fixed.schedule["soc_kwh"].iloc[-1] == pytest.approx(5.0, abs=1e-6)


def test_export_sells_when_outgoing_pays_more():
    frame = day_frame([10.0] * 16 + [50.0] * 32)
    frame["export_price"] = [5.0] * 40 + [40.0] * 8
    p = plan(frame, Battery(10, 5, 1.0, site_load_kw=0.0))
    assert p.schedule["discharge_kw"].sum() == 0  # no site load to serve
    assert p.schedule["export_kw"].iloc[40:].sum() * 0.5 == pytest.approx(10)
    assert p.saving_gbp == pytest.approx((10 * 40 - 10 * 10) / 100)


def test_carbon_objective_charges_when_green():
    carbon = [300.0] * 24 + [50.0] * 12 + [300.0] * 12
    p = plan(day_frame([10.0] * 48, carbon), Battery(5, 5, 0.9), objective="carbon")
    assert p.schedule["charge_kw"].iloc[24:36].sum() > 0
    assert p.schedule["charge_kw"].drop(p.schedule.index[24:36]).sum() == 0
    assert p.saving_kg > 0


def test_dst_days_have_46_and_50_slots():
    frame = real_frame("2023-03-25 00:00", "2023-03-27 23:30")
    days, skipped = optimise_days(frame, Battery(10, 5, 0.9))
    assert list(days.index) == [dt.date(2023, 3, 25), dt.date(2023, 3, 26), dt.date(2023, 3, 27)]
    spring = frame[frame.index.tz_convert("Europe/London").date == dt.date(2023, 3, 26)]
    assert len(spring) == 46
    assert len(plan(spring, Battery(10, 5, 0.9)).schedule) == 46
    autumn = real_frame("2023-10-28 23:00", "2023-10-29 23:30")
    days, skipped = optimise_days(autumn, Battery(10, 5, 0.9))
    assert dt.date(2023, 10, 29) in days.index  # 50 slots, complete in the region C file
    assert skipped.empty


def test_missing_data_days_are_skipped_not_filled():
    frame = real_frame("2023-05-31 23:00", "2023-06-03 22:30")  # three whole UK days
    frame = frame.drop(frame.index[60:64])  # four slots of 2 June vanish
    days, skipped = optimise_days(frame, Battery(10, 5, 0.9))
    assert list(skipped["day"]) == [dt.date(2023, 6, 2)]
    assert list(days.index) == [dt.date(2023, 6, 1), dt.date(2023, 6, 3)]
    assert "44 of 48" in skipped["reason"].iloc[0]


def test_sensitivity_more_capacity_or_power_never_hurts():
    table = sensitivity(real_frame("2023-02-01", "2023-02-07"), Battery(10, 3, 0.9))
    assert table.loc["+1 kWh capacity", "extra_gbp"] >= -1e-9
    assert table.loc["+1 kW power", "extra_gbp"] >= -1e-9
    assert table.loc["as given", "saving_gbp"] > 0


@pytest.mark.parametrize(
    ("battery", "message"),
    [
        (Battery(-5, 5), "capacity must be positive"),
        (Battery(10, 0), "power must be positive"),
        (Battery(10, 5, 1.5), "between 1% and 100% \\(got 150%\\)"),
        (Battery(10, 5, 0.9, soc_min_frac=0.8, soc_max_frac=0.2), "min < max"),
    ],
)
def test_bad_battery_values_get_clear_messages(battery, message):
    with pytest.raises(ValueError, match=message):
        plan(day_frame([10.0] * 48), battery)


class ReplayProvider(HistoryProvider):
    """History replayed as a forecast: prices to 23:00 (UK) and 48 h of carbon forecast."""

    def forecast(self, region, now):
        end = now.floor("30min") + pd.Timedelta(hours=30)
        prices = self.prices[(self.prices.index >= now.floor("30min")) & (self.prices.index < end)]
        c = self.carbon["forecast"]
        carbon = c[(c.index >= now.floor("30min")) & (c.index < now + pd.Timedelta(hours=48))]
        return Forecast(
            region,
            prices.rename("price"),
            carbon.rename("carbon"),
            now,
            source="file",
            notes=["Replayed history"],
        )


def test_answer_plan_over_horizon():
    ctx = Context(
        ReplayProvider(region_c_prices(), national_carbon()),
        region("C"),
        now=pd.Timestamp("2023-06-10T16:00Z"),
    )
    reply = answer_battery(BatteryRequest(13.5, 5, 0.9), ctx)
    assert not reply.is_error
    assert "would save £" in reply.summary and "compared with no battery" in reply.summary
    assert reply.chart_png.startswith(b"\x89PNG")
    plan_csv = pd.read_csv(pd.io.common.StringIO(reply.csv["battery_plan.csv"]))
    assert len(plan_csv) == 60  # 16:00 UTC + 30 h
    assert reply.data["saving_gbp"] > 0


def test_answer_over_history_with_sensitivity():
    ctx = Context(HistoryProvider(region_c_prices(), national_carbon()), region("C"), charts=False)
    req = BatteryRequest(10, 5, 0.9, start=dt.date(2023, 12, 5), end=dt.date(2023, 12, 15))
    reply = answer_battery(req, ctx)
    assert reply.table.rows[1][0] == "+1 kWh capacity"
    assert "One more kWh of capacity would have added £" in reply.summary
    assert reply.data["days"] == 7  # prices stop on 11 Dec 2023
    assert len(reply.data["skipped"]) == 4
    assert "battery_sensitivity.csv" in reply.csv


def test_answer_bad_input():
    ctx = Context(HistoryProvider(region_c_prices(), national_carbon()), region("C"))
    with pytest.raises(ValueError, match="150%"):
        answer_battery(BatteryRequest(10, 5, 1.5), ctx)
    with pytest.raises(ValueError, match="capacity must be positive"):
        answer_battery(BatteryRequest(-1, 5), ctx)
    with pytest.raises(ValueError, match="no prices"):
        answer_battery(
            BatteryRequest(10, 5, start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 5)), ctx
        )


def test_both_objective_sits_between_price_and_carbon():
    frame = real_frame("2023-04-01 23:00", "2023-04-02 22:30")
    b = Battery(10, 5, 0.9)
    cheap, green, both = (plan(frame, b, objective) for objective in ("price", "carbon", "both"))
    assert cheap.saving_gbp >= both.saving_gbp - 1e-9
    assert green.saving_kg >= both.saving_kg - 1e-9
    assert both.saving_gbp > green.saving_gbp or both.saving_kg > cheap.saving_kg
