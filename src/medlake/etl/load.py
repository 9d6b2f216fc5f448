"""One load: raw files -> typed raw tables (<dataset>_raw) -> canonical tables (<dataset>), in one transaction.

On any error the lake is left exactly as it was; a load that succeeds is
written to the load log through Database.record_load.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..database import Database, LoadRecord, load_repr
from ..errors import ParameterError
from ..files import file_facts
from ..progress import Timer, progress
from ..version import __version__
from .canonical import run_canonical
from .discovery import find_files
from .integrity import LoadIssue, StagedFile, check_canonical, check_raw
from .settings import load_settings
from .sources import get_source
from .spec import FoundFile
from .staging_checks import RAW_SQL, count_rows, create_empty
from .staging_csv import ENCODINGS, stage_csv
from .staging_parquet import stage_parquet

CANONICAL = ("subjects", "visits", "events", "notes")
NOTE_INDEX_SQL = "etl/note_index.sql"  # the notes' search index, after the canonical tables


@dataclass
class LoadResult:
    """What a load did."""

    dataset: str
    source: str
    load_id: int
    row_counts: dict[str, int]
    replaced: bool
    seconds: float
    table_seconds: dict[str, float]
    absent: list[str] = field(default_factory=list)  # known tables asked for (all, without --tables) not found
    task_views: list[str] = field(default_factory=list)  # the task views installed for the dataset
    issues: list[LoadIssue] = field(default_factory=list)  # rows dropped or unlinked by the integrity rules

    def __repr__(self) -> str:
        issues = f"; {sum(i.rows for i in self.issues):,} rows broke the integrity rules" if self.issues else ""
        return load_repr("LoadResult", self, issues)


def load(db: Database, source: str, directory: Path, tables: list[str] | None = None, name: str | None = None,
         show_progress: bool = False, strict: bool = False, encoding: str = "utf-8", **options) -> LoadResult:
    """Load `directory` with the `source` loader into dataset `name` (default: the source's name).

    Rows whose subject or visit does not exist, or whose id is below 1, are dropped or unlinked and
    reported (`LoadResult.issues`, meta.load_issues; etl.integrity); `strict` makes them an InputError.
    `encoding` is the CSV files' text encoding: utf-8 (a byte-order mark is dropped) or latin-1."""
    src = get_source(source)
    if encoding not in ENCODINGS:
        raise ParameterError(f"unknown encoding '{encoding}'; expected one of: {', '.join(ENCODINGS)}")
    dataset = check_dataset_name(db, (name or src.name).lower())
    found, absent = find_files(src, Path(directory), tables)
    asked = {t.lower() for t in tables} if tables else None
    missing = [t.name for t in absent if asked is None or t.name in asked or t.always]
    started = dt.datetime.now()
    replaced = dataset in db.datasets()
    raw_schema = f"{dataset}_raw"
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=1) as pool, progress(show_progress) as bar, load_settings(db), \
            Timer() as total:
        hashes = pool.map(file_facts, [f.path for f in found])  # beside the load
        task = bar.add_task(f"{src.name} -> {dataset}", total=len(found) + 1)
        with db.transaction():
            for schema in (dataset, raw_schema):
                db.run(RAW_SQL, "drop_schema", schemas={"target": schema})
            for schema in (dataset, raw_schema):
                db.run(RAW_SQL, "create_schema", schemas={"target": schema})
            for f in found:
                bar.update(task, detail=f"{f.table.name} ...")
                with Timer() as t:
                    n = _stage(db, f, raw_schema, encoding)
                counts[f"{raw_schema}.{f.table.name}"] = n
                seconds[f"{raw_schema}.{f.table.name}"] = t.seconds
                rate = n / max(t.seconds, 1e-9)
                bar.log(f"  {f.table.name:<22} {n:>12,} rows  {rate:>12,.0f} rows/s  ({f.path.name})")
                bar.advance(task)
            for t_abs in absent:
                create_empty(db, raw_schema, t_abs)
            staged = {f.table.name: StagedFile(f.path, f.table.keeps_file_order) for f in found
                      if counts[f"{raw_schema}.{f.table.name}"]}
            with Timer() as checked_raw:
                issues = check_raw(db, raw_schema, src.subject_key, src.id_columns, staged, strict)
            if src.check is not None:
                src.check(db, raw_schema, found)
            bar.update(task, detail="canonical tables ...")
            with Timer() as t:
                db.run("schema/core.sql", schemas={None: dataset})
                db.run("etl/macros.sql")
                empty = frozenset([t.name for t in absent] + [k.split(".", 1)[1] for k, n in counts.items() if n == 0])
                run_canonical(db, src.etl_sql, {None: dataset, "raw": raw_schema}, sum(counts.values()), empty)
            with Timer() as checked_canonical:
                issues += check_canonical(db, dataset, strict)
            db.run(NOTE_INDEX_SQL, schemas={None: dataset})  # after the integrity step dropped any orphan notes
            for tbl in CANONICAL:
                counts[f"{dataset}.{tbl}"] = count_rows(db, dataset, tbl)
            seconds["canonical"] = t.seconds
            seconds["integrity"] = checked_raw.seconds + checked_canonical.seconds
            canonical_rows = sum(counts[f"{dataset}.{x}"] for x in CANONICAL)
            bar.log(f"  {'canonical tables':<22} {canonical_rows:>12,} rows  in {t.seconds:.1f} s")
            bar.advance(task)
            load_id = db.record_load(LoadRecord(
                dataset=dataset, source=src.name, directory=str(Path(directory).resolve()), files=list(hashes),
                row_counts=counts, started_at=started, version=__version__,
                options={"tables": tables, **({"strict": True} if strict else {}),
                         **({"encoding": encoding} if encoding != "utf-8" else {}), **options}))
            db.record_issues(load_id, [i.as_row() for i in issues])
    return LoadResult(dataset, src.name, load_id, counts, replaced, total.seconds, seconds, missing, issues=issues)


def check_dataset_name(db: Database, dataset: str) -> str:
    """The name a dataset's schema gets, checked (InputError when it cannot be one); every loader calls it
    (the rule lives in Database.check_dataset_name, which the signal and image loaders call directly)."""
    return db.check_dataset_name(dataset)


def _stage(db: Database, f: FoundFile, raw_schema: str, encoding: str) -> int:
    if f.path.name.lower().endswith(".parquet"):
        return stage_parquet(db, f, raw_schema)
    return stage_csv(db, f, raw_schema, encoding)
