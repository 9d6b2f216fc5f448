"""Feature views pass the task files' allowlist, can be unregistered, and one failing view does
not stop a training set built from every view."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import medlake
from helpers import assert_unchanged, snapshot, toy_lake
from medlake.cli import main
from medlake.errors import MedlakeError, ParameterError, SqlFileError, UnknownNameError
from medlake.featurestore import FeatureView

OUTSIDE = "a feature view reads the canonical tables (subjects, visits, events), vocab.<table> or its own CTEs"
ONLY_LAKE = "a feature view may read only lake tables"


def view_text(sql: str, name: str = "probe", features: str = "v: INTEGER") -> str:
    return f"/* medlake\nname: {name}\nentity: subject\nfeatures:\n  {features}\n*/\n{sql}\n"


@pytest.fixture()
def lake_path(tmp_path):
    return toy_lake(tmp_path / "lake.duckdb")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT subject_id, time, 1 AS v FROM meta.loads", f"table meta.loads is outside the dataset; {OUTSIDE}"),
    ("SELECT subject_id, time, 1 AS v FROM fs.feature_views", f"table fs.feature_views is outside the dataset; {OUTSIDE}"),
    ("SELECT subject_id, time, 1 AS v FROM mimic3.events", f"table mimic3.events is outside the dataset; {OUTSIDE}"),
    ("SELECT subject_id, time, 1 AS v FROM lake.toy.events", f"table lake.toy.events is outside the dataset; {OUTSIDE}"),
    ("SELECT subject_id, time, 1 AS v FROM events WHERE subject_id IN (SELECT subject_id FROM other.subjects)",
     f"table other.subjects is outside the dataset; {OUTSIDE}"),
    ("SELECT subject_id, time, 1 AS v FROM admissions", f"unknown table 'admissions'; {OUTSIDE}"),
    ("SELECT subject_id, time, 1 AS v FROM read_csv('/etc/passwd')", f"function read_csv() reads outside the lake; {ONLY_LAKE}"),
    ("SELECT subject_id, time, getenv('HOME') AS v FROM events", f"function getenv() reads outside the lake; {ONLY_LAKE}"),
    ("SELECT subject_id, time, current_setting('threads') AS v FROM events",
     f"function current_setting() reads the lake's settings or catalog; {ONLY_LAKE}"),
    ("SELECT subject_id, time, current_database() AS v FROM events",
     f"function current_database() reads the lake's settings or catalog; {ONLY_LAKE}"),
    ("SELECT 1 AS subject_id, now() AS time, 1 AS v FROM duckdb_tables()",
     f"function duckdb_tables() reads the lake's settings or catalog; {ONLY_LAKE}"),
    ("SELECT 1 AS subject_id, now() AS time, i AS v FROM range(3) r(i)",
     "table function RANGE(0, 3) is not allowed; a feature view reads lake tables only"),
])
def test_view_sql_outside_the_allowlist_is_refused_at_register_time(lake_path, tmp_path, sql, message):
    path = tmp_path / "probe.sql"
    path.write_text(view_text(sql))
    with pytest.raises(SqlFileError) as e:
        FeatureView.from_file(path)
    assert str(e.value) == f"{path}: {message}"
    before = snapshot(lake_path)
    result = run("features", "register", str(path), "--db", str(lake_path))
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: {message}\n"
    assert_unchanged(lake_path, before)


@pytest.mark.parametrize(("feature", "message"), [
    ('n: {type: BIGINT, agg: count, where: "code IN (SELECT code FROM meta.loads)"}',
     "feature 'n': where reads table meta.loads; it may use only the view's columns"),
    ("s: {type: BIGINT, agg: sum, value: \"getenv('X')::BIGINT\"}",
     "function getenv() reads outside the lake; feature 's' may read only lake tables"),
])
def test_feature_expressions_are_checked_too(feature, message):
    text = f"/* medlake\nname: probe\nentity: subject\nkind: window\nfeatures:\n  {feature}\n*/\n" \
           "SELECT subject_id, time, code FROM events\n"
    with pytest.raises(SqlFileError) as e:
        FeatureView.from_text(text, "probe.sql")
    assert str(e.value) == f"probe.sql: {message}"


def test_views_over_canonical_tables_vocab_and_ctes_pass():
    text = view_text("WITH e AS (SELECT subject_id, time, code FROM events) "
                     "SELECT e.subject_id, e.time, 1 AS v FROM e JOIN vocab.maps m ON m.source_code = e.code "
                     "JOIN subjects s USING (subject_id) JOIN visits USING (subject_id)")
    assert FeatureView.from_text(text).source_tables() == ["events", "subjects", "visits", "vocab.maps"]


def register(lake_path, tmp_path, sql: str, name: str = "probe", features: str = "v: INTEGER") -> None:
    path = tmp_path / f"{name}.sql"
    path.write_text(view_text(sql, name, features))
    result = run("features", "register", str(path), "--db", str(lake_path))
    assert result.exit_code == 0, result.output


def test_unregister_one_version_then_all(lake_path, tmp_path):
    register(lake_path, tmp_path, "SELECT subject_id, time, 1 AS v FROM events")
    register(lake_path, tmp_path, "SELECT subject_id, time, 2 AS v FROM events")
    with medlake.connect(lake_path) as lake:
        old, new = (v["version"] for v in lake.features.versions("probe"))
        lake.features.materialize("probe", dataset="toy")
        assert lake.db.table_exists("fs", f"probe__v{new}")
    result = run("features", "unregister", "probe", "--version", old, "--db", str(lake_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"unregistered probe (version {old})\n"
    with medlake.connect(lake_path, read_only=True) as lake:
        assert [v["version"] for v in lake.features.versions("probe")] == [new]
        assert lake.features.get("probe").version == new
    result = run("features", "unregister", "probe", "--db", str(lake_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"unregistered probe (version {new}); dropped fs.probe__v{new}, fs.probe__latest\n"
    with medlake.connect(lake_path) as lake:
        assert lake.features.versions("probe") == []
        assert "probe" not in [v["name"] for v in lake.features.list()]
        assert not lake.db.table_exists("fs", f"probe__v{new}") and not lake.db.table_exists("fs", "probe__latest")
        assert lake.sql("SELECT count(*) AS n FROM fs.materializations WHERE name = 'probe'").to_pylist() == [{"n": 0}]


def test_unregister_refuses_what_it_cannot_remove(lake_path, tmp_path):
    register(lake_path, tmp_path, "SELECT subject_id, time, 1 AS v FROM events")
    with medlake.connect(lake_path) as lake:
        version = lake.features.get("probe").version
        with pytest.raises(UnknownNameError, match=r"^no feature view 'nope' is registered \(registered: probe\)$"):
            lake.features.unregister("nope")
        with pytest.raises(UnknownNameError, match=rf"^feature view 'probe' has no version 'abc' \(versions: {version}\)$"):
            lake.features.unregister("probe", version="abc")
        with pytest.raises(ParameterError, match=r"^feature view 'demographics' is built in"):
            lake.features.unregister("demographics")
    with medlake.connect(lake_path, read_only=True) as lake, pytest.raises(ParameterError, match="open read-only"):
        lake.features.unregister("probe")
    before = snapshot(lake_path)
    result = run("features", "unregister", "nope", "--db", str(lake_path))
    assert result.exit_code == 2 and result.stderr == "error: no feature view 'nope' is registered (registered: probe)\n"
    assert_unchanged(lake_path, before)


BROKEN = "SELECT subject_id, time, no_such_column AS v FROM events"
GOOD = "SELECT subject_id, time, numeric_value AS v FROM events"


def test_a_failing_view_is_named_and_the_others_still_build(lake_path, tmp_path):
    register(lake_path, tmp_path, BROKEN, name="broken")
    register(lake_path, tmp_path, GOOD, name="good", features="v: DOUBLE")
    out = tmp_path / "set.parquet"
    result = run("features", "build", "--samples", "toy.samples", "--dataset", "toy", "--out", str(out),
                 "--silent", "--db", str(lake_path))
    assert result.exit_code == 0, result.output
    warning = result.stderr.strip().splitlines()
    assert len(warning) == 1
    assert warning[0].startswith("warning: feature view 'broken' failed and was left out: Binder Error: "
                                 'Referenced column "no_such_column" not found')
    manifest = json.loads((tmp_path / "set.manifest.json").read_text())
    assert [f["view"] for f in manifest["failed_views"]] == ["broken"]
    views = [f["view"] for f in manifest["features"]]
    assert "good" in views and "broken" not in views
    with medlake.connect(lake_path, read_only=True) as lake:
        with pytest.warns(UserWarning, match="^feature view 'broken' failed and was left out: Binder Error"):
            table = lake.features.training_set("toy.samples", dataset="toy")
        assert table.column("good__v").to_pylist() == [2.0, 3.0, None]
        assert not any(c.startswith("broken__") for c in table.column_names)


def test_a_failing_view_named_in_features_is_an_error(lake_path, tmp_path):
    register(lake_path, tmp_path, BROKEN, name="broken")
    out = tmp_path / "set.parquet"
    result = run("features", "build", "--samples", "toy.samples", "--dataset", "toy", "--features", "broken",
                 "--out", str(out), "--silent", "--db", str(lake_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: computing the features of view 'broken' failed: Binder Error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
    with medlake.connect(lake_path, read_only=True) as lake, pytest.raises(MedlakeError, match="view 'broken'"):
        lake.features.training_set("toy.samples", ["broken"], dataset="toy")


@pytest.mark.parametrize(("ids", "message"), [
    ("99999999999999999999999", "entity id 99999999999999999999999 is out of range: ids are BIGINT "
                                "(at most 9,223,372,036,854,775,807)"),
    ("1,-9223372036854775809", "entity id -9223372036854775809 is out of range: ids are BIGINT "
                               "(at most 9,223,372,036,854,775,807)"),
    ("1,x", "--ids must be whole numbers separated by commas, got '1,x'"),
])
def test_features_get_with_an_id_out_of_range(lake_path, tmp_path, ids, message):
    register(lake_path, tmp_path, GOOD, name="good", features="v: DOUBLE")
    with medlake.connect(lake_path) as lake:
        lake.features.materialize("good", dataset="toy")
    result = run("features", "get", "good.v", "--ids", ids, "--db", str(lake_path))
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    ok = run("features", "get", "good.v", "--ids", "2,9223372036854775807", "--format", "json", "--db", str(lake_path))
    assert json.loads(ok.stdout) == [{"subject_id": 2, "good__v": 3.0},
                                     {"subject_id": 9223372036854775807, "good__v": None}]
    with medlake.connect(lake_path, read_only=True) as lake, pytest.raises(ParameterError, match="out of range"):
        lake.features.online("good.v", [2**63])


def test_a_registered_view_that_fails_the_check_is_named_and_can_be_removed(lake_path):
    # a registry row written before the check existed (or by hand) that the check now refuses
    with medlake.connect(lake_path, read_only=False) as lake:
        lake.features.list()  # creates the registry tables
        spec = {"name": "old", "entity": "subject", "kind": "latest", "event_time": "time", "ttl": None,
                "description": "", "features": {"v": {"type": "INTEGER"}}}
        lake.execute("INSERT INTO fs.feature_views VALUES ('old', 'abc123', 'subject', 'latest', $spec, $sql, [], "
                     "now()::TIMESTAMP)",
                     {"spec": json.dumps(spec), "sql": "SELECT subject_id, time, 1 AS v FROM meta.loads"})
    result = run("features", "list", "--db", str(lake_path))
    assert result.exit_code == 2
    assert result.stderr == (f"error: registered feature view 'old' version abc123: table meta.loads is outside the "
                             f"dataset; {OUTSIDE}; remove it with `medlake features unregister old --version abc123`\n")
    assert run("features", "unregister", "old", "--version", "abc123", "--db", str(lake_path)).exit_code == 0
    assert run("features", "list", "--db", str(lake_path)).exit_code == 0
