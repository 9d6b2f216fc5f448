"""Helpers shared by several test files (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
CODES_EXAMPLES = ROOT / "docs" / "examples" / "codes.sql"


def snapshot(path: Path) -> dict:
    """Every table's contents (meta included) and the list of schemas, read with plain duckdb."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        schemas = sorted(r[0] for r in con.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()").fetchall())
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE database_name = current_database() ORDER BY ALL").fetchall()
        contents = {f"{s}.{t}": con.sql(f'SELECT * FROM "{s}"."{t}"').to_arrow_table() for s, t in tables}
    finally:
        con.close()
    return {"schemas": schemas, "tables": contents}


def rewrite(path: Path, edit) -> None:
    """Replace a .csv.gz's lines (without their newlines) by edit(lines)."""
    with gzip.open(path, "rt", newline="") as f:
        lines = f.read().split("\n")
    trailing = lines[-1] == ""
    lines = edit(lines[:-1] if trailing else lines)
    with gzip.open(path, "wt", newline="") as f:
        f.write("\n".join(lines) + ("\n" if trailing else ""))


def replace_cell(path: Path, line: int, index: int, value: str) -> None:
    """Set field `index` of file line `line` (1 = the header) of a .csv.gz to `value`."""
    def edit(lines):
        fields = lines[line - 1].split(",")
        fields[index] = value
        return lines[:line - 1] + [",".join(fields)] + lines[line:]
    rewrite(path, edit)


def assert_unchanged(path: Path, before: dict) -> None:
    """The lake at `path` holds exactly what `snapshot` saw in `before`."""
    after = snapshot(path)
    assert after["schemas"] == before["schemas"]
    assert after["tables"].keys() == before["tables"].keys()
    for name, table in before["tables"].items():
        assert after["tables"][name].equals(table), f"{name} changed"


@contextlib.contextmanager
def held_by_another_process(path: Path, read_only: bool):
    """A second Python process holding the lake file open (read-only or read-write) for the block; yields its pid."""
    code = (f"import duckdb, sys; con = duckdb.connect({str(path)!r}, read_only={read_only}); "
            "print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        yield proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def toy_lake(path: Path) -> Path:
    """A lake file with one small dataset 'toy' (canonical tables, three subjects with events) and a
    samples table toy.samples (subject_id, index_time); returns its path."""
    import medlake

    with medlake.connect(path) as lake:
        lake.execute("CREATE SCHEMA toy")
        lake.db.run("schema/core.sql", schemas={None: "toy"})
        lake.db.record_dataset("toy", "test", 1, dt.datetime(2030, 1, 1))
        lake.execute("INSERT INTO toy.subjects VALUES (1, '1980-01-01', 'F', NULL, NULL), "
                     "(2, '1990-01-01', 'M', NULL, NULL), (3, '2000-01-01', 'F', NULL, NULL)")
        lake.execute("INSERT INTO toy.events (subject_id, time, vocab, code, numeric_value, source, seq) VALUES "
                     "(1, '2030-01-01', 'TOY', 'a', 1.0, 'test', 0), (1, '2030-01-02', 'TOY', 'b', 2.0, 'test', 1), "
                     "(2, '2030-01-01', 'TOY', 'a', 3.0, 'test', 2)")
        lake.execute("CREATE TABLE toy.samples AS SELECT * FROM (VALUES (1, TIMESTAMP '2030-01-03'), "
                     "(2, TIMESTAMP '2030-01-03'), (3, TIMESTAMP '2030-01-03')) s(subject_id, index_time)")
    return path


def _open(path: Path, mode: str):
    return gzip.open(path, mode) if path.name.lower().endswith(".gz") else open(path, mode)  # noqa: SIM115


def add_bom(path: Path) -> None:
    """Put a UTF-8 byte-order mark before the first byte of a .csv or .csv.gz file."""
    with _open(path, "rb") as f:
        data = f.read()
    with _open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + data)


def change_delimiter(path: Path, delimiter: str) -> None:
    """Rewrite a .csv or .csv.gz file with another delimiter between fields (quotes kept where needed)."""
    import csv
    import io

    with _open(path, "rb") as f:
        rows = list(csv.reader(io.StringIO(f.read().decode(), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    with _open(path, "wb") as f:
        f.write(out.getvalue().encode())
