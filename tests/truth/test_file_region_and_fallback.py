"""A file's region from its MPAN, and the metric a file lacks from the sample or live data.

MPAN expectations are worked out here by hand from the published rule (core = last 13 digits;
check digit = sum of the first 12 digits times 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43, mod
11, mod 10; distributor id = the core's first two digits), never by asking the reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.cli import main
from flexcalc.regions import by_mpan, is_mpan_core, mpan_core, resolve
from flexcalc.sources.csv_files import read_prices, region_shown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DASHBOARD = FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
CARBON = FIXTURES / "csv/carbon_intensity_example_out.csv"
PRIMES = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
# Distributor id -> region letter, as Elexon's market domain data lists them.
DISTRIBUTORS = {
    10: "A", 11: "B", 12: "C", 13: "D", 14: "E", 15: "F", 16: "G",
    17: "P", 18: "N", 19: "J", 20: "H", 21: "K", 22: "L", 23: "M",
}  # fmt: skip


def run(words: str, *more: str) -> int:
    return main([*words.split(), *more])


def with_check_digit(twelve: str) -> str:
    total = sum(int(d) * p for d, p in zip(twelve, PRIMES, strict=True))
    return twelve + str(total % 11 % 10)


@settings(deadline=None)  # a loaded CI machine is no reason to fail
@given(st.sampled_from(sorted(DISTRIBUTORS)), st.integers(0, 10**10 - 1))
def test_an_mpan_core_names_its_distributors_region(distributor, rest):
    core = with_check_digit(f"{distributor}{rest:010d}")
    assert is_mpan_core(core) and by_mpan(core).letter == DISTRIBUTORS[distributor]
    full = "01" + "801" + "100" + core  # profile class, MTC, LLFC, then the core
    assert mpan_core(full) == core and resolve(full).letter == DISTRIBUTORS[distributor]
    wrong = core[:12] + str((int(core[12]) + 1) % 10)
    assert not is_mpan_core(wrong)


def test_a_file_with_an_mpan_column_is_that_mpans_region(tmp_path, capsys):
    yorkshire = with_check_digit("230000123456")
    rows = DASHBOARD.read_text().splitlines()
    path = tmp_path / "my-prices.csv"
    path.write_text("\n".join([rows[0] + ",MPAN", *(r + f",{yorkshire}" for r in rows[1:])]) + "\n")
    assert read_prices(path).region == "M"
    main(["prices", "--prices", str(path), "--now", "2024-06-10 17:10", "--quiet"])
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("Yorkshire (M)")
    assert "Region Yorkshire (M): shown by my-prices.csv" in out
    main(["prices", "in", "C", "--prices", str(path), "--now", "2024-06-10 17:10", "--quiet"])
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("London (C)")
    assert "my-prices.csv shows region Yorkshire (M), but the answer is for London (C)" in out


def test_an_mpan_in_a_header_line_with_spaces_is_read():
    north_scotland = with_check_digit("170012345678")
    spaced = f"{north_scotland[:2]} {north_scotland[2:6]} {north_scotland[2 + 4 : 10]} "
    spaced += north_scotland[10:]
    assert region_shown("prices.csv", f"MPAN: 00 801 100 {spaced}\ntime,cost\n") == "P"


def test_numbers_that_are_not_mpans_do_not_set_a_region():
    stamp = "1717200000000"  # a millisecond time; 17 is a distributor id
    assert region_shown("prices.csv", f"time_ms,price\n{stamp},20.1\n") is None
    london, eastern = with_check_digit("120000000001"), with_check_digit("100000000001")
    assert region_shown("p.csv", f"mpan,price\n{london},1\n{eastern},2\n") is None  # two regions


def test_a_price_file_with_no_carbon_takes_carbon_from_the_sample_where_it_covers(
    monkeypatch, capsys
):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    main(["bestslot", "2h", "in", "C", "--prices", str(DASHBOARD), "--now", "2024-06-10 17:10"])
    out = capsys.readouterr().out
    assert "No carbon file: carbon from the bundled sample." in out
    assert "gCO2/kWh" in out.split("\n\n")[1]


def test_a_carbon_file_elsewhere_has_prices_na_offline_and_says_why(monkeypatch, capsys):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    main(["bestslot", "2h", "in", "N", "--carbon", str(CARBON), "--now", "2024-06-10 17:10"])
    out = capsys.readouterr().out
    assert "the bundled sample does not cover Mon 10 Jun 17:10: prices n/a" in out
    assert "at n/a" in out
    code = run(
        "battery 10 kWh 5 kW from 2024-06-03 to 2024-06-20 in N --quiet", "--carbon", str(CARBON)
    )
    assert code == 2 and "add a prices file" in capsys.readouterr().err


@pytest.mark.usefixtures("fake_carbon")
def test_a_carbon_file_takes_prices_live_when_the_sample_has_none(fake_octopus, capsys):
    code = main(
        [
            *["bestslot", "2h", "in", "N", "--quiet", "--carbon"],
            str(CARBON),
            "--now",
            "2024-06-08 17:30",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "No prices file: live prices." in out
    assert any("AGILE" in r and "E-1R-" in r and "-N/" in r for r in fake_octopus.requests)
    assert "p/kWh" in out.split("\n\n")[1] and "at n/a" not in out


@pytest.mark.usefixtures("fake_carbon")
def test_a_backtest_on_a_carbon_file_takes_live_prices_where_the_sample_has_none(
    fake_octopus, capsys
):
    code = run(
        "backtest 2h daily at 18:00 from 2024-06-03 to 2024-06-09 in N --quiet",
        "--carbon",
        str(CARBON),
    )
    out = capsys.readouterr().out
    assert code == 0 and "No prices file: live prices." in out
    assert "n/a (n/a)" not in out


def test_a_footprint_on_a_carbon_file_says_once_why_prices_are_na(monkeypatch, capsys):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    code = run("footprint 10 kWh in N --quiet --now 2024-06-10T17:10", "--carbon", str(CARBON))
    out = capsys.readouterr().out
    assert code == 0 and "kgCO2" in out.split("\n\n")[1]
    assert out.count("the bundled sample does not cover that period: prices n/a") == 1
    assert "cheaper at the cheapest time" not in out  # no £ claim without prices
