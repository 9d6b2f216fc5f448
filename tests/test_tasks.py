"""Tasks: specs, parameters, results, splits, installation, user task files, leakage check, CLI."""

from __future__ import annotations

import re
import shutil

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import LeakageError, MedlakeError, ParameterError, SqlFileError, UnknownNameError
from medlake.tasks import Tasks, list_tasks

BUILTIN = ["in_hospital_mortality_48h", "length_of_stay", "los_gt_7d", "mortality", "readmission"]


def write(tmp_path, text, name="my_task.sql"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


USER_TASK = """/* medlake
name: long_stay_adults
label: binary
params:
  min_days: {type: integer, default: 10}
inputs: {conditions: codes}
*/
SELECT concat(v.subject_id, '-', v.visit_id) AS sample_id, v.subject_id, v.visit_id, v.end_time AS index_time,
       CAST(v.end_time - v.start_time >= to_days(CAST($min_days AS INTEGER)) AS INTEGER) AS label, v.conditions
FROM visit_inputs AS v
WHERE len(v.conditions) > 0
"""


# -- specs ---------------------------------------------------------------------------------------


def test_builtin_specs():
    specs = {s.name: s for s in list_tasks()}
    assert sorted(specs) == sorted(BUILTIN + ["decompensation", "drug_recommendation", "phenotyping", "sleep_staging",
                                              "cxr_classification", "cxr_finding"])
    assert specs["length_of_stay"].retrospective and specs["los_gt_7d"].retrospective
    assert not specs["mortality"].retrospective
    assert specs["length_of_stay"].label_type == "multiclass" and len(specs["length_of_stay"].classes) == 10
    assert specs["in_hospital_mortality_48h"].inputs == {"labs": "series", "vitals": "series", "drugs": "codes"}
    assert specs["phenotyping"].label_type == "multilabel" and len(specs["phenotyping"].classes) == 25
    assert specs["decompensation"].params["horizon_hours"].default == 24
    assert specs["readmission"].params["window_days"].default == 15
    assert specs["readmission"].params["anchor"].choices == ("discharge", "admission")
    assert specs["mortality"].datasets == ("mimic3", "mimic4", "eicu", "omop")
    assert specs["drug_recommendation"].label_type == "multilabel"
    assert specs["drug_recommendation"].inputs["drugs_hist"] == "nested_codes"


def test_describe_shows_the_sql_with_its_shared_blocks(demo_lake):
    info = demo_lake.tasks.describe("readmission")
    assert info["params"]["window_days"] == {"type": "integer", "default": 15, "min": 1}
    assert "WITH admissions AS" in info["sql"] and "$window_days" in info["sql"]
    assert '"mimic3".visits AS v' in demo_lake.tasks.describe("readmission", "mimic3")["sql"]


# -- running, parameters and errors --------------------------------------------------------------


def test_window_30_has_more_positives_than_window_15(demo_lake):
    pos15 = sum(demo_lake.task("readmission", dataset="mimic3").to_arrow()["label"].to_pylist())
    pos30 = sum(demo_lake.task("readmission", dataset="mimic3", window_days=30).to_arrow()["label"].to_pylist())
    assert (pos15, pos30) == (7, 10)
    # the CLI passes strings; they are typed against the header
    assert demo_lake.task("readmission", dataset="mimic3", window_days="30").params["window_days"] == 30
    older = demo_lake.task("readmission", dataset="mimic3", min_age=70)
    assert 0 < len(older) < 26


@pytest.mark.parametrize("kwargs, error, match", [
    ({"name": "nope", "dataset": "mimic3"}, UnknownNameError, "unknown task 'nope'"),
    ({"name": "mortality", "dataset": "nope"}, UnknownNameError, "unknown dataset 'nope'"),
    ({"name": "readmission", "dataset": "mimic3", "window_days": "abc"}, ParameterError,
     "'window_days' got 'abc' .* expected integer"),
    ({"name": "readmission", "dataset": "mimic3", "window_days": 1.5}, ParameterError, "expected integer"),
    ({"name": "readmission", "dataset": "mimic3", "window_days": True}, ParameterError, "expected integer"),
    ({"name": "readmission", "dataset": "mimic3", "window_days": 0}, ParameterError, "at least 1"),
    ({"name": "readmission", "dataset": "mimic3", "anchor": "visit"}, ParameterError, "one of: discharge"),
    ({"name": "readmission", "dataset": "mimic3", "window_day": 3}, ParameterError, "no parameter 'window_day'"),
    ({"name": "length_of_stay", "dataset": "mimic3", "window_days": 30}, ParameterError, "parameters: none"),
    ({"name": "mortality", "dataset": "mimic3", "window_days": 30}, ParameterError, r"parameters: uncertain_order\)"),
    ({"name": "mortality", "dataset": "mimic3", "uncertain_order": "maybe"}, ParameterError, "one of: drop, keep"),
    ({"name": "readmission", "dataset": "mimic3", "window_days": None}, ParameterError, "may not be null"),
])
def test_clear_errors(demo_lake, kwargs, error, match):
    with pytest.raises(error, match=match):
        demo_lake.task(**kwargs)


def test_result_formats_and_sql(demo_lake):
    r = demo_lake.task("readmission", dataset="mimic3", window_days=30)
    table = r.to_arrow()
    assert table.column_names == ["sample_id", "subject_id", "visit_id", "index_time", "label", "conditions",
                                  "procedures", "drugs"]
    assert table.num_rows == 26 and len(set(table["sample_id"].to_pylist())) == 26
    assert table.schema.field("conditions").type.value_type == "string"
    assert r.to_pandas().shape == (26, 8)
    assert r.to_polars().height == 26
    assert r.to_ibis().count().execute() == 26
    # .sql runs in a stock DuckDB client with .sql_params bound; the values are not in the text
    assert "$window_days" in r.sql and r.sql_params["window_days"] == 30
    con = demo_lake.db.connection_for_library().cursor()
    assert con.sql(r.sql, params=r.sql_params).to_arrow_table().equals(table)
    assert "< TO_DAYS(CAST(30 AS INT))" in r.display_sql(pretty=False).upper().replace("INTEGER", "INT")
    sql, params = demo_lake.tasks.sql("readmission", "mimic3", window_days=30)
    assert (sql, params) == (r.sql, r.sql_params)


def test_summary(demo_lake):
    s = demo_lake.task("length_of_stay", dataset="mimic3").summary()
    assert (s["samples"], s["subjects"], s["visits"]) == (107, s["subjects"], 107)
    assert s["labels"]["8-14 days"] == 31 and sum(s["labels"].values()) == 107
    m = demo_lake.task("mortality", dataset="mimic3").summary()
    assert m["labels"] == {"survived": 21, "died": 5} and m["subjects"] == 12
    assert m["params"] == {"uncertain_order": "drop"} and m["dropped_uncertain_order"] == 0
    assert "dropped_uncertain_order" not in demo_lake.task("mortality", dataset="mimic3",
                                                           uncertain_order="keep").summary()


# -- splits --------------------------------------------------------------------------------------


def test_split_by_subject_is_deterministic(demo_lake):
    r = demo_lake.task("length_of_stay", dataset="mimic4")
    a = r.split(train=0.7, val=0.1, test=0.2, seed=0).to_arrow()
    b = r.split(train=0.7, val=0.1, test=0.2, seed=0).to_arrow()
    c = r.split(train=0.7, val=0.1, test=0.2, seed=1).to_arrow()
    assert a.equals(b) and not a["split"].equals(c["split"])
    assert a.num_rows == len(r)
    by_subject = {}
    for row in a.select(["subject_id", "split"]).to_pylist():
        by_subject.setdefault(row["subject_id"], set()).add(row["split"])
    assert all(len(v) == 1 for v in by_subject.values())
    n = len(by_subject)
    counts = {s: sum(1 for v in by_subject.values() if s in v) for s in ("train", "val", "test")}
    assert counts["train"] == round(n * 0.7) and counts["train"] + counts["val"] == round(n * 0.8)
    assert r.split().summary()["splits"]["train"] > 0


@pytest.mark.parametrize("kwargs, match", [
    ({"train": 0.8, "val": 0.1, "test": 0.2}, "add up to"),
    ({"train": -0.1, "val": 0.9, "test": 0.2}, "between 0 and 1"),
    ({"seed": "x"}, "seed"),
])
def test_bad_split(demo_lake, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        demo_lake.task("mortality", dataset="mimic3").split(**kwargs)


# -- installed macros and views ------------------------------------------------------------------


def test_install_macros_and_views(tmp_path, demo_lake):
    path = tmp_path / "copy.duckdb"
    demo_lake.execute("CHECKPOINT")
    shutil.copy(demo_lake.path, path)
    with medlake.connect(path) as lake:
        views = lake.tasks.install("mimic3")
        assert views == [f"mimic3.{n}" for n in sorted(BUILTIN + ["decompensation", "phenotyping"])]
        expected = lake.task("readmission", dataset="mimic3").to_arrow()
        expected30 = lake.task("readmission", dataset="mimic3", window_days=30).to_arrow()
    con = duckdb.connect(str(path), read_only=True)  # any DuckDB client
    assert con.sql("SELECT * FROM mimic3.readmission").to_arrow_table().equals(expected)
    assert con.sql("SELECT * FROM mimic3.task_readmission(window_days := $w)", params={"w": 30}
                   ).to_arrow_table().equals(expected30)
    con.close()


# -- user task files -----------------------------------------------------------------------------


def test_user_task_file_runs(demo_lake, tmp_path):
    path = write(tmp_path, USER_TASK)
    r = demo_lake.task(path, dataset="mimic3", min_days=20)
    t = r.to_arrow()
    assert r.name == "long_stay_adults" and t.num_rows == 129
    positives = sum(t["label"].to_pylist())
    assert 0 < positives < sum(demo_lake.task(path, dataset="mimic3").to_arrow()["label"].to_pylist())


def test_a_registered_task_file_runs_by_the_name_in_its_header(demo_lake, tmp_path):
    tasks = Tasks(demo_lake.db)  # a namespace of its own: the session's demo_lake stays as it is
    path = write(tmp_path, USER_TASK)
    assert tasks.register(path).name == "long_stay_adults"
    assert [s.name for s in tasks.list()] == [s.name for s in list_tasks()] + ["long_stay_adults"]
    by_name = tasks.run("long_stay_adults", "mimic3", min_days=20).to_arrow()
    assert by_name.num_rows == 129 and by_name.equals(demo_lake.task(path, "mimic3", min_days=20).to_arrow())
    assert tasks.describe("long_stay_adults")["name"] == "long_stay_adults"
    assert tasks.check("long_stay_adults", "mimic3", min_days=20).ok
    with pytest.raises(UnknownNameError, match="unknown task 'long_stay_adults'"):
        demo_lake.tasks.run("long_stay_adults", "mimic3")
    clash = write(tmp_path, USER_TASK.replace("name: long_stay_adults", "name: mortality"), "clash.sql")
    with pytest.raises(MedlakeError, match="named 'mortality' like a built-in task"):
        tasks.register(clash)


@pytest.mark.parametrize("body, match", [
    ("SELECT 1 AS sample_id; SELECT 2", "exactly one SELECT"),
    ("CREATE TABLE x AS SELECT 1", "may only read"),
    ("INSERT INTO events SELECT * FROM events", "may only read"),
    ("ATTACH 'x.db' AS y", "may only read"),
    ("INSTALL httpfs", "may only read"),
    ("LOAD httpfs", "may only read"),
    ("PRAGMA version", "may only read"),
    ("COPY events TO 'x.csv'", "may only read"),
    ("SELECT * FROM read_csv('/etc/passwd')", "may only read|reads outside"),
    ("SELECT * FROM read_parquet('x.parquet')", "may only read|reads outside"),
    ("SELECT * FROM glob('*')", "reads outside"),
    ("SELECT read_text('x') AS label FROM events", "reads outside"),
    ("SELECT current_setting('threads') AS label FROM events", r"function current_setting\(\) reads the lake's settings"),
    ("SELECT * FROM duckdb_tables()", r"function duckdb_tables\(\) reads the lake's settings or catalog"),
    ("SELECT * FROM 'x.csv'", "unknown table 'x.csv'"),
    ("SELECT * FROM meta.loads", "outside the dataset"),
    ("SELECT * FROM other_schema.events", "outside the dataset"),
    ("SELECT subject_id AS sample_id, subject_id, subject_id AS visit_id, time AS index_time FROM events",
     "lacks column 'label'"),
    ("SELECT *, $nope AS label FROM events", r"\$nope is used but not declared"),
])
def test_user_task_violations(demo_lake, tmp_path, body, match):
    path = write(tmp_path, "/* medlake\nname: bad\n*/\n" + body)
    with pytest.raises(SqlFileError, match=match) as e:
        demo_lake.task(path, dataset="mimic3")
    assert "my_task.sql" in str(e.value)


def test_user_task_reads_raw_tables_and_declares_datasets(demo_lake, tmp_path):
    path = write(tmp_path, """/* medlake
name: emergency
datasets: [mimic3]
inputs: {}
*/
SELECT concat(a.subject_id, '-', a.hadm_id) AS sample_id, a.subject_id, a.hadm_id AS visit_id,
       a.admittime AS index_time, CAST(a.admission_type = 'EMERGENCY' AS INTEGER) AS label
FROM raw.admissions AS a""")
    t = demo_lake.task(tmp_path / "my_task.sql", dataset="mimic3").to_arrow()  # a Path works too
    assert t.num_rows == 129 and sum(t["label"].to_pylist()) == 119
    if "mimic4" in demo_lake.datasets():
        with pytest.raises(UnknownNameError, match="does not support dataset 'mimic4'"):
            demo_lake.task(path, dataset="mimic4")
    with pytest.raises(medlake.MedlakeError, match="does not run on truncated timelines"):
        demo_lake.tasks.check(path, "mimic3")


def test_user_task_missing_file(demo_lake, tmp_path):
    with pytest.raises(UnknownNameError, match="not found"):
        demo_lake.task(str(tmp_path / "none.sql"), dataset="mimic3")


# -- leakage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN)
@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_builtin_tasks_do_not_leak(demo_lake, name, dataset):
    if dataset not in demo_lake.datasets():
        pytest.skip(f"{dataset} not loaded")
    report = demo_lake.tasks.check(name, dataset, subjects=40)
    assert report.ok and report.compared == report.samples > 0 and not report.dropped
    assert report.retrospective == (name in ("length_of_stay", "los_gt_7d"))


def test_leaking_inputs_are_caught(demo_lake, tmp_path):
    leaky = write(tmp_path, """/* medlake
name: leaky
inputs: {conditions: codes}
*/
SELECT concat(subject_id, '-', visit_id) AS sample_id, subject_id, visit_id, start_time AS index_time,
       CAST(died AS INTEGER) AS label, conditions
FROM visit_inputs""")
    with pytest.raises(LeakageError, match="inputs change when timelines are cut") as e:
        demo_lake.tasks.check(leaky, "mimic3")
    assert e.value.report.changed and e.value.report.changed[0][1] == "conditions"


def test_cohort_that_needs_the_future_is_caught(demo_lake, tmp_path):
    leaky = write(tmp_path, """/* medlake
name: leaky_cohort
inputs: {drugs: codes}
*/
SELECT concat(subject_id, '-', visit_id) AS sample_id, subject_id, visit_id, start_time AS index_time,
       CAST(died AS INTEGER) AS label, drugs
FROM visit_inputs WHERE valid""")
    report = demo_lake.tasks.check(leaky, "mimic3", raise_on_leak=False)
    assert not report.ok and report.compared == 0 and len(report.dropped) == report.samples > 0
    with pytest.raises(LeakageError, match="exist only because of data after"):
        demo_lake.tasks.check(leaky, "mimic3")


# -- CLI -----------------------------------------------------------------------------------------


def test_cli(demo_lake, tmp_path):
    demo_lake.execute("CHECKPOINT")
    db = tmp_path / "cli.duckdb"
    shutil.copy(demo_lake.path, db)
    runner = CliRunner()
    out = runner.invoke(main, ["tasks", "list"])
    assert out.exit_code == 0 and "mortality" in out.output and "multiclass" in out.output
    out = runner.invoke(main, ["task", "show", "mortality", "--json"])
    assert out.exit_code == 0 and '"retrospective": false' in out.output
    parquet = tmp_path / "s.parquet"
    out = runner.invoke(main, ["task", "run", "readmission", "--dataset", "mimic3", "--param", "window_days=30",
                               "--split", "0.7,0.1,0.2", "--out", str(parquet), "--db", str(db)])
    assert out.exit_code == 0, out.output
    t = pq.read_table(parquet)
    assert t.num_rows == 26 and sum(t["label"].to_pylist()) == 10 and "split" in t.column_names
    # the cohort summary is drawn: sizes, then label balance with shares
    assert "26 samples" in out.output
    assert re.search(r"readmitted\s+10\s+38\.5%", out.output) and re.search(r"not readmitted\s+16\s+61\.5%", out.output)
    assert re.search(r"\b0 samples dropped: their next visit's order is uncertain", out.output)
    out = runner.invoke(main, ["task", "run", "mortality", "--dataset", "mimic3", "--param", "uncertain_order=keep",
                               "--db", str(db)])
    assert out.exit_code == 0 and "26 samples" in out.output and "dropped" not in out.output
    out = runner.invoke(main, ["task", "check", "mortality", "--dataset", "mimic3", "--db", str(db)])
    assert out.exit_code == 0 and "no leakage" in out.output
    out = runner.invoke(main, ["task", "run", "readmission", "--dataset", "mimic3", "--param", "window_days=x",
                               "--db", str(db)])
    assert out.exit_code == 2 and "expected integer" in out.output
    out = runner.invoke(main, ["task", "run", "readmission", "--dataset", "mimic3", "--split", "0.7,0.3",
                               "--db", str(db)])
    assert out.exit_code == 2 and "three fractions" in out.output


def test_a_source_block_file_may_only_override_shared_blocks(tmp_path, monkeypatch):
    from medlake.errors import SqlFileError
    from medlake.tasks import build

    (tmp_path / "tasks" / "_lib").mkdir(parents=True)
    common = build.SQL_ROOT / build.LIBRARY
    (tmp_path / build.LIBRARY).write_text(common.read_text())
    (tmp_path / "tasks" / "_lib" / "demo.sql").write_text("-- name: admissions\nSELECT 1 AS visit_id;\n"
                                                          "-- name: not_shared\nSELECT 2;\n")
    monkeypatch.setattr(build, "SQL_ROOT", tmp_path)
    monkeypatch.setattr("medlake.sqlfiles.SQL_ROOT", tmp_path)
    build.library.cache_clear()
    from medlake.sqlfiles import load_sql
    load_sql.cache_clear()
    try:
        with pytest.raises(SqlFileError, match="block 'not_shared' overrides nothing"):
            build.library("demo")
    finally:
        build.library.cache_clear()
        load_sql.cache_clear()
