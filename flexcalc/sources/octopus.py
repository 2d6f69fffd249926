"""Octopus Energy public REST API: product discovery, product details, rates, postcode -> region.

Public endpoints only (no API key). Base URL: ``$OCTOPUS_API_URL`` or
``https://api.octopus.energy/v1/``. All failures surface as ``UpstreamError`` (a
``DataUnavailable``) with a message fit for users.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urljoin

import pandas as pd
import requests

from flexcalc.sources import payloads
from flexcalc.sources.horizon import complete
from flexcalc.sources.http import (
    Freshness,
    UpstreamError,
    combine,
    get_json,
    keep_history,
    make_session,
)
from flexcalc.tariffs.families import DEFAULT_FAMILY, PINNED_ENV, NoSuchProduct, pick_product
from flexcalc.timeslots import utc

DEFAULT_BASE_URL = "https://api.octopus.energy/v1/"
SERVICE = "Octopus"
PAGE_SIZE = 1500
MAX_PAGES = 50
PRODUCTS_EXPIRY = pd.Timedelta(hours=12)
POSTCODE_EXPIRY = pd.Timedelta(days=30)


def _iso(ts: pd.Timestamp) -> str:
    return utc(ts).strftime("%Y-%m-%dT%H:%MZ")


class OctopusClient:
    """Thin client for the endpoints Flexcalc needs."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        product: str | None = None,
    ) -> None:
        base = base_url or os.environ.get("OCTOPUS_API_URL") or DEFAULT_BASE_URL
        self.base_url = base if base.endswith("/") else base + "/"
        self.session = session if session is not None else make_session()
        self._pinned = product or os.environ.get(PINNED_ENV) or None  # the default family's
        self._current: dict[str, str] = {}  # family -> discovered current product (per client)

    def _url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def _pages(
        self,
        url: str,
        params: dict[str, Any] | None,
        expire_after: pd.Timedelta | None = None,
        fallbacks: list[tuple[str, dict[str, Any] | None]] | None = None,
    ) -> tuple[list[dict[str, Any]], Freshness]:
        """All ``results`` across ``next`` pages; freshness is that of the oldest page."""
        results: list[dict[str, Any]] = []
        seen: list[Freshness] = []
        next_url: str | None = url
        next_params = params
        for _ in range(MAX_PAGES):
            if not next_url:
                break
            body, fresh = get_json(
                self.session,
                next_url,
                SERVICE,
                params=next_params,
                expire_after=expire_after,
                fallbacks=fallbacks if next_url == url else None,
            )
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise UpstreamError(f"{SERVICE} sent an unexpected response (no 'results' list).")
            results.extend(body["results"])
            seen.append(fresh)
            next_url = body.get("next")
            next_params = None  # the next link carries the query string
        else:
            raise UpstreamError(f"{SERVICE} returned more than {MAX_PAGES} pages; giving up.")
        return results, combine(seen)

    # -- products -------------------------------------------------------------------------

    def product_code(
        self,
        family: str = DEFAULT_FAMILY,
        override: str | None = None,
        at: pd.Timestamp | None = None,
    ) -> str:
        """The current (or at ``at``) product code of a tariff family (``flexcalc.tariffs``).

        ``override`` > ``$FLEX_AGILE_PRODUCT`` (default family only) > discovery from
        ``GET products/`` (with ``available_at`` when ``at`` is given), the newest matching
        product winning (``flexcalc.tariffs.families.pick_product``).
        """
        pinned = self._pinned if family == DEFAULT_FAMILY else None
        if override or pinned:
            return override or pinned  # type: ignore[return-value]
        if at is None and family in self._current:
            return self._current[family]
        params = {"available_at": _iso(at)} if at is not None else None
        products, _ = self._pages(self._url("products/"), params, PRODUCTS_EXPIRY)
        try:
            code = pick_product(products, family)
        except NoSuchProduct as exc:
            raise UpstreamError(str(exc)) from None
        if at is None:
            self._current[family] = code
        return code

    def product_detail(self, code: str) -> dict[str, Any]:
        """``GET products/{code}/``: names, tariff codes per region, standing charges."""
        body, _ = get_json(
            self.session, self._url(f"products/{code}/"), SERVICE, expire_after=PRODUCTS_EXPIRY
        )
        if not isinstance(body, dict) or "code" not in body:
            raise UpstreamError(f"{SERVICE} sent an unexpected product description for {code}.")
        return body

    def tariff_code(self, region_letter: str, product: str | None = None) -> str:
        code = product or self.product_code()
        return f"E-1R-{code}-{region_letter.upper().lstrip('_')}"

    # -- rates ----------------------------------------------------------------------------

    def unit_rates(
        self,
        region: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        product: str | None = None,
        *,
        expire_after: pd.Timedelta | None = None,
        fallbacks: list[tuple[pd.Timestamp, pd.Timestamp]] | None = None,
    ) -> pd.Series:
        """Half-hourly import p/kWh inc VAT (default family) for UTC slots in [start, end).

        ``region`` is a letter (``"C"``). ``fallbacks`` are earlier (start, end) questions whose
        cached answers may stand in if this one fails. The result's ``attrs`` hold
        ``fetched_at`` and ``stale`` (see ``Freshness``).
        """
        start, end = utc(start), utc(end)
        url, params = self.unit_rates_request(region, start, end, product)
        alternatives = [self.unit_rates_request(region, a, b, product) for a, b in fallbacks or []]
        results, fresh = self._pages(url, params, expire_after, alternatives)
        try:
            series = payloads.octopus_rates(results, what=f"{SERVICE} unit rates")
        except ValueError as exc:
            raise UpstreamError(str(exc)) from None
        series = series.loc[(series.index >= start) & (series.index < end)]
        if expire_after is None and end < pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=2):
            keep_history(self.session, fresh, complete(series.index, start, end))
        series.attrs = {"fetched_at": fresh.fetched_at, "stale": fresh.stale}
        return series

    def unit_rates_request(
        self, region: str, start: pd.Timestamp, end: pd.Timestamp, product: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        code = product or self.product_code()
        return self.rates_request(
            code, self.tariff_code(region, code), "standard-unit-rates", start, end
        )

    def rates_request(
        self, product: str, tariff: str, register: str, start: pd.Timestamp, end: pd.Timestamp
    ) -> tuple[str, dict[str, Any]]:
        """URL and query of one register's rates (``standard-unit-rates``, ``day-unit-rates``,
        ``night-unit-rates`` or ``standing-charges``) of a tariff code."""
        url = self._url(f"products/{product}/electricity-tariffs/{tariff}/{register}/")
        params = {"period_from": _iso(start), "period_to": _iso(end), "page_size": PAGE_SIZE}
        return url, params

    def rate_rows(
        self,
        product: str,
        tariff: str,
        register: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        expire_after: pd.Timedelta | None = None,
    ) -> tuple[list[dict[str, Any]], Freshness]:
        """The raw rows (newest first, ``valid_to`` null = open-ended) covering [start, end)."""
        url, params = self.rates_request(product, tariff, register, utc(start), utc(end))
        return self._pages(url, params, expire_after)

    # -- regions --------------------------------------------------------------------------

    def grid_supply_point(self, postcode: str) -> str | None:
        """Region letter (``"C"``) for a postcode, or None if Octopus does not know it."""
        cleaned = " ".join(postcode.upper().split())
        if not cleaned:
            return None
        results, _ = self._pages(
            self._url("industry/grid-supply-points/"), {"postcode": cleaned}, POSTCODE_EXPIRY
        )
        groups = {str(r.get("group_id", "")).lstrip("_").upper() for r in results}
        groups.discard("")
        return groups.pop() if len(groups) == 1 else None
