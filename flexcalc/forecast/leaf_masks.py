"""Fast exits from many small trees at once: leaf bitmasks per input threshold (QuickScorer).

Number each tree's leaves left to right. A split a row fails (it goes right) rules out the
leaves of its left subtree; the row's leaf is the leftmost leaf no failed split rules out
(Lucchese et al., SIGIR 2015). Splits on one input fail in threshold order (a value fails every
split whose threshold is below it), so per input a table holds, for each count of failed
splits, every tree's mask of leaves still possible; one more row holds the mask for a missing
value. A prediction is then one ``searchsorted`` and one row lookup per input, an AND over the
inputs, and the lowest set bit per tree: far fewer numpy steps than walking node by node.
Numeric splits only; ``TreeEnsemble`` walks the trees when a model has categorical splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# ``trees`` below is a ``trees.TreeEnsemble`` (not imported: that module imports this one).
TreeArrays = Any

MAX_LEAVES = 64  # one uint64 mask per tree
MAX_TABLE_BYTES = 64 * 2**20  # beyond this, walking the trees is the better trade


@dataclass(frozen=True, eq=False)
class LeafMasks:
    thresholds: list[np.ndarray]  # per input: split thresholds, ascending
    tables: list[np.ndarray]  # per input: (splits + 2) x trees masks; last row: missing value
    values: np.ndarray  # trees x leaves, leaves left to right

    @classmethod
    def build(cls, trees: TreeArrays) -> LeafMasks | None:
        """The tables for ``trees``, or None when they have categorical splits or are too big."""
        leaves, masks = _leaf_order(trees)
        most = max((len(v) for v in leaves), default=1)
        splits = ~_is_leaf(trees)
        size = (
            (int(splits.sum()) + 2 * trees.n_features)
            * len(trees.roots)
            * np.dtype(_dtype(most)).itemsize
        )
        if trees.categorical.any() or most > MAX_LEAVES or size > MAX_TABLE_BYTES:
            return None
        dtype = _dtype(most)
        tree_of = np.repeat(np.arange(len(trees.roots)), np.diff(_ends(trees), prepend=0))
        thresholds, tables = [], []
        for f in range(trees.n_features):
            on_f = np.flatnonzero(splits & (trees.feature == f))
            on_f = on_f[np.argsort(trees.threshold[on_f], kind="stable")]
            rows = np.full((len(on_f) + 2, len(trees.roots)), np.iinfo(dtype).max, dtype=dtype)
            rows[np.arange(1, len(on_f) + 1), tree_of[on_f]] = masks[on_f].astype(dtype)
            missing_right = on_f[~trees.missing_left[on_f]]
            np.bitwise_and.at(rows[-1], tree_of[missing_right], masks[missing_right].astype(dtype))
            rows[:-1] = np.bitwise_and.accumulate(rows[:-1], axis=0)
            thresholds.append(trees.threshold[on_f])
            tables.append(rows)
        values = np.zeros((len(trees.roots), most))
        for t, order in enumerate(leaves):
            values[t, : len(order)] = trees.value[order]
        return cls(thresholds, tables, values)

    def leaf_values(self, x: np.ndarray) -> np.ndarray:
        """rows x trees: the value of the leaf each row reaches in each tree."""
        possible = None
        for f, (thresholds, table) in enumerate(zip(self.thresholds, self.tables, strict=True)):
            if not len(thresholds):
                continue
            failed = np.searchsorted(thresholds, x[:, f], side="left")  # count of thr < value
            failed[np.isnan(x[:, f])] = len(table) - 1
            if possible is None:
                possible = table[failed]
            else:
                possible &= table[failed]
        if possible is None:  # no splits at all: every tree is one leaf
            return np.broadcast_to(self.values[:, 0], (len(x), len(self.values)))
        lowest = possible & (~possible + np.ones(1, possible.dtype))
        rank = np.frexp(lowest.astype(np.float64))[1] - 1  # exact: powers of two
        first = np.arange(len(self.values)) * self.values.shape[1]  # each tree's row, flat
        return self.values.ravel()[first + rank]


def _dtype(leaves: int) -> type[np.unsignedinteger]:
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        if leaves <= np.iinfo(dtype).bits:
            return dtype
    return np.uint64


def _is_leaf(trees: TreeArrays) -> np.ndarray:
    own = np.arange(len(trees.value))
    return (trees.left == own) & (trees.right == own)


def _ends(trees: TreeArrays) -> np.ndarray:
    """Index after each tree's last node (trees are stored one after another, root first)."""
    return np.append(trees.roots[1:], len(trees.value))


def _leaf_order(trees: TreeArrays) -> tuple[list[list[int]], np.ndarray]:
    """Per tree its leaves left to right; per node the mask of leaves a failed split keeps
    (all but those of its left subtree)."""
    is_leaf = _is_leaf(trees)
    masks = np.zeros(len(trees.value), dtype=np.uint64)
    orders = []
    for root in trees.roots:
        order: list[int] = []
        span: dict[int, tuple[int, int]] = {}
        stack = [(int(root), False)]
        while stack:  # in-order: left subtree, then right subtree, recording leaf ranks
            node, done = stack.pop()
            if is_leaf[node]:
                span[node] = (len(order), len(order) + 1)
                order.append(node)
            elif done:
                left, right = span[int(trees.left[node])], span[int(trees.right[node])]
                span[node] = (left[0], right[1])
                every = (1 << 64) - 1  # (a tree of more leaves is walked instead: see build)
                kept = every ^ ((((1 << left[1]) - 1) ^ ((1 << left[0]) - 1)) & every)
                masks[node] = kept
            else:
                stack += [(node, True), (int(trees.right[node]), False)]
                stack.append((int(trees.left[node]), False))
        orders.append(order)
    return orders, masks
