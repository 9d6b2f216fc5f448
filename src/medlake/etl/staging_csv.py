"""Staging a CSV (or CSV.GZ) file into a typed raw table.

DuckDB reads the file typed as declared; rows that do not parse become an
InputError that names the file, line, column, value and expected type.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import duckdb
from sqlglot import exp

from ..database import Database
from ..errors import InputError, ParameterError
from .input_errors import INTEGER_TYPES, expected_for, first_line, no_field_limit, not_utf8_error, reject_error
from .settings import insertion_order
from .spec import FoundFile, RawTable
from .staging_checks import RAW_SQL, add_absent_columns, check_columns, check_primary_key, count_rows, create_empty

_SAFE = re.compile(r"[^a-z0-9_]")
_OTHER_DELIMITERS = (";", "\t", "|")


ENCODINGS = ("utf-8", "latin-1")    # what --encoding takes (DuckDB's CSV reader reads both)


def read_csv_head(path: Path, encoding: str = "utf-8") -> tuple[list[str], bool]:
    """(header, whether a data row follows) of a .csv or .csv.gz file; InputError if there is no header
    or it looks split by another delimiter. A UTF-8 byte-order mark is dropped (DuckDB's reader, which
    skips the header line, never sees it as part of a name)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                                    errors="replace", newline="")  # a BOM is dropped
            reader = csv.reader(text)
            header = next(reader, None)
            first = next(reader, None)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(f"cannot read file: {e}", path=path,
                         expected="a complete file; it looks truncated (download it again)" if isinstance(e, EOFError)
                         else "a readable CSV (optionally gzip-compressed)") from None
    if not header or all(not h.strip() for h in header):
        raise InputError("file is empty", path=path, line=1, expected="a header row and at least one data row")
    if len(header) == 1:
        delimiter = next((d for d in _OTHER_DELIMITERS if d in header[0]), None)
        if delimiter:
            raise InputError(f"the delimiter looks wrong: the header is one column holding {delimiter!r}",
                             path=path, line=1, value=header[0],
                             expected="comma-separated values (write the file with ',' between fields)")
    return [h.strip() for h in header], first is not None


def stage_csv(db: Database, found: FoundFile, schema: str, encoding: str = "utf-8") -> int:
    """Read one CSV into <schema>.<table>, typed as declared (text in `encoding`: utf-8 or latin-1);
    returns its row count."""
    path, table = found.path, found.table
    if encoding not in ENCODINGS:
        raise ParameterError(f"unknown encoding '{encoding}'; expected one of: {', '.join(ENCODINGS)}")
    header, has_rows = read_csv_head(path, encoding)
    check_columns(path, table, header)
    if not has_rows:
        if table.required:
            raise InputError("file has a header but no data rows", path=path, line=2, expected="at least one data row")
        create_empty(db, schema, table)  # an optional table may be exported empty (common in OMOP)
        return 0
    columns = _typed_columns(header, table)
    # integer columns are read as DOUBLE and checked to be whole (see raw.sql, whole_number_macro)
    integers = {c: t for c, t in columns.items() if t.upper() in INTEGER_TYPES}
    read_types = {c: ("DOUBLE" if c in integers else t) for c, t in columns.items()}
    rejects_name = f"_rejects_{_SAFE.sub('_', schema)}_{table.name}"
    db.run(RAW_SQL, "whole_number_macro")
    try:
        with insertion_order(db, table.keeps_file_order):
            db.run(RAW_SQL, "read_csv", tables={"target": (schema, table.name)},
                   columns={"read_columns": _projection(list(columns), integers)},
                   params={"path": str(path), "columns": read_types, "encoding": encoding,
                           "rejects_table": rejects_name, "rejects_scan": rejects_name + "_scan"})
    except duckdb.Error as e:
        not_whole = re.search(r"medlake:not-whole:([^:]+):(\S+)", str(e))
        if not_whole:
            raise _not_whole_error(path, columns, *not_whole.groups()) from None
        truncated = "end of gzip stream" in str(e).lower()
        raise InputError(f"cannot read as CSV: {first_line(e)}", path=path,
                         expected="a complete file; it looks truncated (download it again)" if truncated
                         else "comma-separated values with a header row") from None
    bad = db.one(RAW_SQL, "first_reject", tables={"rejects": rejects_name})
    for name in (rejects_name, rejects_name + "_scan"):
        db.run(RAW_SQL, "drop_rejects", tables={"rejects": name})
    if bad:
        line, column, kind, csv_line, message = bad
        if "ENCODING" in (kind or "").upper():
            raise not_utf8_error(path, line)
        raise reject_error(path, line, column, kind, csv_line, message, columns)
    n = count_rows(db, schema, table.name)
    add_absent_columns(db, schema, table, set(columns))
    check_primary_key(db, path, schema, table)
    return n


def _typed_columns(header: list[str], table: RawTable) -> dict[str, str]:
    """Lower-case column names (repeated ones numbered) -> their declared type (VARCHAR when undeclared)."""
    declared = table.all_columns
    columns: dict[str, str] = {}
    for h in header:
        low = h.lower()
        name = low if low not in columns else f"{low}_{len(columns)}"
        columns[name] = declared.get(low, "VARCHAR")
    return columns


def _projection(names: list[str], integers: dict[str, str]) -> list:
    """The read_csv statement's select list: integer columns go through ml_whole_number and a cast."""
    projection = []
    for name in names:
        col = exp.column(name, quoted=True)
        if name in integers:
            checked = exp.func("ml_whole_number", col, exp.Literal.string(name))
            col = exp.alias_(exp.cast(checked, integers[name]), name, quoted=True)
        projection.append(col)
    return projection


def _not_whole_error(path: Path, columns: dict[str, str], column: str, value: str) -> InputError:
    """Find the first line whose `column` holds a number that is not a whole one (or too large) and name it."""
    index = list(columns).index(column)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with no_field_limit(), opener(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        end = reader.line_num  # the line the previous record ended on
        for row in reader:
            start, end = end + 1, reader.line_num
            cell = row[index].strip() if index < len(row) else ""
            try:
                number = float(cell) if cell else None
            except ValueError:
                continue
            if number is not None and (number != int(number) or abs(number) >= 2**53):
                return InputError("value does not parse", path=path, line=start, column=column,
                                  value=cell, expected=expected_for(columns[column], column))
    return InputError("value does not parse", path=path, column=column, value=value,
                      expected=expected_for(columns[column], column))
