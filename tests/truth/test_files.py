"""Files as people have them: overlapping exports, cut-off rows, saved API pages, bare arrays.

Every expectation is written from the file's text here (what a person reading it would say),
never by calling the reader on another file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flexcalc.cli import main
from flexcalc.sources.csv_files import read_carbon, read_prices, region_shown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AUTUMN = FIXTURES / "csv/dashboard_N_2023-10-29.csv"
CARBON_JSON = FIXTURES / "carbonintensity/intensity_2020-01-01T0000Z_2020-01-02T2359Z.json"


def test_two_overlapping_exports_over_the_october_change_never_invent_the_gmt_hour(tmp_path):
    text = AUTUMN.read_text()
    lines = text.splitlines()
    merged = tmp_path / "merged.csv"
    merged.write_text("\n".join([*lines, *lines[1:20]]) + "\n")  # 19 rows listed twice
    prices = read_prices(merged)
    one = read_prices(AUTUMN)
    # The export lists 01:00 and 01:30 once: they are BST; the GMT hour stays a gap.
    assert prices.prices.equals(one.prices)
    gmt_hour = pd.date_range("2023-10-29 01:00", periods=2, freq="30min", tz="UTC")
    assert not gmt_hour.isin(prices.prices.index).any()
    assert prices.coverage.duplicates_dropped == 19
    assert not prices.coverage.complete and prices.coverage.missing == 2


def test_an_export_that_lists_the_repeated_hour_twice_reads_it_as_bst_then_gmt(tmp_path):
    rows = ["Period from,Period to,Agile Import price (p/kWh)"]
    for label, value in [("00:30", 1), ("01:00", 2), ("01:30", 3), ("01:00", 4), ("01:30", 5)]:
        rows.append(f"29/10/2023 {label},x,{value}")
    rows.append("29/10/2023 02:00,x,6")
    path = tmp_path / "both.csv"
    path.write_text("\n".join(rows) + "\n")
    got = read_prices(path).prices
    want = pd.Series(
        [1.0, 2, 3, 4, 5, 6],
        index=pd.date_range("2023-10-28 23:30", periods=6, freq="30min", tz="UTC"),
    )
    assert list(got.index) == list(want.index) and list(got) == list(want)


@pytest.mark.parametrize(
    ("last_row", "said"),
    [
        ("2024-06-02T03:00:00Z,", "line 8: no value"),
        ("2024-06-02T03:0", "line 8: unreadable time"),
        ("2024-06-02T03:00:00Z,12.3x", "line 8: price '12.3x' is not a number"),
        ("2024-06-02T03:00:00Z,1,2", "line 8: 3 fields, the header has 2"),
    ],
)
def test_a_cut_off_or_malformed_row_is_left_out_and_reported_by_line(tmp_path, last_row, said):
    rows = ["time,cost_p_per_kwh"]
    rows += [f"2024-06-02T0{i // 2}:{30 * (i % 2):02d}:00Z,{10 + i}" for i in range(6)]
    path = tmp_path / "prices.csv"
    path.write_text("\n".join([*rows, last_row]))
    got = read_prices(path)
    assert len(got.prices) == 6
    assert said in got.coverage.describe()
    assert "Error" not in got.coverage.describe()  # no library message


def test_a_saved_first_page_of_unit_rates_says_later_pages_are_missing(tmp_path):
    starts = pd.date_range("2024-06-02", periods=4, freq="30min", tz="UTC")
    results = [
        {
            "value_inc_vat": 10.0 + i,
            "valid_from": s.isoformat().replace("+00:00", "Z"),
            "valid_to": (s + pd.Timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
        }
        for i, s in enumerate(starts)
    ]
    page = {"count": 1500, "next": "https://api.octopus.energy/v1/...&page=2", "results": results}
    path = tmp_path / "page1.json"
    path.write_text(json.dumps(page))
    described = read_prices(path).coverage.describe()
    assert "one page (4 rows of 1,500 rows)" in described and "not in it" in described


def test_the_bare_array_carbon_intensity_json_is_read(tmp_path):
    slots = json.loads(CARBON_JSON.read_text())["data"]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(slots))
    frame = read_carbon(path).frame
    assert len(frame) == len({s["from"] for s in slots})
    first = slots[0]
    assert frame["forecast"].iloc[0] == first["intensity"]["forecast"]


def test_a_file_region_comes_only_from_what_the_file_shows():
    assert region_shown("electricity_costs_octopus_AGILE-24-04-03_C_2024-04-03.csv") == "C"
    assert region_shown("rates.json", '"tariff_code": "E-1R-AGILE-24-10-01-N"') == "N"
    assert region_shown("agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv") is None


def test_an_unstated_file_region_is_not_labelled_london(capsys):
    dashboard = FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
    main(["prices", "--prices", str(dashboard), "--now", "2024-06-10 17:10", "--quiet"])
    out = capsys.readouterr().out
    assert "London" not in out.splitlines()[0] and "region (not stated" in out.splitlines()[0]
    main(["prices", "in", "N", "--prices", str(dashboard), "--now", "2024-06-10 17:10"])
    assert "South Scotland (N)" in capsys.readouterr().out.splitlines()[0]
