"""Checks and fixes every staged raw table gets, whatever its file format."""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from ..database import Database
from ..errors import InputError
from .input_errors import physical_line
from .spec import RawTable

RAW_SQL = "etl/raw.sql"


def check_columns(path: Path, table: RawTable, present: list[str]) -> None:
    """Every required column must be there (names compared case-insensitively)."""
    have = {c.lower() for c in present}
    for col in table.columns:
        if col not in have:
            raise InputError("missing required column", path=path, column=col,
                             expected=f"a column named {col} (found: {', '.join(present)})")


def add_absent_columns(db: Database, schema: str, table: RawTable, present: set[str]) -> None:
    """Optional columns the file lacks are added as typed NULL columns, so ETL SQL can rely on them."""
    for col, typ in table.optional.items():
        if col not in present:
            definition = exp.ColumnDef(this=exp.to_identifier(col, quoted=True),
                                       kind=exp.DataType.build(typ, dialect="duckdb"))
            db.run(RAW_SQL, "add_column", tables={"target": (schema, table.name)},
                   columns={"new_column": definition})


def check_primary_key(db: Database, path: Path, schema: str, table: RawTable) -> None:
    """A row without its primary key, or two rows with one, is an InputError naming the line(s)."""
    if not table.primary_key:
        return
    for column in table.primary_key:
        missing = db.one(RAW_SQL, "missing_key", tables={"target": (schema, table.name)},
                         columns={"key_column": column})
        if missing:
            line, n = missing
            raise InputError(f"primary key missing ({n:,} {'row' if n == 1 else 'rows'} without it)", path=path,
                             line=physical_line(path, line), column=column, value="",
                             expected=f"a {column} on every row")
    row = db.one(RAW_SQL, "duplicate_key", tables={"target": (schema, table.name)},
                 columns={"key_columns": list(table.primary_key)})
    if row:
        k = len(table.primary_key)
        key = ", ".join(f"{c}={v}" for c, v in zip(table.primary_key, row[:k]))
        n, first, last = row[k:]
        first, last = physical_line(path, first), physical_line(path, last)
        raise InputError(f"duplicate primary key ({key}) appears {n} times", path=path, line=last,
                         column=",".join(table.primary_key), value=str(row[0]) if k == 1 else key,
                         expected=f"each {', '.join(table.primary_key)} once (first seen on line {first})")


def create_empty(db: Database, schema: str, table: RawTable) -> None:
    """An absent optional table becomes an empty typed table, so ETL SQL can rely on it."""
    columns = [exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=exp.DataType.build(t, dialect="duckdb"))
               for c, t in table.all_columns.items()]
    db.run(RAW_SQL, "create_table", tables={"target": (schema, table.name)}, columns={"columns": columns})


def count_rows(db: Database, schema: str, table: str) -> int:
    """Rows of schema.table."""
    return db.one(RAW_SQL, "count_rows", tables={"target": (schema, table)})[0]
