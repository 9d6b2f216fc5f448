"""Resources and interruptions: memory limits that spill, out-of-memory said plainly, a killed load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import medlake
from helpers import snapshot
from medlake.cli import main
from medlake.errors import OutOfMemoryError
from medlake.synth import synthesize


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A synthetic MIMIC-III export of 2,000 patients (about 1.8 M rows)."""
    out = tmp_path_factory.mktemp("synth") / "raw"
    result = synthesize("mimic3", out, patients=2000, seed=3)
    return out, result


def test_a_load_under_a_300mb_limit_spills_and_succeeds(synthetic, tmp_path):
    out, written = synthetic
    lake_path = tmp_path / "small.duckdb"
    with medlake.connect(lake_path, memory_limit="300MB", threads=2) as lake:
        setting = lake.execute("SELECT current_setting('memory_limit')")[0][0]
        result = lake.load("mimic3", out)
        assert lake.execute("SELECT current_setting('memory_limit')")[0][0] == setting  # put back after the load
    assert setting in ("286.1 MiB", "300.0 MB", "286.1MiB")
    assert result.row_counts["mimic3_raw.labevents"] == written.rows["LABEVENTS"]
    assert result.row_counts["mimic3_raw.prescriptions"] == written.rows["PRESCRIPTIONS"]


def test_running_out_of_memory_is_said_plainly_and_changes_nothing(synthetic, tmp_path, mimic4_dir):
    out, _ = synthetic
    lake_path = tmp_path / "lake.duckdb"
    with medlake.connect(lake_path) as lake:
        lake.load("mimic4", mimic4_dir, tables=["icustays"])
    before = snapshot(lake_path)
    with medlake.connect(lake_path, memory_limit="4MB", threads=1) as lake, \
            pytest.raises(OutOfMemoryError, match="DuckDB ran out of memory .*--memory-limit"):
        lake.load("mimic3", out)
    assert snapshot(lake_path) == before
    cli = CliRunner().invoke(main, ["--db", str(lake_path), "--memory-limit", "4MB", "--threads", "1",
                                    "load", "mimic3", str(out), "--quiet"])
    assert cli.exit_code == 2 and cli.stderr.startswith("error: DuckDB ran out of memory")
    assert "--memory-limit" in cli.stderr and "Traceback" not in cli.output
    bad = CliRunner().invoke(main, ["--db", str(lake_path), "--memory-limit", "lots", "info"])
    assert bad.exit_code == 2 and "expected --memory-limit like 2GB" in bad.stderr


DUCKDB_BLOCK = 262_144
KILLED_LOAD = """
import sys, medlake
with medlake.connect(sys.argv[1]) as lake:
    lake.load("mimic3", sys.argv[2])
"""


def test_a_killed_load_leaves_the_lake_as_it_was_and_is_reported(synthetic, tmp_path, mimic4_dir):
    out, _ = synthetic
    lake_path = tmp_path / "lake.duckdb"
    with medlake.connect(lake_path) as lake:
        lake.load("mimic4", mimic4_dir, tables=["icustays"])
    before = snapshot(lake_path)
    size_before = lake_path.stat().st_size
    marker = lake_path.with_name("lake.duckdb.loading")
    child = subprocess.Popen([sys.executable, "-c", KILLED_LOAD, str(lake_path), str(out)])
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    while lake_path.stat().st_size <= size_before + 2 * DUCKDB_BLOCK and time.time() < deadline:
        time.sleep(0.02)  # killed once the load has written blocks to the file (staging the big tables)
    assert child.poll() is None, "the load finished before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert marker.exists()
    size_killed = lake_path.stat().st_size
    assert size_killed > size_before
    with medlake.connect(lake_path, read_only=True) as lake:
        assert lake.interrupted_load["dataset"] == "mimic3" and lake.interrupted_load["pid"] == child.pid
        assert lake.datasets() == ["mimic4"]
    assert snapshot(lake_path) == before
    shown = CliRunner().invoke(main, ["--db", str(lake_path), "info", "--part", "datasets", "--format", "json"])
    assert shown.exit_code == 0 and "a load of 'mimic3' (mimic3, started " in shown.stderr
    with medlake.connect(lake_path, read_only=False) as lake:  # a writer gives the file back its size, drops the marker
        assert lake.interrupted_load is not None
    assert not marker.exists()
    # DuckDB alone would keep size_killed until a later write; its checkpoint may lay the same contents out in
    # one more block than before (docs/reliability.md)
    assert size_before <= lake_path.stat().st_size <= size_before + DUCKDB_BLOCK < size_killed
    assert snapshot(lake_path) == before
    with medlake.connect(lake_path) as lake:
        lake.load("mimic4", mimic4_dir, tables=["icustays", "diagnoses_icd"])
    with medlake.connect(lake_path, read_only=True) as lake:
        assert lake.interrupted_load is None
