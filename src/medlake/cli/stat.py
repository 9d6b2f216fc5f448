"""`medlake stat`: a dataset's statistics, or a task's samples' statistics."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from ..errors import ParameterError
from ._options import db_option, open_lake, parse_params
from ._output import emit_parts, out_file, output_format, output_options, part_option, stdout


def register(main: click.Group) -> None:
    main.add_command(stat)


@click.command()
@click.option("--dataset", required=True, help="Dataset (schema) to describe.")
@click.option("--task", default=None, help="Describe this task's samples on the dataset instead.")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="Codes listed per vocabulary.")
@output_options
@part_option
@db_option
def stat(dataset, task, params, top, fmt, out, part, db_path):
    """Subjects, visits, events by vocabulary and top codes with titles; with --task, the samples' label
    balance per split and the top codes of each input.

    \b
    Example: medlake stat --dataset mimic3 --top 5
    """
    with open_lake(db_path, read_only=True) as lake:
        if task:
            result = lake.task(task, dataset, **parse_params(params))
            data = result.split().stat(top=top) if "split" not in result.to_arrow().column_names else result.stat(top)
            chosen = output_format(fmt, out)
            if chosen == "table":
                _draw_task(data)
            elif chosen == "json":
                text = json.dumps(data, default=str)
                Path(out_file(out)).write_text(text + "\n") if out else click.echo(text)
            else:
                raise ParameterError(f"a task's statistics are nested: use --format json, not {chosen}")
            return
        data = lake.stat(dataset, top=top)
    parts = {name: data[name] for name in ("visits_by_kind", "events_by_vocab", "top_codes")}
    emit_parts(parts, fmt, out, part, draw=lambda: _draw_dataset(data))


def _draw_dataset(data: dict) -> None:
    stdout.print(f"[bold]{data['dataset']}[/] ({data['source']}): {data['subjects']:,} subjects, "
                 f"{data['visits']:,} visits ({data['visits_with_events']:,} with events), {data['events']:,} events")
    for title in ("visits_by_kind", "events_by_vocab"):
        table = data[title]
        t = Table(*table.column_names, title=title.replace("_", " "))
        for row in table.to_pylist():
            t.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()])
        stdout.print(t)
    t = Table("vocab", "rank", "code", "events", "subjects", "title", title="top codes")
    for row in data["top_codes"].to_pylist():
        t.add_row(row["vocab"], str(row["rank"]), row["code"], f"{row['events']:,}", f"{row['subjects']:,}",
                  row["title"] or "")
    stdout.print(t)


def _draw_task(data: dict) -> None:
    stdout.print(f"[bold]{data['task']}[/] on [bold]{data['dataset']}[/]: {data['samples']:,} samples, "
                 f"{data['subjects']:,} subjects, {data['label_type']} label")
    for split, labels in data.get("labels_by_split", {}).items():
        stdout.print(f"  {split}: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                                               for k, v in labels.items()))
    for name, info in data["inputs"].items():
        sizes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in info.items() if k.startswith("mean"))
        stdout.print(f"[bold]{name}[/] ({info['kind']}){': ' + sizes if sizes else ''}")
        for item in info.get("top", []):
            stdout.print(f"  {item['code']:<20} {item['samples']:>8,} samples")
