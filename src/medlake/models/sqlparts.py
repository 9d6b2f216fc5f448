"""The stream's SQL (sql/models/stream.sql) with its column placeholder filled in."""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa
from sqlglot import exp

from ..lake import arrow_query
from ..sqlfiles import load_sql, render

STREAM_SQL = "models/stream.sql"
PLACEHOLDER = "source_column"


def _stream_sql():
    # CREATE TYPE ... AS ENUM is beyond sqlglot's grammar; it keeps that statement as
    # text (a Command) and logs a warning, which users need not see.
    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return load_sql(STREAM_SQL)
    finally:
        log.setLevel(level)


def statement(name: str, column: str | None = None) -> str:
    """Text of a named statement of stream.sql, `source_column` replaced by `column` (quoted)."""
    st = _stream_sql()[name]
    if column is None:
        return st.raw or st.text
    tree = st.tree.copy()
    for col in list(tree.find_all(exp.Column)):
        if col.name == PLACEHOLDER and not col.table:
            col.replace(exp.column(column, quoted=True))
    return render(tree)


def query(con: duckdb.DuckDBPyConnection, name: str, column: str | None = None,
          params: dict | None = None) -> pa.Table:
    """Run a named statement on a stream's private connection and return Arrow."""
    text = statement(name, column)
    used = {k: v for k, v in (params or {}).items() if f"${k}" in text}
    return arrow_query(con, text, used)
