"""MEDS (Medical Event Data Standard) export and load; docs/meds.md gives the mapping both ways.

- `export_meds`: a dataset's subjects, visits and events -> `data/<n>.parquet`
  shards (DuckDB COPY, every subject's rows in one shard, contiguous and in time
  order) and `metadata/` (dataset.json, codes.parquet, subject_splits.parquet).
- `export_labels`: a task's samples -> one parquet file in the MEDS label schema.
- `load_meds`: a MEDS dataset -> a dataset of the lake, in one transaction,
  written to the load log like every load.

Every statement is in sql/interop/meds_export.sql and meds_load.sql.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from ..database import Database, LoadRecord
from ..errors import InputError, MedlakeError, ParameterError
from ..etl import LoadResult, check_dataset_name
from ..etl.integrity import StagedFile, check_canonical, check_raw
from ..etl.load import CANONICAL, NOTE_INDEX_SQL
from ..etl.settings import load_settings
from ..etl.staging_checks import count_rows
from ..files import file_facts
from ..progress import Timer, progress
from ..sqlfiles import fill, load_sql
from ..tasks import TaskResult
from ..version import __version__

MEDS_VERSION = "0.4.1"          # the MEDS schema version the export follows (meds on PyPI)
EXPORT_SQL = "interop/meds_export.sql"
MEDS_EVENTS = ("tasks/_lib/common.sql", "meds_events")   # the dataset as MEDS rows, shared with task files
LOAD_SQL = "interop/meds_load.sql"
RAW_SQL = "etl/raw.sql"
SPLITS = ("train", "tuning", "held_out")
REQUIRED = ("subject_id", "time", "code")
# columns a MEDS dataset may lack (a NULL column of this type is put in their place when loading)
OPTIONAL = {"numeric_value": "DOUBLE", "text_value": "VARCHAR", "unit": "VARCHAR", "visit_id": "BIGINT",
            "parent_visit_id": "BIGINT", "end_time": "TIMESTAMP", "chart_time": "TIMESTAMP"}
# what each column beyond the MEDS core is, for metadata/dataset.json
EXTENSION_COLUMNS = {"code_modifier_columns": ["unit"], "raw_source_id_columns": ["visit_id", "parent_visit_id"],
                     "other_extension_columns": ["end_time", "chart_time"]}
# label column of the MEDS label schema per task label type, and the cast that gives it
LABEL_COLUMNS = {"binary": ("boolean_value", "BOOLEAN"), "multiclass": ("integer_value", "BIGINT"),
                 "regression": ("float_value", "FLOAT")}


@dataclass
class MedsExport:
    """What an export wrote."""

    dataset: str
    out: Path
    shards: list[Path]
    rows: int
    subjects: int
    codes: int
    splits: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def export_meds(db: Database, dataset: str, out: str | os.PathLike, *, subjects_per_shard: int = 10_000,
                split: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 0, overwrite: bool = False,
                dataset_name: str | None = None) -> MedsExport:
    """Write `dataset` as a MEDS dataset in folder `out` (see docs/meds.md).

    Shards hold `subjects_per_shard` subjects each, in subject id order; `split`
    gives the train / tuning / held_out fractions of metadata/subject_splits.parquet,
    assigned by the MD5 of "seed:subject_id". An `out` that holds files is refused
    unless `overwrite`, which replaces its data/ and metadata/ folders."""
    db.require_dataset(dataset)
    per_shard = _positive_int("subjects_per_shard", subjects_per_shard)
    train, tuning, _ = _fractions(split)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ParameterError(f"split seed {seed!r}; expected an integer")
    out = Path(out)
    _prepare_folder(out, overwrite)
    rows = fill(load_sql(MEDS_EVENTS[0])[MEDS_EVENTS[1]].tree, schemas={None: dataset}).subquery()
    meds_rows = {"meds_rows": rows}
    with Timer() as t:
        try:
            shards = db.arrow(EXPORT_SQL, "subject_shards", tables=meds_rows,
                              params={"per_shard": per_shard}).to_pylist()
            (out / "data").mkdir(parents=True)
            (out / "metadata").mkdir(parents=True)
            paths, written = [], 0
            for s in shards:
                path = out / "data" / f"{s['shard']}.parquet"
                written += _copied(db.run(EXPORT_SQL, "write_shard", tables=meds_rows,
                                          params={"lo": s["lo"], "hi": s["hi"], "path": str(path)}))
                paths.append(path)
            has_vocab = db.table_exists("vocab", "concepts") and db.table_exists("vocab", "edges")
            codes = _copied(db.run(EXPORT_SQL, "write_codes" if has_vocab else "write_codes_plain", tables=meds_rows,
                                   params={"path": str(out / "metadata" / "codes.parquet")}))
            splits_path = out / "metadata" / "subject_splits.parquet"
            db.run(EXPORT_SQL, "write_splits", tables=meds_rows,
                   params={"seed": seed, "train": float(train), "tuning": float(tuning), "path": str(splits_path)})
            split_counts = _split_counts(splits_path)
        except duckdb.Error as e:
            raise MedlakeError(f"MEDS export of '{dataset}' to {out} failed: {str(e).splitlines()[0]}") from None
        info = next(r for r in db.dataset_rows() if r["dataset"] == dataset)
        metadata = {
            "dataset_name": dataset_name or dataset,
            "dataset_version": f"{info['source']} load {info['load_id']} ({info['loaded_at']:%Y-%m-%dT%H:%M:%S})",
            "etl_name": "medlake",
            "etl_version": __version__,
            "meds_version": MEDS_VERSION,
            "created_at": dt.datetime.now().isoformat(timespec="seconds"),
            **EXTENSION_COLUMNS,
        }
        (out / "metadata" / "dataset.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return MedsExport(dataset, out, paths, written, sum(s["subjects"] for s in shards), codes, split_counts,
                      t.seconds)


def export_labels(db: Database, result: TaskResult, out: str | os.PathLike) -> int:
    """Write a task's samples as a MEDS label file (subject_id, prediction_time = index_time and
    boolean_value, integer_value or float_value by the task's label type); returns the rows written."""
    kind = result.spec.label_type
    if kind not in LABEL_COLUMNS:
        raise MedlakeError(f"task '{result.name}' has {kind} labels; a MEDS label file holds one boolean, "
                           "integer or float value per sample (binary, multiclass or regression tasks)")
    column, type_ = LABEL_COLUMNS[kind]
    samples = {"task_samples": result.tree.subquery()}
    value = exp.alias_(exp.cast(exp.column("label"), exp.DataType.build(type_)), column)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        missing = db.one(EXPORT_SQL, "null_labels", tables=samples, params=result.sql_params)[0]
        if missing:
            raise MedlakeError(f"task '{result.name}' gives {missing} samples without subject, index time or "
                               f"label on '{result.dataset}'; a MEDS label file cannot hold them")
        rows = db.run(EXPORT_SQL, "write_labels", tables=samples, columns={"label_value": value},
                      params={**result.sql_params, "path": str(out)})
    except duckdb.Error as e:
        raise MedlakeError(f"MEDS labels of task '{result.name}' on '{result.dataset}' failed: "
                           f"{str(e).splitlines()[0]}") from None
    return _copied(rows)


def load_meds(db: Database, directory: str | os.PathLike, name: str | None = None,
              show_progress: bool = False, strict: bool = False) -> LoadResult:
    """Load the MEDS dataset in `directory` (data/**/*.parquet, metadata/ optional) as dataset `name`
    (default: meds); see docs/meds.md for what goes where. Rows breaking the integrity rules
    (medlake.etl.integrity) are dropped or unlinked and reported; `strict` makes them an InputError."""
    directory = Path(directory)
    dataset = check_dataset_name(db, (name or "meds").lower())
    files = sorted((directory / "data").glob("**/*.parquet"))
    if not files:
        raise InputError("no MEDS data", path=directory, expected="parquet files under data/ (a MEDS dataset)")
    metadata = _dataset_json(directory)
    extra = [p for p in (directory / "metadata" / "codes.parquet", directory / "metadata" / "subject_splits.parquet")
             if p.exists()]
    started = dt.datetime.now()
    replaced = dataset in db.datasets()
    raw = f"{dataset}_raw"
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    schemas = {None: dataset, "raw": raw}
    with progress(show_progress) as bar, load_settings(db), Timer() as total:
        task = bar.add_task(f"meds -> {dataset}", total=2)
        try:
            with db.transaction():
                for schema in (dataset, raw):
                    db.run(RAW_SQL, "drop_schema", schemas={"target": schema})
                    db.run(RAW_SQL, "create_schema", schemas={"target": schema})
                with Timer() as t:
                    db.run(LOAD_SQL, "stage_data", tables={"target": (raw, "data")},
                           params={"paths": [str(p) for p in files]})
                    for path in extra:
                        db.run(LOAD_SQL, "stage_file", tables={"target": (raw, path.stem)}, params={"path": str(path)})
                    _check_columns(db, raw, directory)
                    staged = {"data": StagedFile(directory / "data")}
                    issues = check_raw(db, raw, None, ("subject_id", "visit_id"), staged, strict)
                for table in ("data", *(p.stem for p in extra)):
                    counts[f"{raw}.{table}"] = count_rows(db, raw, table)
                seconds["staging"] = t.seconds
                bar.log(f"  {'data':<22} {counts[f'{raw}.data']:>12,} rows  ({len(files)} files)")
                bar.advance(task)
                with Timer() as t:
                    db.run("schema/core.sql", schemas={None: dataset})
                    for table in CANONICAL:
                        db.run(LOAD_SQL, table, schemas=schemas)
                    issues += check_canonical(db, dataset, strict)
                    db.run(NOTE_INDEX_SQL, schemas={None: dataset})  # after the integrity step dropped any orphan notes
                    for table in CANONICAL:
                        counts[f"{dataset}.{table}"] = count_rows(db, dataset, table)
                seconds["canonical"] = t.seconds
                bar.advance(task)
                load_id = db.record_load(LoadRecord(
                    dataset=dataset, source="meds", directory=str(directory.resolve()),
                    files=[file_facts(p) for p in (*files, *extra)], row_counts=counts, started_at=started,
                    version=__version__, options={"dataset_json": metadata, **({"strict": True} if strict else {})}))
                db.record_issues(load_id, [i.as_row() for i in issues])
        except duckdb.Error as e:
            raise InputError(f"cannot load the MEDS dataset: {str(e).splitlines()[0]}", path=directory) from None
    return LoadResult(dataset, "meds", load_id, counts, replaced, total.seconds, seconds, issues=issues)


# -- helpers -----------------------------------------------------------------------------------


def _check_columns(db: Database, raw: str, directory: Path) -> None:
    """The MEDS core columns must be there; the optional ones a dataset lacks become NULL columns."""
    have = {r["column_name"]: r["data_type"]
            for r in db.arrow(LOAD_SQL, "columns", params={"schema": raw, "table": "data"}).to_pylist()}
    for col in REQUIRED:
        if col not in have:
            raise InputError("missing MEDS column", path=directory / "data", column=col,
                             expected=f"the MEDS columns {', '.join(REQUIRED)} (found: {', '.join(have)})")
    for col, typ in OPTIONAL.items():
        if col not in have:
            definition = exp.ColumnDef(this=exp.to_identifier(col, quoted=True),
                                       kind=exp.DataType.build(typ, dialect="duckdb"))
            db.run(RAW_SQL, "add_column", tables={"target": (raw, "data")}, columns={"new_column": definition})
    nulls = db.one(LOAD_SQL, "null_keys", schemas={"raw": raw})
    if nulls[0] or nulls[1]:
        col = "subject_id" if nulls[0] else "code"
        raise InputError("null values in a MEDS column that may not hold any", path=directory / "data", column=col,
                         value=None, expected=f"no nulls ({nulls[0] or nulls[1]} rows have one)")


def _dataset_json(directory: Path) -> dict:
    path = directory / "metadata" / "dataset.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not valid JSON: {e}", path=path) from None
    if not isinstance(data, dict):
        raise InputError("not a JSON object", path=path, expected="the MEDS dataset metadata (an object)")
    return data



def _copied(rows: list[tuple]) -> int:
    """Rows a COPY statement wrote (DuckDB answers with one row holding the count)."""
    return int(rows[0][0]) if rows else 0


def _split_counts(path: Path) -> dict[str, int]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counts = {c["values"]: c["counts"] for c in pc.value_counts(pq.read_table(path)["split"]).to_pylist()}
    return {s: counts.get(s, 0) for s in SPLITS}


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{name}={value!r}; expected a whole number of at least 1")
    return value


def _fractions(split) -> tuple[float, float, float]:
    try:
        train, tuning, held_out = (float(x) for x in split)
    except (TypeError, ValueError):
        raise ParameterError(f"split {split!r}: expected three fractions TRAIN,TUNING,HELD_OUT such as "
                             "0.8,0.1,0.1") from None
    for k, v in zip(SPLITS, (train, tuning, held_out)):
        if not 0 <= v <= 1:
            raise ParameterError(f"split fraction {k}={v!r}; expected a number between 0 and 1")
    if not math.isclose(train + tuning + held_out, 1.0, abs_tol=1e-9):
        raise ParameterError(f"split fractions {train}, {tuning}, {held_out} add up to {train + tuning + held_out}; "
                             "expected 1")
    return train, tuning, held_out


def _prepare_folder(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} is a file; a MEDS dataset is a folder")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ParameterError(f"{out} is not empty; choose an empty or new folder, or overwrite (--overwrite) "
                                 "to replace its data/ and metadata/")
        for sub in ("data", "metadata"):
            if (out / sub).is_dir():
                shutil.rmtree(out / sub)
            elif (out / sub).exists():
                (out / sub).unlink()
