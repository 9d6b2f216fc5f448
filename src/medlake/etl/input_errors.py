"""Turning what DuckDB says about a bad file into an InputError a user can act on."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import re
from pathlib import Path

from ..errors import InputError, cut

INTEGER_TYPES = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"}


def expected_for(typ: str, column: str | None = None) -> str:
    """What a value of a declared type looks like, in words."""
    typ = typ.upper()
    if typ in ("BIGINT", "INTEGER", "SMALLINT", "HUGEINT"):
        is_id = bool(column) and (column.lower().endswith("id") or column.lower().endswith("_id"))
        return "an integer id" if is_id else "a whole number"
    if typ in ("TIMESTAMP", "DATE"):
        return "a timestamp like 2150-01-31 13:45:00"
    if typ in ("DOUBLE", "FLOAT", "DECIMAL"):
        return "a number"
    return f"a {typ} value"


def first_line(e: Exception) -> str:
    """The first line of an exception's message."""
    return str(e).strip().splitlines()[0]


def reject_error(path: Path, line, column, kind, csv_line, message, columns: dict[str, str]) -> InputError:
    """The InputError for the first row DuckDB's CSV reader rejected (DuckDB counts records; the
    message names the file's line)."""
    line = physical_line(path, line)
    m = re.search(r'Could not convert string "(.*)" to \'(\w+)\'', message or "")
    if m:
        value, typ = m.group(1), m.group(2)
        # the declared type, not the type read (integer columns are read as DOUBLE)
        return InputError("value does not parse", path=path, line=line, column=column, value=value,
                          expected=expected_for(columns.get(column, typ), column))
    return InputError(f"malformed row ({(kind or '').lower()}): {cut(csv_line)}", path=path, line=line,
                      expected=f"{len(columns)} comma-separated fields matching the header")


def physical_line(path: Path | str | None, record: int | None) -> int | None:
    """The file line on which CSV record `record` starts (records counted like lines: the header is 1).

    DuckDB and row positions count records; a quoted field holding newlines makes a record span
    several lines, so the record's number and its line differ after it. Parquet files have no lines:
    the number is returned as it is."""
    if path is None or record is None or record < 1 or not Path(path).is_file():
        return record
    path = Path(path)
    if path.name.lower().endswith(".parquet"):
        return record
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with no_field_limit(), opener(path, "rb") as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=""))
            end = 0  # the line the previous record ended on
            for _ in range(record - 1):
                if next(reader, None) is None:
                    return record
                end = reader.line_num
            return end + 1
    except (OSError, EOFError, csv.Error):
        return record


@contextlib.contextmanager
def no_field_limit():
    """Let Python's csv module read fields as long as DuckDB does (its default stops at 128 KiB)."""
    limit = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(limit)
