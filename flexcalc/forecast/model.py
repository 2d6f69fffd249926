"""The shipped price model: quantile tree ensembles (10/50/90 %) as plain arrays in one file.

``flexcalc.forecast.training`` fits three quantile ``HistGradientBoostingRegressor`` models with
scikit-learn and exports their trees (``flexcalc.forecast.trees``); answering a forecast reads
that export with numpy only: neither scikit-learn nor a pickle is imported or loaded (ADR 0108).
The file is a zip of ``.npy`` arrays (``np.load(allow_pickle=False)`` reads it), written with
fixed timestamps so the same training gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from flexcalc.forecast.features import FEATURES, from_target
from flexcalc.forecast.trees import TreeEnsemble

QUANTILES = (0.1, 0.5, 0.9)
HORIZON = pd.Timedelta(days=7)  # forecast this far past the published horizon
DECISION_HOUR = "10:00"  # UK time of the daily training origins (and of the skill measure)
MODEL_FILE = "price_forecast.npz"
FORMAT = "flexcalc-price-model/1"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so a file's bytes depend on its arrays only


@dataclass
class PriceModel:
    """Fitted quantile models; ``predict`` returns W quantiles (p/kWh), one row per slot."""

    models: list[TreeEnsemble]
    trained_from: str
    trained_until: str
    rows: int
    features: list[str] = field(default_factory=lambda: list(FEATURES))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Wholesale-level quantiles (n x 3, sorted so they never cross)."""
        x = frame[self.features].to_numpy(dtype=float)
        relative = np.column_stack([m.predict(x) for m in self.models])
        return from_target(np.sort(relative, axis=1), frame)


def save(model: PriceModel, path: str | Path) -> Path:
    """Write ``model`` as a compressed zip of ``.npy`` arrays (no pickle, fixed timestamps)."""
    path = Path(path)
    arrays = {
        "format": np.array(FORMAT),
        "features": np.array(model.features),
        "quantiles": np.array(QUANTILES),
        "trained_from": np.array(model.trained_from),
        "trained_until": np.array(model.trained_until),
        "rows": np.array(model.rows),
    }
    for i, trees in enumerate(model.models):
        arrays |= {f"q{i}.{name}": array for name, array in trees.arrays().items()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", _ZIP_TIME), buffer.getvalue())
    return path


def load(path: str | Path) -> PriceModel:
    """Read a model file; a pickle, another file or a damaged one gives ``ValueError``."""
    try:
        with np.load(Path(path), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{path}: not a Flexcalc price model ({err})") from None
    try:
        return _from_arrays(arrays)
    except KeyError as err:
        raise ValueError(f"{path}: damaged price model (no {err.args[0]!r})") from None
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _from_arrays(arrays: dict[str, np.ndarray]) -> PriceModel:
    if "format" not in arrays or str(arrays["format"]) != FORMAT:
        raise ValueError(f"not a Flexcalc price model ({FORMAT})")
    if list(arrays["features"]) != FEATURES:
        raise ValueError("made for other model inputs; rebuild it: flexcalc forecast train")
    if tuple(arrays["quantiles"]) != QUANTILES:
        raise ValueError(f"made for quantiles {tuple(arrays['quantiles'])}, not {QUANTILES}")
    models = []
    for i in range(len(QUANTILES)):
        prefix = f"q{i}."
        parts = {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}
        models.append(TreeEnsemble.from_arrays(parts))
    return PriceModel(
        models=models,
        trained_from=str(arrays["trained_from"]),
        trained_until=str(arrays["trained_until"]),
        rows=int(arrays["rows"]),
    )


@cache
def shipped_model() -> PriceModel:
    """The model bundled in ``flexcalc/data`` (trained by ``flexcalc forecast train``)."""
    with resources.as_file(resources.files("flexcalc.data").joinpath(MODEL_FILE)) as path:
        return load(path)
