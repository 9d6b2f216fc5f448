"""`medlake explain`: the codes behind one prediction of a trained run."""

from __future__ import annotations

import click

from ._options import db_option, open_lake
from ._output import emit, output_format, output_options, stdout


def register(main: click.Group) -> None:
    main.add_command(explain)


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--sample", "sample_id", required=True, help="The sample_id to explain (from the run's task).")
@click.option("--method", type=click.Choice(["integrated_gradients", "attention"]), default="integrated_gradients",
              show_default=True, help="Integrated Gradients (Captum), or the network's own attention (RETAIN, "
                                      "transformer).")
@click.option("--target", default=None, help="Class to explain (default: the predicted or highest-scored class).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="How many codes to show.")
@click.option("--steps", default=50, show_default=True, type=click.IntRange(min=2),
              help="Integration steps of Integrated Gradients.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="Only the rows, no heading.")
@output_options
@db_option
def explain(run_dir, sample_id, method, target, top, steps, silent, fmt, out, db_path):
    """Top contributing codes (with their titles) of a trained network's prediction for one sample.

    \b
    Example: medlake explain runs/m1 --sample 10088-169938 --top 5
    """
    from ..models.explain import explain as run_explain

    output_format(fmt, out)        # a bad --format/--out pair is refused before any work
    with open_lake(db_path, read_only=True) as lake:
        r = run_explain(lake, run_dir, sample_id, method=method, target=target, top=top, steps=steps)
    if not silent and output_format(fmt, out) == "table":
        prediction = f"{r['prediction']:.4f}"
        stdout.print(f"sample {r['sample_id']} ({r['split'] or 'no split'}), label {r['label']}: "
                     f"{r['target']} scored {prediction}; {r['method']}"
                     + (f" (convergence delta {r['delta']:.2g})" if r["delta"] is not None else ""),
                     highlight=False)
    emit(r["codes"], fmt, out, title=None if silent else "top contributing codes")
