"""The lake: connect, the load log (meta.loads), replacing a dataset, info(), and the file in a stock client."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import medlake
from medlake.errors import InputError, MedlakeError, UnknownNameError
from medlake.etl.sources import get_source


def sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def two_loads(tmp_path_factory, mimic3_dir, mimic4_dir) -> Path:
    """A closed lake file: mimic3 loaded, then mimic4 loaded twice (the second replaces the first)."""
    path = tmp_path_factory.mktemp("lake") / "lake.duckdb"
    with medlake.connect(path) as lake:
        lake.load("mimic3", mimic3_dir)
        first = lake.load("mimic4", mimic4_dir, tables=["icustays"])
        second = lake.load("mimic4", mimic4_dir, tables=["icustays", "diagnoses_icd"])
    assert (first.load_id, first.replaced, second.load_id, second.replaced) == (2, False, 3, True)
    return path


def test_connect_returns_a_lake_and_defaults_to_medlake_db(tmp_path, monkeypatch):
    lake = medlake.connect(tmp_path / "a.duckdb")
    assert isinstance(lake, medlake.Lake) and lake.datasets() == []
    lake.close()
    monkeypatch.setenv("MEDLAKE_DB", str(tmp_path / "from_env.duckdb"))
    with medlake.connect() as lake:
        assert lake.path == str(tmp_path / "from_env.duckdb")
    assert (tmp_path / "from_env.duckdb").exists()
    monkeypatch.delenv("MEDLAKE_DB")
    monkeypatch.chdir(tmp_path)
    with medlake.connect() as lake:
        assert lake.path == "medlake.duckdb"
    assert (tmp_path / "medlake.duckdb").exists()


def test_meta_loads_records_files_counts_times_and_version(two_loads, mimic3_dir):
    with medlake.connect(two_loads, read_only=True) as lake:
        loads = lake.sql("SELECT * FROM meta.loads ORDER BY load_id").to_pylist()
        m3 = lake.execute("SELECT count(*) FROM mimic3.events")[0][0]
    assert [(r["load_id"], r["dataset"], r["source"], r["status"]) for r in loads] == [
        (1, "mimic3", "mimic3", "ok"), (2, "mimic4", "mimic4", "replaced"), (3, "mimic4", "mimic4", "ok")]
    first = loads[0]
    assert first["directory"] == str(mimic3_dir)
    assert first["medlake_version"] == medlake.__version__
    assert first["started_at"] <= first["finished_at"] <= dt.datetime.now()
    names = sorted(Path(f["path"]).name for f in first["files"])
    # every file of the demo but the two tables the loader does not read
    assert names == sorted(p.name for p in mimic3_dir.glob("*.csv.gz")
                           if p.name not in ("CALLOUT.csv.gz", "CAREGIVERS.csv.gz"))
    assert len(names) == 22
    for f in first["files"]:
        assert f["size"] == Path(f["path"]).stat().st_size
        assert f["sha256"] == sha256(f["path"])
    counts = dict(first["row_counts"])
    assert counts["mimic3_raw.admissions"] == 129 and counts["mimic3_raw.labevents"] == 76074
    # visits: 129 admissions, 136 ICU stays, 395 ward stays (TRANSFERS), 163 services
    assert (counts["mimic3.subjects"], counts["mimic3.visits"], counts["mimic3.events"]) == (100, 823, m3)
    assert json.loads(loads[2]["options"]) == {"tables": ["icustays", "diagnoses_icd"]}
    assert dict(loads[2]["row_counts"])["mimic4.visits"] == 415


def test_replacing_a_dataset_keeps_one_copy(two_loads):
    with medlake.connect(two_loads, read_only=True) as lake:
        assert lake.datasets() == ["mimic3", "mimic4"]
        datasets = {r["dataset"]: r["load_id"] for r in lake.db.arrow("lake/info.sql", "datasets").to_pylist()}
        assert datasets == {"mimic3": 1, "mimic4": 3}
        # the second load had diagnoses; the first did not: only the second's contents remain
        assert lake.execute("SELECT count(*) FROM mimic4.events")[0][0] == 4506
        assert lake.execute("SELECT count(*) FROM mimic4.visits")[0][0] == 415


def test_info_lists_datasets_tables_with_exact_rows_and_history(two_loads):
    with medlake.connect(two_loads, read_only=True) as lake:
        info = lake.info()
        exact = {f"{s}.{t}": lake.execute(f'SELECT count(*) FROM "{s}"."{t}"')[0][0]
                 for s, t in [(r["schema"], r["table"]) for r in info["tables"]]}
    assert [d["dataset"] for d in info["datasets"]] == ["mimic3", "mimic4"]
    rows = {f"{r['schema']}.{r['table']}": r["rows"] for r in info["tables"]}
    assert rows == exact
    assert rows["mimic3.visits"] == 823 and rows["mimic4_raw.icustays"] == 140 and rows["mimic4_raw.labevents"] == 0
    assert [(r["load_id"], r["status"]) for r in info["loads"]] == [(1, "ok"), (2, "replaced"), (3, "ok")]
    assert info["medlake_version"] == medlake.__version__


def test_unknown_dataset_and_source_are_named_errors(fresh_lake, tmp_path):
    with pytest.raises(UnknownNameError, match=r"unknown dataset 'mimic9' \(loaded: none\)"):
        fresh_lake.require_dataset("mimic9")
    with pytest.raises(UnknownNameError, match=r"unknown source 'mimic9' \(known: .*mimic3, mimic4"):
        fresh_lake.load("mimic9", tmp_path)


STOCK_CLIENT = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
objects = con.execute(
    "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
    "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() "
    "AND NOT internal ORDER BY ALL").fetchall()
counts = {}
for schema, name in objects:
    counts[schema + "." + name] = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
print(json.dumps(counts))
"""


def test_the_file_opens_in_a_stock_duckdb_client(two_loads):
    # a separate interpreter that never imports medlake: no UDF or temp macro may be needed to read anything
    out = subprocess.run([sys.executable, "-c", STOCK_CLIENT, str(two_loads)], capture_output=True, text=True,
                         check=True)
    counts = json.loads(out.stdout)
    # 87,261 events of diagnoses, procedures, prescriptions and labs, 77,148 of the other tables
    assert counts["mimic3.events"] == 87261 + 77148 and counts["mimic4.events"] == 4506
    # every load installs the dataset's task views, and a reload (mimic4 was loaded twice) installs them again
    assert counts["mimic3.mortality"] == counts["mimic3.readmission"] == 26
    assert {k for k in counts if k.startswith("mimic4.") and k not in (
        "mimic4.subjects", "mimic4.visits", "mimic4.events", "mimic4.notes", "mimic4.note_docs",
        "mimic4.note_terms")} == {
        "mimic4.decompensation", "mimic4.in_hospital_mortality_48h", "mimic4.length_of_stay", "mimic4.los_gt_7d",
        "mimic4.mortality", "mimic4.phenotyping", "mimic4.readmission"}
    assert counts["meta.loads"] == 3 and counts["meta.datasets"] == 2
    # every raw table the loader knows exists, loaded or not
    assert {k for k in counts if k.startswith("mimic4_raw.")} == {
        f"mimic4_raw.{t.name}" for t in get_source("mimic4").tables}
    assert len(get_source("mimic4").tables) == 36


def test_a_lake_file_named_like_a_schema_is_refused_clearly(tmp_path, mimic3_dir):
    # DuckDB names the catalog after the file: mimic3.duckdb + schema mimic3 would be ambiguous
    with pytest.raises(MedlakeError, match="cannot use a lake file named 'meta.duckdb'"):
        medlake.connect(tmp_path / "meta.duckdb")
    lake = medlake.connect(tmp_path / "mimic3.duckdb")
    with pytest.raises(InputError, match="dataset name equals the lake file's name"):
        lake.load("mimic3", mimic3_dir)
    assert lake.datasets() == []
    assert lake.load("mimic3", mimic3_dir, name="demo3").dataset == "demo3"
    lake.close()
