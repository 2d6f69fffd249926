"""Alerts follow the channel's tariff: clock ticks against the fake Slack (and, for Octopus
products, the fake Octopus and Carbon Intensity APIs), checked against brute forces."""

from __future__ import annotations

import pandas as pd
import pytest

from bot.storage.settings import tariff_words
from flexcalc.commands import parse
from flexcalc.regions import by_letter
from flexcalc.sources.csv_files import read_prices
from flexcalc.sources.http import make_session
from flexcalc.sources.live import LiveProvider
from flexcalc.tariffs import offline
from flexcalc.timeslots import LONDON
from tests.alerts.conftest import TEAM, london, run_ticks
from tests.alerts.helpers import subscribe
from tests.fakes.upstream import FIXTURES

MORNING = "2024-06-05 08:00"  # inside the bundled sample (offline)


def set_tariff(engine, channel: str, words: str, team: str = TEAM) -> None:
    """What ``tariff WORDS`` in ``channel`` stores (``channel=""``: the workspace's default)."""
    choice = parse(f"tariff {words}").choice
    tariff_words(engine, team, [channel], choice.text())


def one_tick(clock, moment: str):
    [(_, report)] = run_ticks(clock, london(moment), london(moment))
    return report


def alert(slack, channel: str) -> dict:
    [post] = slack.alerts_in(channel)
    return post


def brute_best(series: pd.Series, k: int, highest: bool = False) -> tuple[pd.Timestamp, float]:
    """The k-slot run of consecutive half-hours with the lowest (highest) mean, earliest first."""
    best: tuple[pd.Timestamp, float] | None = None
    for i in range(len(series) - k + 1):
        part = series.iloc[i : i + k]
        if part.isna().any() or part.index[-1] - part.index[0] != pd.Timedelta(minutes=30) * (
            k - 1
        ):
            continue
        mean = float(part.mean())
        better = best is None or (mean > best[1] + 1e-9 if highest else mean < best[1] - 1e-9)
        if better:
            best = (part.index[0], mean)
    assert best is not None
    return best


def test_each_channel_gets_alerts_on_its_own_tariff_rendered_once_per_tariff(
    engine, slack, make_clock
):
    for channel in ("C0AGILE", "C0GO", "C0GOTOO", "C0CUSTOM", "C0WORKSPACE"):
        subscribe(engine, "alerts subscribe 08:00 in C 4h", channel)
    set_tariff(engine, "C0GO", "go")
    set_tariff(engine, "C0GOTOO", "go")
    set_tariff(engine, "C0CUSTOM", "custom 7.5p 00:30-04:30, 28p otherwise")
    set_tariff(engine, "", "go")  # the workspace's default: channels without their own use it
    set_tariff(engine, "C0AGILE", "agile")
    tariff_words(engine, TEAM, ["user:U0ALICE"], "fixed")  # a personal default: not for channels
    clock = make_clock()

    report = one_tick(clock, MORNING)

    assert report.posted == 5
    titles = {ch: alert(slack, ch)["text"] for ch in ("C0AGILE", "C0GO", "C0CUSTOM")}
    assert (
        "on Octopus Go" in titles["C0GO"] and "on Octopus Go" in alert(slack, "C0WORKSPACE")["text"]
    )
    assert "on Custom tariff" in titles["C0CUSTOM"]
    assert "Octopus Go" not in titles["C0AGILE"] and "Fixed" not in str(slack.alert_posts())
    # Go's 4 h: all four hours in its cheap band (brute force over the offline schedule's rates)
    go = offline.schedule_tariff("go")
    start = pd.Timestamp(london(MORNING))
    rates = go.import_rates("C", start, start + pd.Timedelta(hours=24))
    blocks = str(alert(slack, "C0GO")["blocks"])
    cheap_start, cheap_mean = brute_best(rates, 8)
    assert cheap_mean == rates.min()
    assert f"{cheap_mean:.2f} p/kWh" in blocks
    assert cheap_start.tz_convert(LONDON).strftime("%H:%M") in blocks
    # one chart per (region, tariff): Agile (named and default are one), Go, custom
    assert clock.digests.chart_renders == 3
    assert len(slack.uploaded_pngs()) == 5


def test_a_fixed_price_channel_is_told_the_alert_ranks_carbon(engine, slack, make_clock, provider):
    subscribe(engine, "alerts subscribe 08:00 in C 2h", "C0FIXED")
    set_tariff(engine, "C0FIXED", "fixed")
    clock = make_clock()

    one_tick(clock, MORNING)

    post = alert(slack, "C0FIXED")
    text = str(post["blocks"])
    assert "one price" in text and "chosen for carbon" in text
    assert "Dearest" not in text  # nothing is dearer on a flat price
    forecast = provider.forecast(by_letter("C"), pd.Timestamp(london(MORNING)))
    carbon = forecast.carbon[
        forecast.carbon.index < pd.Timestamp(london(MORNING)) + pd.Timedelta(hours=24)
    ]
    best_start, _ = brute_best(carbon, 4)
    assert best_start.tz_convert(LONDON).strftime("%a %d %b %H:%M") in text


@pytest.fixture
def live_provider(fake_octopus, fake_carbon) -> LiveProvider:
    return LiveProvider(session=make_session(backoff=0.0, timeout=(1.0, 2.0)))


def test_an_export_tariff_channel_gets_the_highest_paid_times(
    engine, slack, make_clock, live_provider, fake_now
):
    subscribe(engine, "alerts subscribe 17:30 in C 2h", "C0SOLAR")
    set_tariff(engine, "C0SOLAR", "outgoing")
    clock = make_clock(provider=live_provider)

    one_tick(clock, fake_now.tz_convert(LONDON).strftime("%Y-%m-%d %H:%M"))

    post = alert(slack, "C0SOLAR")
    assert post["text"].startswith("Today's export times") and "Agile Outgoing" in post["text"]
    text = str(post["blocks"])
    assert "Best 2 h to export" in text and "Lowest paid (avoid)" in text
    export = read_prices(
        FIXTURES / "csv" / "agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
    ).export
    assert export is not None
    ahead = export[(export.index >= fake_now) & (export.index < fake_now + pd.Timedelta(hours=24))]
    best_start, best_mean = brute_best(ahead, 4, highest=True)
    assert f"{best_mean:.2f} p/kWh" in text
    assert best_start.tz_convert(LONDON).strftime("%H:%M") in text


def test_price_thresholds_watch_the_channels_tariff(engine, slack, make_clock):
    subscribe(engine, "alerts when price below 10", "C0GOCHEAP")
    set_tariff(engine, "C0GOCHEAP", "go")
    clock = make_clock()

    with_time = london("2024-06-05 12:00")
    run_ticks(clock, with_time, with_time)

    posts = slack.alerts_in("C0GOCHEAP")
    go = offline.schedule_tariff("go")
    [band] = go.periods  # Go's one cheap band (UK wall time)
    assert band.pence < 10
    band_text = f"{band.start:%H:%M}–{band.end:%H:%M}"
    assert posts and all("on Octopus Go" in p["text"] for p in posts)
    assert all(band_text in str(p["blocks"]) for p in posts)  # each alert is that band


def test_subscribing_says_which_tariff_the_alerts_use(engine):
    set_tariff(engine, "C0GO", "go")
    go = {f.label: f.value for f in subscribe(engine, "alerts subscribe 08:00", "C0GO").fields}
    plain = {f.label: f.value for f in subscribe(engine, "alerts subscribe 08:00", "C0NONE").fields}
    assert go["Tariff"].startswith("go (this channel's tariff")
    assert plain["Tariff"].startswith("Agile (the default")
    cheap = subscribe(engine, "alerts when price below 10", "C0GO")
    assert {f.label: f.value for f in cheap.fields}["Tariff"].startswith("go")
