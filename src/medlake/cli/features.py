"""`medlake features list|show|register|unregister|build|materialize|get`: the feature store from the shell."""

from __future__ import annotations

import click
import pyarrow as pa
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from ..progress import console
from ._options import SuggestingGroup, db_option, open_lake, parse_params
from ._output import emit, output_options, stdout


def register(main: click.Group) -> None:
    main.add_command(features)


@click.group(cls=SuggestingGroup)
def features():
    """Feature views, point-in-time training sets, materialization and online reads."""


@features.command("list")
@output_options
@db_option
def list_views(fmt, out, db_path):
    """List the feature views with their entity, kind, version and features.

    \b
    Example: medlake features list --format json
    """
    with open_lake(db_path, read_only=True) as lake:
        views = lake.features.list()
    if out or (fmt or "table") != "table":
        emit(pa.Table.from_pylist(views), fmt, out)
        return
    t = Table("name", "entity", "kind", "version", "ttl", "features", title="feature views")
    for v in views:
        more = f", ... ({len(v['features'])} in all)" if len(v["features"]) > 6 else ""
        shown = ", ".join(v["features"][:6]) + more
        t.add_row(v["name"], v["entity"], v["kind"], v["version"], v["ttl"] or "", shown)
    stdout.print(t)


@features.command()
@click.argument("name")
@click.option("--version", "version", default=None, help="A registered version (default: the current one).")
@db_option
def show(name, version, db_path):
    """Show one view as a file (header and SQL) and its registered versions.

    \b
    Example: medlake features show lab_stats
    """
    with open_lake(db_path, read_only=True) as lake:
        view = lake.features.get(name, version)
        versions = lake.features.versions(name)
    stdout.print(f"[bold]{view.name}[/] version {view.version}")
    stdout.print(Syntax(view.text(), "sql", word_wrap=True))
    if versions:
        t = Table("version", "registered", "source tables", title="registered versions")
        for v in versions:
            t.add_row(v["version"], str(v["created_at"])[:19], ", ".join(v["source_tables"]))
        stdout.print(t)


@features.command("register")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@db_option
def register_view(path, db_path):
    """Register a feature view from a .sql file (a new version when its logic changed).

    \b
    Example: medlake features register my_views/n_labs.sql
    """
    with open_lake(db_path) as lake:
        version = lake.features.register(path)
    stdout.print(f"registered {path} as version {version}")


@features.command("unregister")
@click.argument("name")
@click.option("--version", "version", default=None, help="Only this version (default: every registered version).")
@db_option
def unregister_view(name, version, db_path):
    """Remove a registered view (and the tables materialized from it) from the lake.

    \b
    Example: medlake features unregister n_labs --version 27e28783db08
    """
    with open_lake(db_path) as lake:
        r = lake.features.unregister(name, version)
    dropped = f"; dropped {', '.join(r['dropped_tables'])}" if r["dropped_tables"] else ""
    stdout.print(f"unregistered {r['name']} (version{'s' if len(r['versions']) != 1 else ''} "
                 f"{', '.join(r['versions'])}){dropped}")


@features.command()
@click.option("--task", default=None, help="Task whose samples get the features (see `medlake tasks list`).")
@click.option("--dataset", default=None, help="Dataset the task and the features read.")
@click.option("--samples", default=None, help="Instead of a task: a table name or a parquet file of samples.")
@click.option("--features", "feature_list", default=None,
              help="Comma-separated views or view.feature names (default: every view that fits the samples).")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--ttl", default=None, help="Ignore rows older than this before index_time, e.g. '365 days'.")
@click.option("--exclusive", is_flag=True, help="Use only rows strictly before index_time.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Parquet file to write.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def build(task, dataset, samples, feature_list, params, ttl, exclusive, out, silent, db_path):
    """Write a point-in-time training set (parquet) and its manifest (<out>.manifest.json).

    \b
    Example: medlake features build --task mortality --dataset mimic3 --features demographics --out t.parquet
    """
    with open_lake(db_path) as lake:
        manifest = lake.features.build(out=out, task=task, samples=samples, dataset=dataset,
                                       features=feature_list, ttl=ttl, inclusive=not exclusive,
                                       params=parse_params(params), show_progress=not silent)
    for failed in manifest["failed_views"]:
        console.print(f"[yellow]warning:[/] feature view '{failed['view']}' failed and was left out: "
                      f"{escape(failed['error'])}", highlight=False, soft_wrap=True)
    views = ", ".join(f"{f['view']}@{f['version']}" for f in manifest["features"])
    stdout.print(f"wrote {manifest['rows']['training_set']:,} rows x {manifest['rows']['feature_columns']} "
                 f"features to {out} ({views})")


@features.command("sql")
@click.argument("name")
@click.option("--dataset", required=True, help="Dataset the view reads: tables <dataset>.events etc.")
@click.option("--dialect", default="duckdb", show_default=True,
              type=click.Choice(["duckdb", "spark", "trino", "postgres", "bigquery", "snowflake"]),
              help="SQL dialect to write (sqlglot).")
@click.option("--samples", default=None,
              help="Instead of the view's rows: its point-in-time join over this relation (columns __row, "
                   "the view's key and __index_time).")
@click.option("--ttl", default=None, help="With --samples: ignore rows older than this before index_time.")
@click.option("--exclusive", is_flag=True, help="With --samples: only rows strictly before index_time.")
@db_option
def sql_cmd(name, dataset, dialect, samples, ttl, exclusive, db_path):
    """Print a feature view's SQL (or its point-in-time join) in another engine's dialect.

    \b
    Example: medlake features sql demographics --dataset mimic3 --dialect spark
    """
    from ..spark.transpile import view_sql

    with open_lake(db_path, read_only=True) as lake:
        lake.require_dataset(dataset)
        view = lake.features.get(name)
    text, warnings = view_sql(view, dataset, dialect, samples=samples, ttl=ttl, inclusive=not exclusive)
    for w in warnings:
        click.echo(f"warning: sqlglot cannot write this for {dialect}: {w}", err=True)
    if text:
        print(text)


@features.command()
@click.argument("name")
@click.option("--dataset", default=None, help="Dataset to read (default: the only one loaded).")
@click.option("--full", is_flag=True, help="Rebuild everything instead of only the entities that changed.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def materialize(name, dataset, full, silent, db_path):
    """Write fs.<NAME>__v<version> and fs.<NAME>__latest (incrementally after new loads).

    \b
    Example: medlake features materialize demographics --dataset mimic3
    """
    with open_lake(db_path) as lake:
        r = lake.features.materialize(name, dataset=dataset, full=full, show_progress=not silent)
    stdout.print(f"{r['name']} v{r['version']}: {r['mode']}, {r['changed_entities']:,} entities rewritten; "
                 f"{r['rows_table']} has {r['rows']:,} rows, {r['latest_table']} {r['entities']:,} entities")


@features.command()
@click.argument("feature_list")
@click.option("--ids", required=True, help="Comma-separated entity ids (subject_id or visit_id).")
@output_options
@db_option
def get(feature_list, ids, fmt, out, db_path):
    """Online read: latest materialized values of FEATURE_LIST (view.feature,...) for entity ids.

    \b
    Example: medlake features get demographics.age --ids 10006,10011
    """
    from ..errors import ParameterError, cut

    try:
        entity_ids = [int(i) for i in ids.split(",") if i.strip()]
    except ValueError:
        raise ParameterError(f"--ids must be whole numbers separated by commas, got {cut(ids)}") from None
    with open_lake(db_path, read_only=True) as lake:
        table = lake.features.online(feature_list, entity_ids)
    emit(table, fmt, out)
