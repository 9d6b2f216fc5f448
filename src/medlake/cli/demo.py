"""`medlake demo`: what `make demo` does, for users who installed medlake from a wheel."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(demo)


@click.command()
@click.option("--out", type=click.Path(file_okay=False), default="demo-out", show_default=True,
              help="Folder for the synthetic raw files and demo.duckdb.")
@click.option("--patients", default=1000, show_default=True, type=click.IntRange(min=10))
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the synthetic hospital.")
def demo(out, patients, seed):
    """Synthesize a hospital, load it, summarize it and train a model on it; then sleep staging on
    synthetic EDF recordings with a 1-D CNN.

    \b
    Example: medlake demo --out demo-out --patients 500
    """
    from ..demo import Demo, run

    run(Demo(out=Path(out), patients=patients, seed=seed))
