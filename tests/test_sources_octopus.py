"""OctopusClient against the fake Octopus API on loopback (real HTTP, real cache)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from flexcalc.sources.http import UpstreamError, UpstreamUnreachable, make_session
from flexcalc.sources.octopus import OctopusClient
from flexcalc.timeslots import local_day_slots
from tests.fakes import FakeOctopus


def client_for(fake: FakeOctopus, tmp_path: Path, **session: object) -> OctopusClient:
    options = {"backoff": 0.0, "timeout": (1.0, 2.0), **session}
    return OctopusClient(fake.url, session=make_session(tmp_path / "cache", **options))


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        ("products_list_2024-05.json", "AGILE-24-04-03"),  # beats the Bulb twin and OUTGOING
        ("products_list_2025_count49.json", "AGILE-24-10-01"),
    ],
)
def test_agile_product_discovery(tmp_path: Path, products: str, expected: str) -> None:
    with FakeOctopus(products=products) as fake:
        assert client_for(fake, tmp_path).product_code() == expected


def test_product_discovery_follows_next_pages(tmp_path: Path) -> None:
    with FakeOctopus(products="products_list_2025_count49.json", products_page_size=10) as fake:
        assert client_for(fake, tmp_path).product_code() == "AGILE-24-10-01"
        assert len(fake.api_requests("/products/")) == 5
        assert fake.requests[-1].endswith("page=5")


def test_product_override_by_argument_and_env(
    tmp_path: Path, fake_octopus: FakeOctopus, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(fake_octopus, tmp_path)
    assert client.product_code(override="AGILE-FLEX-22-11-25") == "AGILE-FLEX-22-11-25"
    monkeypatch.setenv("FLEX_AGILE_PRODUCT", "AGILE-23-12-06")
    assert client_for(fake_octopus, tmp_path).tariff_code("_c") == "E-1R-AGILE-23-12-06-C"
    assert fake_octopus.requests == []


def test_unit_rates_paginated_newest_first_become_ascending_slots(
    tmp_path: Path, fake_octopus: FakeOctopus
) -> None:
    start, end = pd.Timestamp("2024-04-10", tz="UTC"), pd.Timestamp("2024-05-20", tz="UTC")
    rates = client_for(fake_octopus, tmp_path).unit_rates("C", start, end)
    assert len(rates) == 40 * 48  # 1,920 slots: two pages of at most 1,500
    assert rates.index[0] == start and rates.index[-1] == end - pd.Timedelta(minutes=30)
    assert rates.index.is_monotonic_increasing and rates.index.is_unique
    assert any("page=2" in r for r in fake_octopus.api_requests("standard-unit-rates"))
    assert rates.min() < 0  # April 2024 had negative prices


def test_unit_rates_stop_at_what_was_published(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    # At 17:30 UK time on Sat 08 Jun 2024 prices are known to 23:00 UK time on Sunday.
    rates = client_for(fake_octopus, tmp_path).unit_rates(
        "C", pd.Timestamp("2024-06-08", tz="UTC"), pd.Timestamp("2024-06-12", tz="UTC")
    )
    assert rates.index[-1] == pd.Timestamp("2024-06-09 21:30Z")
    assert rates.loc["2024-06-09"].min() == pytest.approx(-1.995)


@pytest.mark.parametrize(
    ("day", "slots"), [("2023-03-26", 46), ("2023-10-29", 50), ("2024-06-08", 48)]
)
def test_unit_rates_for_a_uk_day_including_dst_changes(
    tmp_path: Path, fake_octopus: FakeOctopus, day: str, slots: int
) -> None:
    wanted = local_day_slots(day)
    end = wanted[-1] + pd.Timedelta(minutes=30)
    product = "AGILE-FLEX-22-11-25" if day < "2023-12" else None  # the product of that time
    rates = client_for(fake_octopus, tmp_path).unit_rates("C", wanted[0], end, product)
    assert len(rates) == slots and rates.index.equals(wanted)


def test_postcode_lookup(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    client = client_for(fake_octopus, tmp_path)
    assert client.grid_supply_point("sw1a 1aa") == "C"
    assert client.grid_supply_point("NG1 1AA") == "B"
    assert client.grid_supply_point("ZZ99 9ZZ") is None
    assert "postcode=SW1A+1AA" in fake_octopus.api_requests("grid-supply-points")[0]


def test_server_error_then_success_is_retried(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    fake_octopus.fail_next(1, status=500)
    assert client_for(fake_octopus, tmp_path).product_code() == "AGILE-24-04-03"
    assert len(fake_octopus.api_requests("/products/")) == 2


def test_persistent_errors_give_a_readable_error(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    fake_octopus.fail_next(10, status=503)
    with pytest.raises(UpstreamError, match="Octopus kept answering with errors") as info:
        client_for(fake_octopus, tmp_path, retries=2).product_code()
    assert not isinstance(info.value, UpstreamUnreachable)
    assert len(fake_octopus.requests) == 3  # first try + 2 retries


def test_unknown_product_is_reported_with_api_detail(
    tmp_path: Path, fake_octopus: FakeOctopus
) -> None:
    client = client_for(fake_octopus, tmp_path)
    with pytest.raises(UpstreamError, match="HTTP 404: No EnergyProduct matches"):
        client.unit_rates(
            "C", pd.Timestamp("2024-06-08 00:00Z"), pd.Timestamp("2024-06-09 00:00Z"), "NOPE-1"
        )


def test_malformed_json_is_a_clear_error_and_not_cached(
    tmp_path: Path, fake_octopus: FakeOctopus
) -> None:
    client = client_for(fake_octopus, tmp_path)
    fake_octopus.malformed_next()
    with pytest.raises(UpstreamError, match="not valid JSON"):
        client.product_code()
    assert client.product_code() == "AGILE-24-04-03"  # asked again, not served from cache


def test_read_timeout_is_a_slow_api_not_a_missing_network(
    tmp_path: Path, fake_octopus: FakeOctopus
) -> None:
    fake_octopus.hang_next(1.0, count=2)
    client = client_for(fake_octopus, tmp_path, timeout=(1.0, 0.3))
    with pytest.raises(UpstreamError, match="did not answer in time") as info:
        client.product_code()
    assert not isinstance(info.value, UpstreamUnreachable)  # never a reason to go offline


def test_refused_connection_is_unreachable(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    client = client_for(fake_octopus, tmp_path)
    fake_octopus.stop()
    with pytest.raises(UpstreamUnreachable, match="could not be reached"):
        client.product_code()


def test_rate_limit_retry_after_is_respected(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    fake_octopus.fail_next(1, status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert client_for(fake_octopus, tmp_path).grid_supply_point("SW1A 1AA") == "C"
    assert time.monotonic() - started >= 1.0
    assert len(fake_octopus.requests) == 2


def test_product_on_sale_at_a_past_time(tmp_path: Path, fake_octopus: FakeOctopus) -> None:
    client = client_for(fake_octopus, tmp_path)
    assert client.product_code(at=pd.Timestamp("2023-06-01 00:00Z")) == "AGILE-FLEX-22-11-25"
    assert "available_at=2023-06-01T00%3A00Z" in fake_octopus.requests[-1]
    assert client.product_code() == "AGILE-24-04-03"  # the current one is unaffected
