"""Staging a Parquet file into a typed raw table.

Columns are cast to their declared types; a value that does not survive the
cast (a non-integral DOUBLE in an id column, text that is not a date) is an
InputError naming the file, the data row (from 1), the column and the value.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from ..database import Database
from ..errors import InputError
from .input_errors import INTEGER_TYPES, expected_for, first_line
from .spec import FoundFile
from .staging_checks import RAW_SQL, add_absent_columns, check_columns, check_primary_key, count_rows

# Arrow types that already are the declared DuckDB type: such columns need no cast and no check.
_SAME_TYPE = {"int64": "BIGINT", "int32": "INTEGER", "int16": "SMALLINT", "double": "DOUBLE", "float": "FLOAT",
              "string": "VARCHAR", "large_string": "VARCHAR", "bool": "BOOLEAN", "date32[day]": "DATE",
              "timestamp[us]": "TIMESTAMP"}


def stage_parquet(db: Database, found: FoundFile, schema: str) -> int:
    """Read one Parquet file into <schema>.<table>, columns cast to their declared types; returns its row count."""
    path, table = found.path, found.table
    try:
        arrow_schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as e:
        raise _not_parquet(path, e) from None
    check_columns(path, table, arrow_schema.names)
    declared = table.all_columns
    projections, checks, names = [], [], set()
    for field_ in arrow_schema:
        low = field_.name.lower()
        name = low if low not in names else f"{low}_{len(names)}"
        names.add(name)
        source = exp.column(field_.name, quoted=True)
        typ = declared.get(low)
        if typ is None or _SAME_TYPE.get(str(field_.type)) == typ.upper():
            projections.append(exp.alias_(source, name, quoted=True))
            continue
        target_type = exp.DataType.build(typ, dialect="duckdb")
        projections.append(exp.alias_(exp.TryCast(this=source.copy(), to=target_type), name, quoted=True))
        checks.append((name, typ, source, _lossy_cast(source, target_type, typ.upper() in INTEGER_TYPES)))
    if checks:
        _raise_first_lossy(db, path, checks)
    try:
        db.run(RAW_SQL, "read_parquet", tables={"target": (schema, table.name)},
               columns={"read_columns": projections}, params={"path": str(path)})
    except duckdb.Error as e:
        raise _not_parquet(path, e) from None
    n = count_rows(db, schema, table.name)
    add_absent_columns(db, schema, table, names)
    try:
        check_primary_key(db, path, schema, table)
    except InputError as e:  # the CSV check counts lines after a header; Parquet has data rows from 1
        expected = re.sub(r"line (\d+)", lambda m: f"row {int(m.group(1)) - 1}", e.expected or "")
        raise InputError(f"{e.message} at row {e.line - 1}", path=path, column=e.column, value=e.value,
                         expected=expected) from None
    return n


def _lossy_cast(source: exp.Column, to: exp.DataType, integral: bool) -> exp.Expression:
    """True where a value is present but the cast loses it (fails, or rounds a non-integral number)."""
    failed = exp.Is(this=exp.TryCast(this=source.copy(), to=to.copy()), expression=exp.Null())
    if integral:
        as_double = exp.DataType.build("DOUBLE")
        rounded = exp.NEQ(this=exp.TryCast(this=source.copy(), to=as_double),
                          expression=exp.Cast(this=exp.TryCast(this=source.copy(), to=to.copy()), to=as_double.copy()))
        failed = exp.or_(failed, rounded)
    return exp.and_(exp.not_(exp.Is(this=source.copy(), expression=exp.Null())), exp.paren(failed))


def _raise_first_lossy(db: Database, path, checks) -> None:
    """One scan of the file: the first row of each column whose value does not survive its cast."""
    row_number = exp.column("file_row_number")
    projections = []
    for _name, _typ, source, lossy in checks:
        where = exp.Where(this=lossy)
        projections.append(exp.Filter(this=exp.Min(this=row_number.copy()), expression=where))
        value = exp.Cast(this=source.copy(), to=exp.DataType.build("VARCHAR"))
        first_value = exp.ArgMin(this=value, expression=row_number.copy())
        projections.append(exp.Filter(this=first_value, expression=where.copy()))
    try:
        row = db.one(RAW_SQL, "lossy_parquet_rows", columns={"checks": projections}, params={"path": str(path)})
    except duckdb.Error as e:
        raise _not_parquet(path, e) from None
    bad = [(row[2 * i], name, typ, row[2 * i + 1]) for i, (name, typ, _s, _l) in enumerate(checks)
           if row[2 * i] is not None]
    if bad:
        first_row, name, typ, value = min(bad)
        expected = ("an integer id (a whole number)" if typ.upper() in INTEGER_TYPES else expected_for(typ))
        raise InputError(f"value does not fit at row {first_row + 1}", path=path, column=name, value=value,
                         expected=expected)


def _not_parquet(path, e: Exception) -> InputError:
    return InputError(f"cannot read as Parquet: {first_line(e)}", path=path, expected="an Apache Parquet file")
