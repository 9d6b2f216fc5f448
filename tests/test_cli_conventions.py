"""One set of CLI conventions, checked on every command of the click tree (docs/cli.md)."""

from __future__ import annotations

import os
import subprocess
import sys

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
