"""Model quality: test AUROC / AUPRC and seconds per epoch, task x model, on synthetic MIMIC-III.

    .venv/bin/python benchmarks/models.py                       # 3,000 patients, seed 7
    .venv/bin/python benchmarks/models.py --models logistic_regression,gbm --tasks in_hospital_mortality_48h

Synthesizes the patients (`medlake synth mimic3 OUT --patients N --seed S`) and
loads them (`medlake load mimic3 OUT`) once, cached in benchmarks/out/, then
trains every model on every task through `medlake.models.runs.train` (the same
code as `medlake train`: split 0.7/0.1/0.2 by subject with seed 0, best epoch on
validation AUROC, test metrics). Networks train `--epochs` epochs at most with
`--patience`, on the last `--max-len` values of each list. The baselines
(logistic_regression, gbm) read the task's inputs plus the default feature-store
views (`--baseline-features`); the networks read the task's inputs only, unless
`--network-features` names views. Prints JSON: per task and model, test
roc_auc and pr_auc with their 95% bootstrap intervals, the best epoch, seconds
per training epoch (networks) and seconds in all.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import torch

import medlake
from medlake.models import runs
from medlake.synth import synthesize

OUT = Path(__file__).parent / "out"
NETWORK_OPTIONS = {"embedding_dim": 64, "hidden_dim": 64, "batch_size": 64, "lr": 2e-3, "dropout": 0.1}


def lake_for(patients: int, seed: int, out: Path):
    """A lake with `patients` synthetic MIMIC-III patients of `seed` (built once, then reused)."""
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
    return medlake.connect(path, read_only=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tasks", default="in_hospital_mortality_48h")
    ap.add_argument("--models", default="logistic_regression,gbm,transformer,rnn,retain")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=256,
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
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    network = {**NETWORK_OPTIONS, "lr": args.lr, "dropout": args.dropout, "weight_decay": args.weight_decay}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    lake = lake_for(args.patients, args.seed, out)
    result = {"patients": args.patients, "seed": args.seed, "epochs": args.epochs, "patience": args.patience,
              "max_len": args.max_len,
              "torch": torch.__version__, "cpu_threads": torch.get_num_threads(),
              "network_options": network,
              "lake_s": round(time.perf_counter() - t0, 1), "tasks": {}}
    def views(text: str) -> list[str]:
        return list(runs.BASELINE_FEATURES) if text == "baseline" else [v for v in text.split(",") if v]

    result["network_features"] = views(args.network_features)
    result["baseline_features"] = views(args.baseline_features)
    for task in args.tasks.split(","):
        table = result["tasks"].setdefault(task, {})
        for model in args.models.split(","):
            start = time.perf_counter()
            if model in ("logistic_regression", "gbm"):
                options = {"features": result["baseline_features"]}
            else:
                options = {**network, "epochs": args.epochs, "patience": args.patience, "max_len": args.max_len,
                           "features": result["network_features"]}
            r = runs.train(lake, task, "mimic3", out / "runs" / task / model, model=model, n_boot=args.bootstrap,
                           **options)
            history = json.loads((Path(r["run"]) / "history.json").read_text())
            epochs = [h["train_seconds"] for h in history]
            table[model] = {
                "roc_auc": round(r["metrics"]["roc_auc"], 4), "pr_auc": round(r["metrics"]["pr_auc"], 4),
                "roc_auc_ci95": [round(x, 4) for x in r["ci95"].get("roc_auc", [])],
                "pr_auc_ci95": [round(x, 4) for x in r["ci95"].get("pr_auc", [])],
                "val_" + r["monitor"]: None if r["best_score"] is None else round(r["best_score"], 4),
                "best_epoch": r["best_epoch"], "epochs_run": len(history),
                "seconds_per_epoch": round(sum(epochs) / len(epochs), 1) if epochs else None,
                "seconds": round(time.perf_counter() - start, 1),
                "test_samples": r["samples"], "splits": r["splits"],
            }
            print(f"{task} {model}: {table[model]}", file=sys.stderr, flush=True)
    lake.close()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
