"""What flexibility is worth, end to end: command words -> CLI / commands.run -> Reply, CSV files,
progress, and friendly errors, on the real seed files and the bundled sample."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from flexcalc.cli import main
from flexcalc.commands import Context, run
from flexcalc.sources.sample import SampleProvider
from tests.test_backtest import DATA, brute_force, region, seed_carbon, seed_prices

SEED_PRICES = str(DATA / "csv" / "agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv")
SEED_CARBON = str(DATA / "csv" / "carbon_intensity_example_out.csv")


def test_cli_backtest_on_seed_files_writes_csv_and_matches_brute_force(tmp_path, capsys):
    code = main(
        [
            "backtest",
            "4h",
            "daily",
            "at",
            "09:00",
            "within",
            "24h",
            "from",
            "2024-06-02",
            "to",
            "2024-06-30",
            "in",
            "B",
            "at",
            "50",
            "kW",
            "--prices",
            SEED_PRICES,
            "--carbon",
            SEED_CARBON,
            "--csv",
            str(tmp_path),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    expect, skipped = brute_force(
        seed_prices(),
        seed_carbon(),
        8,
        dt.time(9),
        dt.timedelta(hours=24),
        dt.date(2024, 6, 2),
        dt.date(2024, 6, 30),
        200,
    )
    saved = sum(e["baseline_cost"] - e["cheapest_cost"] for e in expect.values())
    assert f"would have saved £{saved:,.2f}" in out
    # 12 Jun (the carbon API outage) counts for £; its kgCO2 is n/a and it is listed.
    assert "Over 29 days (Sun 02 Jun 2024 to Sun 30 Jun 2024)" in out
    assert skipped == []
    assert "1 day(s) without complete carbon data, counted for the other metric only" in out
    assert "12 Jun 2024" in out
    days = pd.read_csv(tmp_path / "backtest_days.csv")
    assert len(days) == len(expect) == 29
    assert days["saved_gbp"].sum() == pytest.approx(saved, abs=0.01)
    assert (tmp_path / "backtest_summary.csv").exists()
    assert (tmp_path / "backtest_skipped.csv").read_text().count("2024-06-12") == 0


@pytest.mark.slow
def test_cli_battery_plan_and_history_offline(tmp_path, capsys):
    code = main(
        [
            "battery",
            "13.5",
            "kWh",
            "5",
            "kW",
            "efficiency",
            "90%",
            "--offline",
            "--now",
            "2024-06-08 17:30",
            "--csv",
            str(tmp_path),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "compared with no battery" in out and "Offline sample data" in out
    plan = pd.read_csv(tmp_path / "battery_plan.csv")
    assert {"charge_kw", "discharge_kw", "soc_kwh"} <= set(plan.columns)
    code = main(
        [
            "battery",
            "10",
            "kWh",
            "3",
            "kW",
            "from",
            "2023-03-20",
            "to",
            "2023-03-31",
            "--offline",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "+1 kWh capacity" in out and "+1 kW power" in out
    assert "One more kWh of capacity would have added £" in out


def test_cli_footprints_offline(capsys):
    assert (
        main(
            [
                "footprint",
                "10",
                "kWh",
                "in",
                "B",
                "--offline",
                "--quiet",
                "--now",
                "2024-06-08 10:00",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "at the 16:00–19:00 peak would emit" in out and "Winter (Dec-Feb)" in out
    assert (
        main(
            [
                "footprint",
                "storage",
                "50",
                "TB",
                "ssd",
                "replication",
                "3",
                "pue",
                "1.4",
                "in",
                "C",
                "--offline",
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "2,208 kWh a year" in out
    assert "national carbon intensity only" in out


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["battery", "10", "kWh", "5", "kW", "efficiency", "150%"], "between 1% and 100%"),
        (["battery", "-5", "kWh", "5", "kW"], "positive"),
        (
            ["backtest", "4h", "daily", "from", "2021-01-01", "to", "2021-01-31", "--offline"],
            "no prices",
        ),
        (["backtest", "4h", "daily", "within", "2h"], "at least as long"),
    ],
)
def test_bad_input_gets_one_friendly_line(words, message, capsys):
    code = main([*words, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_progress_reported_for_a_year_backtest():
    seen: list[tuple[float, str]] = []
    ctx = Context(
        SampleProvider(),
        region("C"),
        charts=False,
        progress=lambda f, label: seen.append((f, label)),
    )
    reply = run("backtest 2h daily at 18:00 within 12h from 2023-01-01 to 2023-12-31", ctx)
    assert not reply.is_error
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(seen) > 10  # fetched in 4-week chunks
    assert any(label.startswith("Fetching history") for _, label in seen)


@pytest.mark.slow
def test_cli_grid_battery_on_dashboard_file_sells_at_agile_outgoing(capsys):
    code = main(
        [
            "battery",
            "13.5",
            "kWh",
            "5",
            "kW",
            "grid",
            "in",
            "B",
            "from",
            "2024-06-03",
            "to",
            "2024-06-16",
            "--prices",
            SEED_PRICES,
            "--carbon",
            SEED_CARBON,
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Battery over history: grid battery 13.5 kWh / 5 kW")
    assert "sells everything it discharges at the export price" in out
    assert "kgCO2 leaves out 1 day(s)" in out  # 12 June has a carbon gap
    assert "(0 skipped for missing data)" in out  # prices are complete, so it is still planned
