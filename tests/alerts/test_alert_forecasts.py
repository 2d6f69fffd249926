"""Forecast prices in look-ahead alerts, and how the day-ahead forecast did in tomorrow's alert.

Nothing forecast is ever shown as published: every window reaching past the published horizon
says "(forecast)" in the alert's fields, table, Slack blocks and Teams card, and the chart shades
exactly the forecast slots. The review is checked against a brute force and for leakage.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.digests import Digests
from bot.blocks import as_dicts, reply_blocks
from bot.teams.cards import reply_card
from flexcalc import daily
from flexcalc.forecast.features import Decision
from flexcalc.forecast_review import ForecastReview
from flexcalc.regions import by_letter
from flexcalc.sources.sample import SampleProvider
from flexcalc.timeslots import LONDON
from tests.alerts.conftest import london, run_ticks
from tests.alerts.helpers import subscribe

# UK wall times inside the sample: winter mornings (cheap nights ahead are forecast) and summer
# mornings (the sunny middle of the day, published, usually wins)
MOMENTS = ["2023-01-03 08:00", "2023-01-07 13:00", "2024-06-04 08:00", "2024-06-06 13:00"]


def _texts(reply) -> dict[str, str]:
    return {f.label: f.value for f in reply.fields}


@pytest.mark.parametrize("moment", MOMENTS)
def test_every_window_past_publication_says_forecast_everywhere(moment, provider, monkeypatch):
    bands: list[pd.DataFrame] = []
    import flexcalc.charts.forecast as charts

    real_chart = charts.forecast_chart

    def recording_chart(*args, **kwargs):
        bands.append(kwargs.get("band"))
        return real_chart(*args, **kwargs)

    monkeypatch.setattr(charts, "forecast_chart", recording_chart)
    now = pd.Timestamp(london(moment)).tz_convert("UTC")
    digest = Digests(provider).daily("C", now)
    reply = digest.reply(())
    published_until = digest.forecast.prices.dropna().index[-1] + pd.Timedelta(minutes=30)
    _, end = daily.alert_span(now)
    assert end > published_until  # a look-ahead alert reaches past the published prices
    forecast = reply.data["price_forecast"]
    assert pd.Timestamp(forecast["published_until"]) == published_until
    fields = _texts(reply)
    assert "not published" in fields["Forecast prices"]
    blocks = json.dumps(as_dicts(reply_blocks(reply)), ensure_ascii=False)
    card = json.dumps(reply_card(reply), ensure_ascii=False)
    touching = []
    for length, window in reply.data["windows"].items():
        label = f"Best {length}"
        is_forecast = pd.Timestamp(window["end"]) > published_until
        assert fields[label].split(" · ")[0].endswith("(forecast)") == is_forecast, label
        [row] = [r for r in reply.table.rows if r[0] == label]
        assert row[1].endswith("(forecast)") == is_forecast
        if is_forecast:
            touching.append(label)
            assert f"{row[1]}" in blocks and f"{row[1]}" in card
    assert reply.data["forecast_windows"] == touching
    probability = reply.data["stays_cheapest_probability"]
    assert 0.0 <= probability <= 1.0 and f"{probability:.0%} chance" in fields["Forecast prices"]
    digest.chart()
    [band] = bands
    assert band is not None and not band.empty
    assert band.index.min() == published_until and band.index.max() < end
    assert (band["p10"] <= band["p50"]).all() and (band["p50"] <= band["p90"]).all()


def test_no_forecast_when_the_alert_sees_only_published_prices(provider):
    now = pd.Timestamp(london("2024-06-04 17:00")).tz_convert("UTC")  # after publication
    reply = Digests(provider).daily("C", now).reply(())
    assert "Forecast prices" not in _texts(reply)
    assert "(forecast)" not in json.dumps(as_dicts(reply_blocks(reply)), ensure_ascii=False)
    assert reply.data.get("price_forecast") is None


def test_no_price_forecast_on_tariffs_the_model_does_not_forecast(provider):
    from flexcalc.tariffs import spec

    now = pd.Timestamp(london("2023-01-03 08:00")).tz_convert("UTC")
    reply = Digests(provider).daily("C", now, choice=spec.parse("go")).reply(())
    assert "Forecast prices" not in _texts(reply)
    assert not any("forecast, not published" in n for n in reply.notes)


QUARTER_PENCE = st.integers(-80, 400).map(lambda n: n / 4)  # exact sums: ties are real ties


def _brute_cheapest(values: np.ndarray, k: int) -> int:
    means = [values[i : i + k].mean() for i in range(len(values) - k + 1)]
    return min(range(len(means)), key=lambda i: (means[i], i))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(QUARTER_PENCE, min_size=12, max_size=48).flatmap(
        lambda published: st.tuples(
            st.just(published),
            st.lists(
                QUARTER_PENCE,
                min_size=len(published),
                max_size=len(published),
            ),
            st.integers(1, 8),
        )
    )
)
def test_review_matches_a_brute_force(case):
    published, forecast, k = case
    slots = pd.date_range("2024-03-30 23:00Z", periods=len(published), freq="30min")
    review = ForecastReview(
        pd.Timestamp("2024-03-30 10:00Z"),
        pd.Series(forecast, index=slots, dtype=float),
        pd.Series(published, index=slots, dtype=float),
    )
    expected_mae = sum(abs(a - b) for a, b in zip(forecast, published, strict=True)) / len(slots)
    assert review.mae == pytest.approx(expected_mae, abs=1e-9)
    said = _brute_cheapest(np.asarray(forecast), k)
    best = _brute_cheapest(np.asarray(published), k)
    data = review.data(k)
    assert data["best_matched"] == (said == best)
    assert pd.Timestamp(data["forecast_best_start"]) == slots[said]
    assert pd.Timestamp(data["published_best_start"]) == slots[best]
    assert ("matched" in review.text(k)) == (said == best)


class RecordingProvider:
    """The bundled sample, recording every price history span asked for."""

    def __init__(self) -> None:
        self.inner = SampleProvider()
        self.asked: list[tuple[pd.Timestamp, pd.Timestamp]] = []

    def price_history(self, region, start, end):
        self.asked.append((start, end))
        return self.inner.price_history(region, start, end)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_tomorrows_alert_says_how_the_forecast_did_without_peeking(engine, slack, make_clock):
    subscribe(engine, "alerts subscribe 07:00 in C 3h tomorrow", "C0PLAN")
    recording = RecordingProvider()
    clock = make_clock(provider=recording)

    reports = run_ticks(clock, london("2024-06-04 16:00"), london("2024-06-04 16:00"))

    assert [kind for _, r in reports for _, kind in r.sent] == ["tomorrow"]
    [post] = slack.alerts_in("C0PLAN")
    blocks = json.dumps(post["blocks"], ensure_ascii=False)
    assert "How the forecast did" in blocks and "Tue 04 Jun 10:00" in blocks
    made_at = pd.Timestamp(london("2024-06-04 10:00")).tz_convert("UTC")
    known_then = Decision.at(made_at).known_until
    assert known_then == pd.Timestamp(london("2024-06-04 23:00")).tz_convert("UTC")
    assert recording.asked and all(end <= known_then for _, end in recording.asked)  # no leakage
    # the review's error, recomputed from the published prices and the line's own figure
    digest = clock.digests.daily("C", made_at + pd.Timedelta(hours=5), tomorrow=True)
    review = digest._ahead()[1]
    assert review is not None and len(review.published) == 48
    start, end = daily.alert_span(digest.forecast.now, tomorrow=True)
    published = recording.inner.price_history(by_letter("C"), start, end)
    assert np.allclose(review.published.to_numpy(), published.reindex(review.published.index))
    assert f"{np.abs(review.forecast - review.published).mean():.2f} p/kWh" in blocks
    assert review.made_at.tz_convert(LONDON).hour == 10
