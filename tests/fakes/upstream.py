"""Fake Octopus and Carbon Intensity APIs on loopback, for tests that run the real clients.

Each fake is a real HTTP server (pytest-httpserver, threaded) that answers like the public API
*as it would have answered at* ``fake.now``: Octopus only has prices up to the publication
horizon, Carbon Intensity has actual values only for past slots. Responses use the recorded
shapes (``tests/fixtures``) and values from the bundled sample history (region C prices, GB
national carbon, 2022-11-25 to 2024-09-30), so ``now`` should lie in that period.

Scripting failures::

    fake.fail_next(2, status=500)        # the next two requests get HTTP 500
    fake.fail_next(1, status=429, headers={"Retry-After": "1"})
    fake.malformed_next()                # 200 with a body that is not JSON
    fake.hang_next(1.0)                  # sleep 1 s before answering (timeouts)
    fake.delay_next(0.5)                 # sleep 0.5 s, then answer normally (a slow API)
    fake.stop()                          # nothing listening any more: connection refused
    fake.requests                        # paths (with query) received, in order
    fake.spans                           # when each request arrived and was answered
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flexcalc import regions
from flexcalc.sources.csv_files import read_prices
from flexcalc.sources.horizon import price_horizon_end
from flexcalc.sources.sample import SAMPLE_INSTANT, sample_carbon, sample_mix, sample_prices
from flexcalc.tariffs import offline
from flexcalc.tariffs.families import family_of
from flexcalc.timeslots import SLOT, floor_slot, utc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT_NOW = SAMPLE_INSTANT  # Sat 08 Jun 2024 17:30 UK time
ISO = "%Y-%m-%dT%H:%MZ"


def fixture_json(*parts: str) -> Any:
    return json.loads(FIXTURES.joinpath(*parts).read_text(encoding="utf-8"))


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def _parse_time(text: str) -> pd.Timestamp:
    return utc(pd.Timestamp(text.replace("Z", "+00:00")))


@dataclass
class Span:
    """One request's time on the server (``time.monotonic()``); unanswered until it returns."""

    path: str
    arrived: float
    answered: float = math.inf

    def overlaps(self, other: Span) -> bool:
        return self.arrived < other.answered and other.arrived < self.answered


class _QuickServer(HTTPServer):
    """pytest-httpserver's server, polling for shutdown every 20 ms instead of 500 ms."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)


class FakeUpstream:
    """A loopback HTTP server routing every request to ``self.route``."""

    prefix = ""

    def __init__(self, now: pd.Timestamp | str = DEFAULT_NOW) -> None:
        self.now = utc(pd.Timestamp(now))
        self.server = _QuickServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._dispatch)
        self.scripted: deque[Callable[[], Response]] = deque()
        self.delays: deque[float] = deque()
        self.spans: list[Span] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeUpstream:
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    @property
    def url(self) -> str:
        """Base URL to give the client (e.g. ``http://127.0.0.1:PORT/v1/``)."""
        return self.server.url_for(self.prefix + "/")

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- failure scripting ------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 500,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = body if body is not None else {"detail": "Internal server error (fake)."}
        for _ in range(count):
            self.scripted.append(lambda: _json(payload, status, headers))

    def malformed_next(self, count: int = 1) -> None:
        for _ in range(count):
            self.scripted.append(
                lambda: Response('{"results": [{"valid_from": ', 200, mimetype="application/json")
            )

    def hang_next(self, seconds: float, count: int = 1) -> None:
        def hang() -> Response:
            time.sleep(seconds)
            return _json({"detail": "too late"}, 504)

        for _ in range(count):
            self.scripted.append(hang)

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` requests are answered normally after ``seconds``."""
        self.delays.extend([seconds] * count)

    # -- dispatch ---------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response:
        query = request.query_string.decode()
        span = Span(request.path + (f"?{query}" if query else ""), arrived=time.monotonic())
        self.spans.append(span)
        try:
            return self._answer(request)
        finally:
            span.answered = time.monotonic()

    def _answer(self, request: Request) -> Response:
        if self.scripted:
            return self.scripted.popleft()()
        if self.delays:
            time.sleep(self.delays.popleft())
        path = request.path[len(self.prefix) :] if request.path.startswith(self.prefix) else ""
        return self.route(path, request)

    def route(self, path: str, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def requests(self) -> list[str]:
        """Paths (with query) received, in order."""
        return [span.path for span in self.spans]

    def api_requests(self, fragment: str = "") -> list[str]:
        return [r for r in self.requests if fragment in r]


# Withdrawn products, listed only for ``?available_at=`` in their time (fields copied from the
# recorded product detail shared/data/octopus/product_detail_AGILE-FLEX-22-11-25.json).
HISTORIC_PRODUCTS = [
    {
        "code": "AGILE-FLEX-22-11-25",
        "direction": "IMPORT",
        "full_name": "Agile Octopus November 2022 v1",
        "display_name": "Agile Octopus",
        "is_variable": True,
        "is_business": False,
        "brand": "OCTOPUS_ENERGY",
        "available_from": "2022-11-25T00:00:00Z",
        "available_to": "2023-12-11T12:00:00Z",
    }
]


def _when(text: str | None) -> pd.Timestamp | None:
    return utc(pd.Timestamp(text)) if text else None


class FakeOctopus(FakeUpstream):
    """``/v1/products/``, Agile ``standard-unit-rates`` and ``industry/grid-supply-points``.

    Every region letter gets the sample's region C prices (only the values' region differs).
    A listed product only has rates from its ``available_from`` on, like the real relaunches;
    ``products/?available_at=`` lists the products on sale at that time.
    """

    prefix = "/v1"

    def __init__(
        self,
        now: pd.Timestamp | str = DEFAULT_NOW,
        products: str = "products_list_2024-05.json",
        products_page_size: int | None = None,
        prices: pd.Series | None = None,
    ) -> None:
        super().__init__(now)
        self.products = fixture_json("octopus", products)
        self.historic_products = list(HISTORIC_PRODUCTS)
        self.products_page_size = products_page_size
        self.prices = prices if prices is not None else sample_prices().prices
        self.default_page_size = 100
        self.recorded_rates = dict(tariff_rate_rows())

    def published(self) -> pd.Series:
        """Prices Octopus would have published by ``now``."""
        return self.prices.loc[self.prices.index < price_horizon_end(self.now)]

    def route(self, path: str, request: Request) -> Response:
        if path in ("/products/", "/products"):
            return self._products(request)
        match = re.fullmatch(
            r"/products/(?P<product>[^/]+)/electricity-tariffs/E-1R-(?P=product)-(?P<letter>[A-P])"
            r"/standard-unit-rates/?",
            path,
        )
        if match:
            family = family_of(match["product"])
            if family is not None and family.key in self.recorded_rates:
                return self._recorded_rates(request, family.key)
            if not match["product"].startswith("AGILE-") or "OUTGOING" in match["product"]:
                return _json({"detail": "No EnergyProduct matches the given query."}, 404)
            return self._unit_rates(request, match["product"])
        detail = re.fullmatch(r"/products/(?P<product>[^/]+)/?", path)
        if detail:
            return self._detail(detail["product"])
        dual = re.fullmatch(
            r"/products/(?P<product>[^/]+)/electricity-tariffs/E-2R-(?P=product)-[A-P]"
            r"/(?P<register>day|night)-unit-rates/?",
            path,
        )
        if dual and dual["product"] in TWO_REGISTER:
            value = TWO_REGISTER[dual["product"]][dual["register"]]
            since = pd.Timestamp("2024-04-01 00:00Z")
            return _json({"count": 1, "next": None, "previous": None,
                          "results": _rows([(since, None, value)])})  # fmt: skip
        if path.rstrip("/") == "/industry/grid-supply-points":
            return self._gsp(request)
        return _json({"detail": "Not found."}, 404)

    def _page(self, request: Request, rows: list[dict[str, Any]], size: int) -> dict[str, Any]:
        page = int(request.args.get("page", "1"))
        chunk = rows[(page - 1) * size : page * size]
        args = dict(request.args)

        def link(number: int) -> str:
            args["page"] = str(number)
            return self.server.url_for(request.path) + "?" + urlencode(args)

        more = page * size < len(rows)
        return {
            "count": len(rows),
            "next": link(page + 1) if more else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": chunk,
        }

    def _all_products(self) -> list[dict[str, Any]]:
        return [*self.products["results"], *self.historic_products]

    def _products(self, request: Request) -> Response:
        rows = self.products["results"]
        if "available_at" in request.args:
            at = _parse_time(request.args["available_at"])
            rows = [
                p
                for p in self._all_products()
                if (_when(p.get("available_from")) or at) <= at
                and (_when(p.get("available_to")) is None or at < _when(p.get("available_to")))
            ]
        size = self.products_page_size or max(len(rows), 1)
        return _json(self._page(request, rows, size))

    def _unit_rates(self, request: Request, product: str) -> Response:
        prices = self.published()
        listed = {p["code"]: p for p in self._all_products()}
        if product in listed and listed[product].get("available_from"):
            prices = prices.loc[prices.index >= _when(listed[product]["available_from"])]
        if "period_from" in request.args:
            prices = prices.loc[prices.index >= _parse_time(request.args["period_from"])]
        if "period_to" in request.args:
            prices = prices.loc[prices.index < _parse_time(request.args["period_to"])]
        rows = [
            {
                "value_exc_vat": round(float(value) / 1.05, 4),
                "value_inc_vat": float(value),
                "valid_from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "valid_to": (start + SLOT).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "payment_method": None,
            }
            for start, value in prices.iloc[::-1].items()  # newest first, like the API
        ]
        size = min(int(request.args.get("page_size", self.default_page_size)), 1500)
        return _json(self._page(request, rows, size))

    def _detail(self, product: str) -> Response:
        """A product's detail: the recorded one where vendored, else built from its listing."""
        path = FIXTURES / "octopus" / f"product_detail_{product}.json"
        if path.exists():
            return _json(json.loads(path.read_text(encoding="utf-8")))
        if product in TWO_REGISTER:  # an Economy 7 style product: two registers only
            dual = {
                f"_{letter}": {"direct_debit_monthly": {
                    "code": f"E-2R-{product}-{letter}", "standing_charge_inc_vat": 45.0,
                }}
                for letter in "ABCDEFGHJKLMNP"
            }  # fmt: skip
            return _json({"code": product, "display_name": "Economy 7 (fake)",
                          "is_variable": True, "dual_register_electricity_tariffs": dual,
                          "single_register_electricity_tariffs": {}})  # fmt: skip
        listed = {p["code"]: p for p in self._all_products()}
        if product not in listed and family_of(product) is None:
            return _json({"detail": "No EnergyProduct matches the given query."}, 404)
        tariffs = {
            f"_{letter}": {"direct_debit_monthly": {
                "code": f"E-1R-{product}-{letter}", "standing_charge_inc_vat": 47.85,
            }}
            for letter in "ABCDEFGHJKLMNP"
        }  # fmt: skip
        return _json({**listed.get(product, {"code": product}),
                      "single_register_electricity_tariffs": tariffs})  # fmt: skip

    def _recorded_rates(self, request: Request, product: str) -> Response:
        """Rows overlapping [period_from, period_to), newest first, like the API."""
        rows = self.recorded_rates[product]
        lo = _parse_time(request.args["period_from"]) if "period_from" in request.args else None
        hi = _parse_time(request.args["period_to"]) if "period_to" in request.args else None
        horizon = price_horizon_end(self.now)
        kept = [
            r
            for r in rows
            if (hi is None or _parse_time(r["valid_from"]) < hi)
            and (r["valid_to"] is None or lo is None or _parse_time(r["valid_to"]) > lo)
            and _parse_time(r["valid_from"]) < horizon
        ]
        size = min(int(request.args.get("page_size", self.default_page_size)), 1500)
        return _json(self._page(request, kept, size))

    def _gsp(self, request: Request) -> Response:
        postcode = request.args.get("postcode", "")
        try:
            letter: str | None = regions.by_postcode(postcode).letter
        except regions.UnknownRegion:
            letter = None
        results = [{"group_id": f"_{letter}"}] if letter else []
        return _json({"count": len(results), "next": None, "previous": None, "results": results})


TWO_REGISTER = {"ECO7-24-04-01": {"day": 30.0, "night": 13.0}}  # synthesised day/night rates
RATE_MONTH = ("2024-05-31 23:00Z", "2024-07-01 23:00Z")  # UTC span served for synthesised rates


def _rows(pairs: list[tuple[pd.Timestamp, pd.Timestamp | None, float]]) -> list[dict[str, Any]]:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return [
        {"value_exc_vat": round(v / 1.05, 4), "value_inc_vat": v,
         "valid_from": a.strftime(fmt), "valid_to": b.strftime(fmt) if b is not None else None,
         "payment_method": None}
        for a, b, v in sorted(pairs, key=lambda row: row[0], reverse=True)
    ]  # fmt: skip


def _runs(rates: pd.Series) -> list[dict[str, Any]]:
    """Half-hourly rates -> one row per run of equal values (how Octopus lists Go's bands)."""
    rows: list[tuple[pd.Timestamp, pd.Timestamp | None, float]] = []
    for slot, value in rates.items():
        if rows and rows[-1][2] == value and rows[-1][1] == slot:
            rows[-1] = (rows[-1][0], slot + SLOT, value)
        else:
            rows.append((slot, slot + SLOT, float(value)))
    return _rows(rows)


@cache
def tariff_rate_rows() -> tuple[tuple[str, list[dict[str, Any]]], ...]:
    """Rate rows by product family (``flexcalc.tariffs.families``), June 2024.

    Agile Outgoing: the dashboard export's export column. Go, Intelligent, Cosy and Flux (import
    and export): the bundled offline schedules as banded rows. Tracker: one row per UK day (the
    sample's daily mean, rounded). Fixed: recorded rows (standard_unit_rates_fixed_tariff_5rows).
    """
    dashboard = read_prices(
        FIXTURES / "csv" / "agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"
    )
    assert dashboard.export is not None
    served: dict[str, list[dict[str, Any]]] = {
        "outgoing": _rows([(t, t + SLOT, float(v)) for t, v in dashboard.export.dropna().items()]),
        "fixed": fixture_json("octopus", "standard_unit_rates_fixed_tariff_5rows.json")["results"],
    }
    start, end = (pd.Timestamp(t) for t in RATE_MONTH)
    for family, entry in offline.schedules().items():
        tariff = offline.schedule_tariff(family)
        assert tariff is not None
        if family in served:  # recorded rows win over the offline schedule
            continue
        served[family] = _runs(tariff.import_rates("C", start, end))
        if "export" in entry:
            served[f"{family}-export"] = _runs(tariff.export_rates("C", start, end))
    prices = sample_prices().prices
    days = prices.loc[(prices.index >= start) & (prices.index < end)]
    tracker = []
    for day, part in days.groupby(days.index.tz_convert("Europe/London").date):
        first, last = (
            (pd.Timestamp(day) + pd.Timedelta(days=n))
            .tz_localize("Europe/London")
            .tz_convert("UTC")
            for n in (0, 1)
        )
        tracker.append((first, last, round(float(part.mean()), 2)))
    served["tracker"] = _rows(tracker)
    return tuple(served.items())


def _index_band(value: float) -> str:
    """Approximate GB index bands (the fake only needs plausible labels)."""
    for limit, name in ((40, "very low"), (120, "low"), (200, "moderate"), (290, "high")):
        if value < limit:
            return name
    return "very high"


@cache
def _mix_rows() -> pd.DataFrame:
    return sample_mix()


def _mix_for(start: pd.Timestamp) -> list[dict[str, Any]]:
    mix = _mix_rows()
    anchor = mix.index[0]
    return _mix_at_week_slot(anchor + (floor_slot(start) - anchor) % pd.Timedelta(days=7))


@cache
def _mix_at_week_slot(slot: pd.Timestamp) -> list[dict[str, Any]]:
    mix = _mix_rows()
    row = mix.loc[:slot].iloc[-1] if len(mix.loc[:slot]) else mix.iloc[0]
    return [{"fuel": str(fuel), "perc": float(perc)} for fuel, perc in row.items()]


def regional_factor(region_id: int) -> float:
    """The fake's dated regional history is the national sample forecast times this factor,
    so regions differ (not in letter or id order): id 7 (South Wales) is cleanest (0.6),
    id 10 (Eastern) dirtiest (2.1) among the 14 Octopus regions."""
    return 0.5 + ((region_id * 5) % 17) / 10


def _range_starts(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Slot starts of a dated range: the API returns the slots whose end lies in [from, to]."""
    first = floor_slot(start) - SLOT
    starts = pd.date_range(first, floor_slot(end) - SLOT, freq="30min")
    return starts[(starts + SLOT >= start) & (starts + SLOT <= end)]


class FakeCarbonIntensity(FakeUpstream):
    """``/intensity/...``, ``/regional/intensity/.../regionid/{id}``, ``/generation``.

    Regional 48 h forecasts reuse the national sample values. Dated regional ranges
    (``/regional/intensity/{from}/{to}/regionid/{id}``, ``data`` an object like the real API)
    scale the national sample forecast by ``regional_factor(id)`` so regions differ. Generation
    mixes come from the recorded April 2019 week (same weekday and time of day).
    """

    def __init__(self, now: pd.Timestamp | str = DEFAULT_NOW, frame: pd.DataFrame | None = None):
        super().__init__(now)
        self.frame = frame if frame is not None else sample_carbon().frame
        self.max_days = 31
        self.error_400 = fixture_json("carbonintensity", "error_400_date_range_over_31_days.json")

    def _slots(self, starts: pd.DatetimeIndex, regional: bool = False) -> list[dict[str, Any]]:
        rows = self.frame.reindex(starts).dropna(subset=["forecast"])
        out = []
        for start, row in rows.iterrows():
            intensity: dict[str, Any] = {"forecast": int(row["forecast"])}
            if not regional:
                known = start + SLOT <= self.now and pd.notna(row["actual"])
                intensity["actual"] = int(row["actual"]) if known else None
            intensity["index"] = _index_band(row["forecast"])
            slot: dict[str, Any] = {
                "from": start.strftime(ISO),
                "to": (start + SLOT).strftime(ISO),
                "intensity": intensity,
            }
            if regional:
                slot["generationmix"] = _mix_for(start)
            out.append(slot)
        return out

    @staticmethod
    def _region_names(region_id: int) -> dict[str, str]:
        try:
            region = regions.by_ci_region_id(region_id)
            return {"dnoregion": region.operator, "shortname": region.ci_name}
        except regions.UnknownRegion:
            return {"dnoregion": "", "shortname": f"region {region_id}"}

    def _regional_range(self, starts: pd.DatetimeIndex, region_id: int) -> list[dict[str, Any]]:
        """Dated regional slots: forecast only (scaled national sample) with the mix."""
        forecast = self.frame["forecast"].reindex(starts).dropna() * regional_factor(region_id)
        anchor = _mix_rows().index[0]  # _mix_for, vectorised (a year x 14 regions in tests)
        week_slots = anchor + (forecast.index - anchor) % pd.Timedelta(days=7)
        rows = zip(
            forecast.index.strftime(ISO),
            (forecast.index + SLOT).strftime(ISO),
            forecast.tolist(),
            week_slots,
            strict=True,
        )
        return [
            {
                "from": frm,
                "to": to,
                "intensity": {"forecast": round(value), "index": _index_band(value)},
                "generationmix": _mix_at_week_slot(week),
            }
            for frm, to, value, week in rows
        ]

    def route(self, path: str, request: Request) -> Response:
        path = path.rstrip("/")
        if m := re.fullmatch(r"/intensity/([^/]+)/fw48h", path):
            start = floor_slot(_parse_time(m[1]))
            starts = pd.date_range(start, periods=96, freq="30min")
            return _json({"data": self._slots(starts)})
        if m := re.fullmatch(r"/regional/intensity/([^/]+)/fw48h/regionid/(\d+)", path):
            region_id = int(m[2])
            if not 1 <= region_id <= 17:
                return _json({"error": {"code": "400 Bad Request", "message": "Bad region"}}, 400)
            start = floor_slot(_parse_time(m[1]))
            starts = pd.date_range(start, periods=96, freq="30min")
            names = self._region_names(region_id)
            data = {"regionid": region_id, **names, "data": self._slots(starts, regional=True)}
            return _json({"data": data})
        if m := re.fullmatch(r"/regional/intensity/([^/]+)/([^/]+)/regionid/(\d+)", path):
            start, end, region_id = _parse_time(m[1]), _parse_time(m[2]), int(m[3])
            if not 1 <= region_id <= 17:
                return _json({"error": {"code": "400 Bad Request", "message": "Bad region"}}, 400)
            if end - start > pd.Timedelta(days=self.max_days):
                return _json(self.error_400, 400)
            data = {
                "regionid": region_id,
                **self._region_names(region_id),
                "data": self._regional_range(_range_starts(start, end), region_id),
            }
            return _json({"data": data})
        if m := re.fullmatch(r"/intensity/([^/]+)/([^/]+)", path):
            start, end = _parse_time(m[1]), _parse_time(m[2])
            if end - start > pd.Timedelta(days=self.max_days):
                return _json(self.error_400, 400)
            return _json({"data": self._slots(_range_starts(start, end))})
        if path == "/intensity":
            return _json({"data": self._slots(pd.DatetimeIndex([floor_slot(self.now)]))})
        if path == "/generation":
            start = floor_slot(self.now)
            return _json(
                {
                    "data": {
                        "from": start.strftime(ISO),
                        "to": (start + SLOT).strftime(ISO),
                        "generationmix": _mix_for(start),
                    }
                }
            )
        return _json({"error": {"code": "404 Not Found", "message": "Not found (fake)"}}, 404)
