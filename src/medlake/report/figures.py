"""The report's figures: matplotlib drawings returned as PNG bytes (never written to disk)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve  # noqa: E402

SIZE = (5.0, 3.4)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def bars(labels: list[str], values: list[float], title: str, xlabel: str = "", horizontal: bool = False) -> bytes:
    """A bar chart of one value per label."""
    fig, ax = plt.subplots(figsize=SIZE)
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color="#4c72b0")
        ax.set_xlabel(xlabel)
    else:
        ax.bar(labels, values, color="#4c72b0")
        ax.set_ylabel(xlabel)
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title)
    return _png(fig)


def histogram(values, title: str, xlabel: str, bins: int = 30, log: bool = False) -> bytes:
    """A histogram of numbers (or of times, drawn on a date axis)."""
    fig, ax = plt.subplots(figsize=SIZE)
    ax.hist(values, bins=bins, color="#55a868", log=log)
    ax.set(title=title, xlabel=xlabel, ylabel="count")
    return _png(fig)


def roc(y_true: np.ndarray, probs: np.ndarray, title: str) -> bytes:
    fpr, tpr, _ = roc_curve(y_true, probs)
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.plot(fpr, tpr, label="model")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    ax.legend(loc="lower right")
    return _png(fig)


def precision_recall(y_true: np.ndarray, probs: np.ndarray, title: str) -> bytes:
    precision, recall, _ = precision_recall_curve(y_true, probs)
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.plot(recall, precision, label="model")
    ax.axhline(float(np.mean(y_true)), ls="--", c="grey", label="prevalence")
    ax.set(xlabel="recall", ylabel="precision", title=title, ylim=(0, 1.02))
    ax.legend(loc="upper right")
    return _png(fig)


def confusion(y_true: np.ndarray, predicted: np.ndarray, classes: list[str], title: str) -> bytes:
    matrix = confusion_matrix(y_true, predicted, labels=list(range(len(classes))))
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=30)
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    for (i, j), n in np.ndenumerate(matrix):
        ax.text(j, i, str(n), ha="center", va="center", color="black")
    return _png(fig)


def reliability(before: dict, after: dict | None, title: str) -> bytes:
    """Observed frequency against mean predicted probability per bin, before (and after) calibration."""
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="perfect")
    ax.plot(before["confidence"], before["frequency"], marker="o", label="before")
    if after is not None:
        ax.plot(after["confidence"], after["frequency"], marker="s", label="after (temperature)")
    ax.set(xlabel="mean predicted probability", ylabel="observed frequency", title=title, xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    return _png(fig)
