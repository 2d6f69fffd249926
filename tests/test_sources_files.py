"""Reading downloaded price and carbon files (all formats), DST days, gaps and errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flexcalc.data
from flexcalc.sources.csv_files import read_carbon, read_prices
from flexcalc.timeslots import local_day_slots

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(flexcalc.data.__file__).parent


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


DASHBOARD_HEADER = "Period from,Period to,Agile Import price (p/kWh),Agile Export price (p/kWh)\n"


def dashboard_day(day: str, labels: list[tuple[str, str]]) -> str:
    rows = [
        f"{day} {a},{day} {b},{10 + i / 10:.2f},{5 + i / 10:.2f}" for i, (a, b) in enumerate(labels)
    ]
    return DASHBOARD_HEADER + "\n".join(rows) + "\n"


def half_hours(start: str, end: str) -> list[str]:
    return [
        t.strftime("%H:%M")
        for t in pd.date_range(f"2000-01-01 {start}", f"2000-01-01 {end}", freq="30min")
    ]


def test_dashboard_spring_change_row_spanning_skipped_hour_is_one_slot(tmp_path: Path) -> None:
    # 26/03/2023: 00:00, 00:30->02:00 (one slot), then 02:00 .. 23:30 = 46 local slots.
    starts = ["00:00", "00:30", *half_hours("02:00", "23:30")]
    ends = ["00:30", "02:00", *half_hours("02:30", "23:30"), "00:00"]
    path = write(
        tmp_path, "spring.csv", dashboard_day("26/03/2023", list(zip(starts, ends, strict=True)))
    )
    result = read_prices(path)
    assert len(result.prices) == 46
    assert result.prices.index.equals(local_day_slots("2023-03-26"))
    assert result.coverage.complete and result.coverage.gaps == []
    assert result.export is not None and len(result.export) == 46


def test_dashboard_autumn_change_missing_repeat_is_reported_as_a_gap(tmp_path: Path) -> None:
    # 29/10/2023: the repeated 01:00-02:00 hour appears once -> 48 rows, 50 real slots.
    starts = half_hours("00:00", "23:30")
    ends = [*starts[1:], "00:00"]
    path = write(
        tmp_path, "autumn.csv", dashboard_day("29/10/2023", list(zip(starts, ends, strict=True)))
    )
    result = read_prices(path)
    assert len(result.prices) == 48
    assert result.coverage.expected == 50
    assert [(g.start, g.missing) for g in result.coverage.gaps] == [
        (pd.Timestamp("2023-10-29 01:00Z"), 2)
    ]
    assert "2 slots" in result.coverage.describe()
    # Nothing invented: every present slot is a real slot of that local day.
    assert set(result.prices.index) < set(local_day_slots("2023-10-29"))


def test_dashboard_autumn_change_with_both_repeats_listed_has_50_slots(tmp_path: Path) -> None:
    starts = [*half_hours("00:00", "01:30"), "01:00", "01:30", *half_hours("02:00", "23:30")]
    ends = [*half_hours("00:30", "02:00"), "01:30", "02:00", *half_hours("02:30", "23:30"), "00:00"]
    path = write(
        tmp_path, "autumn50.csv", dashboard_day("29/10/2023", list(zip(starts, ends, strict=True)))
    )
    result = read_prices(path)
    assert result.prices.index.equals(local_day_slots("2023-10-29"))
    assert len(result.prices) == 50 and result.coverage.complete


def test_api_flat_csv_dst_days_have_46_and_50_slots_and_reports_missing_months() -> None:
    result = read_prices(SAMPLE / "sample_agile_C.csv.gz")  # gzipped time,cost_p_per_kwh
    prices = result.prices
    assert result.format == "api-flat"
    assert prices.index.isin(local_day_slots("2023-03-26")).sum() == 46
    assert prices.index.isin(local_day_slots("2023-10-29")).sum() == 50
    assert (prices < 0).sum() == 382
    assert prices.min() == pytest.approx(-18.123)
    # The source has no prices 2023-12-12 .. 2024-04-02: one reported gap, nothing filled in.
    [gap] = result.coverage.gaps
    assert gap.start == pd.Timestamp("2023-12-12 00:00Z") and gap.missing == 113 * 48


def test_real_dashboard_dst_days() -> None:
    spring = read_prices(FIXTURES / "csv/dashboard_N_2023-03-26.csv")
    assert spring.prices.index.equals(local_day_slots("2023-03-26"))
    # The row labelled 00:30 -> 02:00 is the 00:30 UTC slot, priced 28.66.
    assert spring.prices[pd.Timestamp("2023-03-26 00:30Z")] == pytest.approx(28.66)
    autumn = read_prices(FIXTURES / "csv/dashboard_N_2023-10-29.csv")
    assert len(autumn.prices) == 48 and autumn.coverage.missing == 2
    assert autumn.export is not None and autumn.export.min() >= 0


def test_seed_dashboard_keeps_negative_prices_and_export() -> None:
    result = read_prices(FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv")
    assert len(result.prices) == 1438 and result.coverage.complete
    assert (result.prices < 0).sum() == 17
    assert result.prices.min() == pytest.approx(-8.40)
    assert result.export is not None and result.export.max() == pytest.approx(17.39)
    # BST throughout: 02/06/2024 00:00 UK time is 23:00 UTC the day before.
    assert result.prices.index[0] == pd.Timestamp("2024-06-01 23:00Z")


def test_seed_carbon_duplicates_and_gap_are_reported() -> None:
    result = read_carbon(FIXTURES / "csv/carbon_intensity_example_out.csv")
    assert result.format == "carbon-seed"
    assert result.coverage.duplicates_dropped == 2
    assert [(g.start, g.missing) for g in result.coverage.gaps] == [
        (pd.Timestamp("2024-06-11 23:00Z"), 22)
    ]
    assert result.frame["actual"].isna().all()
    assert "duplicate" in result.coverage.describe()


def test_carbon_history_actual_zero_and_blank_are_missing() -> None:
    result = read_carbon(SAMPLE / "sample_carbon_national.csv.gz")
    frame = result.frame
    assert list(frame.columns) == ["forecast", "actual"]
    assert np.isnan(frame.loc[pd.Timestamp("2023-01-31 01:00Z"), "actual"])  # 0.0 in the file
    assert frame["actual"].isna().sum() == 46 + 5
    assert frame["actual"].dropna().min() > 0
    assert [g.missing for g in result.coverage.gaps] == [91, 31]


def test_saved_api_json_both_apis(tmp_path: Path) -> None:
    carbon = read_carbon(FIXTURES / "carbonintensity/intensity_2023-03-14T1200Z_fw48h.json")
    assert len(carbon.frame) == 96 and carbon.frame["actual"].isna().all()
    regional = read_carbon(
        FIXTURES
        / "carbonintensity"
        / "regional_intensity_2020-01-01T0000Z_2020-01-02T2359Z_regionid_13.json"
    )
    assert len(regional.frame) == 96
    current = read_carbon(FIXTURES / "carbonintensity/regional_regionid_13_current_2021-04-30.json")
    assert current.frame["forecast"].iloc[0] == 210
    rows = [
        {
            "value_exc_vat": v / 1.05,
            "value_inc_vat": v,
            "valid_from": f"2024-06-09T0{h}:00:00Z",
            "valid_to": f"2024-06-09T0{h}:30:00Z",
            "payment_method": None,
        }
        for h, v in ((2, -1.344), (1, 3.0), (0, 5.5))
    ]
    path = write(tmp_path, "rates.json", json.dumps({"count": 3, "next": None, "results": rows}))
    rates = read_prices(path)
    assert rates.format == "octopus-json"
    assert list(rates.prices) == [5.5, 3.0, -1.344]  # newest-first API order -> ascending


def test_gzipped_file_is_read(tmp_path: Path) -> None:
    source = FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
    path = tmp_path / "prices.csv.gz"
    path.write_bytes(gzip.compress(source.read_bytes()))
    assert len(read_prices(path).prices) == 1438


@pytest.mark.parametrize(
    ("reader", "text", "message"),
    [
        (read_prices, "a,b,c\n1,2,3\n", "unrecognised prices file"),
        (read_carbon, "a,b,c\n1,2,3\n", "unrecognised carbon file"),
        (read_prices, "time,carbon_intensity_forecast,carbon_intensity_actual\n", "carbon"),
        (read_carbon, "time,cost_p_per_kwh\n2024-01-01 00:00:00+00:00,1\n", "prices"),
        (read_prices, '{"results": [', "not valid JSON"),
        (read_prices, "time,cost_p_per_kwh\n2024-01-01 00:10:00+00:00,1\n", "half-hour"),
    ],
)
def test_unreadable_files_give_clear_value_errors(tmp_path: Path, reader, text, message) -> None:
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ValueError, match=message):
        reader(path)


def test_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        read_prices(tmp_path / "nope.csv")


def test_octopus_json_with_both_payment_methods_keeps_direct_debit(tmp_path: Path) -> None:
    rows = [
        {
            "value_inc_vat": 30.0,
            "valid_from": "2024-06-09T00:00:00Z",
            "valid_to": "2024-06-09T00:30:00Z",
            "payment_method": "NON_DIRECT_DEBIT",
        },
        {
            "value_inc_vat": 28.0,
            "valid_from": "2024-06-09T00:00:00Z",
            "valid_to": "2024-06-09T00:30:00Z",
            "payment_method": "DIRECT_DEBIT",
        },
    ]
    path = write(tmp_path, "rates.json", json.dumps({"count": 2, "next": None, "results": rows}))
    result = read_prices(path)
    assert result.prices.tolist() == [28.0] and result.coverage.duplicates_dropped == 0
