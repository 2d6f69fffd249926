"""Gradient-boosted regression trees as plain arrays, and a numpy walker that predicts from them.

A fitted ``HistGradientBoostingRegressor`` is a baseline plus a sum of small binary trees. Here
the trees of one model are flat node arrays (all trees concatenated, child indices absolute), so
answering a forecast needs numpy only: no scikit-learn (about 90 MB per process) and no pickle.
Routing follows scikit-learn's own predictor: a missing value (NaN) goes to the side the split
learned for missing values; a numeric value goes left when ``<=`` the threshold; a categorical
value goes left when its category is in the split's bitset, right when it is another category
seen in training, and an unknown or negative category counts as missing (ADR 0108).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from flexcalc.forecast.leaf_masks import LeafMasks

CATEGORY_WORDS = 8  # a category bitset: 8 x 32 bits, categories 0..255
CATEGORIES = CATEGORY_WORDS * 32
_DTYPES = {
    "roots": np.int64,
    "feature": np.int64,
    "threshold": np.float64,
    "missing_left": np.bool_,
    "left": np.int64,
    "right": np.int64,
    "value": np.float64,
    "categorical": np.bool_,
    "bitset": np.int64,
    "left_categories": np.uint32,
    "known_categories": np.uint32,
    "baseline": np.float64,
    "depth": np.int64,
    "n_features": np.int64,
    "columns": np.int64,
    "categories": np.float64,
}


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """One boosted model: ``baseline + sum(tree(x))``, trees added in the order of ``roots``.

    Per node: ``feature``, ``threshold``, ``missing_left`` (where NaN goes), ``left``/``right``
    (absolute node indices; a leaf points to itself), ``value`` (the leaf's value), and for
    categorical splits ``bitset``: the row of ``left_categories`` (categories sent left) and of
    ``known_categories`` (the feature's categories seen in training).
    """

    baseline: float
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    categorical: np.ndarray
    bitset: np.ndarray
    left_categories: np.ndarray  # (splits, 8) uint32
    known_categories: np.ndarray  # (splits, 8) uint32
    depth: int  # the deepest leaf: steps a walk needs
    n_features: int
    columns: np.ndarray  # the trees' input j is the caller's column columns[j]
    # Categorical inputs come first; row j lists the values of input j in code order (NaN pad).
    categories: np.ndarray

    def __post_init__(self) -> None:
        _check(self)

    @cached_property
    def _masks(self) -> LeafMasks | None:
        return LeafMasks.build(self)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """One value per row of ``x`` (rows x ``n_features``): the baseline plus every tree's
        leaf value, added tree by tree as scikit-learn adds them."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} inputs, got shape {x.shape}")
        x = self._encoded(x)
        masks = self._masks
        leaves = self._walk(x) if masks is None else masks.leaf_values(x)
        out = np.full(len(x), self.baseline)
        for leaf_values in leaves.T:
            out += leaf_values
        return out

    def _walk(self, x: np.ndarray) -> np.ndarray:
        """rows x trees leaf values, walking all trees a level at a time (categorical splits)."""
        nodes = np.repeat(self.roots[None, :], len(x), axis=0)  # rows x trees
        row_start = (np.arange(len(x)) * self.n_features)[:, None]
        flat = x.ravel()
        for _ in range(self.depth):
            seen = flat[row_start + self.feature[nodes]]
            missing = np.isnan(seen)
            go_left = seen <= self.threshold[nodes]
            if len(self.left_categories):
                go_left, missing = self._categorical(nodes, seen, go_left, missing)
            go_left = np.where(missing, self.missing_left[nodes], go_left)
            nodes = np.where(go_left, self.left[nodes], self.right[nodes])
        return self.value[nodes]

    def _encoded(self, x: np.ndarray) -> np.ndarray:
        """Inputs in the trees' order; a categorical value becomes its code (the index of its
        category), an unseen one NaN, as scikit-learn's ordinal encoder does."""
        x = x[:, self.columns]
        for j, known in enumerate(self.categories):
            known = known[~np.isnan(known)]
            code = np.minimum(np.searchsorted(known, x[:, j]), max(len(known) - 1, 0))
            found = len(known) > 0 and known[code] == x[:, j]
            x[:, j] = np.where(found, code, np.nan)
        return x

    def _categorical(
        self, nodes: np.ndarray, seen: np.ndarray, go_left: np.ndarray, missing: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Routing at categorical splits: in the left bitset, another known category, or
        treated as missing (negative, unknown, or beyond the 256 categories a bitset holds)."""
        categorical = self.categorical[nodes] & ~missing
        in_range = categorical & (seen >= 0) & (seen < CATEGORIES)
        code = np.where(in_range, seen, 0).astype(np.int64)  # truncates, as scikit-learn's cast
        row = self.bitset[nodes]
        in_left = _in_bitset(self.left_categories, row, code)
        known = _in_bitset(self.known_categories, row, code)
        go_left = np.where(categorical, in_left, go_left)
        missing = missing | (categorical & ~(in_range & (in_left | known)))
        return go_left, missing

    def arrays(self) -> dict[str, np.ndarray]:
        """Every field as a numpy array (for ``np.savez``-style files; no object arrays)."""
        return {
            f.name: np.asarray(getattr(self, f.name), dtype=_DTYPES[f.name]) for f in fields(self)
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TreeEnsemble:
        """Inverse of ``arrays``; raises ``ValueError`` on a missing field or bad array."""
        values = {}
        for f in fields(cls):
            if f.name not in arrays:
                raise ValueError(f"tree arrays lack {f.name!r}")
            array = np.asarray(arrays[f.name])
            if array.dtype.kind not in "biuf":
                raise ValueError(f"tree array {f.name!r} is not numeric")
            array = array.astype(_DTYPES[f.name])
            values[f.name] = array.item() if array.ndim == 0 else array
        return cls(**values)


def _in_bitset(bitsets: np.ndarray, row: np.ndarray, code: np.ndarray) -> np.ndarray:
    return ((bitsets[row, code >> 5] >> (code & 31).astype(np.uint32)) & 1).astype(bool)


def _check(trees: TreeEnsemble) -> None:
    """Refuse arrays a walk could index out of (a damaged or foreign file)."""
    if sorted(trees.columns.tolist()) != list(range(trees.n_features)):
        raise ValueError("tree input columns are not a permutation of the inputs")
    if trees.categories.ndim != 2 or len(trees.categories) > trees.n_features:
        raise ValueError("tree categories are not one row per categorical input")
    n = len(trees.value)
    per_node = ("feature", "threshold", "missing_left", "left", "right", "categorical", "bitset")
    if any(np.shape(getattr(trees, name)) != (n,) for name in per_node):
        raise ValueError("tree arrays have different lengths")
    for name in ("left", "right", "roots"):
        index = getattr(trees, name)
        if len(index) and (index.min() < 0 or index.max() >= n):
            raise ValueError(f"tree array {name!r} points outside the nodes")
    if len(trees.roots) and (trees.roots[0] != 0 or np.any(np.diff(trees.roots) <= 0)):
        raise ValueError("trees are not stored one after another, root first")
    if n and (trees.feature.min() < 0 or trees.feature.max() >= trees.n_features):
        raise ValueError("a split uses an input the model does not have")
    splits = len(trees.left_categories)
    for name in ("left_categories", "known_categories"):
        if np.shape(getattr(trees, name)) != (splits, CATEGORY_WORDS):
            raise ValueError(f"tree array {name!r} is not {CATEGORY_WORDS} words per split")
    used = trees.bitset[trees.categorical]
    if len(used) and (used.min() < 0 or used.max() >= splits):
        raise ValueError("a categorical split has no bitset")
    if trees.depth < 0:
        raise ValueError("negative tree depth")
