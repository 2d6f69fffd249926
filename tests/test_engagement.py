"""Pledge savings from real outcome data, impact aggregation, the weekly digest and tips.

Hand-checked examples use the recorded history vendored in tests/fixtures/history (region C Agile
prices and national carbon intensity, forecast and actual), read with the project's CSV readers.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flexcalc import engagement, tips
from flexcalc.engagement import Outcome, PledgeOffer, pledge_saving
from flexcalc.sources.csv_files import read_carbon, read_prices
from flexcalc.sources.sample import sample_carbon

HISTORY = Path(__file__).resolve().parent / "fixtures" / "history"
AGILE = sorted((HISTORY / "agile").glob("electricity_costs_octopus_*_C_*.csv"))
CARBON = sorted((HISTORY / "carbon").glob("uk_carbon_intensity_*.csv"))


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture(scope="module")
def prices() -> pd.Series:
    parts = pd.concat([read_prices(p).prices for p in AGILE]).sort_index()
    return parts[~parts.index.duplicated()]


@pytest.fixture(scope="module")
def carbon() -> pd.DataFrame:
    if not CARBON:
        return sample_carbon().frame
    parts = pd.concat([read_carbon(p).frame for p in CARBON]).sort_index()
    return parts[~parts.index.duplicated()]


# ---- pledge_saving against hand-checked history ------------------------------------------


def test_saving_uses_the_measured_carbon_not_the_forecast(prices, carbon):
    # Sun 09 Jun 2024, 8 kWh at 01:00-03:00 UTC instead of 16:00-18:00 UTC.
    # Prices 2.898 0.126 2.058 2.1 (mean 1.7955) vs 29.82 30.912 30.723 31.458 (30.72825):
    #   8 kWh x 28.93275 p = £2.3146.
    # Actual carbon 60 58 59 57 (58.5) vs 106 111 116 120 (113.25): 8 x 54.75 g = 0.438 kg.
    # (The forecast, 58.5 vs 97.75, would have said 0.314 kg.)
    saving = pledge_saving(
        prices, carbon, ts("2024-06-09 01:00"), ts("2024-06-09 03:00"), ts("2024-06-09 16:00"), 8
    )
    assert saving.gbp == pytest.approx(2.31462, abs=1e-5)
    assert saving.kg_co2 == pytest.approx(0.438, abs=1e-9)
    assert saving.carbon_basis == "actual"
    assert saving.carbon_window == pytest.approx(58.5)
    assert saving.carbon_baseline == pytest.approx(113.25)
    assert saving.baseline == (ts("2024-06-09 16:00"), ts("2024-06-09 18:00"))
    assert saving.text() == "you saved 0.44 kgCO2 and £2.31"


def test_missing_actuals_fall_back_to_the_forecast_and_say_so(prices, carbon):
    # Fri 09 Dec 2022: the 17:30 actual is empty, its forecast is 268.
    # Window actual 249 247 246 245 (246.75) vs 265 267 266 [268] (266.5): 10 x 19.75 g.
    # Prices 39.628785 36.919785 38.641785 35.79723 vs 74.551785 + 3 x 82.143285:
    #   10 x (80.24541 - 37.74689625) p = £4.24985.
    saving = pledge_saving(
        prices, carbon, ts("2022-12-09 01:00"), ts("2022-12-09 03:00"), ts("2022-12-09 16:00"), 10
    )
    assert saving.carbon_basis == "actual and forecast"
    assert saving.kg_co2 == pytest.approx(0.1975)
    assert saving.gbp == pytest.approx(4.2498514, abs=1e-6)
    assert "forecast for the rest" in engagement.basis_note(saving.carbon_basis)


def test_forecast_only_carbon_is_labelled_forecast(prices, carbon):
    forecast_only = carbon["forecast"]
    saving = pledge_saving(
        prices,
        forecast_only,
        ts("2024-06-09 01:00"),
        ts("2024-06-09 03:00"),
        ts("2024-06-09 16:00"),
        8,
    )
    assert saving.carbon_basis == "forecast"
    assert saving.kg_co2 == pytest.approx(8 * (97.75 - 58.5) / 1000)


def test_a_gap_in_the_data_is_reported_never_filled(prices, carbon):
    # National carbon is missing 2023-10-20 22:00 -> 2023-10-22 19:00 UTC.
    saving = pledge_saving(
        prices, carbon, ts("2023-10-21 02:00"), ts("2023-10-21 04:00"), ts("2023-10-21 17:00"), 5
    )
    assert saving.kg_co2 is None and saving.carbon_basis == "none"
    assert saving.gbp is not None  # prices are complete that day
    assert any("Carbon intensity is missing" in n for n in saving.notes)
    assert not saving.complete
    assert saving.text().startswith("you saved") and "kgCO2" not in saving.text()


def test_a_pledge_that_turned_out_worse_says_so_honestly():
    idx = pd.date_range(ts("2024-01-01 00:00"), periods=8, freq="30min")
    p = pd.Series([10, 10, 20, 20, 5, 5, 5, 5], index=idx, dtype=float)
    c = pd.DataFrame(
        {"forecast": [100] * 8, "actual": [150, 150, 0, 0, 100, 100, 100, 100]},
        index=idx,
        dtype=float,
    )
    # actual 0 counts as missing -> forecast 100 used for the baseline slots 01:00-02:00
    s = pledge_saving(p, c, idx[0], idx[2], idx[2], 4)
    assert s.kg_co2 == pytest.approx(4 * (100 - 150) / 1000)
    assert s.gbp == pytest.approx(4 * (20 - 10) / 100)
    assert s.carbon_basis == "actual and forecast"
    assert s.text() == "you saved 40p (it cost 0.20 kgCO2 more)"


# ---- pledge offers (button values) --------------------------------------------------------


def test_pledge_offer_round_trips_through_a_button_value():
    offer = PledgeOffer(
        "ev", "C", ts("2024-06-09 01:00"), ts("2024-06-09 05:00"), ts("2024-06-08 17:00"), 28.0
    )
    text = offer.encode()
    assert text == "pledge ev C 2024-06-09T01:00Z 240m 2024-06-08T17:00Z 28kWh"
    assert PledgeOffer.decode(text) == offer
    assert offer.label == "I'll charge my EV then"
    for bad in (
        "pledge",
        "pledge ev C x 240m y 28kWh",
        "bestslot 4h",
        "pledge ev C 2024-06-09T01:00Z 0m 2024-06-08T17:00Z 28kWh",
    ):
        with pytest.raises(ValueError):
            PledgeOffer.decode(bad)


def test_pledge_actions_offer_a_load_and_an_ev_with_typical_sizes():
    frame = pd.DataFrame(
        {"price": [30, 30, 5, 5, 20, 20], "carbon": [200, 200, 50, 50, 150, 150]},
        index=pd.date_range(ts("2024-06-09 00:00"), periods=6, freq="30min"),
        dtype=float,
    )
    from flexcalc import windows

    best = windows.best_window(frame, 2, "balanced")
    usual = engagement.usual_window(frame, 2)  # the baseline: starting when asked
    assert usual.start == frame.index[0]
    load, ev = engagement.pledge_actions("B", best, usual)
    assert (load.kind, ev.kind) == ("pledge", "pledge")
    assert load.label == "I'll run my 1 h load then"
    assert PledgeOffer.decode(load.command).kwh == 2.0  # 2 kW x 1 h
    assert PledgeOffer.decode(ev.command).kwh == 7.0
    assert PledgeOffer.decode(ev.command).baseline_start == ts("2024-06-09 00:00")
    [sized] = engagement.pledge_actions("B", best, usual, kwh=12.5)
    assert PledgeOffer.decode(sized.command).kwh == 12.5
    assert engagement.pledge_actions("B", best, best) == []  # nothing to shift from


# ---- aggregation and /flex impact ---------------------------------------------------------


def outcomes() -> list[Outcome]:
    return [
        Outcome("U1", ts("2024-06-03 01:00"), 8, 2.0, 0.5),
        Outcome("U1", ts("2024-06-04 01:00"), 8, 1.0, 0.25),
        Outcome("U2", ts("2024-06-04 12:00"), 4, -0.1, 0.3),
        Outcome("U3", ts("2024-06-12 23:30"), 2, 0.2, None),  # 00:30 BST on Thu 13 Jun
    ]


def test_totals_and_periods():
    total = engagement.impact_totals(outcomes())
    assert (total.kwh, total.participants, total.pledges) == (22, 3, 4)
    assert total.kg_co2 == pytest.approx(1.05) and total.gbp == pytest.approx(3.1)
    daily = engagement.impact_by_period(outcomes(), "D")
    assert daily.loc["2024-06-04", "kwh"] == 12 and daily.loc["2024-06-04", "participants"] == 2
    assert daily.loc["2024-06-13", "pledges"] == 1  # UK date, not UTC
    assert daily.loc["2024-06-08", "kwh"] == 0  # empty days are shown as zero
    weekly = engagement.impact_by_period(outcomes(), "W")
    assert list(weekly.index.strftime("%Y-%m-%d")) == ["2024-06-03", "2024-06-10"]
    assert list(weekly["participants"]) == [2, 1]


def test_leaderboard_leaves_out_people_who_opted_out_but_counts_them():
    leaders, hidden = engagement.leaderboard(outcomes(), hidden={"U1"})
    assert [x.user_id for x in leaders] == ["U2", "U3"]
    assert hidden == 1
    reply = engagement.impact_reply(
        outcomes(), scope="team", period="all", hidden={"U1"}, charts=False
    )
    text = reply.to_text()
    assert "@U1" not in text and "@U2" in text and "<@" not in text  # plain text, no Slack
    assert "1 more person is not listed (the leaderboard is opt-in)" in text
    assert reply.data["kg_co2"] == pytest.approx(1.05)  # still in the totals
    assert "by 3 people" in reply.summary


def test_impact_for_me_has_no_leaderboard_and_an_empty_state_is_friendly():
    mine = engagement.impact_reply(outcomes()[:2], scope="me", period="week", charts=True)
    assert "Thank you to" not in mine.summary and mine.chart_png.startswith(b"\x89PNG")
    assert "You shifted 16.0 kWh" in mine.summary and "£3.00 saved" in mine.summary
    empty = engagement.impact_reply([], scope="channel", period="month", pending=2)
    assert "No kept pledges in the last 30 days" in empty.summary
    assert "2 pledge(s) will be counted" in empty.summary


# ---- the weekly digest ---------------------------------------------------------------------


def brute_daily_means(first: str, last: str) -> dict[str, float]:
    """Mean intensity per UK day from the raw CSV (actual, else forecast), with the csv module."""
    from zoneinfo import ZoneInfo

    sums: dict[str, list[float]] = {}
    for path in CARBON:
        with path.open() as handle:
            for row in csv.DictReader(handle):
                when = pd.Timestamp(row["time"]).tz_convert(ZoneInfo("Europe/London"))
                day = when.strftime("%Y-%m-%d")
                if not first <= day <= last:
                    continue
                actual = row["carbon_intensity_actual"]
                value = float(actual) if actual and float(actual) > 0 else None
                if value is None and row["carbon_intensity_forecast"]:
                    value = float(row["carbon_intensity_forecast"])
                if value is not None:
                    sums.setdefault(day, []).append(value)
    return {d: sum(v) / len(v) for d, v in sums.items()}


def test_digest_on_a_recorded_week(prices, carbon):
    week = date(2024, 6, 3)
    team = [
        Outcome("U1", ts("2024-06-04 01:00"), 8, 2.0, 0.5),
        Outcome("U2", ts("2024-06-06 12:00"), 4, 0.5, 0.25),
        Outcome("U1", ts("2024-05-28 01:00"), 8, 1.0, 0.5),  # the week before
    ]
    reply = engagement.digest(team, carbon, week, prices=prices, team_label="Acme")
    means = brute_daily_means("2024-05-27", "2024-06-09")
    this_week = {d: v for d, v in means.items() if d >= "2024-06-03"}
    before = [v for d, v in means.items() if d < "2024-06-03"]
    cleanest = min(this_week, key=this_week.get)
    dirtiest = max(this_week, key=this_week.get)
    data = reply.data
    assert data["kg_co2"] == pytest.approx(0.75) and data["participants"] == 2
    assert data["annual_kg_co2"] == pytest.approx(0.75 * 52.18)
    assert data["average_intensity"] == pytest.approx(sum(this_week.values()) / 7)
    assert data["previous_average_intensity"] == pytest.approx(sum(before) / 7)
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Cleanest day"].startswith(pd.Timestamp(cleanest).strftime("%a %d %b"))
    assert fields["Dirtiest day"].startswith(pd.Timestamp(dirtiest).strftime("%a %d %b"))
    assert "50% more than the week before" in reply.summary  # 0.75 kg vs 0.5 kg
    assert len(data["actions"]) == 3
    assert "cleanest time of day" in data["actions"][0]
    assert "Effect: about" in data["actions"][1]  # a tip fitted to last week's average day
    text = reply.to_text()
    assert "<@" not in text  # forwardable: no Slack mentions
    assert reply.title.startswith("Weekly flexibility digest — week of Mon 03 Jun")


def test_typical_day_wraps_past_midnight():
    idx = pd.date_range(ts("2024-01-08 00:00"), periods=48 * 2, freq="30min")  # GMT: UTC = UK
    values = [300.0] * 48
    values[47], values[0], values[1], values[2] = 50, 50, 50, 50  # 23:30-02:00 cleanest
    clean, _dirty, clean_g, _ = engagement.typical_day(
        pd.Series(values * 2, index=idx), idx[0], idx[-1]
    )
    assert clean == "23:30–01:30" and clean_g == 50


def test_last_week_start_is_the_previous_monday():
    assert engagement.last_week_start(ts("2024-06-10 08:00")) == date(2024, 6, 3)
    assert engagement.last_week_start(ts("2024-06-16 22:00")) == date(2024, 6, 3)  # Sun
    assert engagement.last_week_start(ts("2024-06-16 23:30")) == date(2024, 6, 10)  # Mon BST


# ---- tips ---------------------------------------------------------------------------------


def day_frame(prices, carbon, day: str) -> pd.DataFrame:
    from flexcalc.timeslots import local_day_slots

    slots = local_day_slots(day)
    return pd.DataFrame(
        {"price": prices.reindex(slots), "carbon": carbon["forecast"].reindex(slots)}
    )


def test_tips_cover_the_library():
    assert {t.key for t in tips.TIPS} == {"batch", "ci", "ev", "dishwasher", "laptops", "heating"}
    assert all(t.kwh > 0 and t.shapes for t in tips.TIPS)


def test_a_plunge_day_gets_an_ev_tip_with_its_effect(prices, carbon):
    frame = day_frame(prices, carbon, "2024-06-09")  # negative prices that afternoon
    assert tips.day_shape(frame) == tips.PLUNGE
    choice = tips.pick_tip(frame)
    assert choice.tip.key == "ev"
    worst, best = choice.worst, choice.best
    assert choice.gbp == pytest.approx(28 * (worst.price - best.price) / 100)
    assert choice.kg_co2 == pytest.approx(28 * (worst.carbon - best.carbon) / 1000)
    assert "Effect: about" in choice.text and "7 kW" in choice.text


def test_tips_follow_the_shape_of_the_day():
    idx = pd.date_range(ts("2024-01-10 00:00"), periods=48, freq="30min")  # GMT
    hours = idx.hour
    overnight = pd.DataFrame(
        {
            "price": [8.0 if h < 5 else 25.0 for h in hours],
            "carbon": [80.0 if h < 5 else 220.0 for h in hours],
        },
        index=idx,
    )
    midday = pd.DataFrame(
        {
            "price": [10.0 if 11 <= h < 14 else 25.0 for h in hours],
            "carbon": [60.0 if 11 <= h < 14 else 200.0 for h in hours],
        },
        index=idx,
    )
    flat = pd.DataFrame({"price": [20.0] * 48, "carbon": [150.0] * 48}, index=idx)
    assert tips.day_shape(overnight) == tips.OVERNIGHT
    assert tips.pick_tip(overnight).tip.key == "batch"
    assert tips.day_shape(midday) == tips.MIDDAY
    assert tips.pick_tip(midday).tip.key == "ci"
    assert tips.day_shape(flat) == tips.FLAT
    three = tips.tips_for(midday, 3)
    assert len({c.tip.key for c in three}) == 3
    assert three[0].best.start.hour == 11


def test_a_digest_without_data_or_pledges_still_reads_well():
    empty = pd.DataFrame(columns=["forecast", "actual"])
    reply = engagement.digest([], empty, date(2026, 11, 16))
    assert "no kept pledges last week" in reply.summary
    assert "No carbon intensity data was available for that week." in reply.summary
    assert len(reply.data["actions"]) == 3 and reply.data["average_intensity"] is None
    assert "No kept pledges yet." in engagement.impact_reply([], scope="team", period="all").summary
