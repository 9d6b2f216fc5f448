"""Calibration and uncertainty: temperature scaling, histogram binning, Dirichlet calibration, KCal and
class-conditional conformal sets.

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
        counts = {int(k): int((y == k).sum()) for k in np.unique(y)}
        return {"alpha": self.alpha, "coverage": float(covered.mean()), "class_coverage": per_class,
                "class_samples": counts,
                "mean_set_size": float(sets.sum(axis=1).mean()), "empty_sets": int((sets.sum(axis=1) == 0).sum())}

    def state(self) -> dict:
        return {"method": "conformal", "alpha": self.alpha,
                "thresholds": [None if math.isinf(t) else float(t) for t in self.thresholds]}


def log_loss(y_true, probs, label_type: str) -> float:
    """Mean negative log-likelihood of the true classes (binary or multiclass), probabilities clipped at 1e-12."""
    p = class_probabilities(probs, label_type)
    y = np.asarray(y_true).astype(np.int64)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)).mean()) if len(y) else float("nan")


def _as_label_type(p: np.ndarray, label_type: str) -> np.ndarray:
    """[N, K] class probabilities back to the label type's shape ([N] positive-class probability for binary)."""
    return p[:, 1] if label_type == "binary" else p


class DirichletCalibration:
    """Dirichlet calibration (Kull et al., 2019): calibrated probabilities are softmax(W log p + b), a full
    linear map of the log-probabilities fitted by held-out negative log-likelihood with ODIR regularization
    (`reg` times the mean square of W's off-diagonal entries and of b), so a class-specific miscalibration
    that one temperature cannot undo is undone."""

    def __init__(self, label_type: str, reg: float = 1e-3):
        if label_type not in ("binary", "multiclass"):
            raise ParameterError(f"Dirichlet calibration needs a binary or multiclass label, not {label_type}")
        self.label_type = label_type
        self.reg = reg
        self.weights: np.ndarray | None = None   # [K, K]
        self.bias: np.ndarray | None = None      # [K]

    @staticmethod
    def _log(probs, label_type) -> torch.Tensor:
        p = class_probabilities(probs, label_type)
        return torch.as_tensor(np.log(np.clip(p, 1e-12, 1.0)), dtype=torch.float64)

    def fit(self, probs, y_true, max_iter: int = 100) -> DirichletCalibration:
        x = self._log(probs, self.label_type)
        y = torch.as_tensor(np.asarray(y_true).astype(np.int64))
        k = x.shape[1]
        w = torch.eye(k, dtype=torch.float64, requires_grad=True)
        b = torch.zeros(k, dtype=torch.float64, requires_grad=True)
        off = 1 - torch.eye(k, dtype=torch.float64)
        opt = torch.optim.LBFGS([w, b], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(x @ w.T + b, y)
            loss = loss + self.reg * ((w * off).square().sum() / max(k * (k - 1), 1) + b.square().mean())
            loss.backward()
            return loss

        opt.step(closure)
        self.weights, self.bias = w.detach().numpy(), b.detach().numpy()
        return self

    def transform(self, probs) -> np.ndarray:
        """Calibrated probabilities, in the shape the label type gives them."""
        z = self._log(probs, self.label_type) @ torch.as_tensor(self.weights).T + torch.as_tensor(self.bias)
        return _as_label_type(torch.softmax(z, dim=1).numpy(), self.label_type)

    def state(self) -> dict:
        return {"method": "dirichlet", "reg": self.reg, "weights": self.weights.tolist(), "bias": self.bias.tolist()}


class KCal:
    """KCal (Lin, Trivedi and Sun, 2023): a kernel density classifier on the calibration set.

    A sample's probability of class k is the Gaussian-kernel-weighted share of
    class k among the calibration samples near it in a representation: the
    model's log-probabilities by default (`fit(probs, y)`), or any embedding
    (`fit_embeddings(x, y)`, e.g. a network's last hidden layer, as the paper
    does). The representation is standardized per dimension; the bandwidth is
    chosen by golden-section search on the leave-one-out log loss of the
    calibration set. Each class keeps `prior_weight` pseudo-samples spread by
    its frequency, so no probability is exactly 0."""

    def __init__(self, label_type: str, prior_weight: float = 0.01):
        if label_type not in ("binary", "multiclass"):
            raise ParameterError(f"KCal needs a binary or multiclass label, not {label_type}")
        self.label_type = label_type
        self.prior_weight = prior_weight
        self.bandwidth: float | None = None

    def fit(self, probs, y_true) -> KCal:
        """Fit on the model's probabilities: the representation is their logarithm."""
        p = class_probabilities(probs, self.label_type)
        return self.fit_embeddings(np.log(np.clip(p, 1e-12, 1.0)), y_true, classes=p.shape[1])

    def fit_embeddings(self, x, y_true, classes: int | None = None) -> KCal:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y_true).astype(np.int64)
        if len(y) < 2:
            raise ParameterError("KCal needs at least 2 calibration samples")
        self.mean, self.scale = x.mean(axis=0), x.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        self.x = (x - self.mean) / self.scale
        self.onehot = np.eye(classes or int(y.max()) + 1)[y]
        self.prior = self.onehot.mean(axis=0)
        d2 = _squared_distances(self.x, self.x).astype(np.float32)     # float32: the search evaluates it often
        np.fill_diagonal(d2, np.inf)                       # leave one out
        rows = np.arange(len(y))

        def loo_loss(log_h: float) -> float:
            p = self._density(d2, math.exp(log_h))
            return float(-np.log(p[rows, y].astype(np.float64)).mean())

        self.bandwidth = math.exp(_golden_section(loo_loss, math.log(0.05), math.log(20.0)))
        return self

    def _density(self, d2: np.ndarray, h: float) -> np.ndarray:
        # a row with no calibration sample near it falls back on the class frequencies
        mass = np.exp(-d2 / (2 * h * h)) @ self.onehot + self.prior_weight * self.prior
        return mass / mass.sum(axis=1, keepdims=True)

    def transform(self, probs) -> np.ndarray:
        """Calibrated probabilities of new predictions, in the shape the label type gives them."""
        p = class_probabilities(probs, self.label_type)
        return self.transform_embeddings(np.log(np.clip(p, 1e-12, 1.0)))

    def transform_embeddings(self, x) -> np.ndarray:
        x = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        out = [self._density(_squared_distances(x[i:i + 2048], self.x), self.bandwidth)
               for i in range(0, len(x), 2048)]
        return _as_label_type(np.concatenate(out) if out else np.zeros((0, self.onehot.shape[1])), self.label_type)

    def state(self) -> dict:
        return {"method": "kcal", "bandwidth": self.bandwidth, "calibration_samples": int(len(self.x)),
                "prior_weight": self.prior_weight}


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :], 0.0)


def _golden_section(f, lo: float, hi: float, tol: float = 1e-2) -> float:
    """The minimum of a unimodal f on [lo, hi]."""
    ratio = (math.sqrt(5) - 1) / 2
    c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fc, fd = f(c), f(d)
    while hi - lo > tol:
        if fc < fd:
            hi, d, fd = d, c, fc
            c = hi - ratio * (hi - lo)
            fc = f(c)
        else:
            lo, c, fc = c, d, fd
            d = lo + ratio * (hi - lo)
            fd = f(d)
    return (lo + hi) / 2
