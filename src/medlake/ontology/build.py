"""Building the vocab schema: read every input, add structural edges, write the tables in one transaction.

The whole schema is rebuilt on each load (it is small: seconds), so a load
never mixes releases. The load is recorded in vocab.meta (one row per input
file) and in meta.loads (source 'codes', dataset 'vocab').
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..database import Database, LoadRecord
from ..errors import InputError
from ..files import starts_with_bom
from ..progress import Timer, progress
from ..version import __version__
from . import items, omop
from .hierarchy import complete
from .readers import READERS
from .sources import Resolved, resolve
from .staging import Staging

SCHEMA_SQL = "vocab/schema.sql"
BUILD_SQL = "vocab/build.sql"
STAGED = ("staged_concepts", "staged_edges", "staged_maps")


@dataclass
class CodesLoadResult:
    """What a codes load did."""

    load_id: int
    inputs: list[dict]                       # one per file read: input, origin, path, package, version, rows
    missing: list[str]                       # inputs found neither in the directory nor in a package
    row_counts: dict[str, int]
    seconds: float
    step_seconds: dict[str, float] = field(default_factory=dict)


def load_codes(db: Database, directory: str | Path | None = None, show_progress: bool = False,
               only: list[str] | None = None) -> CodesLoadResult:
    """Rebuild the vocab schema from installed packages and, when given, a directory (which wins).

    `only` names the inputs to read (see sources.INPUTS, e.g. ["ndc_atc", "atc_codes"]); default all."""
    if directory is not None:
        directory = Path(directory)
        if not directory.is_dir():
            raise InputError("directory not found", path=directory,
                             expected="a folder of code-system files (see docs/codes.md)")
    started = dt.datetime.now()
    steps: dict[str, float] = {}
    found, missing = resolve(directory, only)
    with progress(show_progress) as bar, Timer() as total:
        task = bar.add_task("codes", total=len(found) + 3)
        with Timer() as t:
            staged, inputs = _read_inputs(found, bar, task)
        steps["read"] = t.seconds
        with db.loading("vocab", "codes"), _no_duckdb_progress_bar(db), db.transaction():
            bar.update(task, detail="tables ...")
            with Timer() as t:
                _write_tables(db, staged)
                inputs += omop.import_vocabularies(db)
                inputs += items.import_items(db)
            steps["tables"] = t.seconds
            bar.advance(task)
            bar.update(task, detail="closure ...")
            with Timer() as t:
                steps.update(_build_closure(db))
            steps["closure"] = t.seconds
            bar.advance(task)
            counts = {table: rows for table, rows in db.run(BUILD_SQL, "row_counts")}
            load_id = _record(db, directory, inputs, counts, started, only)
            bar.advance(task)
    return CodesLoadResult(load_id, inputs, missing, counts, total.seconds, steps)


def _read_inputs(found: list[Resolved], bar, task) -> tuple[tuple[pa.Table, pa.Table, pa.Table], list[dict]]:
    """Read every input file; returns the staged (concepts, edges, maps) with structural edges, and meta rows."""
    st = Staging()
    inputs = []
    for res in found:
        bar.update(task, detail=f"{res.path.name} ...")
        n = _read(res, st)
        inputs.append(_input_row(res, n))
        bar.log(f"  {res.input:<22} {n:>8,}  {res.origin:<9} {res.path.name}")
        bar.advance(task)
    concepts, edges, maps = st.arrow()
    extra_concepts, extra_edges, _ = complete(concepts, edges, maps).arrow()
    return (pa.concat_tables([concepts, extra_concepts]), pa.concat_tables([edges, extra_edges]), maps), inputs


def _read(res: Resolved, st: Staging) -> int:
    """One input through its reader; a file that ends early, is not what its name says or gives no record
    (empty, or a header only) is an InputError."""
    try:
        n = READERS[res.input](res, st)
    except (EOFError, OSError, zlib.error) as e:
        truncated = isinstance(e, EOFError) or "end-of-stream" in str(e)
        raise InputError(f"cannot read file: {e}", path=res.path,
                         expected="a complete file; it looks truncated (download it again)" if truncated
                         else "a readable file (gzip-compressed when its name ends in .gz)") from None
    if n == 0:
        raise InputError("no records in the file (it is empty or holds a header only)", path=res.path,
                         expected=f"the {res.input} records (leave the file out to skip this input)")
    return n


def _write_tables(db: Database, staged: tuple[pa.Table, pa.Table, pa.Table]) -> None:
    """Create the vocab schema and fill concepts, edges and maps from the staged Arrow tables."""
    db.run(SCHEMA_SQL)
    with contextlib.ExitStack() as stack:
        for name, table in zip(STAGED, staged):
            stack.enter_context(db.registered(name, table))
        for stmt in ("insert_concepts", "insert_edges", "insert_maps"):
            db.run(BUILD_SQL, stmt)


def _build_closure(db: Database) -> dict[str, float]:
    """The ancestors table, one vocabulary at a time, then levels and leaf flags; seconds per vocabulary."""
    seconds = {}
    for (vocab,) in db.run(BUILD_SQL, "vocabularies"):
        with Timer() as t:
            db.run(BUILD_SQL, "insert_closure", params={"vocab": vocab})
        seconds[f"closure {vocab}"] = t.seconds
    db.run(BUILD_SQL, "set_levels")
    return seconds


@contextlib.contextmanager
def _no_duckdb_progress_bar(db: Database):
    shown = bool(db.one(BUILD_SQL, "progress_bar_shown")[0])
    db.run(BUILD_SQL, "progress_bar_off")
    try:
        yield
    finally:
        if shown:
            db.run(BUILD_SQL, "progress_bar_on")


def _input_row(res: Resolved, rows: int) -> dict:
    return {"input": res.input, "origin": res.origin, "path": str(res.path), "package": res.package,
            "version": res.version, "sha256": res.sha256(), "rows": rows}


def _record(db: Database, directory: Path | None, inputs: list[dict], counts: dict[str, int], started,
            only: list[str] | None) -> int:
    finished = dt.datetime.now()
    for row in inputs:
        db.run(BUILD_SQL, "insert_meta", params={**row, "loaded_at": finished})
    in_lake = ("omop", "dataset")  # read from the lake's own raw schemas, not from files
    files = [{"path": r["path"], "size": Path(r["path"]).stat().st_size if r["origin"] not in in_lake else 0,
              "sha256": r["sha256"], "utf8_bom": r["origin"] not in in_lake and starts_with_bom(r["path"])}
             for r in inputs]
    return db.record_load(LoadRecord(
        dataset="vocab", source="codes", directory=str(directory.resolve()) if directory is not None else None,
        files=files, row_counts=counts, started_at=started, finished_at=finished, version=__version__,
        options={"only": only, "inputs": [r["input"] for r in inputs]}), dataset_loaded=False)
