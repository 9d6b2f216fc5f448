"""Which files a signals load reads, how they pair up, and whose they are.

Layouts:

- `plain`: every .edf/.bdf file under the folder is one recording; its
  annotations are its own (an EDF+/BDF+ annotation channel).
- `sleep-edf`: PhysioNet's Sleep-EDF names. `SC4001E0-PSG.edf` is a recording,
  `SC4001EC-Hypnogram.edf` its hypnogram: the two pair by the first 6
  characters of the name (SC4001) in the same folder, and the hypnogram's
  stages become annotations of the PSG recording. Other .edf/.bdf files are
  read as in `plain`.

Subjects: a mapping CSV (columns `pattern`, `subject_id`) gives each file the
subject of the first row whose pattern (a glob) matches the file's name or
its path relative to the folder; a file no row matches is skipped and
recorded in meta.load_errors. Without a mapping:

- sleep-edf PSG files (`SC4ssN..`, `ST7ssN..`): subject = the two digits ss
  (name[3:5]) and night = N; telemetry (ST) subjects get 1000 + ss so they
  never meet the cassette (SC) subjects of the same number;
- any other file: the first run of digits in the file's stem
  (`sub-012_eeg.edf` -> 12, `chb01_03.edf` -> 1); a stem without digits (or
  whose first run is longer than 18 digits) gets a stable id made from the
  SHA-256 of its relative path (first 7 bytes).
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

LAYOUTS = ("plain", "sleep-edf")
SUFFIXES = (".edf", ".bdf")
_SLEEP_EDF = re.compile(r"^S([CT])\d(\d{2})(\d)", re.I)
_DIGITS = re.compile(r"\d+")


@dataclass
class SignalFile:
    """One recording to read: its file, the paired annotation file (if any) and its subject."""

    path: Path
    relpath: str
    annotation_file: Path | None = None
    subject_id: int | None = None


@dataclass
class SubjectMap:
    """The rows of a --subjects CSV, in order."""

    rows: list[tuple[str, int]]
    path: Path

    def subject_of(self, relpath: str) -> int | None:
        name = relpath.rsplit("/", 1)[-1]
        for pattern, subject in self.rows:
            if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(relpath, pattern):
                return subject
        return None


def read_subject_map(path: str | Path) -> SubjectMap:
    """Read a mapping CSV with columns pattern, subject_id (an integer); InputError names a bad line."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            if "pattern" not in header or "subject_id" not in header:
                raise InputError("subject map needs the columns pattern and subject_id", path=path,
                                 value=",".join(header), expected="pattern,subject_id")
            rows = []
            for line, raw in enumerate(reader, start=2):
                r = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
                try:
                    subject = int(r["subject_id"])
                except ValueError:
                    subject = None
                if subject is None or not -2**63 <= subject < 2**63:
                    raise InputError("subject_id is not a 64-bit integer", path=path, line=line,
                                     column="subject_id", value=r["subject_id"])
                rows.append((r["pattern"], subject))
    except OSError as e:
        raise InputError(f"cannot read the subject map: {e.strerror or e}", path=path) from None
    return SubjectMap(rows, path)


def find_signal_files(directory: Path, layout: str) -> tuple[list[SignalFile], list[dict]]:
    """The recordings under `directory` (sorted by relative path) and the files that cannot
    be placed ({path, reason}: a hypnogram without its PSG, a second hypnogram)."""
    if layout not in LAYOUTS:
        raise InputError("unknown signals layout", value=layout, expected=" or ".join(LAYOUTS))
    if not directory.is_dir():
        raise InputError("not a folder", path=directory)
    found = sorted((p for p in directory.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()),
                   key=lambda p: p.relative_to(directory).as_posix())
    if not found:
        raise InputError("no .edf or .bdf files", path=directory, expected="EDF/BDF files in the folder or below")
    rel = lambda p: p.relative_to(directory).as_posix()
    if layout == "plain":
        return [SignalFile(p, rel(p)) for p in found], []
    psg = [p for p in found if p.stem.lower().endswith("-psg")]
    hyp = [p for p in found if p.stem.lower().endswith("-hypnogram")]
    paired = set(psg) | set(hyp)
    files = [SignalFile(p, rel(p)) for p in found if p not in paired]
    errors = []
    by_key = {(p.parent, p.name[:6]): SignalFile(p, rel(p)) for p in psg}
    for h in hyp:
        target = by_key.get((h.parent, h.name[:6]))
        if target is None:
            errors.append({"path": str(h), "reason": f"hypnogram without a PSG file (no {h.name[:6]}*-PSG.edf "
                                                     "beside it)"})
        elif target.annotation_file is not None:
            errors.append({"path": str(h), "reason": f"a second hypnogram for {target.path.name} "
                                                     f"(already paired with {target.annotation_file.name})"})
        else:
            target.annotation_file = h
    files += by_key.values()
    return sorted(files, key=lambda f: f.relpath), errors


def subject_from_name(relpath: str, layout: str) -> int:
    """The subject of a file without a mapping (the rule in this module's docstring)."""
    name = relpath.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    m = _SLEEP_EDF.match(name)
    if layout == "sleep-edf" and m:
        return int(m.group(2)) + (1000 if m.group(1).upper() == "T" else 0)
    digits = _DIGITS.search(stem)
    if digits and len(digits.group()) <= 18:
        return int(digits.group())
    return int.from_bytes(hashlib.sha256(relpath.encode()).digest()[:7], "big")
