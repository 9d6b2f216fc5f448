"""`medlake load`, `medlake info` and `medlake sql` through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main


def run(*args: str, ok: bool = True, **kwargs):
    result = CliRunner().invoke(main, list(args), **kwargs)
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result


@pytest.fixture(scope="module")
def lake_file(tmp_path_factory, mimic4_dir) -> Path:
    """A lake loaded through the CLI: mimic4 (ICU stays and diagnoses), then the same again (a replace)."""
    path = tmp_path_factory.mktemp("cli") / "lake.duckdb"
    first = run("load", "mimic4", str(mimic4_dir), "--tables", "icustays,diagnoses_icd", "--db", str(path), "--silent")
    assert "loaded dataset mimic4" in first.stdout and "replaced" not in first.stdout
    assert "mimic4.visits" in first.stdout and "415" in first.stdout
    return path


def test_loading_again_says_it_replaced(tmp_path, mimic4_dir):
    db = str(tmp_path / "l.duckdb")
    run("--db", db, "load", "mimic4", str(mimic4_dir), "--tables", "icustays", "--silent")
    again = run("--db", db, "load", "mimic4", str(mimic4_dir), "--tables", "icustays", "--silent")
    assert "replaced dataset mimic4" in again.stdout
    assert "the earlier load of 'mimic4' was replaced" in again.stdout
    history = json.loads(run("sql", "SELECT load_id, status FROM meta.loads ORDER BY load_id", "--format", "json",
                             "--db", db).stdout)
    assert history == [{"load_id": 1, "status": "replaced"}, {"load_id": 2, "status": "ok"}]


def test_unknown_table_in_tables_option(tmp_path, mimic4_dir):
    result = run("load", "mimic4", str(mimic4_dir), "--tables", "icustays,nosuch", "--db", str(tmp_path / "x.duckdb"),
                 ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown table 'nosuch' for source mimic4: expected one of: patients, ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_info_lists_datasets_rows_and_history(lake_file):
    out = run("info", "--db", str(lake_file)).stdout
    assert f"lake {lake_file}" in out
    lines = out.splitlines()
    # the datasets table, the row counts of canonical and raw tables, and the load history
    assert any(line.split("│")[1:3] == [" mimic4  ", " mimic4 "] for line in lines if "│" in line)
    cells = {tuple(c.strip() for c in line.split("│")[1:4]) for line in lines if line.count("│") == 4}
    assert {("mimic4", "visits", "415"), ("mimic4", "events", "4,506"), ("mimic4_raw", "icustays", "140"),
            ("mimic4_raw", "labevents", "0")} <= cells
    assert "load history" in out and " ok " in out


def test_info_on_an_empty_lake(tmp_path):
    path = tmp_path / "empty.duckdb"
    medlake.connect(path).close()
    out = run("--db", str(path), "info").stdout
    assert "no datasets loaded" in out and "load history" not in out


def test_info_on_a_missing_lake_creates_nothing(tmp_path):
    path = tmp_path / "nowhere.duckdb"
    result = run("--db", str(path), "info", ok=False)
    assert result.exit_code == 2
    assert result.stderr == f"error: no lake at '{path}'; create one with `medlake load` (or medlake.connect(path) in Python)\n"
    assert not path.exists()


def test_sql_prints_a_table(lake_file):
    out = run("sql", "SELECT kind, count(*) AS n FROM mimic4.visits GROUP BY kind ORDER BY kind",
              "--db", str(lake_file)).stdout
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    assert rows == [["icu", "140"], ["inpatient", "275"]]
    assert "kind" in out and "n" in out


def test_sql_table_says_how_many_rows_it_left_out(lake_file):
    out = run("sql", "SELECT * FROM range(60) t(i)", "--max-rows", "5", "--db", str(lake_file)).stdout
    assert "... 55 more rows (60 in all)" in out


def test_sql_csv(lake_file):
    out = run("sql", "SELECT visit_id, kind, died FROM mimic4.visits WHERE visit_id = 22942076", "--format", "csv",
              "--db", str(lake_file)).stdout
    assert list(csv.reader(io.StringIO(out))) == [["visit_id", "kind", "died"], ["22942076", "inpatient", "true"]]


def test_sql_json(lake_file):
    out = run("sql", "SELECT subject_id, start_time FROM mimic4.visits WHERE visit_id = 22942076", "--format", "json",
              "--db", str(lake_file)).stdout
    assert json.loads(out) == [{"subject_id": 10006053, "start_time": "2111-11-13 23:39:00"}]


def test_sql_parquet_and_csv_to_files(lake_file, tmp_path):
    pq_out = tmp_path / "v.parquet"
    run("sql", "SELECT visit_id, kind FROM mimic4.visits ORDER BY visit_id", "--format", "parquet", "--out",
        str(pq_out), "--db", str(lake_file))
    table = pq.read_table(pq_out)
    assert table.num_rows == 415 and table.column_names == ["visit_id", "kind"]
    assert table.column("kind").to_pylist().count("icu") == 140
    csv_out = tmp_path / "v.csv"
    run("sql", "SELECT 1 AS a", "--format", "csv", "--out", str(csv_out), "--db", str(lake_file))
    assert csv_out.read_text().splitlines() == ['"a"', "1"]


def test_sql_parquet_needs_out(lake_file):
    result = run("sql", "SELECT 1", "--format", "parquet", "--db", str(lake_file), ok=False)
    assert result.exit_code == 2 and result.stderr == "error: --format parquet needs --out FILE\n"


def test_sql_error_is_one_line_exit_2(lake_file):
    result = run("sql", "SELECT * FROM mimic4.no_such_table", "--db", str(lake_file), ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: query failed: Catalog Error: Table with name no_such_table")
    assert "Traceback" not in result.output


def test_db_option_before_or_after_and_from_the_environment(lake_file, tmp_path, monkeypatch):
    query = "SELECT count(*) AS n FROM mimic4.subjects"
    expected = [{"n": 100}]
    assert json.loads(run("--db", str(lake_file), "sql", query, "--format", "json").stdout) == expected
    assert json.loads(run("sql", query, "--format", "json", "--db", str(lake_file)).stdout) == expected
    monkeypatch.setenv("MEDLAKE_DB", str(lake_file))
    assert json.loads(run("sql", query, "--format", "json").stdout) == expected
    # neither --db nor MEDLAKE_DB: ./medlake.duckdb (a reader needs it to exist; a writer creates it)
    monkeypatch.delenv("MEDLAKE_DB")
    monkeypatch.chdir(tmp_path)
    missing = run("sql", "SELECT 1", ok=False)
    assert missing.exit_code == 2 and missing.stderr.startswith("error: no lake at 'medlake.duckdb'")
    assert not (tmp_path / "medlake.duckdb").exists()
    run("sql", "CREATE TABLE main.t AS SELECT 1 AS x", "--write")
    assert (tmp_path / "medlake.duckdb").exists()
    assert json.loads(run("sql", "SELECT count(*) AS n FROM meta.loads", "--format", "json").stdout) == [{"n": 0}]


# -- one output convention: --format table|csv|json|parquet and --out, the same on every command --------------


def test_every_command_that_prints_rows_takes_the_same_format_option():
    from medlake.cli._output import FORMATS

    commands = [("sql",), ("info",), ("tasks", "list"), ("task", "run"), ("features", "list"), ("features", "get"),
                ("codes", "lookup"), ("codes", "ancestors"), ("codes", "descendants"), ("codes", "map"),
                ("codes", "stats")]
    for path in commands:
        command = main
        for name in path:
            command = command.commands[name]
        option = next(p for p in command.params if p.name == "fmt")
        assert tuple(option.type.choices) == FORMATS, path
        assert any(p.name == "out" for p in command.params), path


def test_out_picks_the_format_from_its_extension_and_refuses_a_mismatch(lake_file, tmp_path):
    query = "SELECT kind, count(*) AS n FROM mimic4.visits GROUP BY kind ORDER BY kind"
    run("sql", query, "--out", str(tmp_path / "v.parquet"), "--db", str(lake_file))
    assert pq.read_table(tmp_path / "v.parquet").to_pylist() == [{"kind": "icu", "n": 140}, {"kind": "inpatient", "n": 275}]
    run("sql", query, "--out", str(tmp_path / "v.csv"), "--db", str(lake_file))
    assert (tmp_path / "v.csv").read_text().splitlines() == ['"kind","n"', '"icu",140', '"inpatient",275']
    bad = run("sql", query, "--format", "json", "--out", str(tmp_path / "v.csv"), "--db", str(lake_file), ok=False)
    assert bad.exit_code == 2 and "has the extension of csv, but --format is json" in bad.stderr
    unknown = run("sql", query, "--out", str(tmp_path / "v.txt"), "--db", str(lake_file), ok=False)
    assert unknown.exit_code == 2 and "cannot tell the format from the extension" in unknown.stderr


def test_info_as_json_and_one_part_as_csv(lake_file):
    data = json.loads(run("info", "--format", "json", "--db", str(lake_file)).stdout)
    assert [d["dataset"] for d in data["datasets"]] == ["mimic4"]
    assert {"schema": "mimic4", "table": "visits", "rows": 415} in data["tables"]
    rows = list(csv.DictReader(io.StringIO(run("info", "--part", "loads", "--format", "csv",
                                               "--db", str(lake_file)).stdout)))
    assert [r["status"] for r in rows] == ["ok"] and rows[0]["source"] == "mimic4"
    several = run("info", "--format", "csv", "--db", str(lake_file), ok=False)
    assert several.exit_code == 2 and "choose one with --part (datasets, tables, views, loads)" in several.stderr


def test_a_long_path_is_never_wrapped_off_a_terminal(tmp_path, mimic4_dir):
    deep = tmp_path / ("a-folder-name-long-enough-to-wrap-any-eighty-column-line-" * 3) / "lake.duckdb"
    deep.parent.mkdir(parents=True)
    out = run("--db", str(deep), "load", "mimic4", str(mimic4_dir), "--tables", "icustays", "--silent").stdout
    assert f"loaded dataset mimic4 from {mimic4_dir} (load 1, " in out
    assert f"lake {deep} (medlake " in run("--db", str(deep), "info").stdout
