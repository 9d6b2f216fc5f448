"""Building the vocab schema: read every input, add structural edges, write the tables in one transaction.

The whole schema is rebuilt on each load (it is small: seconds), so a load
never mixes releases. The load is recorded in vocab.meta (one row per input
file) and in meta.loads (source 'codes', dataset 'vocab').
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .. import __version__
from ..errors import InputError
from ..etl.base import statement
from ..lake import one_row
from ..progress import Timer, progress
from . import omop
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


def load_codes(lake, directory: str | Path | None = None, show_progress: bool = False,
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
        with _no_duckdb_progress_bar(lake), lake.transaction():
            bar.update(task, detail="tables ...")
            with Timer() as t:
                _write_tables(lake, staged)
                inputs += omop.import_vocabularies(lake)
            steps["tables"] = t.seconds
            bar.advance(task)
            bar.update(task, detail="closure ...")
            with Timer() as t:
                steps.update(_build_closure(lake))
            steps["closure"] = t.seconds
            bar.advance(task)
            counts = {table: rows for table, rows in lake.run_file(BUILD_SQL, name="row_counts")}
            load_id = _record(lake, directory, inputs, counts, started, only)
            bar.advance(task)
    return CodesLoadResult(load_id, inputs, missing, counts, total.seconds, steps)


def _read_inputs(found: list[Resolved], bar, task) -> tuple[tuple[pa.Table, pa.Table, pa.Table], list[dict]]:
    """Read every input file; returns the staged (concepts, edges, maps) with structural edges, and meta rows."""
    st = Staging()
    inputs = []
    for res in found:
        bar.update(task, detail=f"{res.path.name} ...")
        n = READERS[res.input](res, st)
        inputs.append(_input_row(res, n))
        bar.log(f"  {res.input:<22} {n:>8,}  {res.origin:<9} {res.path.name}")
        bar.advance(task)
    concepts, edges, maps = st.arrow()
    extra_concepts, extra_edges, _ = complete(concepts, edges, maps).arrow()
    return (pa.concat_tables([concepts, extra_concepts]), pa.concat_tables([edges, extra_edges]), maps), inputs


def _write_tables(lake, staged: tuple[pa.Table, pa.Table, pa.Table]) -> None:
    """Create the vocab schema and fill concepts, edges and maps from the staged Arrow tables."""
    con = lake.con
    lake.run_file(SCHEMA_SQL)
    for name, table in zip(STAGED, staged):
        con.register(name, table)
    try:
        for stmt in ("insert_concepts", "insert_edges", "insert_maps"):
            lake.run_file(BUILD_SQL, name=stmt)
    finally:
        for name in STAGED:
            con.unregister(name)


def _build_closure(lake) -> dict[str, float]:
    """The ancestors table, one vocabulary at a time, then levels and leaf flags; seconds per vocabulary."""
    seconds = {}
    for (vocab,) in lake.run_file(BUILD_SQL, name="vocabularies"):
        with Timer() as t:
            lake.run_file(BUILD_SQL, name="insert_closure", params={"vocab": vocab})
        seconds[f"closure {vocab}"] = t.seconds
    lake.run_file(BUILD_SQL, name="set_levels")
    return seconds


@contextlib.contextmanager
def _no_duckdb_progress_bar(lake):
    shown = bool(lake.run_file(BUILD_SQL, name="progress_bar_shown")[0][0])
    lake.run_file(BUILD_SQL, name="progress_bar_off")
    try:
        yield
    finally:
        if shown:
            lake.run_file(BUILD_SQL, name="progress_bar_on")


def _input_row(res: Resolved, rows: int) -> dict:
    return {"input": res.input, "origin": res.origin, "path": str(res.path), "package": res.package,
            "version": res.version, "sha256": res.sha256(), "rows": rows}


def _record(lake, directory: Path | None, inputs: list[dict], counts: dict[str, int], started,
            only: list[str] | None) -> int:
    con = lake.con
    finished = dt.datetime.now()
    for row in inputs:
        lake.run_file(BUILD_SQL, name="insert_meta", params={**row, "loaded_at": finished})
    load_id = one_row(con, statement("next_load_id"))[0]
    con.execute(statement("mark_replaced"), {"dataset": "vocab"})
    files = [{"path": r["path"], "size": Path(r["path"]).stat().st_size if r["origin"] != "omop" else 0,
              "sha256": r["sha256"]} for r in inputs]
    con.execute(statement("record_load"), {
        "load_id": load_id, "dataset": "vocab", "source": "codes",
        "directory": str(directory.resolve()) if directory is not None else None,
        "files": files, "table_names": list(counts), "table_rows": list(counts.values()),
        "started_at": started, "finished_at": finished, "version": __version__,
        "options": json.dumps({"only": only, "inputs": [r["input"] for r in inputs]}),
    })
    return load_id
