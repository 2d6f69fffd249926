"""The numpy tree walker predicts exactly what scikit-learn predicts, from plain arrays."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingRegressor

from flexcalc.forecast import model as price_model
from flexcalc.forecast import training
from flexcalc.forecast.history import read_history
from flexcalc.forecast.training import export
from flexcalc.forecast.trees import TreeEnsemble

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"


@st.composite
def fitted_models(draw):
    """A small model fitted on random data with missing values (and maybe categorical inputs),
    and random rows to predict: missing and infinite values, unseen and negative categories
    included."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n, inputs = draw(st.integers(40, 400)), draw(st.integers(1, 4))
    x = rng.normal(size=(n, inputs)) * draw(st.sampled_from([1.0, 1e-3, 1e3]))
    x[rng.random(x.shape) < draw(st.sampled_from([0.0, 0.1, 0.4]))] = np.nan
    categorical = draw(st.booleans()) and inputs > 1
    if categorical:
        x[:, 0] = rng.integers(0, draw(st.integers(2, 20)), n)
        x[rng.random(n) < draw(st.sampled_from([0.0, 0.2])), 0] = np.nan
    y = np.nan_to_num(x[:, -1]) * 3 + rng.normal(size=n)
    if categorical:
        y += np.nan_to_num(x[:, 0]) % 3
    loss = draw(st.sampled_from(["quantile", "squared_error", "absolute_error"]))
    gbm = HistGradientBoostingRegressor(
        loss=loss,
        quantile=draw(st.sampled_from([0.1, 0.5, 0.9])) if loss == "quantile" else None,
        max_iter=draw(st.integers(1, 15)),
        max_leaf_nodes=draw(st.integers(2, 80)),
        min_samples_leaf=draw(st.integers(1, 20)),
        categorical_features=[0] if categorical else None,
        random_state=0,
    ).fit(x, y)
    rows = rng.normal(size=(draw(st.integers(1, 200)), inputs)) * rng.choice([1e-3, 1, 1e3])
    rows[rng.random(rows.shape) < 0.2] = np.nan
    rows[rng.random(rows.shape) < 0.05] = np.inf
    rows[rng.random(rows.shape) < 0.05] = -np.inf
    if categorical:
        rows[:, 0] = np.where(np.isnan(rows[:, 0]), np.nan, rng.integers(-2, 25, len(rows)))
    rows = np.vstack([rows, x[: draw(st.integers(0, 50))]])  # training rows hit exact thresholds
    return gbm, rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fitted_models())
def test_the_exported_trees_predict_what_scikit_learn_predicts(case):
    gbm, rows = case
    trees = export(gbm)
    np.testing.assert_allclose(trees.predict(rows), gbm.predict(rows), rtol=0, atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(fitted_models())
def test_saved_arrays_round_trip(case):
    gbm, rows = case
    trees = export(gbm)
    again = TreeEnsemble.from_arrays(trees.arrays())
    assert np.array_equal(again.predict(rows), trees.predict(rows))


def test_a_brute_force_walk_of_one_node_at_a_time_agrees():
    """The vectorised lookups against a plain per-row walk written here."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    gbm = HistGradientBoostingRegressor(max_iter=20, max_leaf_nodes=15).fit(
        x, np.nan_to_num(x).sum(axis=1)
    )
    trees = export(gbm)

    def walk(row):
        total = trees.baseline
        for node in trees.roots:
            while trees.left[node] != node:
                v = row[trees.feature[node]]
                left = trees.missing_left[node] if np.isnan(v) else v <= trees.threshold[node]
                node = trees.left[node] if left else trees.right[node]
            total += trees.value[node]
        return total

    rows = x[:100]
    assert np.allclose(trees.predict(rows), [walk(r) for r in rows], rtol=0, atol=1e-12)


def test_a_model_file_round_trips_byte_for_byte(tmp_path):
    shipped = price_model.shipped_model()
    first = price_model.save(shipped, tmp_path / "a.npz")
    again = price_model.save(price_model.load(first), tmp_path / "b.npz")
    assert first.read_bytes() == again.read_bytes()


def test_rows_of_the_wrong_width_are_refused():
    trees = price_model.shipped_model().models[0]
    with pytest.raises(ValueError, match="inputs"):
        trees.predict(np.zeros((3, trees.n_features + 1)))


@pytest.mark.slow
@pytest.mark.timeout(900)  # one training on the two years: about 10 s alone, minutes when busy
def test_the_shipped_model_is_the_export_of_training_on_the_repo_history():
    """Retraining on the recorded history reproduces the shipped file's trees, and they predict
    what the fitted scikit-learn models predict on every real feature row."""
    history = read_history(HISTORY)
    fitted, estimators = training.fit_and_keep(history)
    shipped = price_model.shipped_model()
    assert (fitted.trained_from, fitted.trained_until, fitted.rows) == (
        shipped.trained_from,
        shipped.trained_until,
        shipped.rows,
    )
    frame, _ = training.training_set(history)
    x = frame[shipped.features].to_numpy(dtype=float)
    assert np.isnan(x).any()  # real rows with missing inputs (no carbon forecast) included
    for trees, gbm in zip(shipped.models, estimators, strict=True):
        np.testing.assert_allclose(trees.predict(x), gbm.predict(x), rtol=0, atol=1e-9)
    np.testing.assert_allclose(shipped.predict(frame), fitted.predict(frame), rtol=0, atol=1e-9)


def test_answering_a_forecast_imports_neither_scikit_learn_nor_skops():
    """A real answer past the published prices, in a fresh process, as the bot's worker runs it."""
    script = textwrap.dedent(
        """
        import json, sys
        import flexcalc.cli  # the CLI door too
        from flexcalc import regions
        from flexcalc.commands import Context, run
        from flexcalc.sources.sample import SampleProvider
        from flexcalc.timeslots import utc

        ctx = Context(provider=SampleProvider(), region=regions.resolve("C"),
                      now=utc("2024-06-10 09:00"), charts=False)
        reply = run("bestslot 3h within 36h", ctx)
        print(json.dumps({
            "forecast_slots": len(reply.data["price_forecast"]["slots"]),
            "loaded": sorted(m for m in ("sklearn", "skops") if m in sys.modules),
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=300,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["forecast_slots"] > 0
    assert result["loaded"] == []
