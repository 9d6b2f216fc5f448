"""Every built-in task on Spark (over a parquet export) gives exactly DuckDB's samples,
and `medlake task sql` writes SQL that gives them too (DuckDB) or that Spark parses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers import copy_of_lake, same_rows, spark_rows
from medlake.cli import main
from medlake.errors import MedlakeError, ParameterError, UnknownNameError
from medlake.spark import run as spark_run
from medlake.spark.transpile import DIALECTS, task_sql

TASKS = ("mortality", "readmission", "length_of_stay", "los_gt_7d", "in_hospital_mortality_48h")
MIMIC_TASKS = (*TASKS, "phenotyping", "decompensation")  # mimic3-benchmarks' tasks: MIMIC-III and MIMIC-IV only
# (lake fixture, dataset, task, parameters): every built-in task on every source it supports, and
# readmission's parameter forms (OMOP: GiBleed with the visits its records name, so that mortality
# and readmission have samples)
CASES = [
    *[("demo_lake", ds, task, {}) for ds in ("mimic3", "mimic4") for task in MIMIC_TASKS],
    ("demo_lake", "mimic3", "readmission", {"window_days": 30, "anchor": "admission"}),
    ("demo_lake", "mimic3", "readmission", {"min_age": 60, "uncertain_order": "keep"}),
    ("drug_lake", "mimic3", "drug_recommendation", {}),
    ("drug_lake", "mimic4", "drug_recommendation", {}),
    *[("eicu_lake", "eicu", task, {}) for task in TASKS],
    ("eicu_lake", "eicu", "readmission", {"uncertain_order": "keep"}),  # the eICU variant's one parameter
    *[("omop_visits_lake", "omop", task, {}) for task in TASKS[:4]],
    ("omop_visits_lake", "omop", "readmission", {"window_days": 60, "uncertain_order": "keep"}),
    # the image and signal tasks on small synthetic datasets (conftest.media_lake); ChestX-ray14's
    # cxr tasks are refused on Spark (test_spark_refuses_duckdbs_hash)
    ("media_lake", "sleep", "sleep_staging", {}),
    ("media_lake", "sleep", "sleep_staging", {"classes": 6}),
    ("media_lake", "cxr", "cxr_classification", {"uncertain": "positive"}),
    ("media_lake", "cxr", "cxr_finding", {"finding": "Pleural Effusion", "uncertain": "drop"}),
]
# forms that Spark need not run again: DuckDB's SQL of them is checked, and the blocks they use run above
DUCKDB_ONLY = [
    ("demo_lake", "mimic3", "in_hospital_mortality_48h", {"hours": 24}),
    ("demo_lake", "mimic3", "decompensation", {"horizon_hours": 6, "window_hours": 4}),
    ("eicu_lake", "eicu", "mortality", {"uncertain_order": "keep"}),
    ("omop_lake", "omop", "length_of_stay", {}),
    ("media_lake", "nih", "cxr_classification", {}),
    ("media_lake", "cxr", "cxr_classification", {}),
]


def _ids(cases):
    return [f"{ds}-{task}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'defaults'}" for _, ds, task, p in cases]



@pytest.fixture(scope="module")
def exports(request, tmp_path_factory):
    """Parquet exports, made once per (lake fixture, dataset)."""
    made = {}

    def get(lake_fixture: str, dataset: str):
        if (lake_fixture, dataset) not in made:
            lake = request.getfixturevalue(lake_fixture)
            out = tmp_path_factory.mktemp("export") / dataset
            lake.export_parquet(dataset, out, buckets=2)
            made[(lake_fixture, dataset)] = out
        return made[(lake_fixture, dataset)]

    return get


@pytest.mark.parametrize(("lake_fixture", "dataset", "task", "params"), CASES + DUCKDB_ONLY,
                         ids=_ids(CASES + DUCKDB_ONLY))
def test_duckdb_dialect_sql_gives_the_same_samples(request, lake_fixture, dataset, task, params):
    lake = request.getfixturevalue(lake_fixture)
    expected = lake.task(task, dataset, **params).to_arrow()
    text, warnings = task_sql(lake.db, task, dataset, "duckdb", **params)
    assert warnings == []
    assert "$" not in text
    assert lake.sql(text) == expected


@pytest.mark.parametrize(("lake_fixture", "dataset", "task", "params"), CASES, ids=_ids(CASES))
def test_spark_gives_the_same_samples(request, spark, exports, lake_fixture, dataset, task, params):
    lake = request.getfixturevalue(lake_fixture)
    expected = lake.task(task, dataset, **params).to_arrow()
    assert expected.num_rows > 0
    df = spark_run.run_task(spark, task, exports(lake_fixture, dataset), **params)
    assert df.columns == expected.column_names
    assert same_rows(spark_rows(df)) == same_rows(expected.to_pylist())


def test_spark_refuses_duckdbs_hash(media_lake, spark, exports):
    """A ChestX-ray14 study has no study_id: DuckDB numbers it by hash(), which Spark cannot compute
    alike, so the run fails with medlake's message instead of giving other visit ids."""
    assert media_lake.task("cxr_classification", "nih").to_arrow().num_rows == 20
    with pytest.raises(Exception, match=r"needs DuckDB's hash\(\), which Spark computes differently"):
        spark_run.run_task(spark, "cxr_classification", exports("media_lake", "nih")).collect()


def test_spark_dialect_sql_parses_in_spark(demo_lake, eicu_lake, spark):
    parser = spark._jsparkSession.sessionState().sqlParser()
    for lake, dataset in ((demo_lake, "mimic3"), (eicu_lake, "eicu")):
        for task in lake.tasks.list():
            if dataset not in task.datasets or task.name == "drug_recommendation":
                continue
            text, warnings = task_sql(lake.db, task.name, dataset, "spark")
            assert warnings == []
            assert f"`{dataset}`.events" in text
            parser.parsePlan(text)  # raises ParseException on SQL Spark cannot read


def test_other_dialects_name_the_dataset_tables(demo_lake):
    for dialect in DIALECTS:
        text, _ = task_sql(demo_lake.db, "length_of_stay", "mimic3", dialect)
        assert "mimic3" in text and "events" in text and "$" not in text


def test_task_sql_errors(demo_lake, omop_lake, tmp_path):
    with pytest.raises(MedlakeError, match="unknown SQL dialect 'oracle'"):
        task_sql(demo_lake.db, "mortality", "mimic3", "oracle")
    with pytest.raises(ParameterError, match="window_days"):
        task_sql(demo_lake.db, "readmission", "mimic3", "spark", window_days="soon")
    with pytest.raises(UnknownNameError, match="does not support dataset 'omop'"):
        task_sql(omop_lake.db, "in_hospital_mortality_48h", "omop", "spark")


def test_spark_run_task_errors(demo_lake, spark, exports):
    data = exports("demo_lake", "mimic3")
    with pytest.raises(MedlakeError, match="needs ndc_atc_maps"):
        spark_run.run_task(spark, "drug_recommendation", data)
    with pytest.raises(ParameterError, match="anchor"):
        spark_run.run_task(spark, "readmission", data, anchor="later")
    with pytest.raises(MedlakeError, match="not a medlake parquet export"):
        spark_run.run_task(spark, "mortality", data / "events")


def test_cli_task_sql_and_spark_run_task(demo_lake, spark, exports, tmp_path):
    db = copy_of_lake(demo_lake, tmp_path)
    runner = CliRunner()
    shown = runner.invoke(main, ["--db", db, "task", "sql", "readmission", "--dataset", "mimic3",
                                 "--dialect", "spark", "-p", "window_days=30", "--compact"])
    assert shown.exit_code == 0, shown.output
    assert "INTERVAL '30' DAY" in shown.stdout and "`mimic3`.visits" in shown.stdout
    bad = runner.invoke(main, ["--db", db, "task", "sql", "readmission", "--dataset", "mimic3",
                               "-p", "window_days"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: parameter 'window_days' must look like NAME=VALUE")
    # run-task in this process reuses the session's Spark (getOrCreate) and stops it: stop is patched out
    data = exports("demo_lake", "mimic3")
    out = tmp_path / "samples"
    stop = type(spark).stop
    type(spark).stop = lambda self: None
    try:
        ran = runner.invoke(main, ["spark", "run-task", "readmission", "--data", str(data), "-p", "anchor=admission",
                                   "--out", str(out)])
        again = runner.invoke(main, ["spark", "run-task", "readmission", "--data", str(data), "--out", str(out)])
    finally:
        type(spark).stop = stop
    assert ran.exit_code == 0, ran.output
    expected = demo_lake.task("readmission", "mimic3", anchor="admission").to_arrow()
    assert f"wrote {expected.num_rows:,} samples to {out}" in ran.stdout
    written = demo_lake.sql(f"SELECT * FROM read_parquet('{out}/*.parquet')", allow_files=True)
    assert same_rows(written.to_pylist()) == same_rows(expected.to_pylist())
    assert again.exit_code == 2 and again.stderr.startswith(f"error: {out} exists")
