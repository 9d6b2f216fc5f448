"""`medlake export parquet` and `medlake spark run-task|training-set`: beyond one machine."""

from __future__ import annotations

import click
from rich.table import Table

from ._options import db_option, open_lake
from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(export)


@click.group()
def export():
    """Export a dataset for other engines."""


@export.command("parquet")
@click.argument("dataset")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--buckets", default=8, show_default=True, type=click.IntRange(min=1),
              help="Hash buckets of subject_id the events are split into.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in OUT.")
@db_option
def parquet(dataset, out, buckets, overwrite, db_path):
    """Write DATASET's canonical tables and the code tables as parquet under OUT, with manifest.json."""
    with open_lake(db_path, read_only=True) as lake:
        manifest = lake.export_parquet(dataset, out, buckets=buckets, overwrite=overwrite)
    t = Table("table", "folder", "rows", title=f"{dataset} -> {out} ({manifest['seconds']:.1f} s)")
    for name, entry in manifest["tables"].items():
        t.add_row(name, entry["path"], f"{entry['rows']:,}")
    stdout.print(t)
