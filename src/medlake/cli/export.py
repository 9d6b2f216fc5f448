"""`medlake export meds|labels`: a dataset as a MEDS dataset, a task's samples as MEDS labels."""

from __future__ import annotations

import click
from rich.table import Table

from ._options import SuggestingGroup, db_option, open_lake, parse_params
from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(export)


@click.group(cls=SuggestingGroup)
def export():
    """Write lake data in other formats (MEDS, parquet for other engines)."""


@export.command()
@click.argument("dataset")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--subjects-per-shard", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Subjects per data/ shard.")
@click.option("--split", default="0.8,0.1,0.1", show_default=True,
              help="TRAIN,TUNING,HELD_OUT fractions of metadata/subject_splits.parquet.")
@click.option("--split-seed", "--seed", "seed", default=0, show_default=True, type=int,
              help="Seed of the subject splits (train / tuning / held_out).")
@click.option("--name", "dataset_name", default=None, help="dataset_name in metadata/dataset.json (default: DATASET).")
@click.option("--overwrite", is_flag=True, help="Replace OUT's data/ and metadata/ when OUT is not empty.")
@db_option
def meds(dataset, out, subjects_per_shard, split, seed, dataset_name, overwrite, db_path):
    """Write DATASET as a MEDS dataset in folder OUT (data/*.parquet, metadata/); see docs/meds.md.

    \b
    Example: medlake export meds mimic3 meds-out/
    """
    from ..errors import ParameterError

    try:
        fractions = tuple(float(x) for x in split.split(","))
    except ValueError:
        raise ParameterError(f"--split {split!r}: expected three fractions such as 0.8,0.1,0.1") from None
    with open_lake(db_path, read_only=True) as lake:
        result = lake.export_meds(dataset, out, subjects_per_shard=subjects_per_shard, split=fractions, seed=seed,
                                  overwrite=overwrite, dataset_name=dataset_name)
    t = Table("part", "rows", title=f"MEDS export of {dataset}", caption=str(result.out))
    shards = f"{len(result.shards)} shard" + ("s" if len(result.shards) != 1 else "")
    t.add_row(f"data/ ({shards})", f"{result.rows:,}")
    t.add_row("metadata/codes.parquet", f"{result.codes:,}")
    t.add_row("metadata/subject_splits.parquet",
              ", ".join(f"{k} {v:,}" for k, v in result.splits.items()))
    stdout.print(t)
    stdout.print(f"{result.subjects:,} subjects in {result.seconds:.1f} s")


@export.command()
@click.argument("task")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--dataset", required=True, help="Dataset (schema) to run the task on.")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@db_option
def labels(task, out, dataset, params, db_path):
    """Write the samples of TASK on a dataset as a MEDS label file OUT (parquet).

    \b
    Example: medlake export labels mortality --dataset mimic3 labels.parquet
    """
    with open_lake(db_path, read_only=True) as lake:
        n = lake.export_labels(task, dataset, out, **parse_params(params))
    stdout.print(f"wrote {n:,} labels to {out}")


@export.command("parquet")
@click.argument("dataset")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--buckets", default=8, show_default=True, type=click.IntRange(min=1),
              help="Hash buckets of subject_id the events are split into.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in OUT.")
@db_option
def parquet(dataset, out, buckets, overwrite, db_path):
    """Write DATASET's canonical tables and the code tables as parquet under OUT, with manifest.json.

    \b
    Example: medlake export parquet mimic3 parquet-out/ --buckets 8
    """
    with open_lake(db_path, read_only=True) as lake:
        manifest = lake.export_parquet(dataset, out, buckets=buckets, overwrite=overwrite)
    t = Table("table", "folder", "rows", title=f"{dataset} -> {out} ({manifest['seconds']:.1f} s)")
    for name, entry in manifest["tables"].items():
        t.add_row(name, entry["path"], f"{entry['rows']:,}")
    stdout.print(t)
