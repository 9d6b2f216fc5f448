"""`make demo` (python -m medlake.demo): synthesize a hospital, load it, and show what is in the lake.

The demo is a list of steps, each a function taking the shared `Demo`
state; a later stage adds its own step by writing a function and listing
it in STEPS.
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.panel import Panel
from rich.table import Table

import medlake

from .progress import UnwrappedConsole
from .synth import synthesize

console = UnwrappedConsole()


@dataclass
class Demo:
    """What the steps share: where things go, the open lake, and notes for the closing summary."""

    out: Path = Path("demo-out")
    patients: int = 1000
    seed: int = 0
    dataset: str = "mimic3"
    lake: medlake.Lake | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def raw_dir(self) -> Path:
        return self.out / self.dataset

    @property
    def db_path(self) -> Path:
        return self.out / "demo.duckdb"


def synthesize_step(demo: Demo) -> None:
    """Write a synthetic MIMIC-III export of `demo.patients` patients."""
    if demo.raw_dir.exists():
        shutil.rmtree(demo.raw_dir)
    result = synthesize(demo.dataset, demo.raw_dir, patients=demo.patients, seed=demo.seed)
    console.print(f"[green]synthesized[/] {demo.patients:,} patients: {result.total_rows:,} raw rows "
                  f"in {len(result.rows)} files under [bold]{demo.raw_dir}[/]")


def load_step(demo: Demo) -> None:
    """Load the export into the demo lake (replacing an earlier demo load)."""
    demo.lake = medlake.connect(demo.db_path)
    result = demo.lake.load(demo.dataset, demo.raw_dir)
    console.print(f"[green]loaded[/] dataset [bold]{result.dataset}[/] into [bold]{demo.db_path}[/] "
                  f"(load {result.load_id}, {result.seconds:.1f} s)")


def summary_step(demo: Demo) -> None:
    """Draw the lake's contents: people, stays, deaths, and events by vocabulary."""
    schemas = {None: demo.dataset}
    counts = demo.lake.db.arrow("demo/summary.sql", "counts", schemas=schemas).to_pylist()[0]
    vocab = demo.lake.db.arrow("demo/summary.sql", "events_by_vocab", schemas=schemas).to_pylist()

    people = Table(title=f"[bold]{demo.dataset}[/] in {demo.db_path}", title_justify="left", min_width=44)
    people.add_column("what")
    people.add_column("count", justify="right", style="cyan")
    people.add_row("subjects", f"{counts['subjects']:,}")
    people.add_row("admissions", f"{counts['admissions']:,}")
    people.add_row("ICU stays", f"{counts['icu_stays']:,}")
    people.add_row("deaths in hospital", f"{counts['deaths_in_hospital']:,}")
    people.add_row("deaths (any time)", f"{counts['deaths_any_time']:,}")
    people.add_row("events", f"{counts['events']:,}", end_section=True)

    events = Table(title="events by vocabulary", title_justify="left", min_width=60)
    for name in ("vocab", "events", "codes", "visits", "share"):
        events.add_column(name, justify="left" if name in ("vocab", "share") else "right",
                          style="magenta" if name == "vocab" else None)
    total = max(counts["events"], 1)
    for r in vocab:
        share = r["events"] / total
        bar = "█" * max(1, round(share * 20))
        events.add_row(r["vocab"], f"{r['events']:,}", f"{r['codes']:,}", f"{r['visits']:,}",
                       f"{share:6.1%} [green]{bar}[/]")
    console.print(people)
    console.print(events)


DEMO_TASK = "in_hospital_mortality_48h"
DEMO_SPLIT = {"train": 0.7, "val": 0.1, "test": 0.2, "seed": 0}


def train_step(demo: Demo) -> None:
    """Train a small network on in-hospital mortality at 48 hours, beside the logistic-regression baseline.

    Threshold-free metrics come first (AUROC, AUPRC against the death rate, ECE);
    then F1 at 0.5 and at the threshold that maximizes F1 on the validation split."""
    import numpy as np

    from .models import runs
    from .models.metrics import best_f1_threshold, binary_metrics

    # a bag of lab values and drugs through an MLP: from ~800 training samples it learns as much as a
    # sequence model and trains in seconds
    run_dir = demo.out / "runs" / f"{DEMO_TASK}-mlp"
    result = runs.train(demo.lake, DEMO_TASK, demo.dataset, run_dir, model="mlp", epochs=15, lr=0.003,
                        batch_size=64, embedding_dim=32, hidden_dim=32, patience=5, n_boot=100, split=DEMO_SPLIT,
                        baseline=True)
    samples = demo.lake.task(DEMO_TASK, dataset=demo.dataset).split(**DEMO_SPLIT)
    labels = dict(zip(*samples.to_arrow().select(["sample_id", "label"]).to_pydict().values()))

    def scored(split: str):
        pred = runs.predict(run_dir, samples, lake=demo.lake, split=split)
        y = np.array([labels[s] for s in pred.column("sample_id").to_pylist()])
        return y, pred.column("probability").to_numpy()

    threshold = best_f1_threshold(*scored("val"))
    y, p = scored("test")
    tuned = binary_metrics(y, p, threshold)
    metrics, ci, lr = result["metrics"], result["ci95"], result["baseline"]["metrics"]
    table = Table(title=f"mlp on {DEMO_TASK}: test split ({result['samples']} samples, "
                        f"{y.mean():.1%} died)", title_justify="left")
    for name in ("metric", "mlp", "95% CI", "logistic regression"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for k, label in (("roc_auc", "AUROC"), ("pr_auc", f"AUPRC (chance: {y.mean():.3f})"), ("ece", "ECE")):
        table.add_row(label, f"{metrics[k]:.3f}", f"{ci[k][0]:.3f} - {ci[k][1]:.3f}", f"{lr[k]:.3f}")
    table.add_row("F1 at 0.5", f"{metrics['f1']:.3f}", "", f"{lr['f1']:.3f}")
    table.add_row(f"F1 at {threshold:.2f} (tuned)", f"{tuned['f1']:.3f}", "", "")
    table.add_row(f"precision at {threshold:.2f}", f"{tuned['precision']:.3f}", "", "")
    table.add_row(f"recall at {threshold:.2f}", f"{tuned['recall']:.3f}", "", "")
    table.caption = "tuned: the threshold with the best F1 on the validation split"
    console.print(table)
    console.print(f"run in [bold]{run_dir}[/] (the baseline in {run_dir / 'baseline'}): checkpoint, vocabularies, "
                  f"metrics, ROC and calibration curves; try [bold]medlake --db {demo.db_path} calibrate {run_dir} "
                  f"--method conformal[/]")


SLEEP_SUBJECTS, SLEEP_EPOCHS = 6, 160     # 6 nights of 80 minutes: ~900 epochs of 30 s


def sleep_step(demo: Demo) -> None:
    """Sleep staging from signals: synthetic Sleep-EDF nights (EDF+), loaded as recordings, one 30 s epoch
    per sample, a 1-D CNN reading the EEG and EOG windows from the files; test accuracy beside the
    share of the most frequent stage (what always guessing it would score)."""
    import torch

    from .models import runs
    from .synth.sleep import synthesize_sleep_edf

    folder = demo.out / "sleep-edf"
    if folder.exists():
        shutil.rmtree(folder)
    synthesize_sleep_edf(folder, subjects=SLEEP_SUBJECTS, seed=demo.seed, epochs=SLEEP_EPOCHS)
    loaded = demo.lake.load("edf", folder, layout="sleep-edf", name="sleep")
    split = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0}
    run_dir = demo.out / "runs" / "sleep_staging-cnn1d"
    # small convolutions on a few shared cores run several times faster on one intra-op thread
    # (measured: 21 s against 230 s for this step on a busy 2-core machine)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = runs.train(demo.lake, "sleep_staging", "sleep", run_dir, model="cnn1d", epochs=3, batch_size=32,
                            lr=0.001, n_boot=0, split=split)
    finally:
        torch.set_num_threads(threads)
    test = demo.lake.task("sleep_staging", dataset="sleep").split(**split).to_arrow().to_pandas()
    test = test[test.split == "test"]
    shares = test.stage.value_counts(normalize=True)
    metrics = result["metrics"]
    console.print(f"[green]sleep staging[/]: {loaded.row_counts['sleep.recordings']} synthetic nights in "
                  f"[bold]{folder}[/], a cnn1d on 30 s windows of {', '.join(_channels(run_dir))}: test accuracy "
                  f"[bold]{metrics['accuracy']:.3f}[/] (Cohen's kappa {metrics['cohen_kappa']:.3f}; always "
                  f"{shares.index[0]} would score {shares.iloc[0]:.3f}) on {result['samples']:,} epochs; run in "
                  f"[bold]{run_dir}[/]")


def _channels(run_dir: Path) -> list[str]:
    import json

    return json.loads((run_dir / "encoders.json").read_text())["lazy"]["signal"]["channels"]


STEPS = [synthesize_step, load_step, summary_step, train_step, sleep_step]


def run(demo: Demo | None = None, steps=None) -> Demo:
    """Run the demo's steps in order, timing each."""
    demo = demo or Demo()
    demo.out.mkdir(parents=True, exist_ok=True)
    console.print(Panel.fit("[bold]medlake demo[/]: a synthetic hospital, loaded into one DuckDB file",
                            border_style="blue"))
    try:
        for step in steps or STEPS:
            started = time.perf_counter()
            step(demo)
            demo.timings[step.__name__] = time.perf_counter() - started
    finally:
        if demo.lake is not None:
            demo.lake.close()
    spent = ", ".join(f"{name.removesuffix('_step')} {s:.1f} s" for name, s in demo.timings.items())
    console.print(f"[dim]{spent}[/]")
    console.print(f"open it: [bold]medlake --db {demo.db_path} info[/]")
    return demo


def main(argv=None) -> None:
    """Command-line entry of `python -m medlake.demo`."""
    parser = argparse.ArgumentParser(prog="python -m medlake.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-out", help="folder for the raw files and demo.duckdb")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run(Demo(out=Path(args.out), patients=args.patients, seed=args.seed))


if __name__ == "__main__":
    main()
