"""``footprint storage`` with real regional intensity (live, against the fake Carbon Intensity
API) and the honest national-only note offline."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from werkzeug import Request, Response

from flexcalc.commands.answer_footprint import answer_footprint_storage
from flexcalc.commands.requests import Context, FootprintStorageRequest
from flexcalc.regions import all_regions
from flexcalc.sources.providers import make_provider
from flexcalc.sources.sample import sample_carbon
from tests.fakes import FakeCarbonIntensity, FakeOctopus


@pytest.fixture
def fake_now() -> pd.Timestamp:
    """A year of sample history lies before this instant (Sat 08 Jun 2024, UK afternoon)."""
    return pd.Timestamp("2024-06-08 16:30", tz="UTC")


def _region(letter: str):
    return next(r for r in all_regions() if r.letter == letter)


def test_live_storage_names_cleanest_and_dirtiest_from_regional_intensity(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    progress: list[str] = []
    ctx = Context(
        make_provider(),
        _region("C"),
        now=fake_now,
        charts=False,
        progress=lambda _f, text: progress.append(text),
    )
    reply = answer_footprint_storage(FootprintStorageRequest(50, "ssd"), ctx)
    assert not reply.is_error
    # Independently: the fake scales the national forecast by 0.5 + (5 * id mod 17) / 10.
    factors = {r.name: 0.5 + ((r.ci_region_id * 5) % 17) / 10 for r in all_regions()}
    cleanest, dirtiest = min(factors, key=factors.get), max(factors, key=factors.get)
    assert (cleanest, dirtiest) == ("South Wales", "Eastern")  # not the letter or id extremes
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Cleanest region"].startswith(f"{cleanest}:")
    assert fields["Dirtiest region"].startswith(f"{dirtiest}:")
    assert reply.data["regional"] is True and len(reply.data["regional_means"]) == 14
    # Home (London, id 13) uses its own regional forecast, not the national series.
    national = sample_carbon().frame["forecast"]
    # The year 09 Jun 2023 to 07 Jun 2024 (364 days back; 2024 is a leap year), UK days.
    a, b = pd.Timestamp("2023-06-08 23:00Z"), pd.Timestamp("2024-06-07 23:00Z")
    year = national.loc[(national.index >= a) & (national.index < b)].dropna()
    expected = (year * factors["London"]).round().mean()
    assert reply.data["mean_intensity"] == pytest.approx(expected, rel=1e-6)
    assert reply.data["regional_means"]["C"] == pytest.approx(expected, rel=1e-6)
    assert "London (C)'s own half-hourly" in reply.summary
    assert not any("not available" in n for n in reply.notes)
    # Every region asked over the dated regional path, in chunks under the 31-day limit.
    regional = fake_carbon.api_requests("/regional/intensity/")
    assert {r.rsplit("/", 1)[1] for r in regional} == {str(r.ci_region_id) for r in all_regions()}
    assert any(t.startswith("Regional carbon: ") for t in progress)


def test_offline_storage_still_says_national_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    provider = make_provider()
    assert provider.regional_carbon_history(_region("C"), *_year()) is None
    ctx = Context(provider, _region("C"), charts=False)
    reply = answer_footprint_storage(FootprintStorageRequest(50, "ssd"), ctx)
    assert "GB national (no regional data here)" in reply.summary
    assert any("not available" in n and "national carbon intensity only" in n for n in reply.notes)
    assert reply.data["regional"] is False
    assert not any(f.label == "Cleanest region" for f in reply.fields)


def _year() -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp("2023-06-01", tz="UTC"), pd.Timestamp("2024-06-01", tz="UTC")


def test_regional_failure_keeps_the_national_answer_and_says_why(
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    national_route = fake_carbon.route

    def route(path: str, request: Request) -> Response:
        if path.startswith("/regional/"):
            body = {"error": {"code": "400 Bad Request", "message": "Regional is down (fake)"}}
            return Response(json.dumps(body), status=400, mimetype="application/json")
        return national_route(path, request)

    monkeypatch.setattr(fake_carbon, "route", route)
    ctx = Context(make_provider(), _region("C"), now=fake_now, charts=False)
    reply = answer_footprint_storage(FootprintStorageRequest(50, "ssd"), ctx)
    assert not reply.is_error
    assert "GB national (regional data unavailable)" in reply.summary
    assert any(
        n.startswith("Cleanest/dirtiest region: not available") and "Regional is down" in n
        for n in reply.notes
    )
    assert reply.data["regional"] is False
    assert len(fake_carbon.api_requests("/regional/")) == 1  # gave up after the first region
