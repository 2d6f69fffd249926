"""Tariffs: custom schedules and bands against brute force, Octopus families through the fake,
``for export`` against the dashboard export's export column, flat prices, compare tariffs."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.commands import Context, UsageError, parse, run
from flexcalc.regions import by_letter
from flexcalc.sources import payloads
from flexcalc.sources.csv_files import read_prices
from flexcalc.sources.http import make_session
from flexcalc.sources.live import LiveProvider
from flexcalc.sources.providers import FallbackProvider, FileProvider
from flexcalc.sources.sample import SampleProvider
from flexcalc.tariffs import calendars, offline, registry, spec
from flexcalc.tariffs.families import pick_product
from flexcalc.tariffs.schedule import BandedTariff, Period, ScheduleTariff
from flexcalc.timeslots import LONDON
from tests.fakes import FakeCarbonIntensity, FakeOctopus
from tests.fakes.upstream import fixture_json

FIXTURES = Path(__file__).parent / "fixtures"
DASHBOARD = FIXTURES / "csv" / "agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
LONDON_C = by_letter("C")
CLOCK_CHANGES = ["2024-03-31", "2024-10-27"]


def _wall(slot: pd.Timestamp) -> tuple[int, int]:
    here = slot.tz_convert(LONDON)
    return here.hour * 60 + here.minute, here.weekday()


def _brute_rate(slot: pd.Timestamp, periods: list[Period], otherwise: float) -> float:
    minute, weekday = _wall(slot)
    for p in periods:
        a, b = p.start.hour * 60 + p.start.minute, p.end.hour * 60 + p.end.minute
        if a < b and a <= minute < b and weekday in p.days:
            return p.pence
        if a >= b and ((minute >= a and weekday in p.days) or
                       (minute < b and (weekday - 1) % 7 in p.days)):  # fmt: skip
            return p.pence
    return otherwise


halfhours = st.integers(0, 47).map(lambda n: time(n // 2, 30 * (n % 2)))


@settings(max_examples=40, deadline=None)
@given(
    start=halfhours, end=halfhours, pence=st.floats(-20, 100), otherwise=st.floats(0, 60),
    weekdays=st.booleans(), day=st.sampled_from([*CLOCK_CHANGES, "2024-06-12"]),
)  # fmt: skip
def test_custom_schedule_matches_brute_force(start, end, pence, otherwise, weekdays, day):
    if start == end:
        return
    days = frozenset(range(5)) if weekdays else frozenset(range(7))
    period = Period(start, end, pence, days)
    tariff = ScheduleTariff((period,), otherwise)
    first = pd.Timestamp(day).tz_localize(LONDON).tz_convert("UTC")
    last = (pd.Timestamp(day) + pd.Timedelta(days=2)).tz_localize(LONDON).tz_convert("UTC")
    rates = tariff.import_rates("C", first, last)
    assert len(rates) == {"2024-03-31": 94, "2024-10-27": 98}.get(day, 96)
    for slot, value in rates.items():
        assert value == pytest.approx(_brute_rate(slot, [period], otherwise))


@pytest.mark.parametrize("day", CLOCK_CHANGES)
def test_red_band_is_three_wall_clock_hours_on_clock_change_days(day):
    base = ScheduleTariff((), 20.0)
    red = Period(time(16), time(19), 15.0, frozenset(range(7)), "red")
    banded = BandedTariff(base, (red,))
    first = pd.Timestamp(day).tz_localize(LONDON).tz_convert("UTC")
    last = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(LONDON).tz_convert("UTC")
    rates = banded.import_rates("C", first, last)
    dear = rates[rates == 35.0]
    assert len(dear) == 6
    assert dear.index[0].tz_convert(LONDON).strftime("%H:%M") == "16:00"


def test_words_read_back_to_the_same_tariff():
    for words in [
        "custom 7.5p 00:30-04:30, 28p otherwise",
        "bands red 16:00-19:00 weekdays +15p, amber 07:00-16:00 +3p",
        "bands over go red 16:00-19:00 -2p",
        "custom 9p 23:30-05:30 weekends, 30p otherwise, export 15p",
    ]:
        choice = spec.parse(words)
        assert spec.parse(choice.text()) == choice


@pytest.mark.parametrize(
    "words", ["custom 7.5p 00:30-04:30", "custom 7.5p 00:10-04:30 28p otherwise", "bands red"]
)
def test_unreadable_tariffs_get_a_friendly_message(words):
    with pytest.raises(UsageError) as caught:
        parse(f"bestslot 2h on {words}")
    assert caught.value.reply().is_error
    assert "tariff" in " ".join(caught.value.examples)


def test_families_pick_todays_products():
    products = fixture_json("octopus", "products_list_2025_count49.json")["results"]
    names = ("agile", "go", "intelligent", "cosy", "flux", "fixed", "outgoing", "tracker")
    picked = {f: pick_product(products, f) for f in names}
    assert picked == {
        "agile": "AGILE-24-10-01", "go": "GO-VAR-22-10-14", "intelligent": "INTELLI-VAR-24-10-29",
        "cosy": "COSY-22-12-08", "flux": "FLUX-IMPORT-23-02-14", "fixed": "OE-FIX-12M-25-05-06",
        "outgoing": "AGILE-OUTGOING-19-05-13", "tracker": "SILVER-FLEX-22-11-25",
    }  # fmt: skip


def test_calendars_on_both_sides_of_publication():
    before = pd.Timestamp("2024-10-26 14:59Z")  # 15:59 BST
    after = pd.Timestamp("2024-10-26 15:00Z")
    assert calendars.day_ahead_known_until(before) == pd.Timestamp("2024-10-26 22:00Z")
    assert calendars.day_ahead_known_until(after) == pd.Timestamp("2024-10-27 23:00Z")
    assert calendars.daily_known_until(after) == pd.Timestamp("2024-10-28 00:00Z")


@pytest.fixture
def live_ctx(fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now) -> Context:
    provider = LiveProvider(session=make_session(backoff=0.0, timeout=(1.0, 2.0)))
    return Context(provider=provider, region=LONDON_C, now=fake_now, charts=False)


def test_for_export_matches_brute_force_on_the_dashboard_export(live_ctx, fake_now):
    reply = run("bestslot 2h for export on outgoing", live_ctx)
    assert not reply.is_error, reply.summary
    export = read_prices(DASHBOARD).export
    known = export[(export.index >= fake_now.floor("30min"))
                   & (export.index < calendars.day_ahead_known_until(fake_now))]  # fmt: skip
    means = known.rolling(4).mean().shift(-3).dropna()
    assert reply.data["export_p_per_kwh"] == pytest.approx(means.max())
    assert pd.Timestamp(reply.data["start"]) == means.idxmax()


def test_go_window_falls_in_its_cheap_band(live_ctx):
    reply = run("bestslot 2h for price on go", live_ctx)
    assert not reply.is_error, reply.summary
    start = pd.Timestamp(reply.data["windows"]["Cheapest"]["start"]).tz_convert(LONDON)
    assert time(0, 30) <= start.time() <= time(3, 30)
    night = offline.schedules()["go"]["periods"][0][2]
    assert reply.data["windows"]["Cheapest"]["price_p_per_kwh"] == pytest.approx(night)
    assert any("Octopus Go (GO-VAR-22-10-14)" in n for n in reply.notes)


def test_fixed_price_answers_for_carbon_and_says_so(live_ctx):
    reply = run("bestslot 2h on OE-FIX-12M-24-05-24", live_ctx)
    assert not reply.is_error, reply.summary
    assert reply.data["objective"] == "carbon"
    assert any("one price" in n for n in reply.notes)
    assert reply.data["windows"]["Greenest"]["price_p_per_kwh"] == pytest.approx(21.672)


def test_go_has_no_export_and_says_what_to_do(live_ctx):
    reply = run("bestslot 2h for export on go", live_ctx)
    assert reply.is_error
    assert "outgoing" in reply.summary


def test_compare_tariffs_prices_every_family_it_can(live_ctx):
    reply = run("compare tariffs 2h daily at 18:00 from 2024-06-03 to 2024-06-06", live_ctx)
    assert not reply.is_error, reply.summary
    rows = {r["tariff"]: r for r in reply.data["tariffs"]}
    go = next(r for name, r in rows.items() if name.startswith("Octopus Go"))
    schedule = offline.schedules()["go"]  # what the fake serves as Go's rows
    day_rate, night_rate = schedule["otherwise"], schedule["periods"][0][2]
    assert go["unshifted_gbp"] == pytest.approx(4 * 2 * day_rate / 100)  # 2 kWh at 18:00, 4 days
    assert go["shifted_gbp"] == pytest.approx(4 * 2 * night_rate / 100)
    assert len(rows) == 7  # every named import family, Tracker and fixed included
    assert all(r["shifting_worth_gbp"] >= -1e-9 for r in rows.values())


EVERY_TARIFF = [
    "agile", "go", "intelligent", "cosy", "flux", "tracker", "fixed", "outgoing",
    "GO-VAR-22-10-14", "custom 7.5p 00:30-04:30, 28p otherwise",
    "bands red 16:00-19:00 weekdays +15p, amber 07:00-16:00 +3p",
]  # fmt: skip
EVERY_COMMAND = [
    "bestslot 2h",
    "prices",
    "backtest 2h daily at 18:00 from 2024-06-03 to 2024-06-06",
    "battery 10 kWh 5 kW",
    "battery 10 kWh 5 kW from 2024-06-03 to 2024-06-05",
    "footprint 10 kWh",
]


@pytest.mark.slow
@pytest.mark.parametrize("command", EVERY_COMMAND)
@pytest.mark.parametrize("tariff", EVERY_TARIFF)
def test_every_command_works_on_every_tariff(live_ctx, command, tariff):
    reply = run(f"{command} on {tariff}", live_ctx)
    assert not reply.is_error, f"{command} on {tariff}: {reply.title}: {reply.summary}"
    shown = " ".join([reply.summary, *reply.notes, *(f.value for f in reply.fields)])
    assert "Traceback" not in shown


@pytest.mark.parametrize("tariff", ["agile", "go", "custom 7.5p 00:30-04:30, 28p otherwise"])
def test_prices_say_which_tariff_they_are(live_ctx, tariff):
    reply = run(f"bestslot 1h on {tariff}", live_ctx)
    expected = {"agile": "Octopus Agile (AGILE-24-04-03)", "go": "Octopus Go (GO-VAR-22-10-14)"}
    assert any(expected.get(tariff, "Custom tariff") in note for note in reply.notes)


def test_prices_tomorrow_on_go_are_all_published_and_never_forecast(live_ctx):
    reply = run("prices tomorrow on go", live_ctx)  # Go's rates are in the contract
    assert not reply.is_error, reply.summary
    assert reply.data["price_forecast"] is None and len(reply.data["prices"]) == 48
    night = offline.schedules()["go"]["periods"][0][2]
    assert next(f.value for f in reply.fields if f.label == "Cheapest").startswith(f"{night:.2f}")


def test_with_octopus_unreachable_a_named_tariff_falls_back_to_its_labelled_offline_schedule(
    fake_octopus, fake_carbon, fake_now
):
    fake_octopus.stop()  # no connection at all, as on a machine without internet
    session = make_session(backoff=0.0, timeout=(1.0, 2.0))
    ctx = Context(
        provider=FallbackProvider(LiveProvider(session=session), SampleProvider()),
        region=LONDON_C, now=fake_now, charts=False,
    )  # fmt: skip
    reply = run("prices tomorrow on go", ctx)
    assert not reply.is_error, reply.summary
    assert reply.title.startswith("Octopus Go (offline schedule) prices")
    assert any("offline sample data" in note for note in reply.notes)
    night = offline.schedules()["go"]["periods"][0][2]
    assert next(f.value for f in reply.fields if f.label == "Cheapest").startswith(f"{night:.2f}")
    # a product code has no offline stand-in: an honest message, not a guess
    code = run("prices on GO-VAR-22-10-14", ctx)
    assert code.is_error and "needs the live Octopus API" in code.summary
    # live only (no sample fallback): no stand-in either
    alone = Context(provider=LiveProvider(session=session), region=LONDON_C, now=fake_now)
    assert run("prices on go", alone).is_error


def test_a_tariff_on_a_replayed_sample_day_is_priced_for_that_day_not_today():
    # Outside the sample's years the sample replays Sat 08 Jun 2024: the tariff follows it.
    today = pd.Timestamp("2026-12-01 09:00", tz="UTC")
    ctx = Context(provider=SampleProvider(), region=LONDON_C, now=today, charts=False)
    prices = run("prices on go", ctx)
    assert min(map(pd.Timestamp, prices.data["prices"])) == SampleProvider().replay_instant(today)
    best = run("bestslot 2h on go", ctx)
    assert not best.is_error, best.summary
    night = offline.schedules()["go"]["periods"][0][2]
    assert best.data["windows"]["Cheapest"]["price_p_per_kwh"] == pytest.approx(night)
    tomorrow = run("prices tomorrow on go", ctx)
    assert len(tomorrow.data["prices"]) == 48, tomorrow.summary


def test_a_failing_octopus_is_not_replaced_by_an_offline_schedule(live_ctx, fake_octopus):
    fake_octopus.fail_next(50, status=500)  # reachable but failing: retries, then honesty
    ctx = Context(
        provider=FallbackProvider(live_ctx.provider, SampleProvider()),
        region=LONDON_C, now=live_ctx.now, charts=False,
    )  # fmt: skip
    reply = run("prices on go", ctx)
    assert reply.is_error and "offline schedule" not in reply.title


def test_backtest_on_go_moves_the_load_into_the_cheap_band(live_ctx):
    reply = run("backtest 2h daily at 18:00 within 24h from 2024-06-03 to 2024-06-06 on go",
                live_ctx)  # fmt: skip
    assert not reply.is_error, reply.summary
    night = offline.schedules()["go"]["periods"][0][2]
    day = offline.schedules()["go"]["otherwise"]
    shown = " ".join([reply.summary, *(f.value for f in reply.fields)])
    assert f"£{4 * 2 * day / 100:.2f}" in shown  # 4 days x 2 kWh at 18:00 at the day rate
    assert f"£{4 * 2 * (day - night) / 100:.2f}" in shown  # all moved into the night band


def test_battery_on_outgoing_sells_at_the_export_rates(live_ctx):
    reply = run("battery 10 kWh 5 kW on outgoing", live_ctx)
    assert not reply.is_error, reply.summary
    assert "export" in " ".join(reply.notes).lower()


def test_two_register_tariff_uses_the_night_rate_at_night(live_ctx):
    reply = run("prices on ECO7-24-04-01", live_ctx)
    assert not reply.is_error, reply.summary
    client = registry.octopus_client_of(live_ctx.provider)
    tariff = registry.product("ECO7-24-04-01", client)
    day = pd.Timestamp("2024-06-09").tz_localize(LONDON)
    rates = tariff.import_rates(
        "C", day.tz_convert("UTC"), (day + pd.Timedelta(days=1)).tz_convert("UTC")
    )
    night = rates[(rates.index.tz_convert(LONDON).time >= time(0, 30))
                  & (rates.index.tz_convert(LONDON).time < time(7, 30))]  # fmt: skip
    assert len(night) == 14 and (night == 13.0).all()
    assert (rates.drop(night.index) == 30.0).all()
    assert tariff.standing_charge("C") == pytest.approx(45.0)


def _brute_steps(rows, slot):
    """The value of the latest-starting row covering ``slot`` (rows as the API sends them)."""
    best = None
    for row in rows:
        start = pd.Timestamp(row["valid_from"])
        end = pd.Timestamp(row["valid_to"]) if row["valid_to"] else None
        if start <= slot and (end is None or slot < end) and (best is None or start >= best[0]):
            best = (start, row["value_inc_vat"])
    return None if best is None else best[1]


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 200), min_size=1, max_size=12),
    gaps=st.lists(st.integers(0, 3), min_size=12, max_size=12),
    values=st.lists(st.floats(-50, 150), min_size=12, max_size=12),
    open_ended=st.booleans(),
)
def test_rate_rows_of_any_length_match_brute_force(lengths, gaps, values, open_ended):
    t = pd.Timestamp("2024-03-30 22:00Z")
    rows = []
    for i, n in enumerate(lengths):
        t += gaps[i] * pd.Timedelta(minutes=30)
        end = t + n * pd.Timedelta(minutes=30)
        last = open_ended and i == len(lengths) - 1
        rows.append({"valid_from": t.isoformat(), "valid_to": None if last else end.isoformat(),
                     "value_inc_vat": values[i], "payment_method": None})  # fmt: skip
        t = end
    slots = pd.date_range("2024-03-30 20:00Z", t + pd.Timedelta(hours=3), freq="30min")
    got = payloads.steps_on(payloads.rate_steps(rows[::-1]), slots)
    for slot, value in got.items():
        expected = _brute_steps(rows, slot)
        assert (pd.isna(value) and expected is None) or value == pytest.approx(expected)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 12), hour=st.integers(0, 23), day=st.integers(3, 27))
def test_for_export_matches_brute_force_on_a_dashboard_export(k, hour, day):
    provider = FileProvider(DASHBOARD, None)
    now = pd.Timestamp(f"2024-06-{day:02d} {hour:02d}:00").tz_localize(LONDON).tz_convert("UTC")
    ctx = Context(provider=provider, region=LONDON_C, now=now, charts=False)
    reply = run(f"bestslot {k * 30}m for export on outgoing", ctx)
    export = read_prices(DASHBOARD).export
    known = export[(export.index >= now) & (export.index < calendars.day_ahead_known_until(now))]
    sums = [known.iloc[i : i + k].mean() for i in range(len(known) - k + 1)]
    if not sums:
        assert reply.is_error
        return
    assert reply.data["export_p_per_kwh"] == pytest.approx(max(sums))


def test_octopus_down_gives_an_honest_message_not_a_traceback(live_ctx, fake_octopus):
    fake_octopus.fail_next(50, status=500)
    reply = run("bestslot 2h on cosy", live_ctx)
    assert reply.is_error
    assert "isn't available" in reply.title
    assert "Traceback" not in reply.summary


def test_rows_of_the_wrong_shape_are_an_upstream_error_for_users():
    with pytest.raises(ValueError, match="unexpected row shape"):
        payloads.rate_steps([{"valid_from": "yesterday", "value_inc_vat": 1.0}])
