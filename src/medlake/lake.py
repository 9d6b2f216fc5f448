"""Lake: one DuckDB file holding every dataset, the code systems, the feature store and metadata."""

from __future__ import annotations

import contextlib
import functools
import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import __version__
from .errors import MedlakeError, UnknownNameError
from .sqlfiles import load_sql, qualify, render

DEFAULT_DB = "medlake.duckdb"


def arrow_query(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> pa.Table:
    """Run one statement and return its rows as Arrow (an empty table for a statement without rows).

    Results go through a relation (`con.sql`) rather than a cursor: since DuckDB 2.0
    Arrow from a cursor makes an extra copy of every row."""
    rel = con.sql(sql, params=params if params else None)
    return rel.to_arrow_table() if rel is not None else pa.table({})


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple | None:
    """The first row of a statement's result (None when it has none).

    The whole result is read: DuckDB 2 refuses further work on a connection whose
    last result was left half-read."""
    rows = (con.execute(sql, params) if params else con.execute(sql)).fetchall()
    return rows[0] if rows else None


def default_db_path() -> str:
    """The lake path used when none is given: $MEDLAKE_DB, else ./medlake.duckdb."""
    return os.environ.get("MEDLAKE_DB") or DEFAULT_DB


class Lake:
    """A connection to a medlake database file (or ':memory:')."""

    def __init__(self, path: str | os.PathLike = ":memory:", read_only: bool = False, threads: int | None = None):
        self.path = str(path)
        self.read_only = read_only
        config = {"threads": threads} if threads else {}
        try:
            self.con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.Error as e:
            raise MedlakeError(f"cannot open lake '{self.path}': {e}") from None
        self._in_transaction = False
        # DuckDB names the file's catalog after its stem; a schema of the same name
        # makes two-part names like meta.loads ambiguous, so refuse such files early.
        self.catalog = self.run_file("lake/info.sql", name="catalog")[0][0]
        if self.catalog in ("meta", "vocab", "fs"):
            self.con.close()
            raise MedlakeError(f"cannot use a lake file named '{Path(self.path).name}': DuckDB would confuse it with "
                               f"the '{self.catalog}' schema; choose another file name")
        if not read_only:
            self.run_file("schema/meta.sql")

    # -- connection -----------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> "Lake":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Lake({self.path!r})"

    # -- running SQL ----------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        """Run one statement with bound parameters; returns the cursor."""
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def sql(self, query: str, params: Any = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""
        return arrow_query(self.con, query, params)

    def run_file(self, relpath: str, schemas: dict | None = None, params: dict | None = None,
                 name: str | None = None) -> list:
        """Run a packaged SQL file's statements (or one named statement) in order.

        `schemas` qualifies canonical table names (see sqlfiles.qualify);
        `params` are bound to the statements that use them. Returns the rows
        of the last statement."""
        f = load_sql(relpath)
        sts = [f[name]] if name else f.statements
        rows: list = []
        for st in sts:
            text = render(qualify(st.tree, schemas)) if schemas else (st.raw or st.text)
            used = _params_used(text, params)
            cur = self.execute(text, used)
            rows = cur.fetchall() if cur.description else []
        return rows

    def query_file(self, relpath: str, name: str, schemas: dict | None = None, params: dict | None = None) -> pa.Table:
        """Run one named statement of a packaged file and return Arrow."""
        st = load_sql(relpath)[name]
        text = render(qualify(st.tree, schemas)) if schemas else (st.raw or st.text)
        return arrow_query(self.con, text, _params_used(text, params))

    @contextlib.contextmanager
    def transaction(self):
        """BEGIN ... COMMIT, or ROLLBACK on any error; nested uses join the outer one."""
        if self._in_transaction:
            yield self
            return
        self.run_file("lake/transaction.sql", name="begin")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self._in_transaction = False
            self.run_file("lake/transaction.sql", name="rollback")
            raise
        self._in_transaction = False
        self.run_file("lake/transaction.sql", name="commit")

    # -- datasets -------------------------------------------------------
    def datasets(self) -> list[str]:
        """Names of the loaded datasets (one schema each)."""
        return [r["dataset"] for r in self.query_file("lake/info.sql", "datasets").to_pylist()]

    def schema_exists(self, schema: str) -> bool:
        """Whether a schema of that name exists in the lake."""
        return bool(self.run_file("lake/info.sql", name="schema_exists", params={"schema": schema})[0][0])

    def require_dataset(self, dataset: str) -> str:
        """Return the dataset's schema name, or raise UnknownNameError listing what is loaded."""
        if dataset not in self.datasets():
            have = ", ".join(self.datasets()) or "none"
            raise UnknownNameError(f"unknown dataset '{dataset}' (loaded: {have}); load it with `medlake load`")
        return dataset

    def columns(self, schema: str, table: str) -> list[tuple[str, str]]:
        """(name, type) of a table's columns."""
        return [tuple(r) for r in self.run_file("lake/info.sql", name="table_columns",
                                                 params={"schema": schema, "table": table})]

    def info(self) -> dict:
        """Datasets with their tables' row counts, and the load history."""
        datasets = self.query_file("lake/info.sql", "datasets").to_pylist()
        schemas = []
        for d in datasets:
            schemas += [d["dataset"], d["dataset"] + "_raw"]
        extra = [s for s in ("vocab", "fs") if self.schema_exists(s)]
        tables = self.query_file("lake/info.sql", "tables", params={"schemas": schemas + extra}).to_pylist()
        views = self.query_file("lake/info.sql", "views", params={"schemas": schemas + extra}).to_pylist()
        loads = self.query_file("lake/info.sql", "loads").to_pylist()
        return {"path": self.path, "datasets": datasets, "tables": tables, "views": views, "loads": loads,
                "medlake_version": __version__}

    # -- the stages -----------------------------------------------------
    def load(self, source: str, directory: str | os.PathLike, tables: list[str] | None = None,
             name: str | None = None, show_progress: bool = False, **options):
        """Load a raw export (mimic3, mimic4, eicu, omop) into the lake; see medlake.etl."""
        from .etl import load

        return load(self, source, Path(directory), tables=tables, name=name, show_progress=show_progress, **options)

    @functools.cached_property
    def codes(self):
        """Code systems: lookup, hierarchy and cross-maps (medlake.ontology)."""
        from .ontology import Codes

        return Codes(self)

    @functools.cached_property
    def features(self):
        """The feature store (medlake.featurestore)."""
        from .featurestore import FeatureStore

        return FeatureStore(self)

    def task(self, name: str, dataset: str, **params):
        """Run a prediction task on a dataset; returns a TaskResult (medlake.tasks)."""
        from .tasks import run_task

        return run_task(self, name, dataset=dataset, **params)


def _params_used(text: str, params: dict | None):
    """Only the named parameters a statement mentions (DuckDB rejects extra ones)."""
    if not params:
        return None
    used = {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", text)}
    return used or None


def connect(path: str | os.PathLike | None = None, read_only: bool = False, threads: int | None = None) -> Lake:
    """Open (or create) a lake. `path` defaults to $MEDLAKE_DB, else ./medlake.duckdb."""
    return Lake(path if path is not None else default_db_path(), read_only=read_only, threads=threads)
