"""ROC and reliability (calibration) curves as PNG files (matplotlib), and the reliability table behind them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_curve


def _binary_view(y_true, probs, label_type: str):
    """(y, p) pairs for curves: the positive class, or all labels flattened one-vs-rest."""
    y_true, probs = np.asarray(y_true), np.asarray(probs, dtype=np.float64)
    if label_type == "binary":
        return y_true.astype(int), probs
    if label_type == "multiclass":
        onehot = (y_true[:, None] == np.arange(probs.shape[1])).astype(int)
        return onehot.ravel(), probs.ravel()
    return y_true.astype(int).ravel(), probs.ravel()


def reliability(y_true, probs, label_type: str, bins: int = 10) -> dict:
    """Per equal-width bin: mean predicted probability, observed frequency and count."""
    y, p = _binary_view(y_true, probs, label_type)
    which = np.minimum((p * bins).astype(int), bins - 1)
    n = np.bincount(which, minlength=bins)
    conf = np.bincount(which, p, bins) / np.maximum(n, 1)
    freq = np.bincount(which, y, bins) / np.maximum(n, 1)
    keep = n > 0
    return {"confidence": conf[keep].tolist(), "frequency": freq[keep].tolist(), "count": n[keep].tolist()}


def write_curves(out_dir: str | Path, y_true, probs, label_type: str, title: str = "",
                 calibrated=None, suffix: str = "") -> list[Path]:
    """roc<suffix>.png and calibration<suffix>.png in out_dir (needs matplotlib; returns [] without it).

    With `calibrated` probabilities the reliability curve shows them beside the model's
    and no ROC curve is drawn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    out_dir = Path(out_dir)
    written = []
    y, p = _binary_view(y_true, probs, label_type)
    if calibrated is None and label_type != "regression" and 0 < y.sum() < len(y):
        fpr, tpr, _ = roc_curve(y, p)
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot(fpr, tpr, label="model")
        ax.plot([0, 1], [0, 1], ls="--", c="grey", label="chance")
        ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC {title}".strip())
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(out_dir / f"roc{suffix}.png", dpi=120)
        plt.close(fig)
        written.append(out_dir / f"roc{suffix}.png")
    if label_type != "regression":
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot([0, 1], [0, 1], ls="--", c="grey", label="perfect")
        r = reliability(y_true, probs, label_type)
        ax.plot(r["confidence"], r["frequency"], marker="o", label="model")
        if calibrated is not None:
            r = reliability(y_true, calibrated, label_type)
            ax.plot(r["confidence"], r["frequency"], marker="s", label="calibrated")
        ax.set(xlabel="predicted probability", ylabel="observed frequency", title=f"Calibration {title}".strip(),
               xlim=(0, 1), ylim=(0, 1))
        ax.legend(loc="upper left")
        fig.tight_layout()
        name = f"calibration{suffix}.png"
        fig.savefig(out_dir / name, dpi=120)
        plt.close(fig)
        written.append(out_dir / name)
    return written
