"""Trainer: epochs, optimizer, early stopping on a monitored metric, best checkpoint, CPU or CUDA (AMP)."""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import InputError, ParameterError
from ..progress import progress
from .calibration import probabilities
from .metrics import compute_metrics
from .nets import Net, model_class
from .tensors import to_device

DEFAULT_MONITOR = {"binary": ("roc_auc", "max"), "multiclass": ("accuracy", "max"),
                   "multilabel": ("pr_auc_samples", "max"), "regression": ("mse", "min")}
OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (model initialization, dropout)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class Predictions:
    """Model outputs on one stream, in the stream's row order."""

    rows: np.ndarray          # positions in the stream's table
    logits: np.ndarray
    y_true: np.ndarray
    label_type: str

    @property
    def probs(self) -> np.ndarray:
        return probabilities(self.logits, self.label_type)

    def metrics(self, **kwargs) -> dict:
        return compute_metrics(self.label_type, self.y_true, self.probs, **kwargs)


def loss_function(label_type: str):
    """The training loss of a label type."""
    if label_type in ("binary", "multilabel"):
        return nn.BCEWithLogitsLoss()
    if label_type == "multiclass":
        return nn.CrossEntropyLoss(ignore_index=-1)
    return nn.MSELoss()


class Trainer:
    """Fit a network on a training stream, watching a metric on a validation stream.

    `fit` shows a progress bar and one line of metrics per epoch (train loss, the
    monitored validation metric) on stderr; `quiet=True` shows nothing."""

    def __init__(self, model: Net, *, epochs: int = 10, optimizer: str = "adam", lr: float = 1e-3,
                 weight_decay: float = 0.0, monitor: str | None = None, mode: str | None = None,
                 patience: int | None = None, checkpoint_dir: str | Path | None = None, seed: int = 0,
                 device: str | None = None, amp: bool | None = None, grad_clip: float | None = 5.0,
                 metric_options: dict | None = None, quiet: bool = False):
        if optimizer not in OPTIMIZERS:
            raise ParameterError(f"unknown optimizer '{optimizer}' (expected {', '.join(OPTIMIZERS)})")
        label_type = model.encoders.label_type
        default_metric, default_mode = DEFAULT_MONITOR[label_type]
        self.model = model
        self.label_type = label_type
        self.epochs, self.lr, self.weight_decay = epochs, lr, weight_decay
        self.optimizer_name = optimizer
        self.monitor = monitor or default_metric
        self.mode = mode or ("min" if self.monitor in ("mse", "mae", "loss", "ece", "hamming_loss", "ddi_rate")
                             else default_mode)
        self.patience = patience
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.seed = seed
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.amp = (self.device.type == "cuda") if amp is None else amp and self.device.type == "cuda"
        self.grad_clip = grad_clip
        self.metric_options = metric_options or {}
        self.quiet = quiet
        self.loss_fn = loss_function(label_type)
        self.history: list[dict] = []
        self.best_epoch: int | None = None
        self.best_score: float | None = None

    def _autocast(self):
        if not self.amp:
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast(device_type="cuda", dtype=dtype)

    def _loss(self, logits, label):
        return self.model.loss(logits, label, self.loss_fn(logits.float(), label))

    def _better(self, score: float) -> bool:
        if math.isnan(score):
            return self.best_score is None
        if self.best_score is None or math.isnan(self.best_score):
            return True
        return score > self.best_score if self.mode == "max" else score < self.best_score

    def fit(self, train, val=None, num_workers: int = 0) -> list[dict]:
        """Train for `epochs` (or until `patience` epochs pass without improving); keep the best weights."""
        seed_everything(self.seed)
        self.model.to(self.device)
        options = {"lr": self.lr, "weight_decay": self.weight_decay}
        if self.device.type == "cuda" and self.optimizer_name in ("adam", "adamw"):
            options["fused"] = True   # one kernel for every parameter: small models are launch-bound on a GPU
        opt = OPTIMIZERS[self.optimizer_name](self.model.parameters(), **options)
        scaler = torch.amp.GradScaler("cuda", enabled=self.amp and not torch.cuda.is_bf16_supported())
        best_state, stale = None, 0
        with progress(not self.quiet) as bar:
            task = bar.add_task("training", total=self.epochs * len(train))
            for epoch in range(self.epochs):
                train.set_epoch(epoch)
                self.model.train()
                # the loss sum stays on the device: reading it every step would wait for the GPU
                total, seen = torch.zeros((), device=self.device), 0
                started = time.perf_counter()
                for batch in train.loader(num_workers=num_workers):
                    batch = to_device(batch, self.device)
                    opt.zero_grad(set_to_none=True)
                    with self._autocast():
                        logits = self.model(batch)
                    loss = self._loss(logits, batch["label"])
                    scaler.scale(loss).backward()
                    if self.grad_clip:
                        scaler.unscale_(opt)
                        nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
                    scaler.step(opt)
                    scaler.update()
                    total += loss.detach().float() * len(batch["label"])
                    seen += len(batch["label"])
                    bar.advance(task)
                train_loss = float(total) / max(seen, 1)
                seconds = time.perf_counter() - started
                record = {"epoch": epoch, "train_loss": train_loss, "train_seconds": round(seconds, 3),
                          "train_samples_per_s": round(seen / seconds, 1) if seconds > 0 else None}
                if val is not None:
                    pred = self.predict(val, num_workers=num_workers)
                    record["val_loss"] = self._eval_loss(pred)
                    record.update({f"val_{k}": v for k, v in pred.metrics(**self.metric_options).items()})
                    score = record["val_loss"] if self.monitor == "loss" else record.get(f"val_{self.monitor}")
                    if score is None:
                        raise ParameterError(f"cannot monitor '{self.monitor}': the {self.label_type} metrics are "
                                             + ", ".join(k[4:] for k in record if k.startswith("val_")))
                    if math.isnan(score):
                        # undefined on this validation split (e.g. one class only): fall back on its loss
                        score = -record["val_loss"] if self.mode == "max" else record["val_loss"]
                        record["monitor_fallback"] = "val_loss"
                else:
                    score = -record["train_loss"] if self.mode == "max" else record["train_loss"]
                self.history.append(record)
                bar.update(task, detail=f"epoch {epoch + 1}/{self.epochs} loss {record['train_loss']:.4f}"
                           + (f" {self.monitor} {score:.4f}" if val is not None else ""))
                better = self._better(score)
                bar.log(self._epoch_line(record, better), highlight=False)
                if better:
                    self.best_score, self.best_epoch, stale = score, epoch, 0
                    best_state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
                    if self.checkpoint_dir:
                        save_checkpoint(self.model, self.checkpoint_dir / "model.pt",
                                        extra={"epoch": epoch, "monitor": self.monitor, "score": score})
                else:
                    stale += 1
                    if self.patience is not None and stale > self.patience:
                        break
        if best_state is not None:
            self.model.load_state_dict(best_state)
        return self.history

    def _epoch_line(self, record: dict, best: bool) -> str:
        """One epoch's metrics as a line: train loss, validation loss and the monitored metric."""
        def number(v):
            return "n/a" if v is None or v != v else f"{v:.4f}"

        parts = [f"epoch {record['epoch'] + 1}/{self.epochs}", f"train loss {number(record['train_loss'])}"]
        if "val_loss" in record:
            parts.append(f"val loss {number(record['val_loss'])}")
            if self.monitor != "loss":
                parts.append(f"val {self.monitor} {number(record.get(f'val_{self.monitor}'))}")
        return ", ".join(parts) + (" (best)" if best else "")

    def __repr__(self) -> str:
        fitted = (f"best epoch {self.best_epoch + 1} of {len(self.history)} ({self.monitor} {self.best_score:.4f})"
                  if self.best_epoch is not None else "not fitted")
        return (f"<Trainer {self.model.name} on {self.device.type}: {self.optimizer_name} lr {self.lr:g}, "
                f"{self.epochs} epochs, monitor {self.monitor} ({self.mode}); {fitted}>")

    def _eval_loss(self, pred: Predictions) -> float:
        logits = torch.as_tensor(pred.logits)
        y = torch.as_tensor(pred.y_true)
        with torch.no_grad():
            return float(self.loss_fn(logits.float(), y.long() if self.label_type == "multiclass" else y.float()))

    @torch.no_grad()
    def predict(self, stream, num_workers: int = 0) -> Predictions:
        """Logits and labels of every sample of a stream, in the stream's row order."""
        self.model.to(self.device)
        self.model.eval()
        rows, logits, labels = [], [], []
        for batch in stream.loader(num_workers=num_workers):
            rows.append(batch["row"].numpy())
            labels.append(batch["label"].numpy())
            batch = to_device(batch, self.device)
            with self._autocast():
                logits.append(self.model(batch).float().cpu().numpy())
        if not rows:
            raise InputError("no samples to predict on", expected="a stream over a non-empty split")
        rows = np.concatenate(rows)
        order = np.argsort(rows, kind="stable")
        return Predictions(rows[order], np.concatenate(logits)[order], np.concatenate(labels)[order],
                           self.label_type)

    def evaluate(self, stream, num_workers: int = 0) -> dict:
        """Metrics of the model on a stream."""
        return self.predict(stream, num_workers).metrics(**self.metric_options)


def save_checkpoint(model: Net, path: str | Path, extra: dict | None = None) -> Path:
    """Weights plus what rebuilds the network (its class name and options)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.name, "options": model.options, "state_dict": model.state_dict(),
                "extra": extra or {}}, path)
    return path


def load_checkpoint(path: str | Path, dataset=None, encoders=None, **build_options) -> Net:
    """Rebuild a network from a checkpoint written by save_checkpoint (weights loaded, eval mode)."""
    path = Path(path)
    if not path.exists():
        raise InputError("checkpoint not found", path=path, expected="a model.pt written by medlake train")
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    cls = model_class(ckpt["model"])
    # checkpoints written before these options existed were built the older way
    legacy = {"rnn": {"pool": "last", "bidirectional": False}, "transformer": {"norm_first": False}}.get(cls.name, {})
    options = {**legacy, **ckpt["options"], **build_options}
    # the graphs are buffers in the checkpoint; shapes only are needed to build
    k = (encoders or dataset.encoders).output_size
    if cls.name == "gamenet":
        options.setdefault("ehr_adjacency", np.zeros((k, k), np.float32))
    if "ddi_adj" in ckpt["state_dict"]:
        options.setdefault("ddi_adjacency", np.zeros((k, k), np.float32))
    model = cls(dataset, encoders=encoders, **options)
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model


def write_json(path: str | Path, data) -> Path:
    """JSON with NaN written as null."""
    def clean(x):
        if isinstance(x, float) and math.isnan(x):
            return None
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if isinstance(x, (np.floating, np.integer)):
            return clean(x.item())
        return x
    path = Path(path)
    path.write_text(json.dumps(clean(data), indent=1) + "\n")
    return path
