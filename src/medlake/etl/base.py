"""What every loader shares: source specs, finding files, staging typed raw tables, checks.

A source (mimic3, mimic4, eicu, omop) is a `Source`: the raw tables it knows
(`RawTable`: file names, typed columns, primary key) and the SQL file that
turns them into the canonical tables. Staging reads each file with DuckDB,
typed as declared; rows that do not parse become an InputError that names
the file, line, column, value and expected type.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from ..errors import InputError
from ..lake import one_row
from ..sqlfiles import load_sql, render
from ._tuning import insertion_order

SUFFIXES = (".csv.gz", ".csv", ".parquet")


@dataclass
class RawTable:
    """A raw table a source knows: where it comes from and how it is typed."""

    name: str                                   # raw table name, lower case
    files: tuple[str, ...]                      # file stems to look for (case-insensitive, no suffix)
    columns: dict[str, str]                     # required columns -> DuckDB type
    optional: dict[str, str] = field(default_factory=dict)  # typed when present, NULL when absent
    primary_key: tuple[str, ...] = ()
    required: bool = True                       # a full load fails without this file
    always: bool = False                        # loaded even when --tables names other tables
    description: str = ""
    line_checks: bool = False                   # a source check names lines by row position

    @property
    def all_columns(self) -> dict[str, str]:
        return {**self.columns, **self.optional}

    @property
    def keeps_file_order(self) -> bool:
        """Rows must sit in file order, because a check (the primary key's, or the
        source's own) turns row positions into line numbers. Other tables are staged
        without keeping it, which lets DuckDB write them in parallel (~10-20% faster)."""
        return bool(self.primary_key) or self.line_checks


@dataclass
class Source:
    """A loader: its raw tables and the SQL that builds the canonical tables."""

    name: str
    tables: list[RawTable]
    etl_sql: str                                # path under src/medlake/sql
    description: str = ""
    formats: tuple[str, ...] = (".csv.gz", ".csv")
    vocab_sql: str | None = None                # optional: SQL that fills vocab tables from this source
    check: Callable[[duckdb.DuckDBPyConnection, str, list[FoundFile]], None] | None = None  # after staging; InputError

    def table(self, name: str) -> RawTable:
        for t in self.tables:
            if t.name == name:
                return t
        known = ", ".join(t.name for t in self.tables)
        raise InputError(f"unknown table '{name}' for source {self.name}", expected=f"one of: {known}")


@dataclass
class FoundFile:
    table: RawTable
    path: Path


def find_files(source: Source, directory: Path, only: list[str] | None = None) -> tuple[list[FoundFile], list[RawTable]]:
    """Match the source's raw tables to files under `directory` (recursively, case-insensitive).

    Returns (found, absent optional tables). A missing required file is an InputError."""
    if not directory.is_dir():
        raise InputError("directory not found", path=directory, expected=f"a folder holding the {source.name} export")
    index: dict[str, list[Path]] = {}
    for p in sorted(directory.rglob("*")):
        if not p.is_file():
            continue
        low = p.name.lower()
        suffix = next((s for s in source.formats if low.endswith(s)), None)
        if suffix is None:
            continue
        rel = p.relative_to(directory).as_posix().lower()[: -len(suffix)]
        index.setdefault(rel, []).append(p)
        index.setdefault(low[: -len(suffix)], []).append(p)
    wanted = source.tables
    if only:
        names = {t.lower() for t in only}
        for n in names:
            source.table(n)  # raises for unknown names
        # tables the canonical SQL cannot do without are always loaded
        wanted = [t for t in source.tables if t.name in names or t.always]
    found, absent = [], []
    for t in wanted:
        hit = None
        for stem in t.files:
            cands = index.get(stem.lower())
            if cands:
                # prefer the first suffix in the source's order (e.g. .csv.gz before .csv)
                hit = sorted(set(cands), key=lambda p: _suffix_rank(p, source.formats))[0]
                break
        if hit is None:
            if t.required:
                expected = " or ".join(f"{t.files[0]}{s}" for s in source.formats)
                raise InputError(f"missing file for table '{t.name}'", path=directory, expected=expected)
            absent.append(t)
        else:
            found.append(FoundFile(t, hit))
    absent += [t for t in source.tables if t not in wanted]
    return found, absent


def _suffix_rank(p: Path, formats) -> int:
    low = p.name.lower()
    return next((i for i, s in enumerate(formats) if low.endswith(s)), len(formats))


def sha256_of(path: Path) -> tuple[str, int, str]:
    """(path, size, sha256) of a file; run in a thread beside the load."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return str(path), path.stat().st_size, h.hexdigest()


def read_csv_head(path: Path) -> tuple[list[str], bool]:
    """(header, whether a data row follows) of a .csv or .csv.gz file; InputError if there is no header."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            reader = csv.reader(text)
            header = next(reader, None)
            first = next(reader, None)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(f"cannot read file: {e}", path=path, expected="a readable CSV (optionally gzip-compressed)") from None
    if not header or all(not h.strip() for h in header):
        raise InputError("file is empty", path=path, line=1, expected="a header row and at least one data row")
    return [h.strip() for h in header], first is not None


def read_csv_header(path: Path, require_rows: bool = True) -> list[str]:
    """The header row of a CSV file; InputError if it is empty (or, with require_rows, has no data row)."""
    header, has_rows = read_csv_head(path)
    if require_rows and not has_rows:
        raise InputError("file has a header but no data rows", path=path, line=2, expected="at least one data row")
    return header


def check_columns(path: Path, table: RawTable, present: list[str]) -> None:
    """Every required column must be there (names compared case-insensitively)."""
    have = {c.lower() for c in present}
    for col in table.columns:
        if col not in have:
            raise InputError("missing required column", path=path, column=col,
                             expected=f"a column named {col} (found: {', '.join(present)})")


def _replace_tables(tree: exp.Expression, names: dict[str, exp.Table]) -> exp.Expression:
    """Replace placeholder table names (target, rejects) by real, quoted ones."""
    tree = tree.copy()
    for t in list(tree.find_all(exp.Table)):
        if isinstance(t.this, exp.Identifier) and t.args.get("db") is None and t.name in names:
            t.replace(names[t.name].copy())
    return tree


def _replace_key_columns(tree: exp.Expression, keys: tuple[str, ...]) -> exp.Expression:
    """Expand the `key_columns` placeholder column into the table's key columns."""
    tree = tree.copy()
    for col in list(tree.find_all(exp.Column)):
        if col.name == "key_columns":
            parent = col.parent
            cols = [exp.column(k, quoted=True) for k in keys]
            if isinstance(parent, (exp.Select, exp.Group)):
                arg = "expressions"
                items = parent.args[arg]
                i = next(i for i, e in enumerate(items) if e is col)
                parent.set(arg, items[:i] + cols + items[i + 1:])
    return tree


def statement(name: str, **tables: exp.Table) -> str:
    """Text of a named statement of sql/etl/raw.sql with its placeholder tables filled in."""
    st = load_sql("etl/raw.sql")[name]
    return render(_replace_tables(st.tree, tables))


def schema_statement(name: str, schema: str) -> str:
    """Text of a CREATE/DROP SCHEMA statement of sql/etl/raw.sql for `schema` (quoted)."""
    tree = load_sql("etl/raw.sql")[name].tree.copy()
    for t in tree.find_all(exp.Table):
        t.set("db", exp.to_identifier(schema, quoted=True))
    return render(tree)


_SAFE = re.compile(r"[^a-z0-9_]")


def stage_csv(con: duckdb.DuckDBPyConnection, found: FoundFile, schema: str) -> int:
    """Read one CSV into <schema>.<table>, typed as declared; returns its row count."""
    path, table = found.path, found.table
    header, has_rows = read_csv_head(path)
    check_columns(path, table, header)
    if not has_rows:
        if table.required:
            raise InputError("file has a header but no data rows", path=path, line=2, expected="at least one data row")
        create_empty(con, schema, table)  # an optional table may be exported empty (common in OMOP)
        return 0
    declared = table.all_columns
    columns: dict[str, str] = {}
    for h in header:
        low = h.lower()
        name = low if low not in columns else f"{low}_{len(columns)}"
        columns[name] = declared.get(low, "VARCHAR")
    # integer columns are read as DOUBLE and checked to be whole (see raw.sql, whole_number_macro)
    integers = {c: t for c, t in columns.items() if t.upper() in _INTEGER_TYPES}
    read_types = {c: ("DOUBLE" if c in integers else t) for c, t in columns.items()}
    target = exp.table_(table.name, db=schema, quoted=True)
    rejects_name = f"_rejects_{_SAFE.sub('_', schema)}_{table.name}"
    rejects = exp.table_(rejects_name, quoted=True)
    con.execute(load_sql("etl/raw.sql")["whole_number_macro"].raw)
    try:
        with insertion_order(con, table.keeps_file_order):
            con.execute(_read_csv_statement(target, list(columns), integers), {
                "path": str(path), "columns": read_types,
                "rejects_table": rejects_name, "rejects_scan": rejects_name + "_scan",
            })
    except duckdb.Error as e:
        not_whole = re.search(r"medlake:not-whole:([^:]+):(\S+)", str(e))
        if not_whole:
            raise _not_whole_error(path, header, columns, *not_whole.groups()) from None
        raise InputError(f"cannot read as CSV: {_first_line(e)}", path=path,
                         expected="comma-separated values with a header row") from None
    bad = one_row(con, statement("first_reject", rejects=rejects))
    con.execute(statement("drop_rejects", rejects=rejects))
    con.execute(statement("drop_rejects", rejects=exp.table_(rejects_name + "_scan", quoted=True)))
    if bad:
        line, column, kind, csv_line, message = bad
        raise _reject_error(path, line, column, kind, csv_line, message, columns)
    n = one_row(con, statement("count_rows", target=target))[0]
    add_absent_columns(con, schema, table, set(columns))
    check_primary_key(con, path, schema, table)
    return n


def _read_csv_statement(target: exp.Table, names: list[str], integers: dict[str, str]) -> str:
    """The read_csv statement with integer columns passed through ml_whole_number and cast to their type."""
    tree = _replace_tables(load_sql("etl/raw.sql")["read_csv"].tree, {"target": target})
    if integers:
        select = tree.expression
        projection = []
        for name in names:
            col = exp.column(name, quoted=True)
            if name in integers:
                checked = exp.func("ml_whole_number", col, exp.Literal.string(name))
                col = exp.alias_(exp.cast(checked, integers[name]), name, quoted=True)
            projection.append(col)
        select.set("expressions", projection)
    return render(tree)


def _not_whole_error(path: Path, header: list[str], columns: dict[str, str], column: str, value: str) -> InputError:
    """Find the first line whose `column` holds a number that is not a whole one (or too large) and name it."""
    index = list(columns).index(column)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            cell = row[index].strip() if index < len(row) else ""
            try:
                number = float(cell) if cell else None
            except ValueError:
                continue
            if number is not None and (number != int(number) or abs(number) >= 2**53):
                return InputError("value does not parse", path=path, line=reader.line_num, column=column,
                                  value=cell, expected=_expected_for(columns[column], column))
    return InputError("value does not parse", path=path, column=column, value=value,
                      expected=_expected_for(columns[column], column))


def _reject_error(path, line, column, kind, csv_line, message, columns) -> InputError:
    m = re.search(r'Could not convert string "(.*)" to \'(\w+)\'', message or "")
    if m:
        value, typ = m.group(1), m.group(2)
        # the declared type, not the type read (integer columns are read as DOUBLE)
        return InputError("value does not parse", path=path, line=line, column=column, value=value,
                          expected=_expected_for(columns.get(column, typ), column))
    return InputError(f"malformed row ({(kind or '').lower()}): {csv_line!r}", path=path, line=line,
                      expected=f"{len(columns)} comma-separated fields matching the header")


def _expected_for(typ: str, column: str | None = None) -> str:
    typ = typ.upper()
    if typ in ("BIGINT", "INTEGER", "SMALLINT", "HUGEINT"):
        is_id = bool(column) and (column.lower().endswith("id") or column.lower().endswith("_id"))
        return "an integer id" if is_id else "a whole number"
    if typ in ("TIMESTAMP", "DATE"):
        return "a timestamp like 2150-01-31 13:45:00"
    if typ in ("DOUBLE", "FLOAT", "DECIMAL"):
        return "a number"
    return f"a {typ} value"


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0]


def add_absent_columns(con, schema: str, table: RawTable, present: set[str]) -> None:
    """Optional columns the file lacks are added as typed NULL columns, so ETL SQL can rely on them."""
    from ..sqlfiles import load_sql as _ls

    for col, typ in table.optional.items():
        if col not in present:
            tree = _ls("etl/raw.sql")["add_column"].tree.copy()
            tree = _replace_tables(tree, {"target": exp.table_(table.name, db=schema, quoted=True)})
            for c in tree.find_all(exp.ColumnDef):
                c.set("this", exp.to_identifier(col, quoted=True))
                c.set("kind", exp.DataType.build(typ, dialect="duckdb"))
            con.execute(render(tree))


def check_primary_key(con, path: Path, schema: str, table: RawTable) -> None:
    """Two rows with one primary key are an InputError naming the key and both lines."""
    if not table.primary_key:
        return
    st = load_sql("etl/raw.sql")["duplicate_key"].tree
    tree = _replace_key_columns(_replace_tables(st, {"target": exp.table_(table.name, db=schema, quoted=True)}),
                                table.primary_key)
    row = one_row(con, render(tree))
    if row:
        k = len(table.primary_key)
        key = ", ".join(f"{c}={v}" for c, v in zip(table.primary_key, row[:k]))
        n, first, last = row[k:]
        raise InputError(f"duplicate primary key ({key}) appears {n} times", path=path, line=last,
                         column=",".join(table.primary_key), value=str(row[0]) if k == 1 else key,
                         expected=f"each {', '.join(table.primary_key)} once (first seen on line {first})")


def create_empty(con, schema: str, table: RawTable) -> None:
    """An absent optional table becomes an empty typed table, so ETL SQL can rely on it."""
    cols = [exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=exp.DataType.build(t, dialect="duckdb"))
            for c, t in table.all_columns.items()]
    tree = exp.Create(this=exp.Schema(this=exp.table_(table.name, db=schema, quoted=True), expressions=cols),
                      kind="TABLE")
    con.execute(render(tree))


# Arrow types that already are the declared DuckDB type: such columns need no cast and no check.
_SAME_TYPE = {"int64": "BIGINT", "int32": "INTEGER", "int16": "SMALLINT", "double": "DOUBLE", "float": "FLOAT",
              "string": "VARCHAR", "large_string": "VARCHAR", "bool": "BOOLEAN", "date32[day]": "DATE",
              "timestamp[us]": "TIMESTAMP"}
_INTEGER_TYPES = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"}


def stage_parquet(con: duckdb.DuckDBPyConnection, found: FoundFile, schema: str) -> int:
    """Read one Parquet file into <schema>.<table>, columns cast to their declared types; returns its row count.

    A value that does not survive the cast (a non-integral DOUBLE in an id column, text that is
    not a date) is an InputError naming the file, the data row (from 1), the column and the value."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, table = found.path, found.table
    try:
        arrow_schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read as Parquet: {_first_line(e)}", path=path, expected="an Apache Parquet file") from None
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
        checks.append((name, typ, source, _lossy_cast(source, target_type, typ.upper() in _INTEGER_TYPES)))
    template = load_sql("etl/raw.sql")["read_parquet"].tree
    if checks:
        _raise_first_lossy(con, path, template, checks)
    create = _replace_tables(template, {"target": exp.table_(table.name, db=schema, quoted=True)})
    create.expression.set("expressions", projections)
    try:
        con.execute(render(create), {"path": str(path)})
    except duckdb.Error as e:
        raise InputError(f"cannot read as Parquet: {_first_line(e)}", path=path, expected="an Apache Parquet file") from None
    target = exp.table_(table.name, db=schema, quoted=True)
    n = one_row(con, statement("count_rows", target=target))[0]
    add_absent_columns(con, schema, table, names)
    try:
        check_primary_key(con, path, schema, table)
    except InputError as e:  # the CSV check counts lines after a header; Parquet has data rows from 1
        expected = re.sub(r"line (\d+)", lambda m: f"row {int(m.group(1)) - 1}", e.expected or "")
        raise InputError(f"duplicate primary key at row {e.line - 1}", path=path, column=e.column, value=e.value,
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


def _raise_first_lossy(con, path: Path, template: exp.Expression, checks) -> None:
    """One scan of the file: the first row of each column whose value does not survive its cast."""
    select = template.expression.copy()
    reader = select.find(exp.ReadParquet)
    reader.append("expressions", exp.EQ(this=exp.column("file_row_number"), expression=exp.true()))
    row_number = exp.column("file_row_number")
    projections = []
    for _name, _typ, source, lossy in checks:
        where = exp.Where(this=lossy)
        projections.append(exp.Filter(this=exp.Min(this=row_number.copy()), expression=where))
        value = exp.Cast(this=source.copy(), to=exp.DataType.build("VARCHAR"))
        projections.append(exp.Filter(this=exp.ArgMin(this=value, expression=row_number.copy()), expression=where.copy()))
    select.set("expressions", projections)
    try:
        row = one_row(con, render(select), {"path": str(path)})
    except duckdb.Error as e:
        raise InputError(f"cannot read as Parquet: {_first_line(e)}", path=path, expected="an Apache Parquet file") from None
    bad = [(row[2 * i], name, typ, row[2 * i + 1]) for i, (name, typ, _s, _l) in enumerate(checks)
           if row[2 * i] is not None]
    if bad:
        first_row, name, typ, value = min(bad)
        expected = ("an integer id (a whole number)" if typ.upper() in _INTEGER_TYPES else _expected_for(typ))
        raise InputError(f"value does not fit at row {first_row + 1}", path=path, column=name, value=value,
                         expected=expected)
