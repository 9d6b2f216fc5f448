"""Printing Arrow tables in the terminal, or writing them as csv, json or parquet.

Every command that prints rows takes the same options (`output_options`):
`--format table|csv|json|parquet` and `--out FILE`; a file's extension picks
the format when `--format` is not given, and a mismatch is refused.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.markup import escape
from rich.table import Table

from ..errors import ParameterError
from ..progress import UnwrappedConsole

stdout = UnwrappedConsole()

FORMATS = ("table", "csv", "json", "parquet")
_BY_SUFFIX = {".csv": "csv", ".json": "json", ".parquet": "parquet"}


def output_options(f):
    """--format table|csv|json|parquet and --out FILE, the same on every command that prints rows."""
    f = click.option("--out", type=click.Path(dir_okay=False), default=None,
                     help="Write the rows to this file (.csv, .json or .parquet) instead of stdout.")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Output format (default: table on stdout, or the --out file's extension).")(f)
    return f


def output_format(fmt: str | None, out: str | None) -> str:
    """The format rows are written in: --format, else the --out file's extension, else table."""
    if out:
        by_suffix = _BY_SUFFIX.get(Path(out).suffix.lower())
        if fmt is None:
            if by_suffix is None:
                raise ParameterError(f"--out {out}: cannot tell the format from the extension; "
                                     "use .csv, .json or .parquet, or give --format")
            return by_suffix
        if fmt == "table":
            raise ParameterError("--format table draws on the terminal; with --out choose csv, json or parquet")
        if by_suffix is not None and by_suffix != fmt:
            raise ParameterError(f"--out {out} has the extension of {by_suffix}, but --format is {fmt}")
        return fmt
    return fmt or "table"


def emit(table: pa.Table, fmt: str | None, out: str | None, title: str | None = None, max_rows: int = 50) -> None:
    """Print or write rows as --format and --out ask."""
    chosen = output_format(fmt, out)
    if chosen == "table":
        print_table(table, title=title, max_rows=max_rows)
    else:
        write_table(table, chosen, out)


def emit_parts(parts: dict[str, pa.Table], fmt: str | None, out: str | None, part: str | None,
               draw=None) -> None:
    """Print or write a command's several tables: drawn one after another (by `draw` when
    given), as one JSON object of row lists, or one part (--part) in any format."""
    if part is not None:
        if part not in parts:
            raise ParameterError(f"--part {part!r}: expected one of: {', '.join(parts)}")
        emit(parts[part], fmt, out, title=part, max_rows=200)
        return
    chosen = output_format(fmt, out)
    if chosen == "table":
        if draw is not None:
            draw()
            return
        for title, table in parts.items():
            print_table(table, title=title, max_rows=200)
    elif chosen == "json":
        text = json.dumps({title: table.to_pylist() for title, table in parts.items()}, default=str)
        if out:
            Path(out_file(out)).write_text(text + "\n")
        else:
            print(text)
    else:
        raise ParameterError(f"--format {chosen} writes one table; choose one with --part "
                             f"({', '.join(parts)}), or use --format json")


def part_option(f):
    """--part NAME: one of a command's tables, for csv or parquet output."""
    return click.option("--part", default=None, help="Only this one of the command's tables (needed for csv "
                                                     "and parquet output).")(f)


def print_table(table: pa.Table, title: str | None = None, max_rows: int = 50) -> None:
    """Draw an Arrow table with rich (first max_rows rows)."""
    t = Table(title=title, show_lines=False)
    for name in table.column_names:
        t.add_column(name, overflow="fold")
    for row in table.slice(0, max_rows).to_pylist():
        t.add_row(*["" if v is None else escape(str(v)) for v in row.values()])  # data is not markup
    stdout.print(t)
    if table.num_rows > max_rows:
        stdout.print(f"[dim]... {table.num_rows - max_rows} more rows ({table.num_rows} in all)[/]")


def out_file(out: str) -> str:
    """The path of an --out file, with its folder created (as `train --out` and `report --out` do)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return out


def nested_as_json(table: pa.Table) -> pa.Table:
    """Lists, structs and maps as JSON text (CSV has no nested types); other columns as they are."""
    cols = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_nested(col.type):
            col = pa.array([None if v is None else json.dumps(v, default=str) for v in col.to_pylist()],
                           pa.string())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def write_table(table: pa.Table, fmt: str, out: str | None) -> None:
    """Write an Arrow table as csv (nested values as JSON text), json (records) or parquet to a file or stdout."""
    out = out_file(out) if out else out
    if fmt == "csv":
        table = nested_as_json(table)
    if fmt == "parquet":
        if not out:
            raise ParameterError("--format parquet needs --out FILE")
        pq.write_table(table, out)
    elif fmt == "csv":
        if out:
            pacsv.write_csv(table, out)
        else:
            buf = io.BytesIO()
            pacsv.write_csv(table, buf)
            sys.stdout.write(buf.getvalue().decode())
    elif fmt == "json":
        text = json.dumps(table.to_pylist(), default=str, indent=None)
        if out:
            Path(out).write_text(text + "\n")
        else:
            print(text)
    else:
        raise ParameterError(f"unknown format '{fmt}' (expected one of: {', '.join(FORMATS)})")
