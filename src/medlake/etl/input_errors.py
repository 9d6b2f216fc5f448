"""Turning what DuckDB says about a bad file into an InputError a user can act on."""

from __future__ import annotations

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
    """The InputError for the first row DuckDB's CSV reader rejected."""
    m = re.search(r'Could not convert string "(.*)" to \'(\w+)\'', message or "")
    if m:
        value, typ = m.group(1), m.group(2)
        # the declared type, not the type read (integer columns are read as DOUBLE)
        return InputError("value does not parse", path=path, line=line, column=column, value=value,
                          expected=expected_for(columns.get(column, typ), column))
    return InputError(f"malformed row ({(kind or '').lower()}): {cut(csv_line)}", path=path, line=line,
                      expected=f"{len(columns)} comma-separated fields matching the header")
