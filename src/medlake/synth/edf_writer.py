"""A small EDF+ writer (https://www.edfplus.info/specs/edfplus.html): header, int16 data records, and an
'EDF Annotations' channel holding time-keeping TALs and the annotations.

Enough for the synthetic Sleep-EDF files: continuous recordings (EDF+C), every
signal with the same record duration, annotations in the first records.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIGITAL_MIN, DIGITAL_MAX = -32768, 32767
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass
class Signal:
    """One signal to write: its samples (physical units) and how to scale them to 16 bits."""

    label: str
    samples: np.ndarray
    sfreq: float
    unit: str = "uV"
    physical_min: float = -500.0
    physical_max: float = 500.0
    transducer: str = ""
    prefilter: str = ""


def write_edf_plus(path: str | Path, signals: list[Signal], start: dt.datetime, *,
                   annotations: list[tuple[float, float, str]] = (), record_duration: float = 30.0,
                   patient: str = "X X X X", recording_code: str = "X") -> None:
    """Write an EDF+C file. With no signals the file holds only annotations (record duration 0, one record),
    as Sleep-EDF's hypnograms do."""
    if signals:
        per_record = [round(s.sfreq * record_duration) for s in signals]
        n_records = min(math.ceil(len(s.samples) / n) for s, n in zip(signals, per_record))
    else:
        record_duration, per_record, n_records = 0.0, [], 1
    tals = _annotation_records(annotations, n_records, record_duration)
    ann_samples = max(len(t) for t in tals) // 2 + 1
    labels = [s.label for s in signals] + ["EDF Annotations"]
    ns = len(labels)
    recording = (f"Startdate {start.day:02d}-{MONTHS[start.month - 1]}-{start.year} {recording_code} X X")
    head = "".join([
        _f("0", 8), _f(patient, 80), _f(recording, 80), _f(start.strftime("%d.%m.%y"), 8),
        _f(start.strftime("%H.%M.%S"), 8), _f(str(256 * (ns + 1)), 8), _f("EDF+C", 44), _f(str(n_records), 8),
        _f(_num(record_duration), 8), _f(str(ns), 4),
        *[_f(x, 16) for x in labels],
        *[_f(s.transducer, 80) for s in signals], _f("", 80),
        *[_f(s.unit, 8) for s in signals], _f("", 8),
        *[_f(_num(s.physical_min), 8) for s in signals], _f("-1", 8),
        *[_f(_num(s.physical_max), 8) for s in signals], _f("1", 8),
        *[_f(str(DIGITAL_MIN), 8) for _ in signals], _f(str(DIGITAL_MIN), 8),
        *[_f(str(DIGITAL_MAX), 8) for _ in signals], _f(str(DIGITAL_MAX), 8),
        *[_f(s.prefilter, 80) for s in signals], _f("", 80),
        *[_f(str(n), 8) for n in per_record], _f(str(ann_samples), 8),
        *[_f("", 32) for _ in labels],
    ]).encode("latin-1")
    digital = [_digital(s, n * n_records) for s, n in zip(signals, per_record)]
    with open(path, "wb") as f:
        f.write(head)
        for r in range(n_records):
            for d, n in zip(digital, per_record):
                f.write(d[r * n:(r + 1) * n].tobytes())
            f.write(tals[r].ljust(2 * ann_samples, b"\x00"))


def _annotation_records(annotations, n_records: int, record_duration: float) -> list[bytes]:
    """The annotation channel of each record: its time-keeping TAL, then (spread over the records
    in order, at most 40 per record) the annotations."""
    records = [f"+{_num(r * record_duration)}\x14\x14\x00".encode() for r in range(n_records)]
    per = max(1, math.ceil(len(annotations) / n_records)) if annotations else 0
    for i, (onset, duration, label) in enumerate(annotations):
        tal = f"+{_num(onset)}" + (f"\x15{_num(duration)}" if duration else "") + f"\x14{label}\x14\x00"
        records[min(i // per, n_records - 1)] += tal.encode("utf-8")
    return records


def _digital(s: Signal, n: int) -> np.ndarray:
    x = np.zeros(n)
    x[:min(n, len(s.samples))] = s.samples[:n]
    scale = (DIGITAL_MAX - DIGITAL_MIN) / (s.physical_max - s.physical_min)
    d = np.round((x - s.physical_min) * scale + DIGITAL_MIN)
    return np.clip(d, DIGITAL_MIN, DIGITAL_MAX).astype("<i2")


def _num(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _f(text: str, width: int) -> str:
    text = text.encode("latin-1", "replace").decode("latin-1")
    if len(text) > width:
        raise ValueError(f"EDF header field {text!r} is longer than {width} characters")
    return text.ljust(width)
