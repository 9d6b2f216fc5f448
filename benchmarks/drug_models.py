"""Drug recommendation quality: test Jaccard, F1, PR AUC (and DDI rate) and seconds per epoch, per model.

    .venv/bin/python benchmarks/drug_models.py                  # 3,000 synthetic MIMIC-III patients, seed 7
    .venv/bin/python benchmarks/drug_models.py --models safedrug,micron --ddi pairs.csv

Synthesizes the patients (`medlake synth mimic3`) and loads them once into a
lake under --out, with the NDC/GSN -> ATC maps of --codes (ndc_gsn_atc.csv.gz,
what drug_recommendation needs), then trains each model through
`medlake.models.runs.train` (what `medlake train` runs: split 0.7/0.1/0.2 by
subject, seed 0; the epoch with the best validation pr_auc_samples). `--ddi`
(a CSV of drug_a, drug_b ATC-3 pairs) turns on GAMENet's DDI penalty and
SafeDrug's DDI-controlled loss and adds the DDI rate. Prints JSON.
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
CODES = Path(__file__).resolve().parents[2] / "shared" / "data" / "codes"
NETWORK_OPTIONS = {"embedding_dim": 64, "hidden_dim": 64, "batch_size": 64, "lr": 2e-3, "dropout": 0.1}


def lake_for(patients: int, seed: int, out: Path, codes: Path):
    """A lake of synthetic MIMIC-III patients with the NDC -> ATC maps (built once, then reused)."""
    raw = out / f"synth-mimic3-{patients}-{seed}"
    path = out / f"drugs-mimic3-{patients}-{seed}.duckdb"
    if not path.exists():
        if not raw.exists():
            synthesize("mimic3", raw, patients=patients, seed=seed)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        with medlake.connect(partial) as lake:
            lake.load("mimic3", raw)
            lake.codes.load(codes, only=["ndc_atc", "atc_codes"])
        partial.rename(path)
        shutil.rmtree(raw)
    return medlake.connect(path, read_only=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--models", default="gamenet,safedrug,micron")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--ddi", default=None, help="CSV of drug_a, drug_b ATC-3 pairs")
    ap.add_argument("--codes", default=str(CODES), help="folder with ndc_gsn_atc.csv.gz")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--bootstrap", type=int, default=0)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lake = lake_for(args.patients, args.seed, out, Path(args.codes))
    result = {"patients": args.patients, "seed": args.seed, "epochs": args.epochs, "patience": args.patience,
              "ddi": args.ddi, "torch": torch.__version__, "cpu_threads": torch.get_num_threads(),
              "network_options": NETWORK_OPTIONS, "lake_s": round(time.perf_counter() - t0, 1), "models": {}}
    for model in args.models.split(","):
        start = time.perf_counter()
        r = runs.train(lake, "drug_recommendation", "mimic3", out / "runs" / "drug_recommendation" / model,
                       model=model, epochs=args.epochs, patience=args.patience, ddi=args.ddi, n_boot=args.bootstrap,
                       **NETWORK_OPTIONS)
        history = json.loads((Path(r["run"]) / "history.json").read_text())
        epochs = [h["train_seconds"] for h in history]
        m = r["metrics"]
        result["models"][model] = {
            **{k: round(m[k], 4) for k in ("jaccard_samples", "f1_samples", "pr_auc_samples", "ddi_rate") if k in m},
            "best_epoch": r["best_epoch"], "epochs_run": len(history),
            "seconds_per_epoch": round(sum(epochs) / len(epochs), 1) if epochs else None,
            "seconds": round(time.perf_counter() - start, 1), "test_samples": r["samples"], "splits": r["splits"],
            "classes": len(json.loads((Path(r["run"]) / "encoders.json").read_text())["label_classes"]),
        }
        print(f"{model}: {result['models'][model]}", file=sys.stderr, flush=True)
    lake.close()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
