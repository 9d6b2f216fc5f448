"""Commands that only read open the lake read-only: they run beside another reader and on a
read-only file; a command that writes, blocked by another process, says which process holds the lake."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import duckdb
import pytest
from click.testing import CliRunner

import medlake
from helpers import assert_unchanged, held_by_another_process, snapshot, toy_lake
from medlake.cli import main
from medlake.errors import LakeInUseError, ParameterError

VIEW = ("/* medlake\nname: probe\nentity: subject\nfeatures:\n  v: DOUBLE\n*/\n"
        "SELECT subject_id, time, numeric_value AS v FROM events\n")


@pytest.fixture(scope="module")
def lake_path(tmp_path_factory):
    """The toy lake with a registered and materialized view 'probe'."""
    folder = tmp_path_factory.mktemp("read_only")
    path = toy_lake(folder / "lake.duckdb")
    (folder / "probe.sql").write_text(VIEW)
    with medlake.connect(path) as lake:
        lake.features.register(folder / "probe.sql")
        lake.features.materialize("probe", dataset="toy")
    return path


READERS = [
    (("info",), "lake "),
    (("sql", "SELECT count(*) AS n FROM toy.events", "--format", "json"), '"n": 3'),
    (("tasks", "list"), "mortality"),
    (("features", "list", "--format", "json"), '"name": "probe"'),
    (("features", "show", "probe"), "registered versions"),
    (("features", "get", "probe.v", "--ids", "1,2", "--format", "json"), '"probe__v": 2.0'),
]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def run_unprivileged(*args: str):
    """The command as a user whom file permissions bind. Root writes to a chmod 444 file anyway, so as root
    the command runs in a process without capabilities (setpriv: uid 0, no CAP_DAC_OVERRIDE)."""
    if os.geteuid() != 0:
        return run(*args)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root, the read-only file tests need setpriv (util-linux) to drop capabilities")
    done = subprocess.run([setpriv, "--bounding-set=-all", sys.executable, "-m", "medlake", *args],
                          capture_output=True, text=True, timeout=120)
    return SimpleNamespace(exit_code=done.returncode, stdout=done.stdout, stderr=done.stderr,
                           output=done.stdout + done.stderr)


@pytest.mark.parametrize(("args", "shown"), READERS, ids=[" ".join(a[:2]) for a, _ in READERS])
def test_readers_run_beside_another_reader(lake_path, args, shown):
    with held_by_another_process(lake_path, read_only=True):
        result = run(*args, *(("--db", str(lake_path)) if args[:2] != ("tasks", "list") else ()))
    assert result.exit_code == 0, result.output
    assert shown in result.stdout


@pytest.mark.parametrize(("args", "shown"), READERS, ids=[" ".join(a[:2]) for a, _ in READERS])
def test_readers_run_on_a_read_only_file(lake_path, args, shown):
    os.chmod(lake_path, 0o444)
    try:
        result = run_unprivileged(*args, *(("--db", str(lake_path)) if args[:2] != ("tasks", "list") else ()))
    finally:
        os.chmod(lake_path, 0o644)
    assert result.exit_code == 0, result.output
    assert shown in result.stdout


def test_a_writer_on_a_read_only_file_is_told_so(lake_path, tmp_path):
    os.chmod(lake_path, 0o444)
    try:
        (tmp_path / "x.sql").write_text(VIEW)
        result = run_unprivileged("features", "register", str(tmp_path / "x.sql"), "--db", str(lake_path))
    finally:
        os.chmod(lake_path, 0o644)
    assert result.exit_code == 2
    assert result.stderr == (f"error: cannot open lake '{lake_path}' for writing: the file is read-only; commands "
                             "that only read (info, sql, tasks list, features list/show/get) still work\n")


def test_a_blocked_writer_names_the_process_holding_the_lake(lake_path, tmp_path, mimic4_dir):
    before = snapshot(lake_path)
    with held_by_another_process(lake_path, read_only=True) as pid:
        result = run("load", "mimic4", str(mimic4_dir), "--tables", "icustays", "--silent", "--db", str(lake_path))
        with pytest.raises(LakeInUseError) as e:
            medlake.connect(lake_path, read_only=False)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot open lake '{lake_path}' for writing: process {pid} (")
    assert lines[0].endswith(") holds it; wait for that process to finish or close its lake, then try again "
                             "(readers may share a lake; a writer needs it alone)")
    assert e.value.pid == pid
    assert_unchanged(lake_path, before)


def test_connect_reads_an_existing_lake_and_reopens_it_for_a_write(lake_path, tmp_path):
    """connect(path) on an existing file is a reader beside others; the first write reopens it read-write,
    and that write waits for no one but is refused, naming the holder, while another process has the file."""
    (tmp_path / "probe2.sql").write_text(VIEW.replace("name: probe", "name: probe2"))
    with held_by_another_process(lake_path, read_only=True) as pid:
        lake = medlake.connect(lake_path)
        assert lake.read_only and lake.sql("SELECT count(*) AS n FROM toy.events").to_pylist() == [{"n": 3}]
        with pytest.raises(LakeInUseError) as e:
            lake.features.register(tmp_path / "probe2.sql")
        assert e.value.pid == pid
    lake = medlake.connect(lake_path)
    try:
        assert lake.read_only
        lake.features.register(tmp_path / "probe2.sql")
        assert not lake.read_only
        assert lake.features.versions("probe2")
        assert lake.features.unregister("probe2")["versions"]
    finally:
        lake.close()
    with (medlake.connect(lake_path, read_only=True) as reader,
          pytest.raises(ParameterError, match="is open read-only and unregistering a feature view writes to it")):
        reader.features.unregister("probe")
    with medlake.connect(tmp_path / "new.duckdb") as created:
        assert not created.read_only


def test_a_reader_blocked_by_a_writer_names_it(lake_path):
    with held_by_another_process(lake_path, read_only=False) as pid:
        result = run("info", "--db", str(lake_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot open lake '{lake_path}' read-only: process {pid} (")


def test_info_on_a_plain_duckdb_file_reads_it_without_writing(tmp_path):
    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    before = snapshot(path)
    result = run("info", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert "no datasets loaded" in result.stdout
    assert json.loads(run("sql", "SELECT x FROM t", "--format", "json", "--db", str(path)).stdout) == [{"x": 1}]
    assert_unchanged(path, before)  # no meta schema was added
    assert snapshot(path)["schemas"] == ["main"]
