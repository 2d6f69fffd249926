"""Answers past the published horizon: forecast slots are always labelled as forecast, in every
renderer (text, JSON, Slack Block Kit, Teams card), and never shown as published."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bot.blocks import as_dicts, reply_blocks
from bot.teams.cards import reply_card
from flexcalc import regions
from flexcalc.commands import Context, run
from flexcalc.commands.forecast_slots import MARK
from flexcalc.forecast.features import Decision
from flexcalc.forecast.predict import PriceOutlook, stays_best_probability
from flexcalc.sources.sample import SampleProvider
from flexcalc.timeslots import utc

FORECAST_LABEL = f"({MARK})"


def _ask(text: str, now: str, charts: bool = False):
    ctx = Context(
        provider=SampleProvider(), region=regions.resolve("C"), now=utc(now), charts=charts
    )
    return run(text, ctx)


def _renderings(reply) -> dict[str, str]:
    return {
        "text": reply.to_text(),
        "json": json.dumps(json.loads(reply.to_json()), ensure_ascii=False),
        "slack": json.dumps(as_dicts(reply_blocks(reply)), ensure_ascii=False),
        "teams": json.dumps(reply_card(reply), ensure_ascii=False),
    }


@pytest.fixture(scope="module")
def ahead():
    """09:00 on a June morning, asking 36 h ahead: prices are published only to 23:00 tonight."""
    return _ask("bestslot 3h within 36h", "2024-06-10 09:00", charts=True)


def test_the_answer_looks_past_the_published_prices(ahead):
    forecast = ahead.data["price_forecast"]
    assert forecast["published_until"] == "2024-06-10T22:00:00+00:00"  # 23:00 BST
    assert forecast["slots"][0] == forecast["published_until"]
    assert all(
        lo <= mid <= hi
        for lo, mid, hi in zip(*(forecast[q] for q in ("p10", "p50", "p90")), strict=True)
    )
    assert ahead.chart_png


def test_every_window_using_forecast_slots_says_so_and_no_published_one_does(ahead):
    cut = pd.Timestamp(ahead.data["price_forecast"]["published_until"])
    windows = ahead.data["windows"]
    assert ahead.data["forecast_windows"], "this case must have a forecast window"
    for row in ahead.table.rows:
        label, span = row[0], row[1]
        data = windows.get(label)
        if data is None:
            continue
        uses_forecast = any(pd.Timestamp(s) >= cut for s in data["slots"])
        assert span.endswith(FORECAST_LABEL) == uses_forecast, row
        assert (label in ahead.data["forecast_windows"]) == uses_forecast
        field = next(f for f in ahead.fields if f.label == f"{label} window")
        assert field.value.endswith(FORECAST_LABEL) == uses_forecast


@pytest.mark.parametrize("renderer", ["text", "json", "slack", "teams"])
def test_every_renderer_labels_the_forecast(ahead, renderer):
    shown = _renderings(ahead)[renderer]
    for label in ahead.data["forecast_windows"]:
        span = next(f.value for f in ahead.fields if f.label == f"{label} window")
        assert span in shown
    assert "forecast, not published" in shown
    assert shown.count(FORECAST_LABEL) >= len(ahead.data["forecast_windows"])


def test_the_chance_of_staying_cheapest_is_given(ahead):
    chance = ahead.data["stays_cheapest_probability"]
    assert 0 <= chance <= 1
    assert f"{chance:.0%} chance the cheapest window stays cheapest" in ahead.to_text()


def test_within_the_published_horizon_nothing_is_forecast():
    reply = _ask("bestslot 3h within 12h", "2024-06-10 09:00")
    assert reply.data["price_forecast"] is None
    assert FORECAST_LABEL not in reply.to_text()
    assert reply.data["stays_cheapest_probability"] is None


def _outlook(p10, p50, p90, index) -> PriceOutlook:
    q = pd.DataFrame({"p10": p10, "p50": p50, "p90": p90}, index=index)
    return PriceOutlook("C", Decision(index[0], index[0]), q, q)


def test_a_sure_forecast_keeps_the_cheapest_window_and_an_unsure_one_may_not():
    index = pd.date_range("2024-06-11", periods=16, freq="30min", tz="UTC")
    median = np.array([9, 9, 9, 9, 2, 2, 2, 2, 9, 9, 9, 9, 2.2, 2.2, 2.2, 2.2], float)
    known = pd.Series(median, index)
    sure = _outlook(median, median, median, index)
    assert stays_best_probability(known, sure, index[4], 4) == 1.0
    assert stays_best_probability(known, sure, index[12], 4) == 0.0
    unsure = _outlook(median - 5, median, median + 5, index)
    chance = stays_best_probability(known, unsure, index[4], 4)
    assert 0.2 < chance < 0.9  # two near-equal troughs: either may win


def test_published_slots_never_vary_in_the_samples():
    index = pd.date_range("2024-06-11", periods=12, freq="30min", tz="UTC")
    known = pd.Series([1.0, 1, 1, 1, 50, 50, 50, 50, 50, 50, 50, 50], index)
    late = index[4:]
    outlook = _outlook(known[late] - 45, known[late], known[late] + 45, late)
    # Published 1p slots can only be beaten by a forecast dip: the chance is below 1, above 0.
    chance = stays_best_probability(known, outlook, index[0], 4)
    assert 0 < chance < 1
