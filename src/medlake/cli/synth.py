"""`medlake synth`: write a synthetic MIMIC-III or MIMIC-IV export."""

from __future__ import annotations

import click
from rich.table import Table

from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(synth)


@click.command()
@click.argument("flavor", type=click.Choice(["mimic3", "mimic4"]))
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--patients", default=1000, show_default=True, type=click.IntRange(min=1), help="Number of patients.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Random seed (same seed, same bytes).")
@click.option("--no-gzip", is_flag=True, help="Write .csv instead of .csv.gz.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
def synth(flavor, out, patients, seed, no_gzip, silent):
    """Write a synthetic FLAVOR (mimic3 or mimic4) export into OUT, loadable with `medlake load FLAVOR OUT`.

    \b
    Example: medlake synth mimic3 synth-out/ --patients 1000 --seed 7
    """
    from ..synth import synthesize

    result = synthesize(flavor, out, patients=patients, seed=seed, compress=not no_gzip, show_progress=not silent)
    t = Table("file", "rows", title=f"synthetic {flavor}", caption=f"{patients:,} patients, seed {seed}, in {out}")
    for name, rows in result.rows.items():
        t.add_row(name, f"{rows:,}")
    stdout.print(t)
    stdout.print(f"{result.total_rows:,} rows in {result.seconds:.1f} s "
                 f"({result.total_rows / max(result.seconds, 1e-9):,.0f} rows/s)")
