"""Ranked full-text search over a dataset's notes.

The index is built by every load (sql/etl/note_index.sql: a table of terms
per note, sorted by term) and searched with BM25 in SQL (sql/notes/search.sql).
DuckDB's fts extension would do the same, but it is not installable offline
for duckdb 2.0.1, and a separate engine (tantivy) would keep a second index
beside the lake that loads, reruns and read-only readers must keep in step;
one SQL table inside the lake is replaced with the dataset, in the load's
transaction, and read like any other table.

`before` makes a search point-in-time: only notes available strictly before
it (their `available_time`: storetime, else charttime) are returned, and only
they count in the ranking's statistics.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from .database import Database
from .errors import ParameterError, UnknownNameError

SEARCH_SQL = "notes/search.sql"


class Notes:
    """Search the notes of the lake's datasets (`lake.notes`)."""

    def __init__(self, db: Database):
        self.db = db

    def search(self, query: str, dataset: str, *, before: dt.datetime | str | None = None,
               subject: int | None = None, category: str | None = None, limit: int = 10) -> pa.Table:
        """The notes of `dataset` that best match `query`, best first: note_id, subject_id, visit_id, time,
        available_time, category, score (BM25), text. `before`: only notes available strictly before it."""
        if dataset not in self.db.datasets():
            known = ", ".join(self.db.datasets()) or "none"
            raise UnknownNameError(f"unknown dataset '{dataset}' (datasets in this lake: {known})")
        if not isinstance(limit, int) or limit < 1:
            raise ParameterError(f"limit must be a positive integer, got {limit!r}")
        if not self.db.arrow(SEARCH_SQL, "terms", params={"query": query}).num_rows:
            raise ParameterError(f"the query {query!r} holds no words to search for (letters or digits)")
        if not self.db.one(SEARCH_SQL, "has_index", params={"dataset": dataset})[0]:
            raise UnknownNameError(f"dataset '{dataset}' has no notes index; load it again with this version")
        if isinstance(before, str):
            try:
                before = dt.datetime.fromisoformat(before)
            except ValueError:
                raise ParameterError(f"before: {before!r} is not a date or time (expected e.g. 2150-01-31 "
                                     "or 2150-01-31 13:45)") from None
        params = {"query": query, "before": before, "subject": subject, "category": category, "limit": limit}
        return self.db.arrow(SEARCH_SQL, "search", schemas={None: dataset}, params=params)
