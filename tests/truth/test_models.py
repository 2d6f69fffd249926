"""Models are chosen by words and named in the headline, never switched by the data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from flexcalc.cli import main
from flexcalc.engagement import PledgeOffer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DASHBOARD_WITH_EXPORT = FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
NOW = "2024-06-10 17:10"


def _battery(capsys, *words: str) -> tuple[int, str, str]:
    argv = ["battery", "13.5kWh", "5kW", *words, "--prices", str(DASHBOARD_WITH_EXPORT)]
    code = main([*argv, "--now", NOW, "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_with_an_export_column_still_plans_a_site_battery_unless_told_grid(capsys):
    code, out, _ = _battery(capsys)
    assert code == 0
    assert out.startswith("Battery plan: site battery 13.5 kWh / 5 kW")
    assert "Model: site battery" in out
    code, grid, _ = _battery(capsys, "grid")
    assert code == 0
    assert grid.startswith("Battery plan: grid battery 13.5 kWh / 5 kW")
    assert "sells everything it discharges at the export price" in grid
    # Different models, different money: the file alone no longer decides.
    assert out.split("save ")[1].split(" ")[0] != grid.split("save ")[1].split(" ")[0]


def test_a_grid_battery_without_export_prices_says_why(capsys, tmp_path):
    flat = tmp_path / "prices.csv"
    lines = ["time,cost_p_per_kwh"] + [
        f"2024-06-10T{h:02d}:{m:02d}:00Z,{10 + h}" for h in range(24) for m in (0, 30)
    ]
    flat.write_text("\n".join(lines) + "\n")
    code = main(["battery", "10kWh", "3kW", "grid", "--prices", str(flat), "--now", "2024-06-10"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "no export prices" in err and "drop `grid`" in err


def test_unwritable_chart_or_csv_exits_1_with_the_reason(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for flag, target in (("--chart", blocker / "x.png"), ("--csv", blocker / "tables")):
        code = main(["prices", "--offline", "--quiet", flag, str(target)])
        _, err = capsys.readouterr()
        assert code == 1, flag
        assert "could not write" in err and "Traceback" not in err


def _pledge_baselines(capsys, *words: str) -> set[pd.Timestamp]:
    assert main(["bestslot", "2h", *words, "--offline", "--now", "2024-06-08 17:10", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    offers = [PledgeOffer.decode(a["command"]) for a in reply["actions"] if a["kind"] == "pledge"]
    assert offers
    return {o.baseline_start for o in offers}


def test_a_pledge_is_measured_against_starting_when_asked_not_the_worst_window(capsys):
    # Asked at 17:10: the start rule's first half-hour is 17:30 (16:30 UTC), not the worst time.
    assert _pledge_baselines(capsys) == {pd.Timestamp("2024-06-08 16:30", tz="UTC")}


def test_a_stated_usual_time_becomes_the_pledge_baseline(capsys):
    assert _pledge_baselines(capsys, "usually", "7pm") == {
        pd.Timestamp("2024-06-08 18:00", tz="UTC")
    }
