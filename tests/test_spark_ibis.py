"""One ibis expression over a task's samples gives the same answer on DuckDB and on ibis's PySpark backend."""

from __future__ import annotations

import pytest

from medlake.spark import run as spark_run

pytest.importorskip("ibis.backends.pyspark")


def _per_label(t):
    """Samples, subjects and mean number of drugs per label, by label."""
    return (t.group_by("label")
             .aggregate(samples=t.count(), subjects=t.subject_id.nunique(), drugs=t.drugs.length().mean(),
                        first=t.index_time.min())
             .order_by("label"))


def test_same_ibis_expression_on_duckdb_and_pyspark(demo_lake, spark, tmp_path):
    data = tmp_path / "mimic4"
    demo_lake.export_parquet("mimic4", data, buckets=2)
    duck = _per_label(demo_lake.task("readmission", "mimic4", window_days=30).to_ibis()).to_pyarrow().to_pylist()
    on_spark = _per_label(spark_run.task_ibis(spark, "readmission", data, window_days=30)).to_pyarrow().to_pylist()
    assert len(duck) == 2 and sum(r["samples"] for r in duck) > 0
    assert on_spark == duck
