"""Calibration and uncertainty: temperature scaling, histogram binning, class-conditional conformal sets.

Each method is fitted on held-out predictions (the validation split) and then
applied to new ones. Conformal prediction follows LABEL (Sadinle, Lei and
Wasserman, 2019): one threshold per class, so that each class's true label is
in the set with probability at least 1 - alpha.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..errors import ParameterError


def probabilities(logits, label_type: str) -> np.ndarray:
    """Logits -> probabilities: sigmoid for binary and multilabel, softmax for multiclass."""
    t = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    if label_type == "multiclass":
        return torch.softmax(t, dim=-1).numpy()
    if label_type == "regression":
        return t.numpy()
    return torch.sigmoid(t).numpy()


def class_probabilities(probs, label_type: str) -> np.ndarray:
    """[N, K] class probabilities; a binary [N] vector becomes [1 - p, p]."""
    probs = np.asarray(probs, dtype=np.float64)
    if label_type == "binary":
        return np.stack([1 - probs, probs], axis=1)
    if label_type == "multiclass":
        return probs
    raise ParameterError(f"this method needs a binary or multiclass label, not {label_type}")


class TemperatureScaling:
    """Divide logits by one temperature T fitted by minimizing the held-out negative log-likelihood."""

    def __init__(self, label_type: str):
        self.label_type = label_type
        self.temperature = 1.0

    def fit(self, logits, y_true, max_iter: int = 200) -> TemperatureScaling:
        x = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
        y = torch.as_tensor(np.asarray(y_true))
        log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        if self.label_type == "multiclass":
            loss_fn = lambda z: torch.nn.functional.cross_entropy(z, y.long())  # noqa: E731
        elif self.label_type in ("binary", "multilabel"):
            loss_fn = lambda z: torch.nn.functional.binary_cross_entropy_with_logits(z, y.double())  # noqa: E731
        else:
            raise ParameterError(f"temperature scaling needs a classification label, not {self.label_type}")
        opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = loss_fn(x / log_t.exp())
            loss.backward()
            return loss

        opt.step(closure)
        self.temperature = float(log_t.detach().exp())
        return self

    def transform(self, logits) -> np.ndarray:
        """Calibrated probabilities."""
        return probabilities(np.asarray(logits) / self.temperature, self.label_type)

    def state(self) -> dict:
        return {"method": "temperature", "temperature": self.temperature}


class HistogramBinning:
    """Replace each probability by the observed frequency of its equal-width bin (one-vs-rest per class)."""

    def __init__(self, label_type: str, bins: int = 15):
        self.label_type = label_type
        self.bins = bins
        self.values: np.ndarray | None = None      # [K, bins]

    def _columns(self, probs) -> np.ndarray:
        probs = np.asarray(probs, dtype=np.float64)
        return probs[:, None] if probs.ndim == 1 else probs

    def _which(self, p: np.ndarray) -> np.ndarray:
        return np.minimum((p * self.bins).astype(np.int64), self.bins - 1)

    def fit(self, probs, y_true) -> HistogramBinning:
        p = self._columns(probs)
        y = np.asarray(y_true)
        if self.label_type == "multiclass":
            hits = (y[:, None] == np.arange(p.shape[1])).astype(np.float64)
        elif self.label_type in ("binary", "multilabel"):
            hits = y.reshape(len(y), -1).astype(np.float64)
        else:
            raise ParameterError(f"histogram binning needs a classification label, not {self.label_type}")
        centers = (np.arange(self.bins) + 0.5) / self.bins
        self.values = np.empty((p.shape[1], self.bins))
        for k in range(p.shape[1]):
            which = self._which(p[:, k])
            n = np.bincount(which, minlength=self.bins)
            s = np.bincount(which, hits[:, k], self.bins)
            self.values[k] = np.where(n > 0, s / np.maximum(n, 1), centers)
        return self

    def transform(self, probs) -> np.ndarray:
        """Calibrated probabilities (rows renormalized for multiclass)."""
        p = self._columns(probs)
        out = np.take_along_axis(self.values.T, self._which(p), axis=0) if p.size else p.copy()
        if self.label_type == "multiclass":
            total = out.sum(axis=1, keepdims=True)
            out = np.where(total > 0, out / np.where(total > 0, total, 1), 1.0 / p.shape[1])
        return out[:, 0] if np.asarray(probs).ndim == 1 else out

    def state(self) -> dict:
        return {"method": "histogram", "bins": self.bins, "values": self.values.tolist()}


class ConformalLabel:
    """Split conformal prediction sets with class-conditional coverage (LABEL)."""

    def __init__(self, label_type: str, alpha: float = 0.1):
        if not 0 < alpha < 1:
            raise ParameterError(f"alpha must lie strictly between 0 and 1, got {alpha}")
        self.label_type = label_type
        self.alpha = alpha
        self.thresholds: np.ndarray | None = None   # per class: largest admitted score 1 - p_k

    def fit(self, probs, y_true) -> ConformalLabel:
        p = class_probabilities(probs, self.label_type)
        y = np.asarray(y_true).astype(np.int64)
        self.thresholds = np.empty(p.shape[1])
        for k in range(p.shape[1]):
            scores = np.sort(1.0 - p[y == k, k])
            n = len(scores)
            rank = math.ceil((n + 1) * (1 - self.alpha))
            self.thresholds[k] = scores[rank - 1] if 0 < rank <= n else np.inf
        return self

    def predict_sets(self, probs) -> np.ndarray:
        """Boolean [N, K]: class k is in a sample's set when 1 - p_k is within class k's threshold."""
        p = class_probabilities(probs, self.label_type)
        return (1.0 - p) <= self.thresholds[None, :]

    def report(self, probs, y_true) -> dict:
        """Coverage (overall and per class) and mean set size on labelled data."""
        sets = self.predict_sets(probs)
        y = np.asarray(y_true).astype(np.int64)
        covered = sets[np.arange(len(y)), y]
        per_class = {int(k): float(covered[y == k].mean()) for k in np.unique(y)}
        return {"alpha": self.alpha, "coverage": float(covered.mean()), "class_coverage": per_class,
                "mean_set_size": float(sets.sum(axis=1).mean()), "empty_sets": int((sets.sum(axis=1) == 0).sum())}

    def state(self) -> dict:
        return {"method": "conformal", "alpha": self.alpha,
                "thresholds": [None if math.isinf(t) else float(t) for t in self.thresholds]}
