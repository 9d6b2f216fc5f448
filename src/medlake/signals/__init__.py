"""Physiological signals: EDF/BDF headers and annotations -> recordings tables (`medlake load edf DIR`).

One load reads every .edf/.bdf file under a folder into a dataset schema
(default `signals`): `recordings`, `recording_channels`,
`recording_annotations` (sql/signals/schema.sql), with `subjects` and one
`visits` row per recording. Headers are read in pure Python (medlake.signals.edf);
mne reads annotations only where there are some (an EDF+/BDF+ annotation
channel, or a paired hypnogram in the sleep-edf layout); samples are never
read. A file that cannot be read is skipped and recorded in meta.load_errors;
the rest is written in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..database import Database, LoadRecord, load_repr
from ..progress import Timer, progress
from ..version import __version__
from .annotations import read_annotations
from .edf import EdfHeader, HeaderError, read_header
from .layout import LAYOUTS, SignalFile, find_signal_files, read_subject_map, subject_from_name

__all__ = ["LAYOUTS", "SignalsLoadResult", "load_signals", "read_header"]

SCHEMA_SQL = "signals/schema.sql"
LOAD_SQL = "signals/load.sql"
RAW_SQL = "etl/raw.sql"
SOURCE = "edf"
TABLES = ("recordings", "recording_channels", "recording_annotations", "subjects", "visits")


@dataclass
class SignalsLoadResult:
    """What a signals load did; `errors` lists the files it skipped ({path, reason}), `task_views` the task
    views Lake.load installed after it."""

    dataset: str
    source: str
    load_id: int
    row_counts: dict[str, int]
    replaced: bool
    seconds: float
    errors: list[dict] = field(default_factory=list)
    task_views: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return load_repr("SignalsLoadResult", self, f"; {len(self.errors):,} files skipped" if self.errors else "")


def load_signals(db: Database, directory: str | Path, *, name: str | None = None, layout: str = "plain",
                 subjects: str | Path | None = None, show_progress: bool = False) -> SignalsLoadResult:
    """Load the EDF/BDF files under `directory` into dataset `name` (default `signals`).

    `layout` is plain or sleep-edf (medlake.signals.layout); `subjects` a CSV
    mapping file-name globs to subject ids."""
    directory = Path(directory)
    dataset = db.check_dataset_name(name or "signals")
    mapping = read_subject_map(subjects) if subjects is not None else None
    files, errors = find_signal_files(directory, layout)
    started = dt.datetime.now()
    replaced = dataset in db.datasets()
    rows: dict[str, list[dict]] = {"recordings": [], "recording_channels": [], "recording_annotations": []}
    read_files: list[dict] = []
    with progress(show_progress) as bar, Timer() as total:
        job = bar.add_task(f"edf -> {dataset}", total=len(files))
        for f in files:
            bar.update(job, detail=f.relpath)
            try:
                rec_rows = _read_one(f, len(rows["recordings"]) + 1, layout, mapping)
            except _Skip as e:
                errors.append({"path": str(e.path), "reason": e.reason})
            else:
                for table, new in rec_rows.items():
                    rows[table] += new
                read_files.append({"path": str(f.path), "size": f.path.stat().st_size, "sha256": None})
                if f.annotation_file is not None:
                    read_files.append({"path": str(f.annotation_file), "size": f.annotation_file.stat().st_size,
                                       "sha256": None})
            bar.advance(job)
        with db.transaction():
            db.run(RAW_SQL, "drop_schema", schemas={"target": dataset})
            db.run(RAW_SQL, "create_schema", schemas={"target": dataset})
            db.run("schema/core.sql", schemas={None: dataset})
            db.run(SCHEMA_SQL, schemas={None: dataset})
            for table, stmt in (("recordings", "insert_recordings"), ("recording_channels", "insert_channels"),
                                ("recording_annotations", "insert_annotations")):
                staged = pa.Table.from_pylist(rows[table], schema=_SCHEMAS[table])
                with db.registered("signals_staged", staged):
                    db.run(LOAD_SQL, stmt, schemas={None: dataset}, tables={"staged": "signals_staged"})
            db.run(LOAD_SQL, "subjects", schemas={None: dataset})
            db.run(LOAD_SQL, "visits", schemas={None: dataset})
            counts = {f"{dataset}.{t}": db.one(RAW_SQL, "count_rows", tables={"target": (dataset, t)})[0]
                      for t in TABLES}
            load_id = db.record_load(LoadRecord(
                dataset=dataset, source=SOURCE, directory=str(directory.resolve()), files=read_files,
                row_counts=counts, started_at=started, version=__version__,
                options={"layout": layout, "subjects": str(subjects) if subjects else None,
                         "sha256": "per file header: recordings.header_sha256", "failed_files": len(errors)}))
            db.record_errors(load_id, errors)
    return SignalsLoadResult(dataset, SOURCE, load_id, counts, replaced, total.seconds, errors)


class _Skip(Exception):
    def __init__(self, path: Path, reason: str):
        self.path, self.reason = path, reason


def _read_one(f: SignalFile, recording_id: int, layout: str, mapping) -> dict[str, list[dict]]:
    """The rows of one recording, or _Skip naming the file and why."""
    try:
        h = read_header(f.path)
    except HeaderError as e:
        raise _Skip(f.path, str(e)) from None
    if mapping is not None:
        subject = mapping.subject_of(f.relpath)
        if subject is None:
            raise _Skip(f.path, f"no row of {mapping.path.name} matches this file (patterns are globs on the "
                                "file name or the path relative to the folder)")
    else:
        subject = subject_from_name(f.relpath, layout)
    annotations = []
    if h.has_annotations:
        annotations += [(*a, "file") for a in _annotations(f.path, f.path)]
    if f.annotation_file is not None:
        try:
            hyp = read_header(f.annotation_file)
        except HeaderError as e:
            raise _Skip(f.annotation_file, f"hypnogram: {e}; recording {f.path.name} skipped") from None
        shift = (hyp.start_time - h.start_time).total_seconds() if hyp.start_time and h.start_time else 0.0
        annotations += [(o + shift, d, lab, "hypnogram") for o, d, lab in _annotations(f.annotation_file, f.path)]
    return {
        "recordings": [_recording_row(h, f, recording_id, subject)],
        "recording_channels": [{
            "recording_id": recording_id, "channel": c.index, "label": c.label, "type": c.type, "sfreq": c.sfreq,
            "samples_per_record": c.samples_per_record, "unit": c.unit, "physical_min": c.physical_min,
            "physical_max": c.physical_max, "digital_min": c.digital_min, "digital_max": c.digital_max,
            "prefilter": c.prefilter, "transducer": c.transducer} for c in h.channels],
        "recording_annotations": [{"recording_id": recording_id, "onset_s": o, "duration_s": d, "label": lab,
                                   "source": src} for o, d, lab, src in annotations],
    }


def _annotations(path: Path, recording: Path) -> list[tuple[float, float, str]]:
    try:
        return read_annotations(path)
    except Exception as e:  # mne's parser raises many kinds; the file is recorded and skipped
        raise _Skip(path, f"annotations unreadable ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
                          + (f"; recording {recording.name} skipped" if path != recording else "")) from None


def _recording_row(h: EdfHeader, f: SignalFile, recording_id: int, subject: int) -> dict:
    return {"recording_id": recording_id, "subject_id": subject, "path": str(f.path.resolve()), "relpath": f.relpath,
            "format": h.format, "start_time": h.start_time, "duration_s": h.duration_s,
            "n_channels": len(h.signals), "sfreq": h.sfreq, "n_records": h.n_records,
            "record_duration_s": h.record_duration, "patient": h.patient, "recording_info": h.recording,
            "annotation_file": str(f.annotation_file.resolve()) if f.annotation_file else None,
            "file_size": h.file_size, "header_sha256": h.header_sha256}


_SCHEMAS = {
    "recordings": pa.schema([
        ("recording_id", pa.int64()), ("subject_id", pa.int64()), ("path", pa.string()), ("relpath", pa.string()),
        ("format", pa.string()), ("start_time", pa.timestamp("us")), ("duration_s", pa.float64()),
        ("n_channels", pa.int32()), ("sfreq", pa.float64()), ("n_records", pa.int64()),
        ("record_duration_s", pa.float64()), ("patient", pa.string()), ("recording_info", pa.string()),
        ("annotation_file", pa.string()), ("file_size", pa.int64()), ("header_sha256", pa.string())]),
    "recording_channels": pa.schema([
        ("recording_id", pa.int64()), ("channel", pa.int32()), ("label", pa.string()), ("type", pa.string()),
        ("sfreq", pa.float64()), ("samples_per_record", pa.int32()), ("unit", pa.string()),
        ("physical_min", pa.float64()), ("physical_max", pa.float64()), ("digital_min", pa.int64()),
        ("digital_max", pa.int64()), ("prefilter", pa.string()), ("transducer", pa.string())]),
    "recording_annotations": pa.schema([
        ("recording_id", pa.int64()), ("onset_s", pa.float64()), ("duration_s", pa.float64()),
        ("label", pa.string()), ("source", pa.string())]),
}
