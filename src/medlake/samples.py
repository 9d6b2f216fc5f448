"""Samples as Arrow: the one reading of "samples" shared by the feature store and the stream.

What may stand for samples, and what each becomes:

- a task result (anything with `to_arrow()`, polars frames too): its rows;
- a pyarrow Table: itself; a pandas DataFrame: its rows (index dropped);
- a path (str or os.PathLike) ending in `.parquet`: the file's rows;
- any other str: a SELECT query when it parses as one (checked as `medlake sql`
  checks user SQL: one query, no files; it runs on the lake with `params`
  bound), else the name of a table or view of the lake (`name` or `schema.name`).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from .database import Database
from .errors import ParameterError, UnknownNameError
from .sqlcheck import check_statement
from .sqlfiles import DIALECT


def samples_table(db: Database | None, samples, params: dict | None = None) -> pa.Table:
    """Samples as an Arrow table, by the rules in this module's docstring."""
    if isinstance(samples, pa.Table):
        return samples
    if isinstance(samples, (str, os.PathLike)):
        return _from_text(db, os.fspath(samples), params)
    if hasattr(samples, "to_arrow"):
        table = samples.to_arrow()
        return table if isinstance(table, pa.Table) else pa.table(table)
    if type(samples).__module__.startswith("pandas"):
        return pa.Table.from_pandas(samples, preserve_index=False)
    raise ParameterError(f"samples of type {type(samples).__name__} are not supported; pass a task result, "
                         "a pyarrow Table, a pandas or polars frame, a .parquet path, a SELECT query or a "
                         "table name")


def _from_text(db: Database | None, text: str, params: dict | None) -> pa.Table:
    if text.lower().endswith(".parquet"):
        if not Path(text).exists():
            raise UnknownNameError(f"samples file not found: {text}")
        return pq.read_table(text)
    if db is None:
        raise ParameterError("samples given as a query or table name need a lake to read from (pass lake=...)")
    tree = _parsed(text)
    if isinstance(tree, exp.Query):
        check_statement(text)  # user SQL: one query that reads the lake, no files
        return db.arrow_sql(text, params)
    if isinstance(tree, (exp.Table, exp.Column)):
        try:
            return db.arrow("lake/info.sql", "read_table", tables={"source_table": exp.to_table(text, dialect=DIALECT)})
        except duckdb.Error:
            raise UnknownNameError(f"no table '{text}' in the lake to read samples from") from None
    raise ParameterError(f"samples {text[:80]!r}: expected a SELECT query, a table name or a .parquet path")


def _parsed(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text, read=DIALECT)
    except sqlglot.errors.ParseError:
        return None
