"""Coverage is measured against the stated period, and an annual figure from less than a year
says it is extrapolated and from what share."""

from __future__ import annotations

from pathlib import Path

from flexcalc.cli import main

SEED_CARBON = Path(__file__).resolve().parents[1] / "fixtures/csv/carbon_intensity_example_out.csv"


def test_storage_footprint_from_a_month_of_carbon_says_its_true_share(capsys):
    lines = SEED_CARBON.read_text().splitlines()
    slots = len(lines) - 1  # one half-hour per row, no duplicates in this file
    assert main(["footprint", "storage", "50TB", "--carbon", str(SEED_CARBON), "--quiet"]) == 0
    out = capsys.readouterr().out
    share = slots / (365 * 48)  # 365 UK days to the last day; the two clock changes cancel
    shown = out.split("Data coverage")[1].split("%")[0].strip()
    assert abs(float(shown) / 100 - share) < 0.002
    assert "extrapolated to a year from the" in out
    assert "100.0%" not in out
