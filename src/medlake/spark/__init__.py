"""Beyond one machine: a dataset as parquet, task and feature SQL in other dialects, tasks on Spark.

- export.py: `export_parquet` writes a dataset's tables and the code tables
  as parquet with a manifest (`medlake export parquet`).
- transpile.py: a task's (or a training set's) sqlglot tree with its
  parameters bound as literals, rewritten where a DuckDB construct has no
  direct equivalent, and rendered for spark, trino, postgres, bigquery,
  snowflake or duckdb (`medlake task sql`, `medlake features sql`).
- run.py: the export registered as Spark temporary views and a task or a
  training set run on it (`medlake spark run-task|training-set`). pyspark
  is imported only there, and only when called (the `spark` extra).

The SQL is never written twice: Spark runs the tree DuckDB runs, transpiled.
"""

from __future__ import annotations

from .export import export_parquet, read_manifest
from .run import register_export, run_task, session, task_ibis, training_set
from .transpile import DIALECTS, task_sql, transpile, view_sql

__all__ = ["DIALECTS", "export_parquet", "read_manifest", "register_export", "run_task", "session", "task_ibis",
           "task_sql", "training_set", "transpile", "view_sql"]
