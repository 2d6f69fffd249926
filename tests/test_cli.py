"""The CLI end to end: real clients over HTTP against the loopback fakes, files, offline sample.

Expected windows are worked out independently here, by brute force over the recorded history
vendored in tests/fixtures (see PROVENANCE-shared-data.md), never by calling the engine under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from flexcalc.cli import main
from flexcalc.timeslots import LONDON

SHARED = Path(__file__).resolve().parent / "fixtures"
HISTORY_C_2024 = (
    SHARED / "history/agile/electricity_costs_octopus_AGILE-24-04-03_C_2024-04-03_2024-09-30.csv"
)
DASHBOARD_2023 = SHARED / "history/agile/agile-half-hour-actual-rates-01-01-2023_31-12-2023.csv"
CARBON_2023 = SHARED / "history/carbon/uk_carbon_intensity_2022-11-25_2023-12-11.csv"


def brute_force_cheapest(prices: pd.Series, start, end, slots: int) -> pd.Timestamp:
    """Start of the cheapest run of ``slots`` contiguous half-hours in [start, end)."""
    span = prices[(prices.index >= start) & (prices.index < end)]
    best, best_mean = None, None
    for i in range(len(span) - slots + 1):
        run = span.iloc[i : i + slots]
        if run.index[-1] - run.index[0] != pd.Timedelta(minutes=30 * (slots - 1)):
            continue
        mean = sum(run.tolist()) / slots
        if best_mean is None or mean < best_mean:
            best, best_mean = run.index[0], mean
    return best


def history_c_2024() -> pd.Series:
    frame = pd.read_csv(HISTORY_C_2024)
    return pd.Series(
        frame["cost_p_per_kwh"].to_numpy(), index=pd.to_datetime(frame["time"], utc=True)
    )


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bestslot_live_matches_brute_force_over_the_published_horizon(
    fake_octopus, fake_carbon, fake_now, capsys
):
    code, out, _ = run_cli(capsys, "bestslot", "4h", "for", "price", "--now", fake_now.isoformat())
    assert code == 0
    # At 17:30 UK time tomorrow's prices are out: the horizon runs to 23:00 tomorrow.
    local_now = fake_now.tz_convert(LONDON)
    horizon = (local_now.normalize() + pd.Timedelta(days=1, hours=23)).tz_convert("UTC")
    best = brute_force_cheapest(history_c_2024(), fake_now.floor("30min"), horizon, 8)
    start = best.tz_convert(LONDON)
    assert f"Cheapest   {start:%a %d %b %H:%M}–{start + pd.Timedelta(hours=4):%H:%M}" in out
    assert "not live" not in out  # live data (from the fakes) is never labelled as sample
    assert fake_octopus.api_requests("standard-unit-rates")
    assert fake_carbon.api_requests("regional")


def test_words_and_flags_are_the_same_question(fake_octopus, fake_carbon, fake_now, capsys):
    now = ["--now", fake_now.isoformat(), "--json"]
    _, words, _ = run_cli(capsys, "bestslot", "2h", "by", "07:00", "in", "NG1", "for", "both", *now)
    _, flags, _ = run_cli(
        capsys, "bestslot", "2h", "--by", "07:00", "--region", "NG1", "--for", "both", *now
    )
    assert json.loads(words)["data"] == json.loads(flags)["data"]
    data = json.loads(words)["data"]
    assert data["region"] == "B"
    assert set(data["windows"]) == {"Cheapest", "Greenest", "Balanced"}
    end = pd.Timestamp(data["windows"]["Cheapest"]["end"]).tz_convert(LONDON)
    assert end <= (fake_now.tz_convert(LONDON).normalize() + pd.Timedelta(days=1, hours=7))


def test_energy_gives_pounds_and_kilograms(fake_octopus, fake_carbon, fake_now, capsys):
    code, out, _ = run_cli(
        capsys, "bestslot", "3h", "at", "7", "kW", "--now", fake_now.isoformat(), "--json"
    )
    assert code == 0
    data = json.loads(out)["data"]
    assert data["energy_kwh"] == 21
    cheapest = data["windows"]["Cheapest"]
    assert cheapest["cost_gbp"] == pytest.approx(21 * cheapest["price_p_per_kwh"] / 100)
    assert cheapest["emissions_kg"] == pytest.approx(21 * cheapest["carbon_g_per_kwh"] / 1000)
    assert data["saving_vs_worst"]["cost_gbp"] > 0


def test_negative_prices_are_called_out(fake_octopus, fake_carbon, fake_now, capsys):
    code, out, _ = run_cli(capsys, "prices", "--now", fake_now.isoformat())
    assert code == 0
    assert "negative prices" in out and "paid to use" in out


def test_carbon_shows_now_mix_and_outlook(fake_octopus, fake_carbon, fake_now, capsys, tmp_path):
    chart = tmp_path / "carbon.png"
    code, out, _ = run_cli(
        capsys, "carbon", "in", "B", "--now", fake_now.isoformat(), "--chart", str(chart)
    )
    assert code == 0
    assert "Carbon intensity — East Midlands (B)" in out
    assert "Generation mix" in out and "Lowest" in out
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bestslot", "banana"], "couldn't read 'banana'"),
        (["bestslot", "0h"], "at least 30 minutes"),
        (["bestslot", "30h"], "at most 24 hours"),
        (["bestslot", "4h", "in", "ZZ9"], "ZZ9"),
    ],
)
def test_bad_input_exits_2_with_a_reason(argv, message, capsys):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err and "Try:" in err
    assert out == ""


def test_deadline_too_close_for_the_job(fake_octopus, fake_carbon, fake_now, capsys):
    by = (fake_now.tz_convert(LONDON) + pd.Timedelta(hours=1)).strftime("%H:%M")
    code, _, err = run_cli(capsys, "bestslot", "4h", "by", by, "--now", fake_now.isoformat())
    assert code == 2
    assert "can't fit" in err


def test_downloaded_files_on_the_spring_dst_day(capsys):
    # 2023-03-26 has 46 half-hours; a 22:00-07:00 job spans the missing hour.
    code, out, _ = run_cli(
        capsys, "bestslot", "3h", "between", "22:00", "and", "07:00", "for", "price",
        "--prices", str(DASHBOARD_2023), "--carbon", str(CARBON_2023),
        "--now", "2023-03-25T21:00", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)["data"]
    win = data["windows"]["Cheapest"]
    start, end = pd.Timestamp(win["start"]), pd.Timestamp(win["end"])
    assert end - start == pd.Timedelta(hours=3)  # 6 real half-hours, even across the change
    local_start = start.tz_convert(LONDON)
    assert local_start.hour >= 22 or local_start.hour < 7


def test_offline_sample_is_labelled_on_every_answer(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    monkeypatch.setenv("FLEX_CACHE_DIR", str(tmp_path))
    for argv in (["bestslot", "2h"], ["prices"], ["carbon"]):
        code, out, _ = run_cli(capsys, *argv)
        assert code == 0
        assert "Offline sample data" in out and "not live" in out


def test_module_entry_point_never_prints_a_traceback(tmp_path):
    env = {**os.environ, "FLEX_OFFLINE": "1", "FLEX_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "flexcalc", "bestslot", "4h", "by", "nonsense"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "not a time of day" in proc.stderr
