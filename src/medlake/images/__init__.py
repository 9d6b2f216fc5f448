"""Medical images: DICOM headers -> the images table and the image_series view (`medlake load dicom DIR`).

Every file under the folder is offered to pydicom (DICOM files often have no
extension), headers only, in a pool of worker processes. A DICOMDIR (the
media directory) is recognized and skipped; a file whose header cannot be
read, or that is no DICOM instance, is skipped and recorded in
meta.load_errors; the rest is written in one transaction. A layout
(medlake.images.layout: plain, mimic-cxr, chestxray14) says where subjects,
studies and image keys come from and which label and metadata CSVs load
beside the images (`image_labels`, `image_metadata`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..database import Database, LoadRecord, load_repr
from ..errors import InputError, MedlakeError, ParameterError
from ..progress import Timer, progress
from ..version import __version__
from .dicom import read_one
from .layout import LAYOUTS, find_csvs, path_keys, read_chestxray14, read_chexpert, read_metadata

__all__ = ["LAYOUTS", "ImagesLoadResult", "load_images", "read_one"]

SCHEMA_SQL = "images/schema.sql"
LOAD_SQL = "images/load.sql"
RAW_SQL = "etl/raw.sql"
SOURCE = "dicom"
TABLES = ("images", "image_labels", "image_metadata", "subjects", "visits")


@dataclass
class ImagesLoadResult:
    """What an images load did: `errors` lists the files it skipped ({path, reason}), `dicomdirs` the
    DICOMDIR files it recognized and left aside."""

    dataset: str
    source: str
    load_id: int
    row_counts: dict[str, int]
    replaced: bool
    seconds: float
    errors: list[dict] = field(default_factory=list)
    dicomdirs: list[str] = field(default_factory=list)
    warnings: int = 0
    task_views: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return load_repr("ImagesLoadResult", self, f"; {len(self.errors):,} files skipped" if self.errors else "")


def default_workers() -> int:
    """The CPUs this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def load_images(db: Database, directory: str | Path, *, name: str | None = None, workers: int | None = None,
                layout: str = "plain", labels: str | Path | None = None,
                show_progress: bool = False) -> ImagesLoadResult:
    """Load the DICOM headers of every file under `directory` into dataset `name` (default `images`),
    with the label and metadata CSVs of `layout` (or the labels CSV `labels`)."""
    directory = Path(directory)
    dataset = db.check_dataset_name(name or "images")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ParameterError(f"workers must be a positive integer, got {workers!r}")
    if not directory.is_dir():
        raise InputError("not a folder", path=directory)
    csvs = find_csvs(directory, layout, labels)
    label_rows = [*(read_chexpert(csvs["chexpert"]) if "chexpert" in csvs else []),
                  *(read_chestxray14(csvs["chestxray14"]) if "chestxray14" in csvs else [])]
    metadata_rows = read_metadata(csvs["metadata"]) if "metadata" in csvs else []
    skip = {p.resolve() for p in csvs.values()}
    paths = sorted((str(p) for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".")
                    and p.resolve() not in skip), key=lambda p: Path(p).relative_to(directory).as_posix())
    if not paths:
        raise InputError("no files", path=directory, expected="DICOM files in the folder or below")
    workers = min(workers or default_workers(), len(paths))
    started = dt.datetime.now()
    replaced = dataset in db.datasets()
    rows, errors, dicomdirs = [], [], []
    with progress(show_progress) as bar, Timer() as total:
        job = bar.add_task(f"dicom -> {dataset}", total=len(paths))
        for path, (kind, value) in zip(paths, _read_all(paths, workers)):
            if kind == "image":
                subject, value["study_id"], value["image_key"] = path_keys(
                    Path(path).relative_to(directory).as_posix(), layout)
                if subject is not None:
                    value["subject_id"] = subject
                rows.append(value)
            elif kind == "dicomdir":
                dicomdirs.append(path)
            else:
                errors.append({"path": path, "reason": value})
            bar.advance(job)
        with db.transaction():
            db.run(RAW_SQL, "drop_schema", schemas={"target": dataset})
            db.run(RAW_SQL, "create_schema", schemas={"target": dataset})
            db.run("schema/core.sql", schemas={None: dataset})
            db.run(SCHEMA_SQL, schemas={None: dataset})
            with db.registered("images_staged", pa.Table.from_pylist(rows, schema=IMAGES_SCHEMA)):
                db.run(LOAD_SQL, "insert_images", schemas={None: dataset}, tables={"staged": "images_staged"})
            with db.registered("labels_staged", pa.Table.from_pylist(label_rows, schema=LABELS_SCHEMA)):
                db.run(LOAD_SQL, "insert_labels", schemas={None: dataset}, tables={"staged": "labels_staged"})
            with db.registered("metadata_staged", pa.Table.from_pylist(metadata_rows, schema=METADATA_SCHEMA)):
                db.run(LOAD_SQL, "insert_metadata", schemas={None: dataset}, tables={"staged": "metadata_staged"})
            db.run(LOAD_SQL, "apply_metadata", schemas={None: dataset})
            db.run(LOAD_SQL, "subjects", schemas={None: dataset})
            db.run(LOAD_SQL, "visits", schemas={None: dataset})
            counts = {f"{dataset}.{t}": db.one(RAW_SQL, "count_rows", tables={"target": (dataset, t)})[0]
                      for t in TABLES}
            load_id = db.record_load(LoadRecord(
                dataset=dataset, source=SOURCE, directory=str(directory.resolve()),
                files=[{"path": r["path"], "size": r["file_size"], "sha256": None} for r in rows]
                + [{"path": str(p), "size": p.stat().st_size, "sha256": None} for p in csvs.values()],
                row_counts=counts, started_at=started, version=__version__,
                options={"workers": workers, "layout": layout, "csvs": {k: str(v) for k, v in csvs.items()},
                         "dicomdirs_skipped": dicomdirs, "failed_files": len(errors)}))
            db.record_errors(load_id, errors)
    return ImagesLoadResult(dataset, SOURCE, load_id, counts, replaced, total.seconds, errors, dicomdirs,
                            sum(r["warning"] is not None for r in rows))


def _read_all(paths: list[str], workers: int):
    """read_one over the paths, in order: in this process for one worker, else in a process pool
    (spawned, so no lock of this process's threads, DuckDB's included, is copied into a worker)."""
    if workers == 1:
        return map(read_one, paths)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    chunk = max(1, min(256, len(paths) // (workers * 4)))
    return _closing(pool, pool.map(read_one, paths, chunksize=chunk))


def _closing(pool: ProcessPoolExecutor, results):
    try:
        yield from results
    except BrokenProcessPool:
        raise MedlakeError("the processes reading DICOM headers stopped before they finished; a script that "
                           "loads DICOM with more than one worker must run its top level under "
                           "`if __name__ == \"__main__\":` (worker processes import the script again), or pass "
                           "workers=1") from None
    finally:
        pool.shutdown(cancel_futures=True)


IMAGES_SCHEMA = pa.schema([
    ("sop_instance_uid", pa.string()), ("study_instance_uid", pa.string()), ("series_instance_uid", pa.string()),
    ("patient_id", pa.string()), ("subject_id", pa.int64()), ("modality", pa.string()),
    ("sop_class_uid", pa.string()), ("sop_class_name", pa.string()), ("body_part", pa.string()),
    ("view_position", pa.string()), ("study_time", pa.timestamp("us")), ("instance_time", pa.timestamp("us")),
    ("series_number", pa.int64()), ("instance_number", pa.int64()), ("rows", pa.int32()), ("columns", pa.int32()),
    ("pixel_spacing", pa.list_(pa.float64())), ("photometric_interpretation", pa.string()),
    ("bits_allocated", pa.int32()), ("transfer_syntax_uid", pa.string()), ("number_of_frames", pa.int32()),
    ("path", pa.string()), ("file_size", pa.int64()), ("warning", pa.string()), ("study_id", pa.int64()),
    ("image_key", pa.string()),
])
LABELS_SCHEMA = pa.schema([("subject_id", pa.int64()), ("study_id", pa.int64()), ("image_key", pa.string()),
                           ("finding", pa.string()), ("value", pa.int32()), ("source", pa.string())])
METADATA_SCHEMA = pa.schema([("dicom_id", pa.string()), ("subject_id", pa.int64()), ("study_id", pa.int64()),
                             ("view_position", pa.string()), ("study_time", pa.timestamp("us")),
                             ("procedure", pa.string())])
