"""Training throughput: samples/s of whole training epochs (stream -> device -> forward/backward/step).

    .venv/bin/python benchmarks/train_epoch.py --samples 200000 --models transformer,rnn --device cuda
    .venv/bin/python benchmarks/train_epoch.py --db lake.duckdb --task mortality --dataset mimic3

Without --task the samples are the mortality-shaped synthetic ones of
benchmarks/stream.py (three code lists of 20-40 codes). Each model trains
`--epochs` epochs through medlake's Trainer (mixed precision on CUDA); the
first epoch carries CUDA's start-up costs, so the best later epoch is the
figure to quote. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import medlake  # noqa: E402
from medlake.models import SampleSet, Trainer, build_model  # noqa: E402
from stream import INPUTS, synthetic  # noqa: E402  (the stream benchmark's samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--models", default="transformer,rnn,retain,mlp")
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when present)")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers (0: in the main process)")
    ap.add_argument("--db", default=None, help="a lake holding the task's dataset (else synthetic samples)")
    ap.add_argument("--task", default=None)
    ap.add_argument("--dataset", default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    if args.task:
        lake = medlake.connect(args.db, read_only=True)
        samples = SampleSet.build(lake.task(args.task, dataset=args.dataset))
        split = "train"
    else:
        samples = SampleSet.build(synthetic(args.samples), inputs=INPUTS, label_type="binary")
        split = None
    prepare_s = time.perf_counter() - t0
    stream = samples.stream(split=split, batch_size=args.batch_size, shuffle=True)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    result = {"samples_per_epoch": stream.rank_rows, "batch_size": args.batch_size, "device": device,
              "gpu": torch.cuda.get_device_name() if device == "cuda" else None,
              "torch": torch.__version__, "cpu_threads": torch.get_num_threads(),
              "source": (f"task {args.task} on {args.dataset}" if args.task
                         else "mortality-shaped synthetic (3 x 20-40 codes)"),
              "prepare_s": round(prepare_s, 3), "models": {}}
    for name in args.models.split(","):
        model = build_model(name, samples)
        trainer = Trainer(model, epochs=args.epochs, device=device, lr=1e-3, quiet=True)
        trainer.fit(stream, num_workers=args.workers)
        per_epoch = [h["train_samples_per_s"] for h in trainer.history]
        result["models"][name] = {"parameters": sum(p.numel() for p in model.parameters()),
                                  "epoch_samples_per_s": per_epoch,
                                  "best_epoch_samples_per_s": max(per_epoch),
                                  "train_loss": [round(h["train_loss"], 4) for h in trainer.history],
                                  "amp": trainer.amp}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
