"""`medlake tasks list|install` and `medlake task show|run|check|from-aces`: prediction tasks."""

from __future__ import annotations

import json

import click
import pyarrow as pa
import pyarrow.compute as pc
from rich.table import Table

from ._options import SuggestingGroup, db_option, open_lake, parse_params
from ._output import emit, out_file, output_options, stdout


def register(main: click.Group) -> None:
    main.add_command(tasks)
    main.add_command(task)


def _lists_as_counts(table: pa.Table) -> pa.Table:
    """List columns drawn as their lengths ('12 items'), so the terminal table stays readable."""
    cols = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            n = pc.cast(pc.list_value_length(col), pa.string())
            col = pc.binary_join_element_wise(n, pa.scalar(" items"), "")
        cols.append(col)
    return pa.table(cols, names=table.column_names)


@click.group(cls=SuggestingGroup)
def tasks():
    """Built-in prediction tasks."""


@tasks.command("list")
@output_options
def list_cmd(fmt, out):
    """List the built-in tasks.

    \b
    Example: medlake tasks list --format json
    """
    from ..tasks import list_tasks

    if out or (fmt or "table") != "table":
        rows = [{"task": s.name, "label": s.label_type, "retrospective": s.retrospective,
                 "datasets": list(s.datasets), "parameters": {n: str(p.default) for n, p in s.params.items()}}
                for s in list_tasks()]
        emit(pa.Table.from_pylist(rows), fmt, out)
        return
    t = Table(title="tasks (details: medlake task show NAME)")
    for col in ("task", "label", "retrospective"):
        t.add_column(col, no_wrap=True)
    t.add_column("datasets")
    t.add_column("parameters")
    for spec in list_tasks():
        params = ", ".join(f"{n}={p.default}" for n, p in spec.params.items())
        t.add_row(spec.name, spec.label_type, "yes" if spec.retrospective else "no", ", ".join(spec.datasets), params)
    stdout.print(t)


@tasks.command("install")
@click.option("--dataset", required=True, help="Dataset (schema) to install the tasks in.")
@click.option("--task", "names", multiple=True, help="Only these tasks (repeatable).")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def install_cmd(dataset, names, silent, db_path):
    """Create a table macro task_<name>(...) and a view <name> per task in the dataset's schema.

    \b
    Example: medlake tasks install --dataset mimic3 --task drug_recommendation
    """
    with open_lake(db_path) as lake:
        views = lake.tasks.install(dataset, list(names) or None, show_progress=not silent)
    stdout.print(f"installed {len(views)} tasks: {', '.join(views)}")


@click.group(cls=SuggestingGroup)
def task():
    """Show, run or leakage-check one task (a built-in name or a .sql file)."""


@task.command()
@click.argument("name")
@click.option("--dataset", default=None, help="Show the SQL pointed at this dataset (and its variant, if any).")
@click.option("--json", "as_json", is_flag=True, help="Print the spec and SQL as JSON.")
@db_option
def show(name, dataset, as_json, db_path):
    """Show a task's header (label, parameters, inputs) and its SQL.

    \b
    Example: medlake task show readmission --dataset mimic3
    """
    from ..tasks import describe

    if dataset:
        with open_lake(db_path, read_only=True) as lake:
            info = lake.tasks.describe(name, dataset)
    else:
        info = describe(None, name)
    if as_json:
        print(json.dumps(info, default=str, indent=2))
        return
    stdout.print(f"[bold]{info['name']}[/]  ({info['path']})\n{info['description']}")
    stdout.print(f"label: {info['label']}   retrospective: {info['retrospective']}   "
                 f"datasets: {', '.join(info['datasets']) or 'any'}")
    stdout.print(f"inputs: {', '.join(f'{k} ({v})' for k, v in info['inputs'].items())}")
    for n, p in info["params"].items():
        stdout.print(f"param {n}: {p}")
    print(info["sql"])


@task.command()
@click.argument("name")
@click.option("--dataset", required=True, help="Dataset (schema) to run the task on.")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--split", default=None, help="Add a split column: TRAIN,VAL,TEST fractions, e.g. 0.7,0.1,0.2.")
@click.option("--split-seed", "--seed", "seed", default=0, show_default=True, help="Seed of the split.")
@output_options
@click.option("--max-rows", default=20, show_default=True, help="Rows drawn in table format.")
@db_option
def run(name, dataset, params, split, seed, fmt, out, max_rows, db_path):
    """Run a task (built-in NAME or a .sql task file) and print or write its samples.

    \b
    Example: medlake task run readmission --dataset mimic3 -p window_days=30 --out samples.parquet
    """
    from ..tasks.result import parse_split

    with open_lake(db_path, read_only=True) as lake:
        result = lake.task(name, dataset, **parse_params(params))
        if split:
            result = result.split(**parse_split(split), seed=seed)
        table = result.to_arrow()
        summary = result.summary()
    if out:
        emit(table, fmt, out)
        stdout.print(f"wrote {table.num_rows:,} samples to {out}")
    else:
        emit(_lists_as_counts(table) if (fmt or "table") == "table" else table, fmt, None,
             title=f"{result.name} on {dataset}", max_rows=max_rows)
    _print_summary(summary)


def _print_summary(summary: dict) -> None:
    """Draw a cohort summary: sizes, then the label balance (and splits) as bars."""
    params = ", ".join(f"{k}={v}" for k, v in summary["params"].items()) or "defaults"
    stdout.print(f"[bold]{summary['task']}[/] on [bold]{summary['dataset']}[/] ({params}): "
                 f"{summary['samples']:,} samples, {summary['subjects']:,} subjects, {summary['visits']:,} visits, "
                 f"{summary['label_type']} label")
    if "dropped_uncertain_order" in summary:
        stdout.print(f"{summary['dropped_uncertain_order']:,} samples dropped: their next visit's order is uncertain "
                     "(--param uncertain_order=keep keeps them)")
    for title, counts in (("label", summary.get("labels") or {}), ("split", summary.get("splits") or {})):
        if counts and not all(isinstance(v, int) for v in counts.values()):
            stdout.print(f"{title}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            continue
        if not counts:
            continue
        total = max(summary["samples"], 1)
        t = Table(title, "samples", "share", "", title_justify="left", box=None)
        for name, n in counts.items():
            t.add_row(str(name), f"{n:,}", f"{n / total:6.1%}", "█" * max(1, round(30 * n / total)) if n else "")
        stdout.print(t)


@task.command("from-aces")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--dataset", default=None, help="Run the compiled task on this dataset and print its summary.")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="Write the task file here (.sql).")
@click.option("--name", default=None, help="Task name (default: the config file's name).")
@click.option("--predicates", default=None, type=click.Path(dir_okay=False),
              help="YAML file of predicates that replace or add to the config's (e.g. for '???' predicates).")
@db_option
def from_aces(config, dataset, out, name, predicates, db_path):
    """Compile an ACES task CONFIG (YAML) into a medlake task file over the dataset's MEDS rows.

    \b
    Example: medlake task from-aces mortality.yaml --dataset mimic4 --out mortality.sql
    """
    import tempfile
    from pathlib import Path

    from ..interop import compile_aces

    task = compile_aces(config, name=name, predicates=predicates)
    if out:
        Path(out_file(out)).write_text(task.sql)
        stdout.print(f"wrote task '{task.name}' to {out}")
    elif not dataset:
        print(task.sql, end="")
    if dataset:
        with tempfile.TemporaryDirectory() as tmp, open_lake(db_path, read_only=True) as lake:
            path = out or str(Path(tmp) / f"{task.name}.sql")
            if not out:
                Path(path).write_text(task.sql)
            _print_summary(lake.task(path, dataset).summary())


@task.command()
@click.argument("name")
@click.option("--dataset", required=True, help="Dataset (schema) to check the task on.")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--subjects", default=50, show_default=True, help="How many subjects to check.")
@click.option("--subject-seed", "--seed", "seed", default=0, show_default=True,
              help="Seed choosing the subjects.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def check(name, dataset, params, subjects, seed, silent, db_path):
    """Leakage check: recompute inputs on timelines cut at each index time; exit 2 on a leak.

    \b
    Example: medlake task check mortality --dataset mimic3 --subjects 50
    """
    with open_lake(db_path, read_only=True) as lake:
        report = lake.tasks.check(name, dataset, subjects=subjects, seed=seed, show_progress=not silent,
                                  **parse_params(params))
    data = report.to_dict()
    stdout.print(f"[green]no leakage[/]: {data['compared']} samples of {data['subjects']} subjects keep their "
                 f"inputs when timelines are cut at index_time"
                 + (" (retrospective task)" if data["retrospective"] else ""))
    if data["note"]:
        stdout.print(data["note"])


@task.command("sql")
@click.argument("name")
@click.option("--dataset", required=True, help="Dataset (schema) the SQL reads: tables <dataset>.events etc.")
@click.option("--dialect", default="duckdb", show_default=True,
              type=click.Choice(["duckdb", "spark", "trino", "postgres", "bigquery", "snowflake"]),
              help="SQL dialect to write (sqlglot); duckdb and spark are checked against medlake's samples.")
@click.option("--param", "-p", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--compact", is_flag=True, help="One line instead of indented SQL.")
@db_option
def sql_cmd(name, dataset, dialect, params, compact, db_path):
    """Print a task's SQL with its parameters written in, in another engine's dialect.

    \b
    Example: medlake task sql readmission --dataset mimic3 --dialect spark -p window_days=30
    """
    from ..spark.transpile import task_sql

    with open_lake(db_path, read_only=True) as lake:
        text, warnings = task_sql(lake.db, name, dataset, dialect, pretty=not compact, **parse_params(params))
    for w in warnings:
        click.echo(f"warning: sqlglot cannot write this for {dialect}: {w}", err=True)
    if text:
        print(text)
