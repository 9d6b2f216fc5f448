"""`medlake train`, `medlake evaluate`, `medlake calibrate`: training runs on a task's samples."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from ..progress import console
from ..tasks.result import parse_split
from ._options import db_option, open_lake, parse_params
from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(train)
    main.add_command(evaluate)
    main.add_command(calibrate)


def _number(v) -> str:
    return "n/a" if v != v else f"{v:.4f}"


def _show_metrics(result: dict, baseline: dict | None = None) -> None:
    """Test metrics with their intervals; a baseline's beside them when given."""
    if "metrics" not in result:
        stdout.print("no test split: no test metrics")
        return
    title = f"{result['model']} on {result['split']} ({result['samples']} samples)"
    columns = ["metric", "value", "95% CI"]
    if baseline and "metrics" in baseline:
        title += f", beside the {baseline['model']} baseline"
        columns += [baseline["model"], "95% CI "]
    t = Table(*columns, title=title)
    for k, v in result["metrics"].items():
        row = [k, _number(v)]
        for r in (result, baseline) if len(columns) > 3 else (result,):
            lo, hi = r.get("ci95", {}).get(k, (None, None))
            if r is baseline:
                row.append(_number(r["metrics"].get(k, float("nan"))))
            row.append(f"{lo:.4f} - {hi:.4f}" if lo is not None and lo == lo else "")
        t.add_row(*row)
    stdout.print(t)


def _show_reliability(before: dict, after: dict, width: int = 20) -> None:
    """Observed frequency per predicted-probability bin, before and after, as bars."""
    t = Table("predicted", "observed before", "", "predicted after", "observed after", "",
              title="reliability on the test split (a calibrated model has observed = predicted)")
    rows = max(len(before["confidence"]), len(after["confidence"]))
    for i in range(rows):
        cells = []
        for r in (before, after):
            if i < len(r["confidence"]):
                f = r["frequency"][i]
                cells += [f"{r['confidence'][i]:.2f}", f"{f:.2f}", "█" * round(f * width) + f" n={r['count'][i]}"]
            else:
                cells += ["", "", ""]
        t.add_row(*cells)
    stdout.print(t)


@click.command()
@click.option("--task", required=True, help="Task name (see `medlake tasks list`).")
@click.option("--dataset", required=True, help="Dataset the task runs on.")
@click.option("--model", default="transformer", show_default=True,
              help="A network: linear, mlp, rnn (gru, lstm), transformer, retain, deepr, tcn, stagenet, adacare, "
                   "concare; for drug recommendation gamenet, safedrug or micron; for signals cnn1d, for images "
                   "cnn2d; or a scikit-learn baseline: logistic_regression or gbm.")
@click.option("--epochs", default=5, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run directory to write.")
@click.option("-p", "--param", "params", multiple=True, help="Task parameter NAME=VALUE (repeatable).")
@click.option("--split", "split_text", default="0.7,0.1,0.2", show_default=True, help="Train,val,test fractions.")
@click.option("--split-seed", default=0, show_default=True, type=int)
@click.option("--batch-size", default=64, show_default=True, type=int)
@click.option("--lr", default=1e-3, show_default=True, type=float)
@click.option("--weight-decay", default=0.0, show_default=True, type=float)
@click.option("--optimizer", default="adam", show_default=True, type=click.Choice(["adam", "adamw", "sgd"]))
@click.option("--patience", default=None, type=int, help="Stop after this many epochs without improvement.")
@click.option("--monitor", default=None, help="Validation metric to select the best epoch (default per label type).")
@click.option("--model-seed", "--seed", "seed", default=0, show_default=True, type=int,
              help="Seed of the weights' initialization and the batch order.")
@click.option("--embedding-dim", default=64, show_default=True, type=int)
@click.option("--hidden-dim", default=64, show_default=True, type=int)
@click.option("--min-count", default=1, show_default=True, type=int, help="Drop codes seen fewer times in training.")
@click.option("--max-len", default=None, type=int, help="Keep at most the last N codes of each list.")
@click.option("--features", default=None,
              help="Comma-separated feature-store views (or view.feature) joined as inputs, e.g. demographics.")
@click.option("--ddi", default=None, help="DDI pairs (table or CSV with drug_a, drug_b) for drug recommendation.")
@click.option("--signal-channels", default=None,
              help="Comma-separated channel labels a signal input reads (default: the EEG and EOG channels).")
@click.option("--signal-rate", default=None, type=float, help="Resample signal windows to this rate in Hz.")
@click.option("--image-size", default=None, type=int, help="Resize images to this many pixels a side (default 64).")
@click.option("--bootstrap", "n_boot", default=200, show_default=True, type=click.IntRange(min=0),
              help="Bootstrap draws for the test metrics' 95% intervals (0: none).")
@click.option("--skip-unreadable", is_flag=True,
              help="Leave out samples whose signal or image file cannot be read, and count them.")
@click.option("--device", default=None, help="cpu or cuda (default: cuda when present).")
@click.option("--baseline", is_flag=True,
              help="Also train the logistic-regression baseline (into OUT/baseline) and show its test metrics beside.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def train(task, dataset, model, epochs, out, params, split_text, split_seed, batch_size, lr, weight_decay, optimizer,
          patience, monitor, seed, embedding_dim, hidden_dim, min_count, max_len, features, ddi, signal_channels,
          signal_rate, image_size, n_boot, skip_unreadable, device, baseline, silent, db_path):
    """Train a network on a task's samples; writes metrics, checkpoint and vocabularies to --out.

    \b
    Example: medlake train --task mortality --dataset mimic3 --model transformer --epochs 5 --out runs/m1
    Example: medlake train --task sleep_staging --dataset sleep --model cnn1d --epochs 5 --out runs/s1
    """
    from ..models import runs

    with open_lake(db_path) as lake:
        result = runs.train(lake, task, dataset, out, model=model, epochs=epochs, task_params=parse_params(params),
                            split={**parse_split(split_text), "seed": split_seed},
                            features=[f.strip() for f in features.split(",") if f.strip()] if features else None,
                            ddi=ddi, min_count=min_count,
                            max_len=max_len, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                            optimizer=optimizer, patience=patience, monitor=monitor, seed=seed,
                            embedding_dim=embedding_dim, hidden_dim=hidden_dim, device=device,
                            show_progress=not silent, baseline=baseline, skip_unreadable=skip_unreadable, n_boot=n_boot,
                            lazy_options=_lazy_options(signal_channels, signal_rate, image_size))
    for warning in result.get("warnings", []):
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    chosen = f"best epoch {result['best_epoch']}, " if result["best_epoch"] is not None else ""
    score = result["best_score"]
    stdout.print(f"run written to [bold]{result['run']}[/] ({chosen}validation {result['monitor']} {_number(score)})"
                 if score is not None else f"run written to [bold]{result['run']}[/]", highlight=False)
    _show_metrics(result, result.get("baseline"))


def _lazy_options(channels: str | None, rate: float | None, size: int | None) -> dict | None:
    options = {"signal_channels": [c.strip() for c in channels.split(",") if c.strip()] if channels else None,
               "signal_rate": rate, "image_size": size}
    return {k: v for k, v in options.items() if v} or None


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--split", default="test", show_default=True, help="Split to evaluate on.")
@click.option("--bootstrap", "n_boot", default=200, show_default=True, type=int, help="Bootstrap draws for CIs.")
@click.option("--device", default=None)
@db_option
def evaluate(run_dir, split, n_boot, device, db_path):
    """Metrics of a trained run on one split (with bootstrap 95% intervals).

    \b
    Example: medlake evaluate runs/m1 --split test
    """
    from ..models import runs

    with open_lake(db_path) as lake:
        result = runs.evaluate(lake, run_dir, split=split, n_boot=n_boot, device=device)
    _show_metrics(result)
    written = [f"metrics_{split}.json", *result.get("plots", [])]
    stdout.print(f"written to {run_dir}: {', '.join(written)}", highlight=False)


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--method", type=click.Choice(["temperature", "histogram", "dirichlet", "kcal", "conformal"]),
              default="temperature", show_default=True,
              help="temperature, histogram (binning), dirichlet or kcal recalibrate the probabilities; conformal "
                   "gives prediction sets with coverage per class (LABEL).")
@click.option("--alpha", default=0.1, show_default=True, type=float, help="Conformal miscoverage level.")
@click.option("--bins", default=15, show_default=True, type=int, help="Histogram bins.")
@click.option("--device", default=None)
@db_option
def calibrate(run_dir, method, alpha, bins, device, db_path):
    """Calibrate a trained run on its validation split and report on its test split.

    \b
    Example: medlake calibrate runs/m1 --method conformal --alpha 0.1
    """
    from ..models import runs

    with open_lake(db_path) as lake:
        r = runs.calibrate(lake, run_dir, method=method, alpha=alpha, bins=bins, device=device)
    t = Table("measure", "value", title=f"{method} calibration (fit on {r['fit_split']}, "
                                        f"reported on {r['test_split']})")
    if method == "conformal":
        t.add_row("target coverage", f"{1 - r['alpha']:.3f}")
        t.add_row("coverage", f"{r['coverage']:.3f}")
        for k, v in r["class_coverage"].items():
            t.add_row(f"coverage of class {k} ({r['class_samples'][k]} samples)", "nan" if v != v else f"{v:.3f}")
        t.add_row("mean set size", f"{r['mean_set_size']:.3f}")
        t.add_row("empty sets", str(r["empty_sets"]))
    else:
        if "ece_before" in r:
            t.add_row("ECE before", f"{r['ece_before']:.4f}")
            t.add_row("ECE after", f"{r['ece_after']:.4f}")
            t.add_row("log loss before", f"{r['log_loss_before']:.4f}")
            t.add_row("log loss after", f"{r['log_loss_after']:.4f}")
        if method == "temperature":
            t.add_row("temperature", f"{r['state']['temperature']:.4f}")
        if method == "kcal":
            t.add_row("kernel bandwidth", f"{r['state']['bandwidth']:.4f}")
    stdout.print(t)
    if method != "conformal":
        _show_reliability(r["reliability_before"], r["reliability_after"])
    written = [f"calibration_{method}.json", *r.get("plots", [])]
    stdout.print(f"written to {run_dir}: {', '.join(written)}", highlight=False)
