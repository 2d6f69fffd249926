"""``prices`` past the published horizon: tomorrow's price day, before Octopus publishes it, is
a forecast labelled as one in text, Block Kit, Teams cards, CSV, JSON and the chart band; every
published figure leaves the forecast out."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bot.teams.cards import reply_card
from flexcalc.commands import Context, run
from flexcalc.regions import by_letter
from flexcalc.sources.sample import SampleProvider
from flexcalc.tariffs.calendars import day_ahead_shown_until
from tests.advice.helpers import answer_to
from tests.slack.harness import block_text

BEFORE = pd.Timestamp("2024-06-10 08:00", tz="UTC")  # 09:00 UK: tomorrow not published yet
AFTER = pd.Timestamp("2024-06-10 16:00", tz="UTC")  # 17:00 UK: published


def prices_at(now: pd.Timestamp, charts: bool = False, words: str = "prices"):
    ctx = Context(provider=SampleProvider(), region=by_letter("C"), now=now, charts=charts)
    return run(words, ctx)


def test_before_publication_tomorrow_is_a_labelled_forecast_and_published_figures_exclude_it():
    reply = prices_at(BEFORE)
    outlook = reply.data["price_forecast"]
    assert outlook is not None
    cut = pd.Timestamp(outlook["published_until"])
    published = {pd.Timestamp(t): v for t, v in reply.data["prices"].items()}
    assert max(published) < cut <= min(pd.Timestamp(t) for t in outlook["slots"])
    assert pd.Timestamp(outlook["slots"][-1]) + timedelta(minutes=30) == day_ahead_shown_until(
        BEFORE
    )
    fields = {f.label: f.value for f in reply.fields}
    assert "Forecast (not published)" in fields
    low = min(published.values())
    assert fields["Cheapest"].startswith(f"{low:.2f} p/kWh")  # published prices only
    forecast_rows = [r for r in reply.table.rows if "forecast" in " ".join(r)]
    assert forecast_rows and all(r[0].endswith("(forecast)") for r in forecast_rows)
    assert "are a forecast (not published prices)" in reply.summary
    band = pd.read_csv(io.StringIO(reply.csv["price_forecast.csv"]))
    assert (band["p10"] <= band["p50"]).all() and (band["p50"] <= band["p90"]).all()
    assert len(band) == len(outlook["slots"])


def test_once_published_there_is_no_forecast():
    reply = prices_at(AFTER)
    assert reply.data["price_forecast"] is None
    assert "forecast" not in reply.to_text().lower().replace("carbon forecast", "")
    assert "price_forecast.csv" not in reply.csv


def test_a_flat_tariff_is_never_forecast():
    reply = prices_at(BEFORE, words="prices on fixed")
    assert reply.data.get("price_forecast") is None


@pytest.mark.slow
def test_the_chart_shows_the_band_and_slack_and_teams_say_forecast(app, fake, clock):
    reply = prices_at(BEFORE, charts=True)
    assert reply.chart_png and reply.chart_png.startswith(b"\x89PNG")
    assert "10–90% range shaded" in reply.chart_alt
    card = str(reply_card(reply))
    assert "Forecast (not published)" in card and "not published prices" in card
    clock.now = BEFORE
    _, url = app.slack.command("/flex", "prices")
    text = block_text(answer_to(fake, url))
    assert "Forecast (not published)" in text and "(forecast)" in text


@pytest.mark.parametrize(
    ("asked_uk", "expected_uk"),
    [
        ("2024-03-30 09:00", "2024-03-31 23:00"),  # into the spring change (23 h day)
        ("2024-10-26 09:00", "2024-10-27 23:00"),  # into the autumn change (25 h day)
        ("2024-10-27 00:30", "2024-10-28 23:00"),
        ("2024-06-10 23:30", "2024-06-11 23:00"),
    ],
)
def test_prices_look_to_23_00_uk_tomorrow_on_clock_change_days(asked_uk, expected_uk):
    uk = ZoneInfo("Europe/London")
    asked = datetime.fromisoformat(asked_uk).replace(tzinfo=uk)
    expected = datetime.fromisoformat(expected_uk).replace(tzinfo=uk)
    got = day_ahead_shown_until(pd.Timestamp(asked))
    assert got == pd.Timestamp(expected) and str(got.tz) == "UTC"
