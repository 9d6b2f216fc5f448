"""Printing Arrow tables in the terminal or writing them as csv/json/parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.console import Console
from rich.markup import escape
from rich.table import Table

stdout = Console()


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


def write_table(table: pa.Table, fmt: str, out: str | None) -> None:
    """Write an Arrow table as csv, json (records) or parquet to a file or stdout."""
    if fmt == "parquet":
        if not out:
            raise click_error("--format parquet needs --out FILE")
        pq.write_table(table, out)
        return
    if fmt == "csv":
        if out:
            pacsv.write_csv(table, out)
        else:
            import io
            import sys

            buf = io.BytesIO()
            pacsv.write_csv(table, buf)
            sys.stdout.write(buf.getvalue().decode())
        return
    if fmt == "json":
        text = json.dumps(table.to_pylist(), default=str, indent=None)
        if out:
            Path(out).write_text(text + "\n")
        else:
            print(text)
        return
    raise click_error(f"unknown format '{fmt}' (expected table, csv, json or parquet)")


def click_error(message: str):
    from ..errors import ParameterError

    return ParameterError(message)
