"""Inputs read from files when a batch needs them: signal windows and images.

A `signal` input column holds, per sample, a struct {path, onset_s,
duration_s}: the window is read with medlake.signals.window (mne, a small
cache of open files per process), resampled to the encoders' rate and
standardized per channel with the training split's statistics, giving
[B, channels, samples]. An `image` input column holds the DICOM file's path:
medlake.images.pixels gives its pixels in [0, 1] after the modality and VOI
LUTs, resized here to [B, 1, size, size]. A sample whose file cannot be read
raises SampleReadError naming the file, or, when the stream skips unreadable
samples, leaves the batch and is counted in `LazyInputs.skipped`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
import torch.nn.functional as F

from ..errors import InputError, SampleReadError
from ..images.pixels import read_pixels
from ..signals.edf import HeaderError, read_header
from ..signals.window import WindowReader, default_channels

LAZY_KINDS = ("signal", "image")
IMAGE_SIZE = 64
STAT_WINDOWS = 32     # training windows read to standardize each signal channel


def _path_of(value) -> str:
    return value["path"] if isinstance(value, dict) else value


def signal_options(table: pa.Table, col: str, train_split: str = "train", channels: list[str] | None = None,
                   sfreq: float | None = None) -> dict:
    """How a signal input becomes tensors: channels (default: the EEG and EOG channels of the first training
    recording), rate (default: their highest rate), window length (the first training sample's), and each
    channel's mean and spread over up to STAT_WINDOWS training windows spread over the split."""
    train = table.filter(pc.equal(table["split"], train_split)).column(col).to_pylist()
    train = [w for w in train if w is not None]
    if not train:
        raise InputError(f"no '{col}' windows in the '{train_split}' split", expected="a training split with signals")
    first = train[0]
    try:
        channels = list(channels) if channels else default_channels(first["path"])
        rates = {c.label: c.sfreq for c in read_header(first["path"]).signals}
    except HeaderError as e:
        raise SampleReadError(f"cannot read the header ({e})", path=first["path"]) from None
    if sfreq is None:
        sfreq = max(rates.get(c) or 0.0 for c in channels) or None
        if not sfreq:
            raise SampleReadError(f"no sampling rate for channels {channels}", path=first["path"])
    options = {"channels": channels, "sfreq": float(sfreq), "seconds": float(first["duration_s"]),
               "mean": [0.0] * len(channels), "std": [1.0] * len(channels)}
    reader = WindowReader()
    picks = np.unique(np.linspace(0, len(train) - 1, min(STAT_WINDOWS, len(train))).round().astype(int))
    windows = [reader.read(train[i]["path"], channels, train[i]["onset_s"], options["seconds"], options["sfreq"])
               for i in picks]
    stacked = np.concatenate(windows, axis=1).astype(np.float64)
    options["mean"] = stacked.mean(axis=1).tolist()
    options["std"] = [float(s) if s > 0 else 1.0 for s in stacked.std(axis=1)]
    return options


def image_options(size: int | None = None) -> dict:
    """How an image input becomes tensors: square images of `size` pixels (default IMAGE_SIZE), one channel."""
    size = int(size or IMAGE_SIZE)
    if size < 8:
        raise InputError("image size too small", value=size, expected="at least 8 pixels")
    return {"size": size, "channels": 1}


class LazyInputs:
    """The signal and image columns of a stream's rows, read into tensors batch by batch."""

    def __init__(self, table: pa.Table, encoders, skip_unreadable: bool = False):
        self.encoders = encoders
        self.columns = {col: table.column(col).to_pylist() for col, kind in encoders.inputs.items()
                        if kind in LAZY_KINDS}
        self.sample_ids = table.column("sample_id").to_pylist() if self.columns else []
        self.skip_unreadable = skip_unreadable
        self.reader = WindowReader()
        self.skipped: list[dict] = []          # {sample_id, path, reason} of every sample left out, in the order met

    def __bool__(self) -> bool:
        return bool(self.columns)

    def read(self, rows: np.ndarray) -> tuple[dict[str, torch.Tensor], np.ndarray]:
        """(tensors of the readable rows, which rows were readable)."""
        keep = np.ones(len(rows), dtype=bool)
        values: dict[str, list] = {col: [None] * len(rows) for col in self.columns}
        for col, cells in self.columns.items():
            kind = self.encoders.inputs[col]
            options = self.encoders.lazy[col]
            for i, row in enumerate(rows):
                if not keep[i]:
                    continue
                cell = cells[row]
                try:
                    if cell is None:
                        raise SampleReadError(f"sample {self.sample_ids[row]!r} has no '{col}' (NULL)")
                    values[col][i] = self._signal(cell, options) if kind == "signal" else self._image(cell, options)
                except SampleReadError as e:
                    if not self.skip_unreadable:
                        raise
                    keep[i] = False
                    self.skipped.append({"sample_id": self.sample_ids[row],
                                         "path": _path_of(cell) if cell is not None else None, "reason": str(e)})
        return {col: torch.stack([v for v, k in zip(vals, keep) if k]) if keep.any() else None
                for col, vals in values.items()}, keep

    def _signal(self, cell: dict, options: dict) -> torch.Tensor:
        x = self.reader.read(cell["path"], options["channels"], cell["onset_s"], options["seconds"],
                             options["sfreq"])
        mean = np.asarray(options["mean"], np.float32)[:, None]
        std = np.asarray(options["std"], np.float32)[:, None]
        return torch.from_numpy((x - mean) / std)

    def _image(self, path: str, options: dict) -> torch.Tensor:
        x = torch.from_numpy(read_pixels(path))[None, None]
        size = options["size"]
        return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0]
