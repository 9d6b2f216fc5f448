"""ibis 12 on a DuckDB 2 connection.

ibis 12's DuckDB backend still calls `fetch_arrow_table` and `fetch_record_batch`,
which DuckDB 2.0 renamed `to_arrow_table` and `to_arrow_reader`. The wrappers here
answer to the old names and pass everything else to the real connection, cursor or
relation, so an ibis table works on the lake's own connection.
"""

from __future__ import annotations

import warnings

import duckdb

# ibis reads results through cursors; DuckDB 2 warns that this copies the rows once more
_CURSOR_COPY = "Arrow output on a DB-API result"


class _OldArrowNames:
    """A DuckDB object that also answers to the pre-2.0 Arrow method names."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def fetch_arrow_table(self):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_CURSOR_COPY)
            return self._inner.to_arrow_table()

    def fetch_record_batch(self, rows_per_batch: int = 1_000_000):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_CURSOR_COPY)
            return self._inner.to_arrow_reader(rows_per_batch)


class IbisConnection(_OldArrowNames):
    """A DuckDB connection as ibis 12 expects to find it."""

    def execute(self, *args, **kwargs):
        return _OldArrowNames(self._inner.execute(*args, **kwargs))

    def cursor(self):
        return IbisConnection(self._inner.cursor())

    def sql(self, *args, **kwargs):
        rel = self._inner.sql(*args, **kwargs)
        return _OldArrowNames(rel) if rel is not None else None


def ibis_backend(con: duckdb.DuckDBPyConnection):
    """An ibis DuckDB backend over an open connection (DuckDB 1.5 or 2.x)."""
    import ibis

    return ibis.duckdb.from_connection(IbisConnection(con))
