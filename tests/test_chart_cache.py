"""Chart reuse (issue 10): the same chart asked for again renders once per process; any
difference a user would see renders anew; the kept PNGs stay within their bounds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc import observe
from flexcalc.charts import carbon_chart, forecast_chart, prices_chart
from flexcalc.charts.impact import impact_png
from flexcalc.charts.render_cache import RenderCache, digest
from flexcalc.charts.render_cache import charts as chart_cache
from flexcalc.sources.sample import sample_carbon, sample_prices
from flexcalc.windows import best_window

DRAWN: list[float] = []  # one entry per chart rasterised (``to_png``'s "chart_render" event)


def _count(seconds: float) -> None:
    DRAWN.append(seconds)


observe.on("chart_render", _count)

START = pd.Timestamp("2024-06-08 16:30Z")
NOW = pd.Timestamp("2024-06-08 17:12:05Z")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    carbon = sample_carbon().frame["forecast"]
    history = pd.concat({"price": sample_prices().prices, "carbon": carbon}, axis=1, sort=True)
    return history.loc[START : START + pd.Timedelta(hours=29)]


def bestslot(frame: pd.DataFrame, **changes: object) -> bytes:
    """The /bestslot 4h chart as the answer draws it, built from fresh copies of its inputs."""
    data = frame.copy(deep=True)
    args: dict[str, object] = {
        "windows": {"Cheapest": best_window(data, 8), "Greenest": best_window(data, 8, "carbon")},
        "now": NOW,
        "title": "Best 4 h — London",
        "source": "Live",
    }
    args.update(changes)
    return forecast_chart(data, **args)


def drawn_by(action) -> tuple[int, object]:
    before = len(DRAWN)
    result = action()
    return len(DRAWN) - before, result


def test_the_same_chart_asked_for_twice_is_drawn_once(frame: pd.DataFrame) -> None:
    renders, (first, second) = drawn_by(lambda: (bestslot(frame), bestslot(frame)))
    assert renders == 1
    assert first == second
    assert chart_cache.stats().renders == 1 and chart_cache.stats().hits == 1


def test_now_counts_to_the_minute_the_chart_shows(frame: pd.DataFrame) -> None:
    bestslot(frame)
    later_same_minute = NOW.replace(second=55)
    assert drawn_by(lambda: bestslot(frame, now=later_same_minute))[0] == 0
    assert drawn_by(lambda: bestslot(frame, now=NOW + pd.Timedelta(minutes=1)))[0] == 1


def _other_window(frame: pd.DataFrame) -> dict:
    return {"Cheapest": best_window(frame, 6), "Greenest": best_window(frame, 8, "carbon")}


def _one_price_changed(frame: pd.DataFrame) -> pd.DataFrame:
    changed = frame.copy()
    changed.iloc[10, changed.columns.get_loc("price")] += 0.5
    return changed


VISIBLE_CHANGES = {
    "title": lambda frame: {"title": "Best 4 h — Scotland"},
    "source": lambda frame: {"source": "Offline sample data"},
    "now": lambda frame: {"now": NOW + pd.Timedelta(minutes=30)},
    "no now": lambda frame: {"now": None},
    "a window": lambda frame: {"windows": _other_window(frame)},
    "window label": lambda frame: {
        "windows": {
            "Cheapest 4 h": best_window(frame, 8),
            "Greenest": best_window(frame, 8, "carbon"),
        }
    },
    "forecast band": lambda frame: {
        "band": pd.DataFrame(
            {"p10": 5.0, "p90": 25.0},
            index=pd.date_range(START + pd.Timedelta(hours=20), periods=8, freq="30min"),
        )
    },
}


@pytest.mark.parametrize("change", VISIBLE_CHANGES)
def test_any_visible_difference_is_drawn_anew(frame: pd.DataFrame, change: str) -> None:
    original = bestslot(frame)
    renders, changed = drawn_by(lambda: bestslot(frame, **VISIBLE_CHANGES[change](frame)))
    assert renders == 1
    assert changed != original


def test_a_changed_price_is_drawn_anew(frame: pd.DataFrame) -> None:
    original = bestslot(frame)
    renders, changed = drawn_by(lambda: bestslot(_one_price_changed(frame)))
    assert renders == 1 and changed != original


def test_each_chart_kind_is_kept_apart(frame: pd.DataFrame) -> None:
    """Prices, carbon and forecast charts of the same data are three charts."""
    renders, pngs = drawn_by(
        lambda: (
            prices_chart(frame["price"], now=NOW, title="Prices"),
            carbon_chart(frame["carbon"], now=NOW, title="Prices"),
            prices_chart(frame["price"].copy(), now=NOW, title="Prices"),
        )
    )
    assert renders == 2 and pngs[0] == pngs[2] and pngs[0] != pngs[1]


def test_two_hundred_users_at_once_cost_one_render(frame: pd.DataFrame) -> None:
    """Concurrent identical asks wait for the render in flight instead of drawing their own."""
    gate = threading.Barrier(16)

    def ask(_: int) -> bytes:
        if _ < 16:
            gate.wait()
        return bestslot(frame)

    with ThreadPoolExecutor(max_workers=16) as pool:
        renders, pngs = drawn_by(lambda: set(pool.map(ask, range(200))))
    assert renders == 1
    assert len(pngs) == 1


def test_a_failed_render_is_not_kept_and_waiters_draw_their_own() -> None:
    cache = RenderCache()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def failing() -> bytes:
        calls.append("fail")
        started.set()
        release.wait(5)
        raise RuntimeError("upstream chart data broken")

    def working() -> bytes:
        calls.append("ok")
        return b"png"

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(cache.get_or_render, b"k", failing)
        started.wait(5)
        second = pool.submit(cache.get_or_render, b"k", working)
        release.set()
        with pytest.raises(RuntimeError):
            first.result(5)
        assert second.result(5) == b"png"
    assert calls == ["fail", "ok"]
    assert cache.get_or_render(b"k", failing) == b"png"  # kept now


def test_an_empty_impact_chart_and_a_full_one_differ() -> None:
    weeks = pd.date_range("2024-01-01", periods=4, freq="W-MON")
    full = pd.DataFrame({"kg": [1.0, 2.0, 3.0, 4.0], "gbp": [0.1, 0.2, 0.3, 0.4]}, weeks)
    renders, pngs = drawn_by(
        lambda: (impact_png(full, "Impact"), impact_png(full.iloc[:0], "Impact"))
    )
    assert renders == 2 and pngs[0] != pngs[1]


def test_digest_tells_types_and_order_apart() -> None:
    assert digest(1) != digest("1") != digest(1.0)
    assert digest((1, 2)) != digest([1, 2]) != digest((2, 1))
    assert digest({"a": 1, "b": 2}) != digest({"b": 2, "a": 1})  # legend order is visible
    frame = pd.DataFrame({"price": [1.0, 2.0], "carbon": [3.0, 4.0]})
    assert digest(frame) == digest(frame.copy())
    assert digest(frame) != digest(frame[["carbon", "price"]])
    assert digest(frame) != digest(frame.rename(columns={"price": "cost"}))
    utc = pd.Timestamp("2024-06-08 12:00Z")
    assert digest(utc) != digest(utc.tz_convert("Europe/London"))
    with pytest.raises(TypeError):
        digest(object())


# A sequence of (key, size) puts, against a brute-force model of the bounded LRU.
puts = st.lists(st.tuples(st.integers(0, 7), st.integers(1, 40)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(puts=puts, max_entries=st.integers(1, 5), max_bytes=st.integers(10, 100))
def test_memory_stays_bounded_and_least_recently_used_goes_first(
    puts: list[tuple[int, int]], max_entries: int, max_bytes: int
) -> None:
    cache = RenderCache(max_entries=max_entries, max_bytes=max_bytes)
    model: list[tuple[bytes, bytes]] = []  # oldest first
    for key_number, size in puts:
        key, png = bytes([key_number]), bytes([key_number]) * size
        got = cache.get_or_render(key, lambda png=png: png)
        kept = dict(model)
        if key in kept:
            assert got == kept[key]
            model = [kv for kv in model if kv[0] != key] + [(key, kept[key])]
        else:
            assert got == png
            if size <= max_bytes:
                model.append((key, png))
            while len(model) > max_entries or sum(len(v) for _, v in model) > max_bytes:
                model.pop(0)
        stats = cache.stats()
        assert stats.entries == len(model) <= max_entries
        assert stats.bytes == sum(len(v) for _, v in model) <= max_bytes


def test_an_input_the_digest_does_not_know_is_still_drawn(frame: pd.DataFrame) -> None:
    class Opaque:
        def __str__(self) -> str:
            return "Live"

    source = Opaque()
    renders, pngs = drawn_by(
        lambda: [prices_chart(frame["price"], now=NOW, title="Prices", source=source) for _ in "ab"]
    )
    assert renders == 2 and pngs[0] == pngs[1]
