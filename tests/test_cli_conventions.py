"""One set of CLI conventions, checked on every command of the click tree (docs/cli.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from helpers import copy_of_lake
from medlake.cli import main
from medlake.cli._output import FORMATS
from medlake.errors import UnknownNameError


def commands(group: click.Group = main, path: tuple = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


ALL = list(commands())
IDS = [" ".join(path) for path, _ in ALL]


def options(command: click.Command) -> dict[str, click.Option]:
    return {opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts}


@pytest.mark.parametrize("path, command", ALL, ids=IDS)
def test_help_ends_with_an_example_of_the_command_itself(path, command):
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=60)
    assert result.exit_code == 0
    examples = [line.strip() for line in result.output.splitlines() if line.strip().startswith("Example: ")]
    assert examples, f"medlake {' '.join(path)} --help shows no example"
    assert examples[0].startswith(f"Example: medlake {' '.join(path)}")


@pytest.mark.parametrize("path, command", ALL, ids=IDS)
def test_shared_options_are_spelled_the_same_everywhere(path, command):
    opts = options(command)
    if "--param" in opts:
        assert "-p" in opts["--param"].opts, "task parameters are -p/--param"
    if "--silent" in opts or "--quiet" in opts:
        assert {"--quiet", "--silent"} <= set((opts.get("--quiet") or opts["--silent"]).opts)
    if "--seed" in opts:
        seed = opts["--seed"]
        assert len(seed.opts) > 1 or path in (("synth",), ("demo",)), "a --seed is named for what it seeds (--split-seed, ...)"
    if "--format" in opts and "--out" in opts:
        assert tuple(opts["--format"].type.choices) == FORMATS


def test_the_lake_file_is_given_once_at_the_group_or_by_medlake_db(tmp_path, monkeypatch):
    db = tmp_path / "x.duckdb"
    run = CliRunner().invoke(main, ["--db", str(db), "sql", "CREATE TABLE main.t AS SELECT 42 AS v", "--write"])
    assert run.exit_code == 0, run.output
    monkeypatch.setenv("MEDLAKE_DB", str(db))
    shown = CliRunner().invoke(main, ["sql", "SELECT v FROM main.t", "--format", "csv"])
    assert shown.exit_code == 0 and shown.stdout.splitlines() == ["\"v\"", "42"]


def test_exit_codes_say_ok_user_error_or_failure(tmp_path):
    assert CliRunner().invoke(main, ["tasks", "list"]).exit_code == 0
    missing = CliRunner().invoke(main, ["--db", str(tmp_path / "none.duckdb"), "info"])
    assert missing.exit_code == 2 and f"no lake at '{tmp_path / 'none.duckdb'}'" in missing.stderr
    typo = CliRunner().invoke(main, ["tasks", "lst"])
    assert typo.exit_code == 2 and "No such command 'lst'. Did you mean 'list'?" in typo.output
    top = CliRunner().invoke(main, ["trian"])
    assert top.exit_code == 2 and "Did you mean 'train'?" in top.output


def test_a_misspelt_task_name_gets_a_suggestion(demo_lake):
    with pytest.raises(UnknownNameError, match="unknown task 'mortalty' \\(did you mean 'mortality'\\?"):
        demo_lake.task("mortalty", "mimic3")


def test_tables_are_never_cut_when_stdout_is_not_a_terminal(demo_lake, mimic3_dir, tmp_path):
    """Through a pipe (here a subprocess's stdout) every cell and header stays whole, on one line."""
    db = copy_of_lake(demo_lake, tmp_path)
    wide = ", ".join(f"{i} AS a_rather_long_column_name_number_{i}" for i in range(8))
    for args, whole in [(["tasks", "list"], "window_days=15, anchor=discharge, min_age=None, uncertain_order=drop"),
                        (["info"], str(mimic3_dir)),
                        (["sql", f"SELECT {wide}"], " ┃ ".join(f"a_rather_long_column_name_number_{i}"
                                                               for i in range(8)))]:
        done = subprocess.run([sys.executable, "-m", "medlake", "--db", db, *args], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "80"}, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "…" not in done.stdout and any(whole in line for line in done.stdout.splitlines()), (args, done.stdout)


def test_an_out_file_gets_its_folder(demo_lake, tmp_path):
    db = copy_of_lake(demo_lake, tmp_path)
    for args, out in [(["sql", "SELECT 1 AS x"], tmp_path / "a" / "b" / "x.csv"),
                      (["stat", "--dataset", "mimic3", "--format", "json"], tmp_path / "c" / "stat.json"),
                      (["task", "run", "mortality", "--dataset", "mimic3"], tmp_path / "d" / "samples.parquet")]:
        result = CliRunner().invoke(main, ["--db", db, *args, "--out", str(out)])
        assert result.exit_code == 0 and out.stat().st_size > 0, (args, result.output)
# -- every command, given a broken input, says so in one line: no traceback ----------------------------

NOT_A_LAKE = "not a DuckDB file\n" * 100


def broken_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """command -> (arguments that break it, the start of its one error line). The lake (--db) is a file
    that is not a DuckDB database, so every command that opens it must say so."""
    (tmp / "bad.duckdb").write_text(NOT_A_LAKE)
    (tmp / "empty").mkdir()
    (tmp / "bad.yaml").write_text("not: [yaml\n")
    (tmp / "bad.sql").write_text("SELECT FROM WHERE\n")
    (tmp / "a-file").write_text("")
    lake = f"error: cannot open lake '{tmp / 'bad.duckdb'}': IO Error: The file"
    out = str(tmp / "out")
    export = f"error: {tmp / 'empty'} is not a medlake parquet export (no manifest.json)"
    cases = {
        "calibrate": ([str(tmp / "empty")], lake),
        "codes ancestors": (["ICD9CM", "401"], lake), "codes descendants": (["ICD9CM", "401"], lake),
        "codes load": ([], lake), "codes lookup": (["ICD9CM", "401"], lake),
        "codes map": (["ICD9CM", "ICD10CM", "401"], lake), "codes stats": ([], lake),
        "demo": (["--out", str(tmp / "a-file")], "Error: Invalid value for '--out'"),
        "evaluate": ([str(tmp / "empty")], lake),
        "explain": ([str(tmp / "empty"), "--sample", "1-2"], lake),
        "export labels": (["mortality", out + ".parquet", "--dataset", "x"], lake),
        "export meds": (["x", out], lake), "export parquet": (["x", out], lake),
        "features build": (["--out", out], lake), "features get": (["f", "--ids", "1"], lake),
        "features list": ([], lake), "features materialize": (["n"], lake),
        "features register": ([str(tmp / "bad.sql")], lake), "features show": (["n"], lake),
        "features sql": (["n", "--dataset", "x"], lake), "features unregister": (["n"], lake),
        "info": ([], lake), "load": (["mimic3", str(tmp / "empty")], lake),
        "notes search": (["pneumonia", "--dataset", "x"], lake),
        "report": (["--dataset", "x"], lake),
        "spark run-task": (["n", "--data", str(tmp / "empty"), "--out", out], export),
        "spark training-set": (["--task", "t", "--features", "f", "--data", str(tmp / "empty"), "--out", out], export),
        "sql": (["SELECT 1"], lake), "stat": (["--dataset", "x"], lake),
        "synth": (["mimic3", str(tmp / "a-file")], "Error: Invalid value for 'OUT'"),
        "task check": (["n", "--dataset", "x"], lake),
        "task from-aces": ([str(tmp / "bad.yaml")],
                           f"error: {tmp / 'bad.yaml'}: not valid YAML: expected ',' or ']', but got '<stream end>' "
                           "at line 2, column 1"),
        "task run": (["n", "--dataset", "x"], lake), "task show": (["n"], "error: unknown task 'n'"),
        "task sql": (["n", "--dataset", "x"], lake), "tasks install": (["--dataset", "x"], lake),
        "tasks list": (["--out", str(tmp / "rows.xyz")], f"error: --out {tmp / 'rows.xyz'}: cannot tell the format"),
        "train": (["--task", "t", "--dataset", "x", "--out", out], lake),
    }
    return cases


def test_every_command_is_walked_with_a_broken_input(tmp_path):
    assert set(broken_inputs(tmp_path)) == set(IDS), "give the new command a broken input in broken_inputs()"


@pytest.mark.parametrize("name", IDS)
def test_a_broken_input_gets_one_line_and_exit_2(tmp_path, name):
    args, start = broken_inputs(tmp_path)[name]
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "bad.duckdb"), *name.split(), *args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith(("error:", "Error:"))]
    assert len(errors) == 1 and errors[0].startswith(start), result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("raised", "code", "line"), [
    (EOFError("Compressed file ended"), 1, "error: unexpected EOFError: Compressed file ended (a bug in medlake: "
                                           "please report it with the command; MEDLAKE_DEBUG=1 shows the traceback)"),
    (ValueError("line one\nline two"), 1, "error: unexpected ValueError: line one line two (a bug in medlake: "),
    (PermissionError(13, "Permission denied", "/x/y.parquet"), 2, "error: /x/y.parquet: Permission denied"),
])
def test_an_unforeseen_exception_is_one_line_not_a_traceback(tmp_path, monkeypatch, raised, code, line):
    def fail(*args, **kwargs):
        raise raised
    monkeypatch.setattr("medlake.lake.Lake.info", fail)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "lake.duckdb"), "sql", "SELECT 1", "--write"])
    assert result.exit_code == 0  # makes the lake
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "lake.duckdb"), "info"])
    assert result.exit_code == code and "Traceback" not in result.output
    assert result.stderr.strip().startswith(line) and len(result.stderr.strip().splitlines()) == 1
    if isinstance(raised, ValueError):  # (click itself turns an EOFError into "Aborted!")
        monkeypatch.setenv("MEDLAKE_DEBUG", "1")
        assert CliRunner().invoke(main, ["--db", str(tmp_path / "lake.duckdb"), "info"]).exception is raised
