"""Advice recorded from real answers and alerts, scored by the clock once the span has passed,
and reported by ``/flex accuracy`` and the weekly digest: the real app on loopback, signed
Slack requests, the bundled sample data, a controllable clock."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advice import record, settle
from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.answering import warm_up
from bot.engagement import digests
from bot.security import retention
from bot.security.my_data import collect
from bot.storage.advice import AdviceScore
from flexcalc.regions import by_letter
from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.sample import SampleProvider
from tests.advice.helpers import advise, answer_to, scored_regrets
from tests.alerts.conftest import london, run_ticks
from tests.alerts.helpers import subscribe
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN
from tests.slack.harness import block_text

HALF = pd.Timedelta(minutes=30)


def rows(engine) -> list[AdviceScore]:
    with Session(engine) as session:
        return list(session.scalars(select(AdviceScore).order_by(AdviceScore.id)))


def utc(moment) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_localize("UTC")


def brute_regret(provider, row: AdviceScore) -> float:
    """Chosen mean minus the cheapest adjacent run of the same length in the span, by hand."""
    prices = provider.price_history(by_letter(row.region_letter), utc(row.span_start),
                                    utc(row.span_end))  # fmt: skip
    values = {pd.Timestamp(t): float(v) for t, v in prices.dropna().items()}
    k = int((utc(row.window_end) - utc(row.window_start)) / HALF)
    runs = []
    start = utc(row.span_start)
    while start + k * HALF <= utc(row.span_end):
        run = [start + i * HALF for i in range(k)]
        if all(s in values for s in run):
            runs.append(sum(values[s] for s in run) / k)
        start += HALF
    chosen = [utc(row.window_start) + i * HALF for i in range(k)]
    return sum(values[s] for s in chosen) / k - min(runs)


@pytest.fixture
def provider() -> SampleProvider:
    return SampleProvider()


@pytest.fixture
def make_clock(engine, fake, provider):
    def make(holder: str = "clock-a") -> Clock:
        clients = SlackClients(engine, default_token=DEFAULT_TOKEN, base_url=fake.api_url)
        return Clock(engine, provider, clients, settings=ClockSettings(renew_every=0.0),
                     holder=holder)  # fmt: skip

    return make


@pytest.mark.slow
def test_a_bestslot_answer_is_recorded_once_scored_after_its_span_and_reported(
    app, fake, engine, make_clock, provider
):
    _, url = app.slack.command("/flex", "bestslot 2h")
    answer = answer_to(fake, url)
    assert "Best 2 h" in answer["text"]
    _, url = app.slack.command("/flex", "bestslot 2h")  # asked again in the same half-hour
    answer_to(fake, url)
    [row] = rows(engine)  # the same advice (and its chart drawn afterwards) is stored once
    assert (row.team_id, row.user_id, row.source, row.metric) == (
        DEFAULT_TEAM, "U0ALICE", "answer", "balanced",
    )  # fmt: skip
    assert row.status == "pending" and row.from_forecast is False
    shown = block_text(answer)
    assert utc(row.window_start).tz_convert("Europe/London").strftime("%H:%M") in shown
    assert not any("bestslot" in str(v) for v in row.__dict__.values())  # no message text

    _, url = app.slack.command("/flex", "accuracy")
    early = answer_to(fake, url)
    assert "no advice has been scored yet" in early["text"]

    # the clock scores it once the span (the answer's horizon) has passed, exactly once
    run_ticks(make_clock("clock-a"), london("2024-06-09 12:00"), london("2024-06-09 12:00"))
    assert rows(engine)[0].status == "pending"  # its span isn't over yet
    run_ticks(make_clock("clock-a"), london("2024-06-10 00:00"), london("2024-06-10 00:10"))
    run_ticks(make_clock("clock-b"), london("2024-06-10 00:15"), london("2024-06-10 00:15"))
    [row] = rows(engine)
    assert row.status == "scored" and row.carbon_basis
    assert row.regret_p == pytest.approx(brute_regret(provider, row), abs=1e-9)
    assert row.regret_g is not None and row.regret_g >= 0

    app.services.clock.now = pd.Timestamp("2024-06-10 08:00", tz="UTC")
    _, url = app.slack.command("/flex", "accuracy")
    text = block_text(answer_to(fake, url))
    assert "1 piece(s) of advice scored" in text
    assert f"{row.regret_p:.2f} p/kWh" in text
    within = "100%" if row.regret_p <= 1 else "0%"
    assert within in text
    assert "From published prices" in text and "From forecast prices" in text


def test_daily_alerts_record_their_windows_and_the_clock_scores_them(engine, fake, make_clock,
                                                                      provider):  # fmt: skip
    subscribe(engine, "alerts subscribe 08:00 in C 2h", "C0ALERTS")
    run_ticks(make_clock(), london("2024-06-08 08:00"), london("2024-06-08 08:00"))
    assert len(fake.alerts_in("C0ALERTS")) == 1
    [row] = rows(engine)
    assert (row.source, row.channel_id, row.user_id) == ("alert", "C0ALERTS", "")
    assert utc(row.window_end) - utc(row.window_start) == pd.Timedelta(hours=2)
    assert utc(row.span_end) <= utc(row.span_start) + pd.Timedelta(hours=24)
    run_ticks(make_clock(), london("2024-06-08 08:05"), london("2024-06-08 08:05"))
    assert len(rows(engine)) == 1  # nothing posted again, nothing recorded again
    settled = settle.settle_due(engine, provider, utc(row.span_end) + pd.Timedelta(hours=1))
    assert settled == 1
    [row] = rows(engine)
    assert row.status == "scored" and row.regret_p is not None and row.regret_g is not None
    assert settle.settle_due(engine, provider, utc(row.span_end) + pd.Timedelta(hours=2)) == 0


def test_my_data_shows_the_askers_advice_and_erasure_removes_it(app, fake, engine):
    _, url = app.slack.command("/flex", "bestslot 1h for price")
    answer_to(fake, url)
    found = collect(engine, DEFAULT_TEAM, "U0ALICE")
    assert len(found["advice_scores"]) == 1
    assert found["advice_scores"][0]["metric"] == "price"
    assert "advice_scores" not in collect(engine, "T0OTHER", "U0ALICE")
    retention.erase_workspace(engine, DEFAULT_TEAM)
    assert rows(engine) == []


def test_forget_me_deletes_the_askers_advice_only(app, fake, engine):
    _, url = app.slack.command("/flex", "bestslot 1h for carbon")
    answer_to(fake, url)
    _, url = app.slack.command("/flex", "bestslot 1h for price", user_id="U0BOB")
    answer_to(fake, url)
    # both charts drawn (after the answers) before forgetting: the chart pass answers again
    fake.wait_for(lambda slack: len(slack.uploaded_pngs()) >= 2 or None, 60)
    assert sorted(r.user_id for r in rows(engine)) == ["U0ALICE", "U0BOB"]
    _, url = app.slack.command("/flex", "forget me")
    assert "1 recorded piece(s) of advice" in answer_to(fake, url)["text"]
    assert [r.user_id for r in rows(engine)] == ["U0BOB"]


def test_the_warm_up_answer_is_not_kept_as_advice(engine, make_services):
    services = make_services(clock=lambda: pd.Timestamp("2024-06-08 16:30", tz="UTC"))
    warm_up(services)
    assert services.ready.is_set() and rows(engine) == []


def test_the_weekly_digest_says_how_that_weeks_advice_did(engine, provider):
    advise(engine, DEFAULT_TEAM, "2024-06-04 18:00", 2)  # the evening peak: far from the best
    advise(engine, DEFAULT_TEAM, "2024-06-11 12:00", 1)  # the week after: not in this digest
    [regret, _] = scored_regrets(engine, DEFAULT_TEAM)
    reply = digests.build(engine, provider, DEFAULT_TEAM, "C", pd.Timestamp("2024-06-12 08:00",
                                                                           tz="UTC"))  # fmt: skip
    line = {f.label: f.value for f in reply.fields}["How our advice did"]
    assert line.startswith("1 piece(s) of advice scored")
    assert f"{regret:.2f} p/kWh above the cheapest" in line and regret > 1


class Down:
    """A provider whose history is unavailable (an outage)."""

    def price_history(self, region, start, end):
        raise DataUnavailable("Octopus is down")

    carbon_history = price_history


def test_an_outage_postpones_scoring_and_a_long_one_closes_the_advice_uncounted(engine, provider):
    advise(engine, DEFAULT_TEAM, "2024-06-09 12:00", 1)  # scored straight away by the sample
    [done] = rows(engine)
    later = pd.Timestamp("2024-06-09 12:00", tz="UTC")
    given = record.from_answer(
        {"command": "bestslot", "objective": "price", "region": "C",
         "windows": {"Cheapest": {"slots": [later.isoformat()]}},
         "searched": {"start": later.isoformat(), "end": (later + HALF).isoformat()}},
        team_id=DEFAULT_TEAM, channel_id="C0GENERAL", user_id="U0BOB", tariff="", now=later,
    )  # fmt: skip
    assert given is not None and record.save(engine, given)
    assert settle.settle_due(engine, Down(), later + pd.Timedelta(days=1)) == 0
    assert [r.status for r in rows(engine)] == ["scored", "pending"]  # waits for the data
    assert settle.settle_due(engine, Down(), later + pd.Timedelta(days=7)) == 1
    assert [r.status for r in rows(engine)] == ["scored", "no_data"]
    assert rows(engine)[0].regret_p == done.regret_p  # a settled row is never touched again
