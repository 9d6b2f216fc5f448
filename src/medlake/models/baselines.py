"""Baselines from scikit-learn: a logistic regression and gradient-boosted trees on a flat table.

`medlake train --model logistic_regression` (or `gbm`) trains one of them on the
same encoded samples the networks read (`SampleSet`), so the run directory,
metrics and calibration are the same as a network's. Each sample becomes one
row of numbers, built with numpy from the encoded Arrow columns (never a
Python loop over events):

- a `codes` or `nested_codes` input: how many times each vocabulary code occurs;
- a `series` input: per vocabulary code, the count of values and the mean, min,
  max and last of its standardized values (0 where the code has no value);
- a `numeric` input: its standardized value (feature-store columns land here);
- a `categorical` input: one column per category (one-hot).

`logistic_regression` standardizes these columns and fits scikit-learn's
LogisticRegression, choosing the inverse regularization strength C on the
validation split (the run's monitored metric); `gbm` fits a
HistGradientBoostingClassifier (HistGradientBoostingRegressor for a
regression label). Binary, multiclass and regression labels.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import InputError, ParameterError
from .tensors import flat_lists
from .trainer import DEFAULT_MONITOR, Predictions
from .vocab import Encoders

BASELINES = ("logistic_regression", "gbm")
LR_C = (0.01, 0.1, 1.0)                     # candidates for the logistic regression's C
SERIES_STATS = ("count", "mean", "min", "max", "last")


def baseline_name(name: str) -> str | None:
    """The baseline a model name means (logistic_regression, lr, logistic, gbm), or None for a network."""
    key = name.lower().replace("-", "_")
    key = {"lr": "logistic_regression", "logistic": "logistic_regression"}.get(key, key)
    return key if key in BASELINES else None


def _rows_of(offsets: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


def _series_block(table: pa.Table, col: str, width: int) -> np.ndarray:
    """[rows, 5 * width]: per code id, count of values, mean, min, max and last standardized value."""
    offsets, ids = flat_lists(table.column(col))
    _, values = flat_lists(table.column(col + "_value"))
    _, known = flat_lists(table.column(col + "_value_mask"))
    n = len(offsets) - 1
    rows, ids, values = _rows_of(offsets)[known], ids[known].astype(np.int64), values[known].astype(np.float64)
    cell = rows * width + ids
    count = np.bincount(cell, minlength=n * width).astype(np.float64)
    total = np.bincount(cell, weights=values, minlength=n * width)
    low = np.full(n * width, np.inf)
    high = np.full(n * width, -np.inf)
    np.minimum.at(low, cell, values)
    np.maximum.at(high, cell, values)
    last_position = np.full(n * width, -1)
    np.maximum.at(last_position, cell, np.arange(len(cell)))
    seen = count > 0
    mean = np.where(seen, total / np.maximum(count, 1), 0.0)
    last = np.where(seen, values[np.maximum(last_position, 0)] if len(values) else 0.0, 0.0)
    blocks = [count, mean, np.where(seen, low, 0.0), np.where(seen, high, 0.0), last]
    return np.concatenate([b.reshape(n, width) for b in blocks], axis=1)


def _count_block(table: pa.Table, col: str, width: int, nested: bool) -> np.ndarray:
    column = table.column(col)
    if nested:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        outer = column.offsets.to_numpy()
        inner_offsets, ids = flat_lists(column.flatten())
        visit_rows = _rows_of(outer - outer[0])
        rows = visit_rows[_rows_of(inner_offsets)]
        n = len(outer) - 1
    else:
        offsets, ids = flat_lists(column)
        rows, n = _rows_of(offsets), len(offsets) - 1
    return np.bincount(rows * width + ids.astype(np.int64), minlength=n * width).reshape(n, width).astype(np.float64)


def design_matrix(table: pa.Table, enc: Encoders) -> np.ndarray:
    """Encoded sample rows (SampleSet.encoded or one split of it) -> [rows, columns] float64, laid out by `enc`."""
    parts = []
    for col, kind in enc.inputs.items():
        if kind == "series":
            parts.append(_series_block(table, col, len(enc.vocabularies[col])))
        elif kind in ("codes", "nested_codes"):
            parts.append(_count_block(table, col, len(enc.vocabularies[col]), kind == "nested_codes"))
        elif kind == "numeric":
            parts.append(table.column(col).to_numpy().astype(np.float64)[:, None])
        elif kind == "categorical":
            ids = table.column(col).to_numpy().astype(np.int64)
            parts.append(np.eye(len(enc.vocabularies[col]))[ids])
    if not parts:
        raise ParameterError("the samples have no inputs for a baseline to read")
    return np.concatenate(parts, axis=1) if parts else np.zeros((table.num_rows, 0))


def labels_of(table: pa.Table, enc: Encoders) -> np.ndarray:
    """The encoded label column as numpy (float for binary and regression, class ids for multiclass)."""
    label = table.column("label")
    if enc.label_type == "multiclass":
        return label.to_numpy().astype(np.int64)
    return label.fill_null(float("nan")).to_numpy().astype(np.float64)


def _estimator(name: str, label_type: str, seed: int, c: float = 0.1):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "gbm":
        cls = HistGradientBoostingRegressor if label_type == "regression" else HistGradientBoostingClassifier
        return cls(max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
                   early_stopping=True, validation_fraction=0.15, n_iter_no_change=20, random_state=seed)
    if label_type == "regression":
        return make_pipeline(StandardScaler(), Ridge(alpha=1.0 / c))
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))


@dataclass
class Baseline:
    """A fitted scikit-learn baseline with the encoders whose layout its columns follow."""

    name: str
    estimator: object
    encoders: Encoders
    options: dict

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Logits as a network gives them: [N] binary and regression, [N, K] multiclass."""
        if self.encoders.label_type == "regression":
            return self.estimator.predict(x).astype(np.float64)
        if self.encoders.label_type == "binary":
            return self.estimator.decision_function(x).astype(np.float64)
        # multiclass: the log-probabilities over every class of the label (softmax gives them back)
        probs = np.full((len(x), self.encoders.output_size), 1e-12)
        probs[:, self.estimator.classes_.astype(np.int64)] = np.maximum(self.estimator.predict_proba(x), 1e-12)
        return np.log(probs)

    def predict(self, stream, num_workers: int = 0) -> Predictions:
        """Predictions on every row of a SampleStream, in the stream's row order (as Trainer.predict)."""
        table = stream.table
        if table.num_rows == 0:
            raise InputError("no samples to predict on", expected="a stream over a non-empty split")
        x = design_matrix(table, self.encoders)
        return Predictions(np.arange(table.num_rows), self.logits(x), labels_of(table, self.encoders),
                           self.encoders.label_type)

    def save(self, path: str | Path) -> Path:
        """Write the fitted estimator (pickle) beside the run's encoders.json."""
        path = Path(path)
        path.write_bytes(pickle.dumps({"name": self.name, "estimator": self.estimator, "options": self.options}))
        return path

    @classmethod
    def load(cls, path: str | Path, encoders: Encoders) -> Baseline:
        """Read a baseline written by `save` (a pickle: open only runs you trust)."""
        try:
            state = pickle.loads(Path(path).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError) as e:
            raise InputError(f"cannot read baseline model: {e}", path=path,
                             expected="a model.pkl written by medlake train --model logistic_regression|gbm") \
                from None
        return cls(state["name"], state["estimator"], encoders, state["options"])


def _score(label_type: str, monitor: str, y, logits) -> float:
    from .calibration import probabilities
    from .metrics import compute_metrics

    value = compute_metrics(label_type, y, probabilities(logits, label_type)).get(monitor, float("nan"))
    return float(value)


def fit_baseline(name: str, samples, *, seed: int = 0, monitor: str | None = None) -> tuple[Baseline, dict]:
    """Fit a baseline on a SampleSet's train split (choosing C on val); returns it and what was chosen."""
    enc = samples.encoders
    if enc.label_type == "multilabel":
        raise ParameterError("the baselines take binary, multiclass or regression labels, not multilabel")
    train, val = samples.split_rows("train"), samples.split_rows("val")
    x, y = design_matrix(train, enc), labels_of(train, enc)
    if enc.label_type in ("binary", "multiclass") and len(np.unique(y)) < 2:
        raise InputError("the training split has one class only", expected="both classes among training labels")
    metric, mode = DEFAULT_MONITOR[enc.label_type]
    monitor = monitor or metric
    mode = "min" if monitor in ("mse", "mae", "ece", "hamming_loss") else mode
    candidates = LR_C if name == "logistic_regression" else (None,)
    best = None
    for c in candidates:
        model = Baseline(name, _estimator(name, enc.label_type, seed, c or 0.1), enc,
                         {"C": c} if c is not None else {})
        model.estimator.fit(x, y)
        score = _score(enc.label_type, monitor, labels_of(val, enc), model.logits(design_matrix(val, enc))) \
            if val.num_rows else float("nan")
        better = best is None or (not math.isnan(score) and
                                  (math.isnan(best[1]) or (score > best[1] if mode == "max" else score < best[1])))
        if better:
            best = (model, score)
    model, score = best
    return model, {"monitor": monitor, "best_score": None if math.isnan(score) else score,
                   "features": int(x.shape[1])}


__all__ = ["BASELINES", "Baseline", "baseline_name", "design_matrix", "fit_baseline"]
