"""`medlake report`: one self-contained HTML page about a dataset, a task and a trained run."""

from __future__ import annotations

import click

from ._options import db_option, open_lake, parse_params
from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(report)


@click.command()
@click.option("--dataset", required=True, help="Dataset (schema) the report describes.")
@click.option("--task", default=None, help="Add a section on this task's samples (default: the run's task).")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--run", "run_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Add a section on this training run (a folder written by `medlake train --out`).")
@click.option("--out", type=click.Path(dir_okay=False), default="report.html", show_default=True,
              help="The HTML file to write (figures embedded).")
@db_option
def report(dataset, task, params, run_dir, out, db_path):
    """Write an HTML report: dataset overview, task samples and model curves.

    \b
    Example: medlake report --dataset mimic3 --run runs/m1 --out report.html
    """
    from ..report import build_report

    with open_lake(db_path, read_only=True) as lake:
        path = build_report(lake, dataset, out, task=task, task_params=parse_params(params), run=run_dir)
    stdout.print(f"wrote {path}")
