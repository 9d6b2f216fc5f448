"""Metrics for binary, multiclass, multilabel and regression labels, computed by scikit-learn.

Every value except ECE and the DDI rate is scikit-learn's own function on the
same inputs; a metric that is undefined on the inputs (AUROC with one class
present) is NaN. `bootstrap_ci` resamples rows to give percentile intervals.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from ..errors import ParameterError


def _quiet(fn):
    """Undefined metrics are reported as NaN, not as warnings on every call."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)     # "y_pred contains classes not in y_true"
            return fn(*args, **kwargs)
    return wrapper


def _safe(fn, *args, **kwargs) -> float:
    try:
        return float(fn(*args, **kwargs))
    except ValueError:
        return float("nan")


def expected_calibration_error(y_true, y_prob, bins: int = 10) -> float:
    """ECE over equal-width bins.

    Binary (y_prob of shape [N]): the probability of the positive class
    against the observed positive rate in each bin. Multiclass ([N, K]): the
    top-1 confidence against top-1 accuracy."""
    y_true, y_prob = np.asarray(y_true), np.asarray(y_prob, dtype=np.float64)
    if y_prob.ndim == 1:
        conf, hit = y_prob, y_true.astype(np.float64)
    else:
        conf, hit = y_prob.max(axis=1), (y_prob.argmax(axis=1) == y_true).astype(np.float64)
    if len(conf) == 0:
        return float("nan")
    which = np.minimum((conf * bins).astype(np.int64), bins - 1)
    counts = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, conf, bins) - np.bincount(which, hit, bins))
    return float(gap.sum() / counts.sum())


@_quiet
def binary_metrics(y_true, y_prob, threshold: float = 0.5) -> dict[str, float]:
    """roc_auc, pr_auc, accuracy, balanced_accuracy, f1, precision, recall, cohen_kappa, ece."""
    y_true = np.asarray(y_true).astype(np.int64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    y_pred = (y_prob >= threshold).astype(np.int64)
    return {
        "roc_auc": _safe(skm.roc_auc_score, y_true, y_prob),
        "pr_auc": _safe(skm.average_precision_score, y_true, y_prob),
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "balanced_accuracy": _safe(skm.balanced_accuracy_score, y_true, y_pred),
        "f1": float(skm.f1_score(y_true, y_pred, zero_division=0)),
        "precision": float(skm.precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(skm.recall_score(y_true, y_pred, zero_division=0)),
        "cohen_kappa": _safe(skm.cohen_kappa_score, y_true, y_pred),
        "ece": expected_calibration_error(y_true, y_prob),
    }


def best_f1_threshold(y_true, y_prob) -> float:
    """The probability threshold with the highest F1 on these predictions (pick it on validation, not test).

    Candidates are the predicted probabilities themselves (predicting positive
    at or above one); ties go to the higher threshold. 0.5 when no sample is positive."""
    y_true = np.asarray(y_true).astype(np.int64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    if not y_true.any():
        return 0.5
    precision, recall, thresholds = skm.precision_recall_curve(y_true, y_prob)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    best = np.flatnonzero(f1 == f1.max())[-1]
    return float(thresholds[best])


@_quiet
def multiclass_metrics(y_true, y_prob) -> dict[str, float]:
    """accuracy, f1 macro/micro/weighted, roc_auc ovr/ovo (macro), cohen_kappa, ece."""
    y_true = np.asarray(y_true).astype(np.int64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    y_pred = y_prob.argmax(axis=1)
    labels = np.arange(y_prob.shape[1])
    out = {"accuracy": float(skm.accuracy_score(y_true, y_pred))}
    for avg in ("macro", "micro", "weighted"):
        out[f"f1_{avg}"] = float(skm.f1_score(y_true, y_pred, average=avg, labels=labels, zero_division=0))
    for mc in ("ovr", "ovo"):
        out[f"roc_auc_{mc}"] = _safe(skm.roc_auc_score, y_true, y_prob, multi_class=mc, labels=labels)
    out["cohen_kappa"] = _safe(skm.cohen_kappa_score, y_true, y_pred)
    out["ece"] = expected_calibration_error(y_true, y_prob)
    return out


def ddi_rate(y_pred, ddi_adjacency) -> float:
    """Share of predicted drug pairs that interact (pairs counted once per sample)."""
    y_pred = np.asarray(y_pred, dtype=np.float64)
    a = np.asarray(ddi_adjacency, dtype=np.float64)
    adj = np.triu(((a + a.T) > 0).astype(np.float64), k=1)
    bad = np.einsum("ni,ij,nj->", y_pred, adj, y_pred)
    k = y_pred.sum(axis=1)
    pairs = (k * (k - 1) / 2).sum()
    return float(bad / pairs) if pairs else 0.0


@_quiet
def multilabel_metrics(y_true, y_prob, threshold: float = 0.5, ddi_adjacency=None) -> dict[str, float]:
    """roc_auc, pr_auc, f1, jaccard (micro/macro/samples), hamming_loss, and ddi_rate when a DDI matrix is given."""
    y_true = np.asarray(y_true).astype(np.int64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    y_pred = (y_prob >= threshold).astype(np.int64)
    out = {}
    for avg in ("micro", "macro", "samples"):
        out[f"roc_auc_{avg}"] = _safe(skm.roc_auc_score, y_true, y_prob, average=avg)
        out[f"pr_auc_{avg}"] = _safe(skm.average_precision_score, y_true, y_prob, average=avg)
        out[f"f1_{avg}"] = float(skm.f1_score(y_true, y_pred, average=avg, zero_division=0))
        out[f"jaccard_{avg}"] = float(skm.jaccard_score(y_true, y_pred, average=avg, zero_division=0))
    out["hamming_loss"] = float(skm.hamming_loss(y_true, y_pred))
    if ddi_adjacency is not None:
        out["ddi_rate"] = ddi_rate(y_pred, ddi_adjacency)
    return out


@_quiet
def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """mse, mae, r2."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    return {"mse": float(skm.mean_squared_error(y_true, y_pred)),
            "mae": float(skm.mean_absolute_error(y_true, y_pred)),
            "r2": _safe(skm.r2_score, y_true, y_pred)}


def compute_metrics(label_type: str, y_true, y_prob, **kwargs) -> dict[str, float]:
    """The metric set of a label type on true labels and predicted probabilities (or values)."""
    if label_type == "binary":
        return binary_metrics(y_true, y_prob, **kwargs)
    if label_type == "multiclass":
        return multiclass_metrics(y_true, y_prob)
    if label_type == "multilabel":
        return multilabel_metrics(y_true, y_prob, **kwargs)
    if label_type == "regression":
        return regression_metrics(y_true, y_prob)
    raise ParameterError(f"unknown label type '{label_type}' (expected binary, multiclass, multilabel or regression)")


def bootstrap_ci(label_type: str, y_true, y_prob, n_boot: int = 200, level: float = 0.95, seed: int = 0,
                 **kwargs) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of every metric: {metric: (low, high)} (NaN draws ignored)."""
    y_true, y_prob = np.asarray(y_true), np.asarray(y_prob)
    rng = np.random.default_rng(seed)
    n = len(y_true)
    draws: dict[str, list[float]] = {}
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        for k, v in compute_metrics(label_type, y_true[idx], y_prob[idx], **kwargs).items():
            draws.setdefault(k, []).append(v)
    tail = (1 - level) / 2 * 100
    out = {}
    for k, vals in draws.items():
        vals = np.asarray([v for v in vals if not math.isnan(v)])
        out[k] = (float(np.percentile(vals, tail)), float(np.percentile(vals, 100 - tail))) if len(vals) \
            else (float("nan"), float("nan"))
    return out
