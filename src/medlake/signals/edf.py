"""The fixed EDF/BDF header, read in pure Python: 256 bytes, then 256 bytes per signal.

Only the header is read (never a data record), so a header costs one small
read whatever the file's size. The layout is the EDF specification's
(https://www.edfplus.info/specs/edf.html); EDF+ and BDF(+) differ only in the
`reserved` field (EDF+C, EDF+D, 24BIT, BDF+C, BDF+D) and the first byte (BDF: 0xFF).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ANNOTATION_LABELS = ("EDF Annotations", "BDF Annotations")
FIRST_READ = 256 * 64

# per-signal fields: name, width in bytes (the header holds each field for all signals, one after another)
_SIGNAL_FIELDS = (("label", 16), ("transducer", 80), ("unit", 8), ("physical_min", 8), ("physical_max", 8),
                  ("digital_min", 8), ("digital_max", 8), ("prefilter", 80), ("samples_per_record", 8),
                  ("reserved", 32))
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_STARTDATE = re.compile(r"Startdate\s+(\d{2})-([A-Z]{3})-(\d{4})")
# 10-20 / 10-10 electrode names (Fp1, Cz, T8, A1, M2, ...), alone or as a bipolar pair or against a reference
_ELECTRODE = re.compile(r"^(FP|AF|F|FT|FC|C|T|TP|CP|P|PO|O|I|A|M|NZ)(Z|\d{1,2})?$")


class HeaderError(Exception):
    """A file whose header cannot be read as EDF/BDF (the loader records it in meta.load_errors)."""


class Channel(NamedTuple):
    """One signal of the header (a named tuple: a header may hold hundreds, made in one pass)."""

    index: int
    label: str
    type: str
    transducer: str
    unit: str
    physical_min: float | None
    physical_max: float | None
    digital_min: int | None
    digital_max: int | None
    prefilter: str
    samples_per_record: int
    sfreq: float | None


@dataclass(frozen=True)
class EdfHeader:
    """What the fixed header says about one file."""

    path: Path
    format: str                    # EDF, EDF+C, EDF+D, BDF, BDF+C, BDF+D
    patient: str
    recording: str
    start_time: dt.datetime | None
    header_bytes: int
    n_records: int
    record_duration: float
    channels: tuple[Channel, ...]
    file_size: int
    header_sha256: str

    @property
    def signals(self) -> tuple[Channel, ...]:
        """The channels that hold samples (not 'EDF Annotations')."""
        return tuple(c for c in self.channels if c.type != "annotation")

    @property
    def has_annotations(self) -> bool:
        return any(c.type == "annotation" for c in self.channels)

    @property
    def duration_s(self) -> float:
        """Data records x record duration (for EDF+D, the recorded time, not the span)."""
        return self.n_records * self.record_duration

    @property
    def sfreq(self) -> float | None:
        """The highest sampling rate of the signals (what mne calls sfreq)."""
        rates = [c.sfreq for c in self.signals if c.sfreq is not None]
        return max(rates) if rates else None


def read_header(path: str | Path) -> EdfHeader:
    """Read an EDF/BDF file's header; raise HeaderError when it is not one or the file is cut short."""
    path = Path(path)
    try:
        with open(path, "rb", buffering=0) as f:
            # one read covers the header of up to 63 signals; a longer header needs a second
            first = f.read(FIRST_READ)
            head = first[:256]
            if len(head) < 256:
                raise HeaderError(f"file too short for an EDF header ({len(head)} bytes, expected at least 256)")
            if head[:1] != b"\xff" and head[:8].strip() != b"0":
                raise HeaderError(f"not an EDF/BDF file (version field {head[:8]!r})")
            ns = _int(head[252:256], "number of signals")
            if ns < 0 or ns > 100_000:
                raise HeaderError(f"number of signals {ns} is out of range")
            rest = first[256:256 * (ns + 1)]
            if len(rest) < 256 * ns and len(first) == FIRST_READ:
                rest += f.read(256 * ns - len(rest))
            size = os.fstat(f.fileno()).st_size
    except OSError as e:
        raise HeaderError(f"cannot read: {e.strerror or e}") from None
    if len(rest) < 256 * ns:
        raise HeaderError(f"header cut short: {256 + len(rest)} bytes, expected {256 + 256 * ns}")
    bdf = head[:1] == b"\xff"
    reserved = _text(head[192:236])
    header_bytes = _int(head[184:192], "header bytes")
    if header_bytes != 256 * (ns + 1):
        raise HeaderError(f"header size field says {header_bytes} bytes; {ns} signals need {256 * (ns + 1)}")
    n_records = _int(head[236:244], "number of data records")
    duration = _float(head[244:252], "data record duration")
    if not (math.isfinite(duration) and duration >= 0) or n_records < -1:
        raise HeaderError(f"impossible data records: {n_records} of {duration} s")
    block = rest.decode("latin-1")
    fields: dict[str, list[str]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        fields[name] = [block[p:p + width].strip("\x00 ") for p in range(pos, pos + width * ns, width)]
        pos += width * ns
    channels = []
    for i, (label, transducer, unit, pmin, pmax, dmin, dmax, prefilter, spr) in enumerate(zip(
            fields["label"], fields["transducer"], fields["unit"], fields["physical_min"], fields["physical_max"],
            fields["digital_min"], fields["digital_max"], fields["prefilter"], fields["samples_per_record"])):
        try:
            n = int(spr)
        except ValueError:
            n = _int(spr.encode(), f"samples per record of signal {i + 1}")
        if not 0 <= n < 2**31:
            raise HeaderError(f"samples per record of signal {i + 1} out of range: {n}")
        kind = channel_type(label)
        channels.append(Channel(i, label, kind, transducer, unit, _maybe_float(pmin), _maybe_float(pmax),
                                _maybe_int(dmin), _maybe_int(dmax), prefilter, n,
                                n / duration if duration > 0 and kind != "annotation" else None))
    bytes_per_sample = 3 if bdf else 2
    record_bytes = bytes_per_sample * sum(c.samples_per_record for c in channels)
    if n_records < 0 and record_bytes:  # -1: unknown (still recording); count what the file holds
        n_records = (size - header_bytes) // record_bytes
    expected = header_bytes + n_records * record_bytes
    if size < expected:
        raise HeaderError(f"truncated: the header promises {n_records} data records ({expected:,} bytes), "
                          f"the file has {size:,} bytes")
    kind = ("BDF" if bdf else "EDF") + ({"EDF+C": "+C", "EDF+D": "+D", "BDF+C": "+C", "BDF+D": "+D"}
                                       .get(reserved[:5], ""))
    recording = _text(head[88:168])
    return EdfHeader(path=path, format=kind, patient=_text(head[8:88]), recording=recording,
                     start_time=_start_time(head[168:176], head[176:184], recording if "+" in kind else ""),
                     header_bytes=header_bytes, n_records=n_records, record_duration=duration,
                     channels=tuple(channels), file_size=size,
                     header_sha256=hashlib.sha256(head + rest).hexdigest())


@functools.lru_cache(maxsize=4096)   # labels repeat across the files of a montage
def channel_type(label: str) -> str:
    """EEG, EOG, EMG, ECG, annotation or other, from a channel's label.

    The label's first word names the kind when it is one of EEG/EOG/EMG/ECG/EKG
    (Sleep-EDF: 'EEG Fpz-Cz', 'EOG horizontal', 'EMG submental'); otherwise a
    label made of 10-20/10-10 electrode names ('Fp1', 'C3-A2', 'Cz-REF') is EEG."""
    if label in ANNOTATION_LABELS:
        return "annotation"
    words = label.upper().replace("-", " ").replace("_", " ").split()
    if not words:
        return "other"
    first = words[0]
    if first in ("EEG", "EOG", "EMG", "ECG"):
        return first
    if first == "EKG":
        return "ECG"
    names = [w for w in words if w not in ("REF", "LE", "AVG", "AR")]
    if names and all(_ELECTRODE.match(w) for w in names):
        return "EEG"
    return "other"


def _start_time(date: bytes, time: bytes, recording: str) -> dt.datetime | None:
    """dd.mm.yy hh.mm.ss; years 85-99 are 19xx, 00-84 20xx (the EDF rule), and an EDF+
    'Startdate dd-MMM-yyyy' in the recording field gives the full year."""
    try:
        d, m, y = (int(x) for x in date.decode("ascii").split("."))
        hh, mm, ss = (int(x) for x in time.decode("ascii").replace(":", ".").split("."))
        year = 1900 + y if y >= 85 else 2000 + y
        full = _STARTDATE.search(recording)
        if full and full.group(2) in _MONTHS:
            year = int(full.group(3))
        return dt.datetime(year, m, d, hh, mm, ss)
    except ValueError:
        return None


def _text(b: bytes) -> str:
    return b.decode("latin-1").strip("\x00 ").strip()


def _int(b: bytes, what: str) -> int:
    try:
        return int(_text(b))
    except ValueError:
        raise HeaderError(f"{what} is not an integer: {_text(b)!r}") from None


def _float(b: bytes, what: str) -> float:
    try:
        return float(_text(b))
    except ValueError:
        raise HeaderError(f"{what} is not a number: {_text(b)!r}") from None


def _maybe_float(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None


def _maybe_int(s: str) -> int | None:
    try:
        n = int(s)
    except ValueError:
        return None
    return n if -2**63 <= n < 2**63 else None
