"""Vocabularies and label encoders: built in SQL from the training split, saved as JSON.

A `Vocabulary` maps codes to ids with `<pad>` = 0 and `<unk>` = 1; the ids of
the other codes follow their training-split frequency (then the code). A
`LabelEncoder` holds the classes of a multiclass or multilabel label. Both
are written beside a model (encoders.json) so that inference maps codes
exactly as training did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import InputError

PAD, UNK = "<pad>", "<unk>"
CODE_KINDS = ("codes", "nested_codes", "series")
INPUT_KINDS = (*CODE_KINDS, "numeric", "categorical", "signal", "image")   # signal, image: read from files
LABEL_TYPES = ("binary", "multiclass", "multilabel", "regression")


@dataclass
class Vocabulary:
    """Codes of one input column; index = id (0 = <pad>, 1 = <unk>)."""

    codes: list[str]

    @classmethod
    def from_counts(cls, codes: list[str]) -> Vocabulary:
        """A vocabulary of the given codes (already ordered) after the two special tokens."""
        return cls([PAD, UNK, *[c for c in codes if c not in (PAD, UNK)]])

    def __len__(self) -> int:
        return len(self.codes)

    def __repr__(self) -> str:
        shown = ", ".join(self.codes[2:7])
        return f"<Vocabulary: {len(self.codes):,} ids ({shown}{', ...' if len(self.codes) > 7 else ''})>"

    def id_table(self) -> pa.Table:
        """(id, code) as Arrow, for the stream's SQL."""
        return pa.table({"id": pa.array(np.arange(len(self.codes), dtype=np.int32)), "code": self.codes})

    def decode_ids(self, ids: np.ndarray) -> np.ndarray:
        """Codes of an integer array (vectorized lookup; returns an object array)."""
        return np.asarray(self.codes, dtype=object)[ids]


@dataclass
class LabelEncoder:
    """Classes of a label: index = class id."""

    classes: list[str]

    def __len__(self) -> int:
        return len(self.classes)

    def id_table(self) -> pa.Table:
        return pa.table({"id": pa.array(np.arange(len(self.classes), dtype=np.int32)), "code": self.classes})


@dataclass
class SeriesScaler:
    """How a series input's values and hours are scaled: one mean and scale per vocabulary id.

    A value becomes (value - mean[id]) / scale[id], clipped to +-`clip`; ids
    without values of their own in training (<pad>, <unk>, rare codes) take the
    column's overall mean and spread. Hours are divided by `hours_scale`."""

    mean: list[float]
    scale: list[float]
    hours_scale: float = 1.0
    clip: float = 10.0

    def params(self) -> dict:
        """The bound parameters of the stream's encode_series statement."""
        return {"means": self.mean, "scales": self.scale, "hours_scale": self.hours_scale, "clip": self.clip}

    def to_dict(self) -> dict:
        return {"mean": self.mean, "scale": self.scale, "hours_scale": self.hours_scale, "clip": self.clip}

    @classmethod
    def from_dict(cls, d: dict) -> SeriesScaler:
        return cls([float(x) for x in d["mean"]], [float(x) for x in d["scale"]], float(d["hours_scale"]),
                   float(d.get("clip", 10.0)))


@dataclass
class Encoders:
    """Everything that turns samples into tensors the same way at training and inference."""

    inputs: dict[str, str]                       # column -> kind
    label: str = "label"
    label_type: str = "binary"
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)
    scalers: dict[str, tuple[float, float]] = field(default_factory=dict)   # numeric column -> (mean, scale)
    series: dict[str, SeriesScaler] = field(default_factory=dict)            # series column -> its value scaling
    label_encoder: LabelEncoder | None = None
    label_is_index: bool = False                 # multiclass labels stored as class numbers 0..K-1
    max_len: int | None = None
    max_visits: int | None = None
    lazy: dict[str, dict] = field(default_factory=dict)   # signal / image column -> how it is read (models.lazy)

    def __repr__(self) -> str:
        inputs = ", ".join(f"{k} ({v})" for k, v in self.inputs.items())
        classes = f", {len(self.label_encoder)} classes" if self.label_encoder is not None else ""
        return f"<Encoders: {self.label_type} label{classes}; inputs {inputs}>"

    @property
    def output_size(self) -> int:
        """Width of a model's output layer for this label."""
        if self.label_type in ("multiclass", "multilabel"):
            return len(self.label_encoder)
        return 1

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs, "label": self.label, "label_type": self.label_type,
            "vocabularies": {k: v.codes for k, v in self.vocabularies.items()},
            "scalers": {k: list(v) for k, v in self.scalers.items()},
            "series": {k: v.to_dict() for k, v in self.series.items()},
            "label_classes": self.label_encoder.classes if self.label_encoder else None,
            "label_is_index": self.label_is_index,
            "max_len": self.max_len, "max_visits": self.max_visits, "lazy": self.lazy,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Encoders:
        return cls(
            inputs=dict(d["inputs"]), label=d["label"], label_type=d["label_type"],
            vocabularies={k: Vocabulary(list(v)) for k, v in d["vocabularies"].items()},
            scalers={k: (float(v[0]), float(v[1])) for k, v in d["scalers"].items()},
            series={k: SeriesScaler.from_dict(v) for k, v in d.get("series", {}).items()},
            label_encoder=LabelEncoder(list(d["label_classes"])) if d.get("label_classes") is not None else None,
            label_is_index=bool(d.get("label_is_index")), max_len=d.get("max_len"), max_visits=d.get("max_visits"),
            lazy={k: dict(v) for k, v in d.get("lazy", {}).items()},
        )

    def save(self, path: str | Path) -> Path:
        """Write encoders.json (vocabularies, scalers, series value scaling, label classes)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Encoders:
        """Read encoders written by `save`."""
        path = Path(path)
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InputError(f"cannot read encoders: {e}", path=path,
                             expected="an encoders.json written by medlake train") from None


def check_kinds(inputs: dict[str, str], label_type: str) -> None:
    """InputError unless every input kind and the label type are known."""
    for col, kind in inputs.items():
        if kind not in INPUT_KINDS:
            raise InputError(f"unknown kind of input '{col}'", value=kind, expected=" | ".join(INPUT_KINDS))
    if label_type not in LABEL_TYPES:
        raise InputError("unknown label type", value=label_type, expected=" | ".join(LABEL_TYPES))
