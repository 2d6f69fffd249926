"""The one command grammar: what people type -> what they asked for, or a friendly reason."""

from datetime import date, time

import pandas as pd
import pytest

from flexcalc.commands import UsageError, parse
from flexcalc.commands.requests import (
    AlertsRequest,
    BacktestRequest,
    BatteryRequest,
    BestSlotRequest,
    CarbonRequest,
    FootprintEnergyRequest,
    FootprintStorageRequest,
    HelpRequest,
    PricesRequest,
    RegionRequest,
)

H = pd.Timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "hours"),
    [("4h", 4), ("90m", 1.5), ("2h30m", 2.5), ("2h 30m", 2.5), ("1.5h", 1.5), ("4 hours", 4),
     ("20m", 0.5), ("31m", 1), ("24h", 24)],
)  # fmt: skip
def test_durations_round_up_to_whole_half_hours(text, hours):
    assert parse(f"bestslot {text}").duration == hours * H


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bestslot banana", "couldn't read 'banana' as a duration"),
        ("bestslot 0h", "at least 30 minutes"),
        ("bestslot 30h", "at most 24 hours"),
        ("bestslot", "How long"),
        ("bestslot 4h by 25:00", "not a time of day"),
        ("bestslot 4h in ZZ9", "ZZ9"),
        ("bestslot 4h for fun", "for price, for carbon or for both"),
        ("bestslot 4h within 3h by 07:00", "only one of"),
        ("bestslot 4h at -2 kW", "positive"),
        ("frobnicate", "don't know the command"),
        ("battery 13.5 kWh 5 kW efficiency 150%", "between 1% and 100%"),
        ("battery -3 kWh 5 kW", "positive"),
        ("backtest 4h daily from 2023-02-01 to 2023-01-01", "before the 'from' date"),
        ("alerts subscribe 25:00", "not a time of day"),
        ("alerts subscribe in Narnia", "Narnia"),
    ],
)
def test_bad_input_gets_a_reason_and_examples(text, reason):
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert reason in caught.value.message
    reply = caught.value.reply()
    assert reply.is_error
    assert len(reply.notes) >= 2 and all(n.startswith("Try: ") for n in reply.notes)


def test_bestslot_words_in_any_order():
    req = parse("/bestslot 4h by 07:00 in NG1 for both at 7 kW")
    assert isinstance(req, BestSlotRequest)
    assert req.by == time(7, 0)
    assert req.region.letter == "B"
    assert req.objective == "both"
    assert req.load.kw == 7 and req.load.energy_kwh(req.duration) == 28
    same = parse("bestslot 4h at 7kW for both in NG1 by 7am")
    assert same == req


def test_bestslot_options():
    req = parse("bestslot 2h between 22:00 and 07:00 in east midlands split 20 kWh")
    assert req.between == (time(22, 0), time(7, 0))
    assert req.region.name == "East Midlands"
    assert req.split and req.load.kwh == 20
    assert parse("bestslot 3h within 12h").within == 12 * H
    assert parse("bestslot 3h within 12").within == 12 * H
    assert parse("flex 4h").duration == 4 * H  # "/flex 4h" reads as bestslot


@pytest.mark.parametrize(
    ("words", "letter"),
    [("C", "C"), ("_c", "C"), ("London", "C"), ("east midlands", "B"), ("NG1", "B"),
     ("NG1 1AA", "B"), ("1200012345678", "C"), ("17", "P"), ("south wales", "K"), ("EH1", "N")],
)  # fmt: skip
def test_regions_every_way_people_write_them(words, letter):
    assert parse(f"prices in {words}").region.letter == letter


def test_unknown_postcode_district_asks_the_live_lookup():
    asked = []

    def lookup(postcode: str) -> str | None:
        asked.append(postcode)
        return "J"

    assert parse("carbon in ZZ99 9ZZ", lookup).region.letter == "J"
    assert asked == ["ZZ99 9ZZ"]


def test_other_commands():
    assert parse("prices") == PricesRequest()
    assert parse("carbon North Scotland") == CarbonRequest(parse("region P").region)
    assert parse("help bestslot") == HelpRequest("bestslot")
    assert parse("") == HelpRequest()
    assert parse("region NG1") == RegionRequest(parse("region B").region)
    bt = parse("backtest 4h daily at 09:00 within 24h from 2023-01-01 to 2023-12-31 in C at 50 kW")
    assert isinstance(bt, BacktestRequest)
    assert (bt.at, bt.within, bt.start, bt.end) == (
        time(9),
        24 * H,
        date(2023, 1, 1),
        date(2023, 12, 31),
    )
    assert bt.load.kw == 50 and bt.region.letter == "C"
    bat = parse("battery 13.5 kWh 5 kW efficiency 90% for carbon")
    assert bat == BatteryRequest(capacity_kwh=13.5, power_kw=5, efficiency=0.9, objective="carbon")
    assert parse("footprint 10 kWh in B") == FootprintEnergyRequest(10, parse("region B").region)
    fs = parse("footprint storage 50 TB ssd replication 3 pue 1.4 in C")
    assert fs == FootprintStorageRequest(50, "ssd", 3, 1.4, parse("region C").region)
    assert parse("footprint storage 500GB hdd").terabytes == pytest.approx(0.5)


def test_alerts_grammar():
    sub = parse("alerts subscribe 08:00 in NG1 4h tomorrow")
    assert sub == AlertsRequest("subscribe", time(8), parse("region B").region, 4 * H, True)
    assert parse("alerts list") == AlertsRequest("list")
    assert parse("alerts unsubscribe") == AlertsRequest("unsubscribe")
    when = parse("alerts when price below 0")
    assert when.threshold == ("price", "below", 0.0)
    assert parse("alerts when carbon below 60").threshold == ("carbon", "below", 60.0)


def test_times_in_the_repeated_autumn_hour_say_which_one():
    from flexcalc.timeslots import fmt_span, utc

    first = pd.Timestamp("2023-10-29 00:00", tz="UTC")  # 01:00 BST
    assert fmt_span(first, first + pd.Timedelta(hours=1)) == "Sun 29 Oct 01:00 BST–01:00 GMT"
    assert fmt_span(utc("2023-06-01 09:00"), utc("2023-06-01 13:00")) == "Thu 01 Jun 09:00–13:00"
    # a span to the midnight after its day ends 24:00, on a 25-hour day too (naive: UK time)
    assert fmt_span(utc("2023-06-02 00:00"), utc("2023-06-03 00:00")) == "Fri 02 Jun 00:00–24:00"
    assert fmt_span(utc("2023-10-29 00:00"), utc("2023-10-30 00:00")) == "Sun 29 Oct 00:00–24:00"
    assert fmt_span(utc("2023-06-02 22:00"), utc("2023-06-04 00:00")).endswith("Sun 04 Jun 00:00")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bestslot 2h from 2024-01-01", "dates are for backtest"),
        ("backtest 2h for carbon", "both the cheapest and the greenest"),
        ("battery 10 kWh 5 kW within 12h", "whole known horizon"),
        ("backtest 4h within 2h", "at least as long as the job"),
    ],
)
def test_options_that_belong_to_another_command_are_explained(text, reason):
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert reason in caught.value.message
