"""`medlake spark run-task|training-set`: tasks and training sets on Spark, beyond one machine."""

from __future__ import annotations

import click

from ._options import SuggestingGroup, parse_params
from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(spark)


@click.group(cls=SuggestingGroup)
def spark():
    """Run tasks and training sets on Spark, over a parquet export (`medlake export parquet`)."""


def _master_option(f):
    return click.option("--master", default="local[2]", show_default=True,
                        help="Spark master URL (local[N], spark://host:7077, yarn, ...).")(f)


def _write(df, out: str, overwrite: bool, what: str) -> int:
    """Write a Spark DataFrame as a parquet folder and count what was written."""
    from ..spark.run import write_parquet

    rows = write_parquet(df, out, overwrite=overwrite)
    stdout.print(f"wrote {rows:,} {what} to {out}")
    return rows


@spark.command("run-task")
@click.argument("name")
@click.option("--data", "data", required=True, type=click.Path(file_okay=False, exists=True),
              help="Folder of a parquet export (medlake export parquet).")
@click.option("--param", "-p", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--out", required=True, type=click.Path(), help="Folder the samples are written to (parquet).")
@click.option("--overwrite", is_flag=True, help="Replace what is in --out.")
@_master_option
def run_task_cmd(name, data, params, out, overwrite, master):
    """Run task NAME on Spark over an exported dataset and write its samples as parquet.

    \b
    Example: medlake spark run-task mortality --data parquet-out/mimic3 --out samples/
    """
    from ..spark.run import check_out, plan_task, run_task, session

    plan_task(name, data, **parse_params(params))  # a wrong name or parameter fails before Spark starts
    check_out(out, overwrite)
    spark_session = session(master)
    try:
        _write(run_task(spark_session, name, data, **parse_params(params)), out, overwrite, "samples")
    finally:
        spark_session.stop()


@spark.command("training-set")
@click.option("--task", "task_name", required=True, help="Task whose samples get the features.")
@click.option("--features", "feature_list", required=True,
              help="Comma-separated built-in window views or view.feature names.")
@click.option("--data", "data", required=True, type=click.Path(file_okay=False, exists=True),
              help="Folder of a parquet export (medlake export parquet).")
@click.option("--param", "-p", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--ttl", default=None, help="Ignore rows older than this before index_time, e.g. '365 days'.")
@click.option("--exclusive", is_flag=True, help="Use only rows strictly before index_time.")
@click.option("--out", required=True, type=click.Path(), help="Folder the training set is written to (parquet).")
@click.option("--overwrite", is_flag=True, help="Replace what is in --out.")
@_master_option
def training_set_cmd(task_name, feature_list, data, params, ttl, exclusive, out, overwrite, master):
    """A point-in-time training set on Spark: the task's samples with features as of each index_time.

    \b
    Example: medlake spark training-set --task mortality --features demographics --data parquet-out/mimic3 --out train/
    """
    from ..spark.export import read_manifest
    from ..spark.run import check_out, feature_parts, plan_task, session, training_set

    plan_task(task_name, data, **parse_params(params))  # wrong names fail before Spark starts
    feature_parts(feature_list, "", read_manifest(data))
    check_out(out, overwrite)
    spark_session = session(master)
    try:
        df = training_set(spark_session, task_name, feature_list, data, ttl=ttl, inclusive=not exclusive,
                          **parse_params(params))
        _write(df, out, overwrite, "rows")
    finally:
        spark_session.stop()
