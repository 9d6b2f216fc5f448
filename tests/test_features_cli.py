"""`medlake features ...` end to end on the MIMIC-III demo, and the manifest of a built training set."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import medlake
from helpers import copy_of_lake
from medlake.cli import main
from medlake.featurestore import builtin_views


@pytest.fixture(scope="module")
def db(tmp_path_factory, mimic3_dir):
    path = tmp_path_factory.mktemp("features_cli") / "lake.duckdb"
    with medlake.connect(path) as lake:
        lake.load("mimic3", mimic3_dir)
    return str(path)


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_list_and_show(db):
    r = run("features", "list", "--format", "json", "--db", db)
    assert r.exit_code == 0
    listed = {v["name"]: v for v in json.loads(r.output)}
    assert set(listed) == set(builtin_views())
    assert listed["lab_stats"]["version"] == builtin_views()["lab_stats"].version
    assert len(listed["lab_stats"]["features"]) == 80
    r = run("features", "show", "prior_utilization", "--db", db)
    assert r.exit_code == 0
    assert "admissions_365d" in r.output and "FROM visits" in r.output


def test_build_writes_the_set_and_its_manifest(db, tmp_path):
    out = tmp_path / "train.parquet"
    r = run("features", "build", "--task", "mortality", "--dataset", "mimic3",
            "--features", "demographics,prior_utilization.admissions_365d,lab_stats.creatinine_last_24h",
            "--out", str(out), "--silent", "--db", db)
    assert r.exit_code == 0, r.output
    table = pq.read_table(out)
    with medlake.connect(db, read_only=True) as lake:
        task = lake.task("mortality", dataset="mimic3")
        samples = task.to_arrow()
    assert table.num_rows == samples.num_rows == 26
    assert table.column_names == samples.column_names + [
        "demographics__age", "demographics__sex", "prior_utilization__admissions_365d",
        "lab_stats__creatinine_last_24h"]
    assert table.column("sample_id").to_pylist() == samples.column("sample_id").to_pylist()
    manifest = json.loads((tmp_path / "train.manifest.json").read_text())
    assert manifest["source"]["task"] == "mortality"
    assert manifest["source"]["sql_sha256"] == hashlib.sha256(task.sql.encode()).hexdigest()
    assert [(f["view"], f["version"], f["features"]) for f in manifest["features"]] == [
        ("demographics", builtin_views()["demographics"].version, ["age", "sex"]),
        ("prior_utilization", builtin_views()["prior_utilization"].version, ["admissions_365d"]),
        ("lab_stats", builtin_views()["lab_stats"].version, ["creatinine_last_24h"]),
    ]
    assert manifest["loads"] == [1]
    assert manifest["rows"] == {"samples": 26, "training_set": 26, "columns": len(table.column_names),
                                "feature_columns": 4}
    assert "wrote 26 rows x 4 features" in r.output


def test_build_from_a_samples_table_and_bad_names(db, tmp_path):
    out = tmp_path / "set.parquet"
    r = run("features", "build", "--samples", "mimic3.visits", "--features", "nope", "--out", str(out), "--db", db)
    assert r.exit_code == 2
    assert "unknown feature view 'nope'" in r.output
    r = run("features", "build", "--samples", "mimic3.visits", "--out", str(out), "--db", db)
    assert r.exit_code == 2
    assert "samples need an index_time column" in r.output


def test_materialize_then_get(db):
    r = run("features", "materialize", "prior_utilization", "--silent", "--db", db)
    assert r.exit_code == 0, r.output
    assert "full, 100 entities rewritten" in r.output
    r = run("features", "materialize", "prior_utilization", "--silent", "--db", db)
    assert "unchanged, 0 entities rewritten" in r.output
    r = run("features", "get", "prior_utilization.admissions_365d,prior_utilization.days_since_discharge",
            "--ids", "10006,1", "--format", "json", "--db", db)
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert [g["subject_id"] for g in got] == [10006, 1]
    # latest values are as of the subject's last activity: its last event, visit end or birth
    with medlake.connect(db, read_only=True) as lake:
        events = [e["time"] for e in lake.sql("SELECT * FROM mimic3.events").to_pylist()
                  if e["subject_id"] == 10006 and e["time"] is not None]
        visits = [v for v in lake.sql("SELECT * FROM mimic3.visits").to_pylist() if v["subject_id"] == 10006]
    as_of = max(events + [v["end_time"] for v in visits])
    ends = [v["end_time"] for v in visits if v["kind"] == "inpatient"]
    assert got[0]["prior_utilization__days_since_discharge"] == pytest.approx((as_of - max(ends)).total_seconds() / 86400)
    assert got[0]["prior_utilization__admissions_365d"] == sum(
        1 for e in ends if (as_of - e).total_seconds() <= 365 * 86400)
    assert got[1]["prior_utilization__admissions_365d"] is None
    r = run("features", "get", "prior_utilization.admissions_365d", "--ids", "x", "--db", db)
    assert r.exit_code == 2 and "--ids must be whole numbers" in r.output


def test_build_without_features_uses_every_view_the_lake_can_serve(db, tmp_path):
    out = tmp_path / "all.parquet"
    r = run("features", "build", "--task", "mortality", "--dataset", "mimic3", "--out", str(out), "--silent",
            "--db", db)
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "all.manifest.json").read_text())
    # no code tables in this lake: the views over vocab.maps are left out
    assert [f["view"] for f in manifest["features"]] == ["demographics", "lab_stats", "prior_utilization"]
    assert manifest["rows"]["feature_columns"] == 85


def test_a_manifest_rebuilds_the_same_set(db, tmp_path):
    out = tmp_path / "first.parquet"
    r = run("features", "build", "--task", "mortality", "--dataset", "mimic3", "--features",
            "demographics.age,lab_stats.sodium_mean_7d", "--ttl", "3 days", "--exclusive", "--out", str(out),
            "--silent", "--db", db)
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "first.manifest.json").read_text())
    assert manifest["options"] == {"ttl_seconds": 259200.0, "inclusive": False}
    pinned = [f"{f['view']}@{f['version']}.{name}" for f in manifest["features"] for name in f["features"]]
    with medlake.connect(db, read_only=True) as lake:
        again = lake.features.training_set(lake.task(manifest["source"]["task"], dataset=manifest["dataset"]),
                                           pinned, ttl=manifest["options"]["ttl_seconds"], inclusive=False)
    assert again.equals(pq.read_table(out))


def test_register_a_view_file(db, tmp_path):
    view = tmp_path / "n_labs.sql"
    view.write_text("/* medlake\nname: n_labs\nentity: visit\nkind: window\nevent_time: time\n"
                    "features:\n  n_labs: {type: BIGINT, agg: count}\n*/\n"
                    "SELECT visit_id, time FROM events WHERE source = 'labevents'\n")
    r = run("features", "register", str(view), "--db", db)
    assert r.exit_code == 0, r.output
    with medlake.connect(db, read_only=True) as lake:
        version = lake.features.get("n_labs").version
        samples = lake.task("mortality", dataset="mimic3")
        got = lake.features.training_set(samples, ["n_labs"]).to_pylist()
        events = lake.sql("SELECT * FROM mimic3.events").to_pylist()
    assert f"as version {version}" in r.output
    for row in got:
        assert row["n_labs__n_labs"] == sum(1 for e in events if e["visit_id"] == row["visit_id"]
                                            and e["source"] == "labevents" and e["time"] <= row["index_time"])
    r = run("features", "show", "n_labs", "--db", db)
    assert version in r.output and "registered versions" in r.output


def test_materialize_asks_for_the_dataset_in_the_words_of_the_command_line(demo_lake, tmp_path):
    db = copy_of_lake(demo_lake, tmp_path)
    r = CliRunner().invoke(main, ["features", "materialize", "demographics", "--quiet", "--db", db])
    assert r.exit_code == 2
    assert ("error: say which dataset the features come from (--dataset NAME; in Python dataset=NAME); "
            "loaded: mimic3, mimic4") in r.output
