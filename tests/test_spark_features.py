"""Point-in-time training sets on Spark equal DuckDB's, row for row; `medlake features sql`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers import copy_of_lake, spark_rows
from medlake.cli import main
from medlake.errors import MedlakeError
from medlake.spark import run as spark_run
from medlake.spark.transpile import view_sql

# (lake fixture, dataset, task, features): every built-in view
CASES = [
    ("demo_lake", "mimic3", "mortality", "demographics,prior_utilization,lab_stats"),
    # with diagnosis_ccs over the ICD-10-CM -> CCS maps (drug_lake: the demo lake with code maps)
    ("drug_lake", "mimic4", "in_hospital_mortality_48h",
     "demographics,prior_utilization,lab_stats.glucose_last_24h,lab_stats.potassium_mean_7d,lab_stats.wbc_max_7d,"
     "diagnosis_ccs"),
    ("eicu_lake", "eicu", "length_of_stay", "demographics,prior_utilization"),
    # the views over the code tables (NDC/GSN -> ATC, ICD-9-CM -> CCS), with histogram features
    ("drug_lake", "mimic3", "readmission", "drug_classes,diagnosis_ccs"),
]


def assert_same_training_set(got: list[dict], want: list[dict]) -> None:
    """Equal row for row and value for value, except that a mean of DOUBLE values may differ in its
    last bits (1e-12 relative): it depends on the order the values are summed in, which neither
    engine fixes (DuckDB's own threads change it)."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert list(g) == list(w)
        for column, value in w.items():
            if "_mean_" in column and isinstance(value, float):
                assert g[column] == pytest.approx(value, rel=1e-12, abs=0), (w["sample_id"], column)
            elif isinstance(value, list) and value and isinstance(value[0], tuple):  # a MAP: DuckDB's pairs
                assert g[column] == dict(value), (w["sample_id"], column)
            else:
                assert g[column] == value, (w["sample_id"], column)


@pytest.fixture(scope="module")
def exported(request, tmp_path_factory):
    made = {}

    def get(lake_fixture, dataset):
        if (lake_fixture, dataset) not in made:
            out = tmp_path_factory.mktemp("export") / dataset
            request.getfixturevalue(lake_fixture).export_parquet(dataset, out, buckets=2)
            made[(lake_fixture, dataset)] = out
        return made[(lake_fixture, dataset)]

    return get


@pytest.mark.parametrize(("lake_fixture", "dataset", "task", "features"), CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_training_set_on_spark_equals_duckdb(request, spark, exported, lake_fixture, dataset, task, features):
    lake = request.getfixturevalue(lake_fixture)
    expected = lake.features.training_set(lake.task(task, dataset), features, dataset=dataset)
    assert expected.num_rows > 0
    df = spark_run.training_set(spark, task, features, exported(lake_fixture, dataset))
    assert df.columns == expected.column_names
    got = spark_rows(df)
    want = expected.to_pylist()
    assert [r["sample_id"] for r in got] == [r["sample_id"] for r in want]  # DuckDB's row order
    assert_same_training_set(got, want)
    # every view gives values, so the comparison compares values and not only missing ones
    for view in dict.fromkeys(item.split(".")[0] for item in features.split(",")):
        columns = [c for c in expected.column_names if c.startswith(f"{view}__")]
        assert any(r[c] not in (None, 0) for r in want for c in columns), view


def test_training_set_with_ttl_and_exclusive_bound(demo_lake, spark, exported):
    expected = demo_lake.features.training_set(demo_lake.task("readmission", "mimic3", window_days=30),
                                               "prior_utilization,demographics.age", dataset="mimic3",
                                               ttl="200 days", inclusive=False)
    df = spark_run.training_set(spark, "readmission", "prior_utilization,demographics.age",
                                exported("demo_lake", "mimic3"), ttl="200 days", inclusive=False, window_days=30)
    assert_same_training_set(spark_rows(df), expected.to_pylist())


def test_training_set_refusals(demo_lake, exported):
    data = exported("demo_lake", "mimic3")
    with pytest.raises(MedlakeError, match="reads vocab.maps, which the export does not hold"):
        spark_run.feature_parts("diagnosis_ccs", "mimic3", spark_run.read_manifest(data))
    with pytest.raises(MedlakeError, match="unknown feature view 'nosuch'"):
        spark_run.feature_parts("nosuch", "mimic3")


def test_features_sql_duckdb_dialect_runs(demo_lake):
    from medlake.featurestore import builtin_views

    view = builtin_views()["prior_utilization"]
    text, warnings = view_sql(view, "mimic3", "duckdb")
    assert warnings == []
    assert demo_lake.sql(text).num_rows == demo_lake.sql(
        "SELECT count(*) AS n FROM mimic3.visits WHERE end_time IS NOT NULL")["n"][0].as_py()


def test_cli_features_sql_and_spark_training_set(demo_lake, spark, exported, tmp_path):
    db = copy_of_lake(demo_lake, tmp_path)
    runner = CliRunner()
    shown = runner.invoke(main, ["--db", db, "features", "sql", "prior_utilization", "--dataset",
                                 "mimic3", "--dialect", "spark", "--samples", "my_samples"])
    assert shown.exit_code == 0, shown.output
    assert "INTERVAL '365' DAY" in shown.stdout and "`mimic3`.visits" in shown.stdout and "my_samples" in shown.stdout
    spark._jsparkSession.sessionState().sqlParser().parsePlan(shown.stdout)
    data = exported("demo_lake", "mimic3")
    out = tmp_path / "train"
    stop = type(spark).stop
    type(spark).stop = lambda self: None  # the command stops its session: keep the test session's
    try:
        ran = runner.invoke(main, ["spark", "training-set", "--task", "mortality", "--features", "demographics",
                                   "--data", str(data), "--out", str(out)])
        bad = runner.invoke(main, ["spark", "training-set", "--task", "mortality", "--features", "drug_classes",
                                   "--data", str(data), "--out", str(tmp_path / "t2")])
    finally:
        type(spark).stop = stop
    assert ran.exit_code == 0, ran.output
    expected = demo_lake.features.training_set(demo_lake.task("mortality", "mimic3"), "demographics",
                                               dataset="mimic3")
    written = demo_lake.sql(f"SELECT * FROM read_parquet('{out}/*.parquet') ORDER BY subject_id, index_time, visit_id", allow_files=True)
    assert written.to_pylist() == expected.to_pylist()
    assert bad.exit_code == 2 and "reads vocab.maps, which the export does not hold" in bad.stderr
