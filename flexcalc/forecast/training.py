"""Training the quantile price models (10/50/90 %) with scikit-learn, and their export.

Three ``HistGradientBoostingRegressor(loss="quantile")`` models predict the wholesale-level price
as a deviation from the anchor, in units of the week's spread (``features.to_target``). The median
gets more rows and smaller steps; the 10 % and 90 % models only set the band, so they learn from a
quarter of the rows (ADR 0096). Training is reproducible: fixed seed, fixed hyper-parameters,
origins at 10:00 UK every day of the history, one OpenMP thread. Each fitted model is exported to
plain tree arrays (``trees.TreeEnsemble``), which is all that answering a forecast loads: only
training imports scikit-learn (ADR 0108).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn._loss.link import IdentityLink
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from flexcalc.forecast.features import (
    FEATURES,
    Decision,
    NotEnoughHistory,
    build_features,
    to_target,
)
from flexcalc.forecast.history import History
from flexcalc.forecast.model import DECISION_HOUR, HORIZON, QUANTILES, PriceModel
from flexcalc.forecast.trees import CATEGORY_WORDS, TreeEnsemble
from flexcalc.timeslots import utc

SEED = 0
_COMMON = dict(
    max_leaf_nodes=15,
    min_samples_leaf=80,
    l2_regularization=1.0,
    categorical_features=None,
    early_stopping=False,
)
# Per quantile: the quantile the model is fitted at, share of training rows (same seeded draw, so
# the smaller sample is inside the larger), trees and learning rate (ADR 0096). The 10 % and 90 %
# points are fitted at 5 % and 95 %: fitted at 10/90 the band held only 62-68 % of actual prices
# on the validation periods (2023, before every held-out season), at 5/95 it holds 78-83 %
# (ADR 0109).
_PER_QUANTILE = {
    0.1: dict(fit_at=0.05, sample=0.25, max_iter=100, learning_rate=0.1),
    0.5: dict(fit_at=0.5, sample=0.5, max_iter=200, learning_rate=0.05),
    0.9: dict(fit_at=0.95, sample=0.25, max_iter=100, learning_rate=0.1),
}


def decision_origins(start: pd.Timestamp, end: pd.Timestamp) -> list[Decision]:
    """One decision at 10:00 UK per day with at least 8 days of history before it."""
    first = (start + pd.Timedelta(days=8)).tz_convert("Europe/London").date()
    last = (end - pd.Timedelta(days=1)).tz_convert("Europe/London").date()
    return [
        Decision.at(utc(f"{day} {DECISION_HOUR}"))
        for day in pd.date_range(first, last, freq="D").date
    ]


def training_set(history: History) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows for every daily decision: targets are the next 7 days past the published horizon."""
    w = history.wholesale.dropna()
    parts, targets = [], []
    for decision in decision_origins(w.index[0], w.index[-1]):
        span = w[(w.index >= decision.known_until) & (w.index < decision.known_until + HORIZON)]
        if span.empty:
            continue
        try:
            frame = build_features(w, history.carbon, decision, span.index)
        except NotEnoughHistory:
            continue
        parts.append(frame)
        targets.append(to_target(span.to_numpy(), frame))
    if not parts:
        raise NotEnoughHistory("no day in the history has a week of prices before it")
    return pd.concat(parts), np.concatenate(targets)


def fit(history: History, seed: int = SEED) -> PriceModel:
    """Train the three quantile models on ``history`` and export them as plain tree arrays.
    ``seed`` draws the rows each model learns from; the shipped model uses ``SEED`` (the bench
    retrains with others to show how much a figure moves with the draw alone, ADR 0115)."""
    return fit_and_keep(history, seed)[0]


def fit_and_keep(
    history: History, seed: int = SEED
) -> tuple[PriceModel, list[HistGradientBoostingRegressor]]:
    """``fit``, also returning the fitted scikit-learn models (deterministic), in
    ``QUANTILES`` order, to compare the export with."""
    frame, y = training_set(history)
    x = frame[FEATURES].to_numpy(dtype=float)
    draw = np.random.default_rng(seed).random(len(y))
    estimators = []
    # One thread: on a shared, busy machine OpenMP's threads wait on each other (training took
    # 4x its CPU time in wall time); alone, one thread costs little (bench/README.md).
    with threadpool_limits(limits=1, user_api="openmp"):
        for q in QUANTILES:
            settings = dict(_PER_QUANTILE[q])
            keep = draw < settings.pop("sample")
            gbm = HistGradientBoostingRegressor(
                loss="quantile",
                quantile=settings.pop("fit_at"),
                random_state=seed,
                **_COMMON,
                **settings,
            )
            estimators.append(gbm.fit(x[keep], y[keep]))
    w = history.wholesale.dropna()
    model = PriceModel(
        models=[export(gbm) for gbm in estimators],
        trained_from=w.index[0].isoformat(),
        trained_until=w.index[-1].isoformat(),
        rows=int((draw < _PER_QUANTILE[0.5]["sample"]).sum()),
    )
    return model, estimators


def export(gbm: HistGradientBoostingRegressor) -> TreeEnsemble:
    """A fitted single-output regressor's trees as plain arrays (predicts the same values)."""
    if gbm.n_trees_per_iteration_ != 1 or not isinstance(gbm._loss.link, IdentityLink):
        raise ValueError("only single-output regressors with an identity link can be exported")
    known, feature_to_known = gbm._bin_mapper.make_known_categories_bitsets()
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("feature", "threshold", "missing_left", "left", "right", "value")
    }
    parts |= {"categorical": [], "bitset": [], "left_categories": [], "known_categories": []}
    roots, start, splits, depth = [], 0, 0, 0
    for (predictor,) in gbm._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        own = np.arange(len(nodes)) + start
        categorical = nodes["is_categorical"].astype(bool)
        feature = np.where(leaf, 0, nodes["feature_idx"])
        parts["feature"].append(feature)
        parts["threshold"].append(nodes["num_threshold"])
        parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
        parts["left"].append(np.where(leaf, own, nodes["left"].astype(np.int64) + start))
        parts["right"].append(np.where(leaf, own, nodes["right"].astype(np.int64) + start))
        parts["value"].append(np.where(leaf, nodes["value"], 0.0))
        parts["categorical"].append(categorical & ~leaf)
        parts["bitset"].append(np.where(categorical, nodes["bitset_idx"] + splits, 0))
        bitsets = predictor.raw_left_cat_bitsets.reshape(-1, CATEGORY_WORDS)
        parts["left_categories"].append(bitsets)
        # scikit-learn keeps known categories per feature; here one row per categorical split.
        on_feature = np.zeros(len(bitsets), dtype=np.int64)
        on_feature[nodes["bitset_idx"][categorical]] = nodes["feature_idx"][categorical]
        parts["known_categories"].append(
            known[feature_to_known[on_feature]].reshape(-1, CATEGORY_WORDS)
            if len(bitsets)
            else np.zeros((0, CATEGORY_WORDS), dtype=np.uint32)
        )
        roots.append(start)
        start += len(nodes)
        splits += len(bitsets)
        depth = max(depth, int(nodes["depth"].max()))
    columns, categories = _encoding(gbm)
    return TreeEnsemble(
        columns=columns,
        categories=categories,
        baseline=float(np.asarray(gbm._baseline_prediction).ravel()[0]),
        roots=np.array(roots, dtype=np.int64),
        depth=depth,
        n_features=int(gbm.n_features_in_),
        **{k: np.concatenate(v) for k, v in parts.items()},
    )


def _encoding(gbm: HistGradientBoostingRegressor) -> tuple[np.ndarray, np.ndarray]:
    """Column order and category values of the model's ordinal encoder (categorical inputs
    first), or the identity when the model has no categorical input."""
    n = int(gbm.n_features_in_)
    if gbm._preprocessor is None:
        return np.arange(n), np.zeros((0, 0))
    is_categorical = np.asarray(gbm.is_categorical_, dtype=bool)
    columns = np.concatenate([np.flatnonzero(is_categorical), np.flatnonzero(~is_categorical)])
    known = [c[~np.isnan(c)] for c in gbm._preprocessor.named_transformers_["encoder"].categories_]
    categories = np.full((len(known), max(map(len, known), default=0)), np.nan)
    for row, values in zip(categories, known, strict=True):
        row[: len(values)] = values
    return columns, categories
