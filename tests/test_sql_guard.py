"""`medlake sql` and `lake.sql()`: one statement, read-only unless --write, no files unless --allow-files.

Each refused statement leaves the lake exactly as it was (a snapshot compares every
table) and writes no file; the same statement with the flag that allows it does run.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import medlake
from helpers import assert_unchanged, held_by_another_process, snapshot
from medlake.cli import main
from medlake.errors import SqlFileError

READ_HINT = "the statement may only read (pass --write, or write=True, to change the lake)"
FILE_HINT = "file and network access needs --allow-files (allow_files=True)"


@pytest.fixture()
def lake_path(tmp_path):
    path = tmp_path / "lake.duckdb"
    with medlake.connect(path) as lake:
        lake.execute("CREATE SCHEMA toy")
        lake.execute("CREATE TABLE toy.t AS SELECT * FROM range(3) r(x)")
    return path


def sql(path, *args: str):
    return CliRunner().invoke(main, ["sql", *args, "--db", str(path), "--format", "json"])


def rows(path, *args: str) -> list[dict]:
    result = sql(path, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(path, *args: str) -> str:
    """Run `medlake sql`; check exit 2, one line, no traceback and the lake unchanged; return the line."""
    before = snapshot(path)
    result = sql(path, *args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert_unchanged(path, before)
    return lines[0]


@pytest.mark.parametrize(("query", "found"), [
    ("CREATE TABLE toy.u AS SELECT 1", "CREATE (CREATE TABLE toy.u AS SELECT 1)"),
    ("INSERT INTO toy.t VALUES (9)", "INSERT (INSERT INTO toy.t VALUES (9))"),
    ("DELETE FROM toy.t", "DELETE (DELETE FROM toy.t)"),
    ("DROP TABLE toy.t", "DROP (DROP TABLE toy.t)"),
    ("UPDATE toy.t SET x = 0", "UPDATE (UPDATE toy.t SET x = 0)"),
    ("SET threads = 1", "SET (SET threads = 1)"),
    ("ATTACH 'other.db' AS other", "ATTACH (ATTACH 'other.db' AS other)"),
    ("WITH a AS (SELECT 1) INSERT INTO toy.t SELECT * FROM a", "INSERT (WITH a AS (SELECT 1) INSERT INTO toy.t SELECT * FROM a)"),
])
def test_sql_refuses_writes_without_write(lake_path, query, found):
    assert refused(lake_path, query) == f"error: query: {READ_HINT}; found {found}"


def test_sql_with_write_changes_the_lake(lake_path):
    assert sql(lake_path, "INSERT INTO toy.t VALUES (9)", "--write").exit_code == 0
    assert rows(lake_path, "SELECT max(x) AS m FROM toy.t") == [{"m": 9}]


def test_sql_opens_the_lake_read_only_without_write(lake_path):
    # another process reading the lake blocks a read-write open but not a read-only one
    with held_by_another_process(lake_path, read_only=True) as pid:
        assert rows(lake_path, "SELECT count(*) AS n FROM toy.t") == [{"n": 3}]
        blocked = sql(lake_path, "INSERT INTO toy.t VALUES (9)", "--write")
    assert blocked.exit_code == 2
    assert blocked.stderr.startswith(f"error: cannot open lake '{lake_path}' for writing: process {pid} (")


@pytest.mark.parametrize("flags", [(), ("--write",), ("--write", "--allow-files")])
def test_sql_runs_exactly_one_statement(lake_path, flags):
    assert refused(lake_path, "SELECT 1; DROP TABLE toy.t", *flags) == \
        "error: query: runs exactly one statement; found a second: DROP (DROP TABLE toy.t)"


def test_sql_refuses_nothing_to_run(lake_path):
    assert refused(lake_path, " -- only a comment") == "error: query: no SQL statement given"


def test_sql_refuses_what_it_cannot_parse(lake_path):
    assert refused(lake_path, "SELEC 1 FROM").startswith("error: query: cannot parse the SQL")


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * FROM read_csv('{csv}')", "function read_csv() reads outside the lake"),
    ("SELECT * FROM read_text('{csv}')", "function read_text() reads outside the lake"),
    ("SELECT * FROM glob('{dir}/*')", "function glob() reads outside the lake"),
    ("SELECT getenv('HOME') AS h", "function getenv() reads outside the lake"),
    ("SELECT * FROM '{csv}'", "table '{csv}' names a file or URL"),
    ('SELECT * FROM "{csv}"', "table '{csv}' names a file or URL"),
    ("SELECT * FROM 'https://example.org/x.parquet'", "table 'https://example.org/x.parquet' names a file or URL"),
    ("SELECT x FROM toy.t WHERE x IN (SELECT * FROM read_parquet('{dir}/x.parquet'))",
     "function read_parquet() reads outside the lake"),
])
def test_sql_refuses_files_without_allow_files(lake_path, tmp_path, query, message):
    csv = tmp_path / "data.csv"
    csv.write_text("a\n1\n")
    query, message = (s.format(csv=csv, dir=tmp_path) for s in (query, message))
    for flags in ((), ("--write",)):
        assert refused(lake_path, query, *flags) == f"error: query: {message}; {FILE_HINT}"


def test_sql_with_allow_files_reads_a_file(lake_path, tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("a\n1\n2\n")
    assert rows(lake_path, f"SELECT sum(a)::INT AS s FROM read_csv('{csv}')", "--allow-files") == [{"s": 3}]
    assert rows(lake_path, f"SELECT count(*) AS n FROM '{csv}'", "--allow-files") == [{"n": 2}]


@pytest.mark.parametrize(("statement", "found"), [
    ("COPY toy.t TO '{out}'", "COPY (COPY toy.t TO '{out}') reads or writes files"),
    ("ATTACH '{out}' AS other", "ATTACH (ATTACH '{out}' AS other) reads or writes files"),
    ("INSTALL httpfs", "INSTALL (INSTALL httpfs) reads or writes files"),
    ("LOAD httpfs", "COMMAND (LOAD httpfs) is not checked by medlake and may reach files"),
])
def test_sql_write_without_allow_files_touches_no_file(lake_path, tmp_path, monkeypatch, statement, found):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.csv"
    statement, found = statement.format(out="out.csv"), found.format(out="out.csv")
    assert refused(lake_path, statement, "--write") == f"error: query: {found}; {FILE_HINT}"
    assert not out.exists()


def test_sql_write_and_allow_files_copies_out(lake_path, tmp_path):
    out = tmp_path / "out.csv"
    assert sql(lake_path, f"COPY toy.t TO '{out}'", "--write", "--allow-files").exit_code == 0
    assert out.read_text() == "x\n0\n1\n2\n"


@pytest.mark.parametrize("query", ["SHOW TABLES", "DESCRIBE toy.t", "SUMMARIZE toy.t", "VALUES (1)",
                                   "FROM toy.t SELECT x", "SELECT 1 UNION ALL SELECT 2"])
def test_sql_read_statements_run_without_flags(lake_path, query):
    result = sql(lake_path, query)
    assert result.exit_code == 0, result.output


def test_lake_sql_takes_the_same_flags(lake_path, tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("a\n1\n2\n")
    with medlake.connect(lake_path) as lake:
        with pytest.raises(SqlFileError, match=r"^query: the statement may only read .*; found DROP \(DROP TABLE toy.t\)$"):
            lake.sql("DROP TABLE toy.t")
        with pytest.raises(SqlFileError, match=r"found a second: SELECT \(SELECT 2\)$"):
            lake.sql("SELECT 1; SELECT 2")
        with pytest.raises(SqlFileError, match=r"^query: function read_csv\(\) reads outside the lake"):
            lake.sql(f"SELECT * FROM read_csv('{csv}')", write=True)
        assert lake.sql("SELECT count(*) AS n FROM toy.t").to_pylist() == [{"n": 3}]
        lake.sql("INSERT INTO toy.t VALUES ($v)", {"v": 7}, write=True)
        assert lake.sql(f"SELECT sum(a) AS s FROM read_csv('{csv}')", allow_files=True).to_pylist() == [{"s": 3}]
        assert lake.sql("SELECT max(x) AS m FROM toy.t").to_pylist() == [{"m": 7}]


def test_duckdb_refuses_files_should_a_statement_get_past_the_check(lake_path, tmp_path, monkeypatch):
    # a second wall: without --allow-files the connection itself has external access turned off
    import medlake.lake
    import medlake.sqlcheck

    csv = tmp_path / "data.csv"
    csv.write_text("a\n1\n")
    for module in (medlake.sqlcheck, medlake.lake):
        monkeypatch.setattr(module, "check_statement", lambda *a, **k: None)
    result = sql(lake_path, f"SELECT * FROM read_csv('{csv}')")
    assert result.exit_code == 2
    assert result.stderr == (f'error: query failed: Permission Error: Cannot access file "{csv}" - '
                             "file system operations are disabled by configuration\n")
    assert rows(lake_path, f"SELECT count(*) AS n FROM read_csv('{csv}')", "--allow-files") == [{"n": 1}]
    with medlake.connect(lake_path, read_only=True, external_access=False) as lake:
        assert lake.sql("SELECT count(*) AS n FROM toy.t").to_pylist() == [{"n": 3}]
