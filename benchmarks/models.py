"""Model quality: test metrics and seconds per epoch, task x model, on synthetic MIMIC-III.

    .venv/bin/python benchmarks/models.py                       # 3,000 patients, seed 7
    .venv/bin/python benchmarks/models.py --models logistic_regression,gbm --tasks in_hospital_mortality_48h
    .venv/bin/python benchmarks/models.py --tasks length_of_stay,drug_recommendation --models rnn \
        --codes ../shared/data/codes

Synthesizes the patients (`medlake synth mimic3 OUT --patients N --seed S`) and
loads them (`medlake load mimic3 OUT`) once, cached in benchmarks/out/, then
trains every model on every task through `medlake.models.runs.train` (the same
code as `medlake train`: split 0.7/0.1/0.2 by subject with seed 0, best epoch on
validation AUROC, test metrics). Networks train `--epochs` epochs at most with
`--patience`, on the last `--max-len` values of each list. The baselines
(logistic_regression, gbm) read the task's inputs plus the default feature-store
views (`--baseline-features`); the networks read the task's inputs only, unless
`--network-features` names views. Prints JSON: per task and model, the test
metrics of its label type (binary: roc_auc, pr_auc; multiclass: accuracy,
f1_macro; multilabel, i.e. drug recommendation: jaccard_samples, f1_samples and
ddi_rate with `--ddi`) with 95% bootstrap intervals, the best epoch, seconds per
training epoch (networks) and seconds in all; then (on stderr, or into
`--markdown FILE`) the same as a Markdown table, and for in-hospital mortality
whether every sequence network is within 0.02 of the logistic regression.
Drug recommendation trains `--drug-models` (GAMENet, SafeDrug and MICRON) in
place of `--models` and needs the code tables (`--codes DIR`, loaded into the
lake when it is built). A model that cannot train on a task (a baseline on a
multilabel label, GAMENet on anything else) is skipped with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import torch

import medlake
from medlake.errors import MedlakeError
from medlake.models import runs
from medlake.synth import synthesize

OUT = Path(__file__).parent / "out"
NETWORK_OPTIONS = {"embedding_dim": 64, "hidden_dim": 64, "batch_size": 64, "lr": 2e-3, "dropout": 0.1}
BASELINES = ("logistic_regression", "gbm")
# the test metrics shown per label type (the JSON keeps every metric's interval)
SHOWN = {"binary": ["roc_auc", "pr_auc"], "multiclass": ["accuracy", "f1_macro"],
         "multilabel": ["jaccard_samples", "f1_samples", "ddi_rate"], "regression": ["mse", "r2"]}
DRUG_TASK = "drug_recommendation"     # trains --drug-models (GAMENet, SafeDrug, MICRON) rather than --models
MUST_HOLD = ("in_hospital_mortality_48h", ("transformer", "rnn", "retain"), 0.02, 0.80)


def lake_for(patients: int, seed: int, out: Path, codes: Path | None = None):
    """A lake with `patients` synthetic MIMIC-III patients of `seed` (built once, then reused), with the NDC ->
    ATC maps of `codes` when given (drug recommendation needs them)."""
    raw = out / f"synth-mimic3-{patients}-{seed}"
    path = out / f"models-mimic3-{patients}-{seed}.duckdb"
    if not path.exists():
        if raw.exists():
            shutil.rmtree(raw)
        synthesize("mimic3", raw, patients=patients, seed=seed)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        with medlake.connect(partial) as lake:
            lake.load("mimic3", raw)
        partial.rename(path)
    if codes is not None:
        with medlake.connect(path) as lake:
            if not lake.codes.loaded():
                lake.codes.load(codes)
    return medlake.connect(path, read_only=True)


def markdown(result: dict) -> str:
    """The result as a Markdown table: task, model, its label type's metrics (95% CI), epochs, s / epoch."""
    lines = ["| task | model | test metrics (95% CI) | epochs run (best, from 1) | s / epoch |", "|---|---|---|---|---|"]
    for task, models in result["tasks"].items():
        for model, r in models.items():
            if "skipped" in r:
                lines.append(f"| {task} | {model} | skipped: {r['skipped']} | | |")
                continue
            shown = []
            for k in SHOWN[r["label_type"]]:
                if r["metrics"].get(k) is None:
                    continue
                ci = r["ci95"].get(k)
                shown.append(f"{k} {r['metrics'][k]:.3f}" + (f" ({ci[0]:.3f}-{ci[1]:.3f})" if ci else ""))
            epochs = f"{r['epochs_run']} ({r['best_epoch'] + 1})" if r["best_epoch"] is not None else ""
            lines.append(f"| {task} | {model} | {'; '.join(shown)} | {epochs} | {r['seconds_per_epoch'] or ''} |")
    return "\n".join(lines)


def must_hold(result: dict) -> dict | None:
    """For in-hospital mortality: is each sequence network's test AUROC >= the logistic regression's - 0.02,
    and above 0.80?"""
    task, networks, margin, floor = MUST_HOLD
    models = result["tasks"].get(task, {})
    lr = models.get("logistic_regression", {}).get("metrics", {}).get("roc_auc")
    if lr is None:
        return None
    out = {"logistic_regression": lr, "bar": round(lr - margin, 4), "floor": floor}
    for name in networks:
        auc = models.get(name, {}).get("metrics", {}).get("roc_auc")
        if auc is not None:
            out[name] = {"roc_auc": auc, "holds": auc >= lr - margin and auc > floor}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tasks", default="in_hospital_mortality_48h")
    ap.add_argument("--models", default="logistic_regression,gbm,transformer,rnn,retain,tcn,stagenet,adacare,concare")
    ap.add_argument("--drug-models", default="gamenet,safedrug,micron",
                    help="the models trained on drug_recommendation (in place of --models)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=128,
                    help="networks keep the last N values of each list (a transformer's cost grows with its square)")
    ap.add_argument("--lr", type=float, default=NETWORK_OPTIONS["lr"])
    ap.add_argument("--dropout", type=float, default=NETWORK_OPTIONS["dropout"])
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--network-features", default="",
                    help="feature-store views the networks also read (comma-separated; 'baseline': the baselines' "
                         "default views); none by default")
    ap.add_argument("--baseline-features", default="baseline",
                    help="feature-store views the baselines read ('baseline': runs.BASELINE_FEATURES; '': none)")
    ap.add_argument("--bootstrap", type=int, default=200)
    ap.add_argument("--codes", default=None, help="code-system folder (NDC -> ATC) for drug_recommendation")
    ap.add_argument("--ddi", default=None, help="DDI pairs (table or CSV) for drug recommendation's ddi_rate")
    ap.add_argument("--markdown", default=None, help="also write the Markdown table to this file")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    network = {**NETWORK_OPTIONS, "lr": args.lr, "dropout": args.dropout, "weight_decay": args.weight_decay}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    lake = lake_for(args.patients, args.seed, out, Path(args.codes) if args.codes else None)
    result = {"command": " ".join(["python", "benchmarks/models.py", *sys.argv[1:]]), "patients": args.patients, "seed": args.seed, "epochs": args.epochs, "patience": args.patience,
              "max_len": args.max_len,
              "torch": torch.__version__, "cpu_threads": torch.get_num_threads(),
              "load_average_at_start": round(os.getloadavg()[0], 2),
              "network_options": network,
              "lake_s": round(time.perf_counter() - t0, 1), "tasks": {}}
    def views(text: str) -> list[str]:
        return list(runs.BASELINE_FEATURES) if text == "baseline" else [v for v in text.split(",") if v]

    result["network_features"] = views(args.network_features)
    result["baseline_features"] = views(args.baseline_features)
    for task in args.tasks.split(","):
        table = result["tasks"].setdefault(task, {})
        for model in (args.drug_models if task == DRUG_TASK else args.models).split(","):
            start = time.perf_counter()
            if model in BASELINES:
                options = {"features": result["baseline_features"]}
            else:
                # GAMENet, SafeDrug and MICRON read visit sequences only: no feature views on drug recommendation
                options = {**network, "epochs": args.epochs, "patience": args.patience, "max_len": args.max_len,
                           "features": [] if task == DRUG_TASK else result["network_features"], "ddi": args.ddi}
            try:
                r = runs.train(lake, task, "mimic3", out / "runs" / task / model, model=model, n_boot=args.bootstrap,
                               **options)
            except MedlakeError as e:    # e.g. a baseline on a multilabel label, GAMENet on a binary one
                table[model] = {"skipped": str(e).splitlines()[0]}
                print(f"{task} {model}: skipped ({e})", file=sys.stderr, flush=True)
                continue
            history = json.loads((Path(r["run"]) / "history.json").read_text())
            epochs = [h["train_seconds"] for h in history]
            label_type = json.loads((Path(r["run"]) / "encoders.json").read_text())["label_type"]
            table[model] = {
                "label_type": label_type,
                "metrics": {k: round(v, 4) for k, v in r["metrics"].items() if isinstance(v, float)},
                "ci95": {k: [round(x, 4) for x in v] for k, v in r["ci95"].items() if k in SHOWN[label_type]},
                "val_" + r["monitor"]: None if r["best_score"] is None else round(r["best_score"], 4),
                "best_epoch": r["best_epoch"], "epochs_run": len(history),
                "seconds_per_epoch": round(sum(epochs) / len(epochs), 1) if epochs else None,
                "seconds": round(time.perf_counter() - start, 1),
                "test_samples": r["samples"], "splits": r["splits"],
            }
            shown = {k: table[model]["metrics"].get(k) for k in SHOWN[label_type]}
            print(f"{task} {model}: {shown} best epoch {r['best_epoch']} "
                  f"{table[model]['seconds_per_epoch']} s/epoch", file=sys.stderr, flush=True)
            if args.markdown:        # written as it grows: a long run's finished models are kept
                Path(args.markdown).write_text(markdown(result) + "\n")
        if task == MUST_HOLD[0]:     # as soon as it is known: the other tasks may take long
            print(f"must_hold: {json.dumps(must_hold(result))}", file=sys.stderr, flush=True)
    result["must_hold"] = must_hold(result)
    lake.close()
    print(json.dumps(result, indent=1))
    table = markdown(result)
    print(table, file=sys.stderr)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")


if __name__ == "__main__":
    sys.exit(main())
