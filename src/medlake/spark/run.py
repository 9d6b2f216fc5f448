"""Tasks and training sets on Spark, over a parquet export (see export.py).

`register_export` reads the export's manifest and makes each table a Spark
temporary view: the canonical tables under their own names (subjects,
visits, events; the `bucket` partition column dropped) and the code tables
as vocab_<table>. `run_task` builds the task's tree exactly as DuckDB runs
it (the source's variant and shared blocks), binds its parameters as
literals, points its tables at those views, transpiles it to Spark SQL
(transpile.py) and returns the Spark DataFrame.

Spark reads the export's timestamps as TIMESTAMP_NTZ, like DuckDB's
TIMESTAMP; the session time zone is set to UTC so that the conversions
to microseconds the transpiled SQL makes are those DuckDB makes.

pyspark is imported only inside these functions (the `spark` extra).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from sqlglot import exp

from ..errors import MedlakeError
from ..tasks import bound_query
from .export import read_manifest
from .transpile import rename_tables, transpile

VOCAB = "vocab"
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
}
# what a `requires:` entry of a task header needs among the exported tables
REQUIRED_TABLES = {"ndc_atc_maps": f"{VOCAB}.maps"}


def _pyspark():
    try:
        with warnings.catch_warnings():  # pyspark 4.3 warns about pandas 3 on import
            warnings.simplefilter("ignore", FutureWarning)
            import pyspark.sql
            import pyspark.testing.utils  # noqa: F401  (where that warning is raised)
    except ImportError:
        raise MedlakeError("running on Spark needs pyspark: pip install 'medlake[spark]' (and Java 17)") from None
    return pyspark.sql


def session(master: str = "local[2]", app_name: str = "medlake", conf: dict | None = None):
    """A SparkSession for medlake (UTC session time zone, no UI, few shuffle partitions on local masters)."""
    sql = _pyspark()
    builder = sql.SparkSession.builder.master(master).appName(app_name)
    settings = {**SESSION_CONF, "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    if master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = "4"
    for k, v in {**settings, **(conf or {})}.items():
        builder = builder.config(k, v)
    try:
        return builder.getOrCreate()
    except Exception as e:  # Java missing or the master unreachable: py4j and pyspark raise plain errors
        raise MedlakeError(f"cannot start Spark (master {master}): {_first_line(e)}") from None


def view_name(schema: str, table: str, dataset: str) -> str:
    """The temporary view a lake table becomes: events, subjects, visits; vocab_<table>."""
    return table if schema == dataset else f"{schema}_{table}"


def export_views(manifest: dict) -> dict[tuple[str, str], str]:
    """{(schema, table): temporary view name} of an export's tables."""
    dataset = manifest["dataset"]
    names = {}
    for key in manifest["tables"]:
        schema, table = key.split(".", 1) if "." in key else (dataset, key)
        names[(schema, table)] = view_name(schema, table, dataset)
    return names


def register_export(spark, data_path: str | os.PathLike, manifest: dict | None = None) -> dict[tuple[str, str], str]:
    """Make each table of an export a temporary view; returns {(schema, table): view}."""
    manifest = manifest or read_manifest(data_path)
    for k, v in SESSION_CONF.items():
        spark.conf.set(k, v)
    names = export_views(manifest)
    for (schema, table), name in names.items():
        entry = manifest["tables"][table if schema == manifest["dataset"] else f"{schema}.{table}"]
        df = spark.read.parquet(str(Path(data_path) / entry["path"]))
        for column in entry.get("partitioned_by", []):
            df = df.drop(column)
        df.createOrReplaceTempView(name)
    return names


def task_spark_sql(name: str, manifest: dict, names: dict[tuple[str, str], str], **params) -> str:
    """The Spark SQL of a task over the export's views (parameters bound as literals)."""
    return spark_sql(task_tree(name, manifest, **params), names)


def task_tree(name: str, manifest: dict, **params) -> exp.Expression:
    """A task's tree on the export's dataset, parameters bound as literals, its `requires:` checked
    against the export's tables."""
    spec, _, tree = bound_query(name, manifest["dataset"], manifest["source"], **params)
    for need in spec.extra.get("requires", []):
        table = REQUIRED_TABLES.get(need)
        if table is None or table not in manifest["tables"] or not manifest["tables"][table]["rows"]:
            raise MedlakeError(f"task '{spec.name}' needs {need} ({table or 'unknown to the export'}), which the "
                               f"export does not hold; load the code tables into the lake before exporting")
    return tree


def spark_sql(tree: exp.Expression, names: dict[tuple[str, str], str], views: tuple[str, ...] = ()) -> str:
    """A DuckDB tree as Spark SQL over the export's views (and the other temporary `views` named);
    MedlakeError when it reads a table the export lacks."""
    tree = rename_tables(tree, names)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    known = {n.lower() for n in (*names.values(), *views)}
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and table.name.lower() not in ctes | known:
            raise MedlakeError(f"the query reads {table.sql()}, which the parquet export does not hold "
                               f"(it holds: {', '.join(sorted(known))})")
    return transpile(tree, "spark")


def plan_task(name: str, data_path: str | os.PathLike, **params) -> tuple[dict, str]:
    """(manifest, Spark SQL) of a task over an export, checked before any Spark runs."""
    manifest = read_manifest(data_path)
    return manifest, task_spark_sql(name, manifest, export_views(manifest), **params)


def run_task(spark, name: str, data_path: str | os.PathLike, **params):
    """A task's samples on Spark as a DataFrame, over a parquet export (`medlake export parquet`)."""
    manifest, text = plan_task(name, data_path, **params)
    register_export(spark, data_path, manifest)
    return run_sql(spark, text, f"task '{name}'")


def run_sql(spark, text: str, what: str):
    """spark.sql(text) with Spark's analysis errors as MedlakeError."""
    try:
        return spark.sql(text)
    except Exception as e:
        if _from_spark(e):
            raise MedlakeError(f"{what} failed on Spark: {_first_line(e)}") from None
        raise


def check_out(out: str | os.PathLike, overwrite: bool) -> None:
    """MedlakeError when `out` exists and may not be replaced."""
    if Path(out).exists() and not overwrite:
        raise MedlakeError(f"{out} exists; choose another folder or pass --overwrite")


def write_parquet(df, out: str | os.PathLike, overwrite: bool = False) -> int:
    """Write a DataFrame as a parquet folder (refusing an existing one unless `overwrite`); returns its rows."""
    check_out(out, overwrite)
    try:
        df.write.mode("overwrite" if overwrite else "errorifexists").parquet(str(out))
        return df.sparkSession.read.parquet(str(out)).count()
    except Exception as e:
        if _from_spark(e):
            raise MedlakeError(f"writing {out} failed on Spark: {_first_line(e)}") from None
        raise


def _from_spark(e: Exception) -> bool:
    return type(e).__module__.startswith(("pyspark", "py4j"))


def _first_line(e: Exception) -> str:
    return next((line.strip() for line in str(e).splitlines() if line.strip()), type(e).__name__)


# -- training sets ---------------------------------------------------------------------------

SAMPLES_SQL = "spark/samples.sql"
SAMPLES_VIEW = "__medlake_samples"


def feature_parts(features: list[str] | str, dataset: str, manifest: dict | None = None) -> list:
    """ViewParts of the built-in views named ('view' or 'view.feature'), qualified to `dataset`;
    MedlakeError for a view over a table the export lacks (the code tables) or of a kind Spark lacks."""
    from ..featurestore import builtin_views
    from ..featurestore.pit import ViewPart
    from ..sqlfiles import qualify

    if isinstance(features, str):
        features = [f.strip() for f in features.split(",") if f.strip()]
    if not features:
        raise MedlakeError("name the features: view or view.feature, comma-separated")
    views = builtin_views()
    chosen: dict[str, tuple] = {}
    for item in features:
        name, _, feature = item.partition(".")
        if name not in views:
            raise MedlakeError(f"unknown feature view '{name}' (built-in views: {', '.join(sorted(views))}); "
                               "Spark runs the built-in views")
        view = views[name]
        if view.kind != "window":
            raise MedlakeError(f"feature view '{name}' is a '{view.kind}' view; Spark runs window views only")
        for table in view.source_tables():
            if manifest is not None and table not in manifest["tables"]:
                raise MedlakeError(f"feature view '{name}' reads {table}, which the export does not hold")
        entry = chosen.setdefault(name, (view, []))
        picked = [view.feature(feature)] if feature else list(view.features)
        entry[1].extend(f for f in picked if f not in entry[1])
    return [ViewPart(view, qualify(view.tree, {None: dataset}), feats) for view, feats in chosen.values()]


def training_set(spark, task: str, features: list[str] | str, data_path: str | os.PathLike, ttl=None,
                 inclusive: bool = True, **params):
    """A task's samples with features joined as of each sample's index_time, on Spark: the columns
    and rows of `lake.features.training_set(lake.task(task, ...), features)`, as a DataFrame
    ordered like it. Built-in window views only (see feature_parts)."""
    from ..featurestore.pit import point_in_time_query
    from ..featurestore.view import parse_duration
    from ..sqlfiles import fill, load_sql
    from .transpile import bind

    manifest = read_manifest(data_path)
    names = export_views(manifest)
    parts = feature_parts(features, manifest["dataset"], manifest)
    numbered = fill(load_sql(SAMPLES_SQL)["numbered"].tree, tables={"__task": task_tree(task, manifest, **params)})
    register_export(spark, data_path, manifest)
    samples = run_sql(spark, spark_sql(numbered, names), f"task '{task}'").cache()
    samples.createOrReplaceTempView(SAMPLES_VIEW)
    columns = [c for c in samples.columns if c not in ("__row", "__index_time")]
    for part in parts:
        if part.view.key not in columns:
            raise MedlakeError(f"feature view '{part.view.name}' needs column '{part.view.key}' in the samples")
    query, lookbacks = point_in_time_query(SAMPLES_VIEW, parts, inclusive=inclusive,
                                           ttl=parse_duration(ttl, "ttl"), carry={c: c for c in columns},
                                           sample_visits="visit_id" in columns)
    text = spark_sql(bind(query, lookbacks), names, views=(SAMPLES_VIEW,))
    return run_sql(spark, text, "the training set").drop("__row")


def task_ibis(spark, name: str, data_path: str | os.PathLike, **params):
    """A task's samples on Spark as an ibis table (ibis's PySpark backend over a temporary view of
    run_task's DataFrame), to run the same ibis expressions as on `lake.task(...).to_ibis()`.

    The view keeps ibis from parsing the task's SQL again: its sqlglot round trip would undo a
    rewrite Spark needs (`any_value(x, true)`)."""
    try:
        import ibis
    except ImportError:
        raise MedlakeError("task_ibis needs ibis-framework with its pyspark backend") from None
    view = f"__medlake_task_{name}"
    run_task(spark, name, data_path, **params).createOrReplaceTempView(view)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return ibis.pyspark.connect(spark).table(view)
