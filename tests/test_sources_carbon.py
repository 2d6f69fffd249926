"""CarbonIntensityClient against the fake Carbon Intensity API, and the response parsers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from flexcalc.sources import payloads
from flexcalc.sources.carbon_intensity import CarbonIntensityClient
from flexcalc.sources.coverage import Coverage
from flexcalc.sources.http import Freshness, UpstreamError, get_json, make_session
from tests.fakes import FakeCarbonIntensity

FIXTURES = Path(__file__).parent / "fixtures" / "carbonintensity"


def client_for(fake: FakeCarbonIntensity, tmp_path: Path) -> CarbonIntensityClient:
    # The production read timeout (10 s): none of these tests is about timeouts, and a 30-day
    # page served by a loaded CI machine took 2.7 s, so a 2 s limit retried it (4 requests, not 3).
    session = make_session(tmp_path / "cache", backoff=0.0, timeout=(1.0, 10.0))
    return CarbonIntensityClient(fake.url, session=session)


def test_national_forecast_48h_has_actual_only_for_the_past(
    tmp_path: Path, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    frame = client_for(fake_carbon, tmp_path).national_forecast(fake_now - pd.Timedelta(hours=2))
    assert len(frame) == 96
    past = frame.index + pd.Timedelta(minutes=30) <= fake_now
    assert frame.loc[past, "actual"].notna().all() and frame.loc[~past, "actual"].isna().all()


def test_regional_forecast_with_generation_mix(
    tmp_path: Path, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    regional = client_for(fake_carbon, tmp_path).regional_forecast(13, fake_now)
    assert regional.region_name == "London"
    assert len(regional.carbon) == 96 and regional.carbon.index[0] == fake_now.floor("30min")
    assert set(regional.mix.columns) >= {"gas", "wind", "solar", "nuclear"}
    assert regional.mix.sum(axis=1).between(99, 101).all()
    assert fake_carbon.requests == ["/regional/intensity/2024-06-08T16:30Z/fw48h/regionid/13"]


def test_regional_data_as_list_or_object_both_parse() -> None:
    current = json.loads((FIXTURES / "regional_regionid_13_current_2021-04-30.json").read_text())
    dated = json.loads(
        (
            FIXTURES / "regional_intensity_2020-01-01T0000Z_2020-01-02T2359Z_regionid_13.json"
        ).read_text()
    )
    assert isinstance(current["data"], list) and isinstance(dated["data"], dict)
    assert payloads.carbon_frame(current)["forecast"].tolist() == [210.0]
    assert len(payloads.carbon_frame(dated)) == 96
    assert payloads.generation_mix(current).loc[:, "gas"].iloc[0] == pytest.approx(42.3)
    mix_now = json.loads((FIXTURES / "generation_current_2021-04-30.json").read_text())
    assert payloads.generation_mix(mix_now)["nuclear"].iloc[0] == pytest.approx(17.7)


def test_history_longer_than_31_days_is_chunked(
    tmp_path: Path, fake_carbon: FakeCarbonIntensity
) -> None:
    start, end = pd.Timestamp("2024-03-01 00:00Z"), pd.Timestamp("2024-05-15 00:00Z")
    frame = client_for(fake_carbon, tmp_path).history(start, end)
    assert len(frame) == 75 * 48 and frame.index[0] == start
    assert frame.index[-1] == end - pd.Timedelta(minutes=30)
    assert len(fake_carbon.requests) == 3
    # The fake is as strict as the API: one request for the whole range is refused.
    refused = requests.get(f"{fake_carbon.url}intensity/2024-03-01T00:00Z/2024-05-15T00:00Z")
    assert refused.status_code == 400 and "greater than 31 days" in refused.text


def test_range_error_message_reaches_the_user(
    tmp_path: Path, fake_carbon: FakeCarbonIntensity
) -> None:
    session = make_session(tmp_path / "cache", backoff=0.0)
    url = f"{fake_carbon.url}intensity/2024-03-01T00:00Z/2024-05-15T00:00Z"
    with pytest.raises(UpstreamError, match=r"HTTP 400: The date range .* greater than 31 days"):
        get_json(session, url, "Carbon Intensity")


def test_history_actual_zero_is_missing_and_gaps_are_reported(
    tmp_path: Path, fake_carbon: FakeCarbonIntensity
) -> None:
    client = client_for(fake_carbon, tmp_path)
    zero = client.history(pd.Timestamp("2023-01-31 00:00Z"), pd.Timestamp("2023-01-31 02:00Z"))
    assert np.isnan(zero.loc[pd.Timestamp("2023-01-31 01:00Z"), "actual"])
    assert zero["actual"].notna().sum() == 3
    outage = client.history(pd.Timestamp("2023-10-20 00:00Z"), pd.Timestamp("2023-10-24 00:00Z"))
    cover = Coverage.of(outage.index, label="carbon")
    assert [g.missing for g in cover.gaps] == [91]
    assert "91 slots" in cover.describe()


def test_generation_mix_now(tmp_path: Path, fake_carbon: FakeCarbonIntensity) -> None:
    mix = client_for(fake_carbon, tmp_path).generation_mix_now()
    assert sum(mix.values()) == pytest.approx(100, abs=1)
    assert fake_carbon.requests == ["/generation"]


def test_regional_history_longer_than_31_days_is_chunked_and_forecast_only(
    tmp_path: Path, fake_carbon: FakeCarbonIntensity
) -> None:
    start, end = pd.Timestamp("2024-03-01 00:00Z"), pd.Timestamp("2024-05-15 00:00Z")
    frame = client_for(fake_carbon, tmp_path).regional_history(7, start, end)
    assert list(frame.columns) == ["forecast", "actual"]
    assert len(frame) == 75 * 48 and frame.index[0] == start
    assert frame.index[-1] == end - pd.Timedelta(minutes=30)
    assert str(frame.index.tz) == "UTC" and frame["actual"].isna().all()
    assert fake_carbon.requests == [
        "/regional/intensity/2024-03-01T00:00Z/2024-03-31T00:00Z/regionid/7",
        "/regional/intensity/2024-03-31T00:00Z/2024-04-30T00:00Z/regionid/7",
        "/regional/intensity/2024-04-30T00:00Z/2024-05-15T00:00Z/regionid/7",
    ]
    # The fake's region 7 is the national sample forecast x 0.6 (tests/fakes/upstream.py).
    national = fake_carbon.frame["forecast"].loc[frame.index]
    assert frame["forecast"].tolist() == (national * 0.6).round().tolist()
    refused = requests.get(
        f"{fake_carbon.url}regional/intensity/2024-03-01T00:00Z/2024-05-15T00:00Z/regionid/7"
    )
    assert refused.status_code == 400 and "greater than 31 days" in refused.text


def test_regional_history_parses_the_dated_object_shape(tmp_path: Path) -> None:
    """The recorded dated single-region body: ``data`` is an object holding the slots."""
    body = json.loads(
        (
            FIXTURES / "regional_intensity_2020-01-01T0000Z_2020-01-02T2359Z_regionid_13.json"
        ).read_text()
    )
    assert isinstance(body["data"], dict) and isinstance(body["data"]["data"], list)

    class Recorded(CarbonIntensityClient):
        def _get(self, path, **kwargs):
            self.asked = path
            return body, Freshness(pd.Timestamp("2020-01-03", tz="UTC"), False, False)

    client = Recorded("http://recorded.invalid/", session=make_session(tmp_path / "cache"))
    start, end = pd.Timestamp("2020-01-01 00:00Z"), pd.Timestamp("2020-01-02 12:00Z")
    frame = client.regional_history(13, start, end)
    assert client.asked == "regional/intensity/2020-01-01T00:00Z/2020-01-02T12:00Z/regionid/13"
    assert len(frame) == 72 and frame.index[0] == start and frame["actual"].isna().all()
    first = body["data"]["data"][1]  # [0] is 2019-12-31T23:30Z, before the asked range
    assert first["from"] == "2020-01-01T00:00Z"
    assert frame["forecast"].iloc[0] == first["intensity"]["forecast"]
