"""ETL: raw exports -> typed raw tables (<dataset>_raw) -> canonical tables (<dataset>).

Sources register themselves: every module in this package that defines
`SOURCE` (a base.Source) is a loader, found by name. A load is one
transaction: on any error the lake is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from .. import __version__
from ..errors import InputError, UnknownNameError
from ..lake import one_row
from ..progress import Timer, progress
from ._tuning import load_settings, run_canonical
from .base import FoundFile, Source, create_empty, find_files, schema_statement, sha256_of, stage_csv, statement

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED = {"meta", "vocab", "fs", "main", "information_schema", "pg_catalog", "temp"}


def sources() -> dict[str, Source]:
    """Every registered loader by name."""
    out = {}
    for mod in pkgutil.iter_modules(__path__):
        if mod.name in ("base",) or mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        src = getattr(module, "SOURCE", None)
        if isinstance(src, Source):
            out[src.name] = src
    return out


def get_source(name: str) -> Source:
    """The loader called `name`, or UnknownNameError listing the known ones."""
    known = sources()
    if name not in known:
        raise UnknownNameError(f"unknown source '{name}' (known: {', '.join(sorted(known))})")
    return known[name]


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


def load(lake, source: str, directory: Path, tables: list[str] | None = None, name: str | None = None,
         show_progress: bool = False, **options) -> LoadResult:
    """Load `directory` with the `source` loader into dataset `name` (default: the source's name)."""
    src = get_source(source)
    dataset = (name or src.name).lower()
    if not _NAME.match(dataset) or dataset in RESERVED or dataset.endswith("_raw"):
        raise InputError("bad dataset name", value=dataset,
                         expected="lower-case letters, digits and _, not ending in _raw, not meta/vocab/fs")
    if dataset == lake.catalog:
        raise InputError("dataset name equals the lake file's name", value=dataset,
                         expected=f"another name (--name) or another file name than '{Path(lake.path).name}': "
                                  "DuckDB cannot tell a schema from a catalog of the same name")
    found, absent = find_files(src, Path(directory), tables)
    started = dt.datetime.now()
    replaced = dataset in lake.datasets()
    raw_schema = f"{dataset}_raw"
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    con = lake.con
    with ThreadPoolExecutor(max_workers=1) as pool, progress(show_progress) as bar, load_settings(con), \
            Timer() as total:
        hashes = pool.map(sha256_of, [f.path for f in found])  # beside the load; hashlib releases the GIL
        task = bar.add_task(f"{src.name} -> {dataset}", total=len(found) + 1)
        with lake.transaction():
            for schema in (dataset, raw_schema):
                con.execute(schema_statement("drop_schema", schema))
            _create_schemas(con, dataset, raw_schema)
            for f in found:
                bar.update(task, detail=f"{f.table.name} ...")
                with Timer() as t:
                    n = _stage(con, src, f, raw_schema)
                counts[f"{raw_schema}.{f.table.name}"] = n
                seconds[f"{raw_schema}.{f.table.name}"] = t.seconds
                bar.log(f"  {f.table.name:<22} {n:>12,} rows  {n / max(t.seconds, 1e-9):>12,.0f} rows/s  ({f.path.name})")
                bar.advance(task)
            for t_abs in absent:
                create_empty(con, raw_schema, t_abs)
            if src.check is not None:
                src.check(con, raw_schema, found)
            bar.update(task, detail="canonical tables ...")
            with Timer() as t:
                lake.run_file("schema/core.sql", schemas={None: dataset})
                lake.run_file("etl/macros.sql")
                run_canonical(lake, src.etl_sql, {None: dataset, "raw": raw_schema}, sum(counts.values()))
            for tbl in ("subjects", "visits", "events"):
                counts[f"{dataset}.{tbl}"] = one_row(
                    con, statement("count_rows", target=exp.table_(tbl, db=dataset, quoted=True)))[0]
            seconds["canonical"] = t.seconds
            bar.log(f"  {'canonical tables':<22} {sum(counts[f'{dataset}.{x}'] for x in ('subjects', 'visits', 'events')):>12,} rows"
                    f"  in {t.seconds:.1f} s")
            bar.advance(task)
            files = [{"path": p, "size": s, "sha256": h} for p, s, h in hashes]
            load_id = one_row(con, statement("next_load_id"))[0]
            con.execute(statement("mark_replaced"), {"dataset": dataset})
            finished = dt.datetime.now()
            con.execute(statement("record_load"), {
                "load_id": load_id, "dataset": dataset, "source": src.name, "directory": str(Path(directory).resolve()),
                "files": files, "table_names": list(counts), "table_rows": list(counts.values()),
                "started_at": started, "finished_at": finished, "version": __version__,
                "options": json.dumps({"tables": tables, **options}),
            })
            con.execute(statement("record_dataset"), {"dataset": dataset, "source": src.name, "load_id": load_id,
                                                      "loaded_at": finished})
    return LoadResult(dataset, src.name, load_id, counts, replaced, total.seconds, seconds)


def _create_schemas(con, *schemas: str) -> None:
    for schema in schemas:
        con.execute(schema_statement("create_schema", schema))


def _stage(con, src: Source, f: FoundFile, raw_schema: str) -> int:
    if f.path.name.lower().endswith(".parquet"):
        from .base import stage_parquet

        return stage_parquet(con, f, raw_schema)
    return stage_csv(con, f, raw_schema)
