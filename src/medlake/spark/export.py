"""The parquet export of one dataset: what a Spark (or any parquet) engine reads.

`export_parquet` copies a dataset's canonical tables (subjects, visits,
events; and the signal and image tables of a dataset loaded from EDF or
DICOM files: recordings, recording_channels, recording_annotations, images,
image_labels) and the code tables (vocab.*, when loaded) out of the lake with
DuckDB's COPY (statements in sql/spark/export.sql), one folder per table:

    OUT/manifest.json
    OUT/subjects/data.parquet
    OUT/visits/data.parquet
    OUT/events/bucket=0/data_0.parquet ... bucket=N-1/...
    OUT/vocab/maps/data.parquet ...

events is split into N buckets by DuckDB's hash(subject_id) % N, so all of a
subject's events lie in one bucket. manifest.json names the dataset, its
source (the loader, which picks the task variants), the medlake version,
the number of buckets and, per table, its folder, row count and columns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

from sqlglot import exp

from ..database import Database
from ..errors import MedlakeError
from ..sqlfiles import fill, load_sql
from ..tasks.build import CANONICAL as TASK_TABLES
from ..version import __version__

EXPORT_SQL = "spark/export.sql"
MANIFEST = "manifest.json"
CANONICAL = ("subjects", "visits", "events")  # in every dataset; the other TASK_TABLES where loaded
VOCAB = "vocab"
FORMAT_VERSION = 1


def export_parquet(db: Database, dataset: str, out: str | os.PathLike, buckets: int = 8,
                   overwrite: bool = False) -> dict:
    """Write the dataset's canonical tables and the code tables as parquet under `out`
    (events in `buckets` hash buckets of subject_id); returns the manifest it wrote.

    `out` must be new or empty; with `overwrite` an earlier export there (a folder
    holding manifest.json) is replaced."""
    if not isinstance(buckets, int) or isinstance(buckets, bool) or buckets < 1:
        raise MedlakeError(f"buckets must be a whole number of at least 1; got {buckets!r}")
    source = db.source_of(dataset)
    out = Path(out)
    _prepare_folder(out, overwrite)
    started = time.perf_counter()
    tables: dict[str, dict] = {}
    present = {name for (name,) in db.run(EXPORT_SQL, "tables", params={"schema": dataset})}
    for name in (*CANONICAL, *(t for t in TASK_TABLES if t not in CANONICAL and t in present)):
        tables[name] = _export_table(db, dataset, name, out, name, buckets if name == "events" else None)
    if db.schema_exists(VOCAB):
        for (name,) in db.run(EXPORT_SQL, "tables", params={"schema": VOCAB}):
            tables[f"{VOCAB}.{name}"] = _export_table(db, VOCAB, name, out, f"{VOCAB}/{name}", None)
    manifest = {
        "format": "medlake-parquet",
        "format_version": FORMAT_VERSION,
        "medlake_version": __version__,
        "dataset": dataset,
        "source": source,
        "lake": db.path,
        "exported_at": dt.datetime.now().isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 3),
        "buckets": buckets,
        "bucket_of": "hash(subject_id) % buckets, DuckDB's hash",
        "tables": tables,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of an export folder (MedlakeError when the folder is not one)."""
    file = Path(path) / MANIFEST
    try:
        manifest = json.loads(file.read_text())
    except FileNotFoundError:
        raise MedlakeError(f"{path} is not a medlake parquet export (no {MANIFEST}); "
                           "write one with `medlake export parquet DATASET OUT`") from None
    except (OSError, ValueError) as e:
        raise MedlakeError(f"cannot read {file}: {e}") from None
    if manifest.get("format") != "medlake-parquet" or not isinstance(manifest.get("tables"), dict):
        raise MedlakeError(f"{file} is not the manifest of a medlake parquet export")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise MedlakeError(f"{file} was written by a newer medlake ({manifest.get('medlake_version')}); "
                           f"this one ({__version__}) reads format {FORMAT_VERSION}")
    return manifest


def _prepare_folder(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise MedlakeError(f"cannot export to {out}: it is a file")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise MedlakeError(f"cannot export to {out}: the folder is not empty (--overwrite replaces an "
                               "earlier export)")
        if not (out / MANIFEST).exists():
            raise MedlakeError(f"will not overwrite {out}: it holds no {MANIFEST}, so it is not an earlier export")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _copy(db: Database, statement: str, schema: str, table: str, target: Path, buckets: int | None) -> list:
    tree = fill(load_sql(EXPORT_SQL)[statement].tree, tables={"source_table": (schema, table)})
    tree = tree.transform(lambda n: exp.Literal.string(str(target)) if isinstance(n, exp.Literal)
                          and n.is_string and n.this == "__path" else
                          exp.Literal.number(buckets) if isinstance(n, exp.Placeholder) and n.name == "buckets"
                          else n)
    return db.run_sql(tree)


def _export_table(db: Database, schema: str, table: str, out: Path, relpath: str, buckets: int | None) -> dict:
    folder = out / relpath
    folder.mkdir(parents=True, exist_ok=True)
    if buckets is None:
        rows = _copy(db, "copy_table", schema, table, folder / "data.parquet", None)
    else:
        rows = _copy(db, "copy_events", schema, table, folder, buckets)
        if not rows or not rows[0][0]:
            # no rows, no partition files: one empty file in bucket 0 keeps the schema readable (Spark
            # cannot infer it from an empty folder; the EDF and DICOM datasets have no events)
            (folder / "bucket=0").mkdir()
            _copy(db, "copy_table", schema, table, folder / "bucket=0" / "data_0.parquet", None)
    columns = [{"name": n, "type": t, "nullable": bool(nullable)}
               for n, t, nullable in db.run(EXPORT_SQL, "columns", params={"schema": schema, "table": table})]
    entry = {"path": relpath,
             "rows": int(rows[0][0]) if rows else 0, "columns": columns}
    if buckets is not None:
        entry["partitioned_by"] = ["bucket"]
    return entry
