"""Samples -> CPU tensors: samples/s of medlake's stream, optionally beside PyHealth 1.1.6.

    .venv/bin/python benchmarks/stream.py --samples 200000 [--pyhealth-python /tmp/pyhealth-venv/bin/python]
    .venv/bin/python benchmarks/stream.py --db lake.duckdb --task mortality --dataset mimic3

Without --task the samples are mortality-shaped (three code lists of 20-40
codes from vocabularies of 5000, 1500 and 3000 codes). `prepare` = fetching the rows, building the
vocabularies and encoding every code in SQL (once per run); `epoch` = one
shuffled pass to padded tensors (every epoch). PyHealth runs in its own venv in a
subprocess on the same samples: its `get_dataloader` + collate alone only groups
Python lists (its models tokenize inside forward), so the fair comparison for
"samples to tensors" is collate plus its own Tokenizer.batch_encode_3d; both
are reported. `epoch_floor` times the parts no epoch can skip (the SQL
permutation, the gather of the padded ids) beside a plain copy of the same
bytes. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

import medlake
from medlake.models import SampleSet

INPUTS = {"conditions": "codes", "procedures": "codes", "drugs": "codes"}


def code_lists(rng, n: int, prefix: str, vocab: int) -> pa.Array:
    """n lists of 20-40 codes drawn from `vocab` codes, built as Arrow arrays without Python loops."""
    lengths = rng.integers(20, 41, n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    names = pa.array([f"{prefix}{i}" for i in range(vocab)])
    values = pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, vocab, offsets[-1]).astype(np.int32)), names)
    return pa.ListArray.from_arrays(pa.array(offsets), values.cast(pa.string()))


def synthetic(n: int, seed: int = 0) -> pa.Table:
    """Mortality-shaped samples: conditions, procedures and drugs lists, a 10% positive label."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n, dtype=np.int64)
    return pa.table({"sample_id": ids, "subject_id": ids // 2, "visit_id": ids,
                     "conditions": code_lists(rng, n, "D", 5000), "procedures": code_lists(rng, n, "P", 1500),
                     "drugs": code_lists(rng, n, "N", 3000), "label": (rng.uniform(size=n) < 0.1).astype(np.int64)})


def run_pyhealth(python: str, table, batch_size: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "samples.jsonl"
        with open(path, "w") as f:
            for r in table.select(["sample_id", "subject_id", *INPUTS, "label"]).to_pylist():
                f.write(json.dumps({"patient_id": str(r["subject_id"]), "visit_id": str(r["sample_id"]),
                                    **{k: [r[k]] for k in INPUTS}, "label": int(r["label"])}) + "\n")
        script = Path(__file__).with_name("stream_pyhealth.py")
        out = subprocess.run([python, str(script), str(path), str(batch_size)], capture_output=True, text=True)
        if out.returncode != 0:
            return {"pyhealth_error": out.stderr.strip().splitlines()[-1:]}
        return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(runs: int, work) -> float:
    """The fastest of `runs` timed calls of `work`."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def epoch_floor(stream) -> dict:
    """What any shuffled epoch of this stream costs at least, measured part by part (seconds).

    `permutation`: drawing the epoch's order in SQL; `gather`: one index_select of
    every padded id list in that order (no masks, no batches); `copy`: a plain
    sequential copy of the same bytes, which no gather in random order beats."""
    rows = torch.from_numpy(stream.epoch_rows())
    padded = [source.padded for source in stream.flat.values() if source.padded is not None]
    copies = [torch.empty_like(p) for p in padded]
    return {
        "permutation_s": round(best_of(5, stream.epoch_rows), 4),
        "gather_s": round(best_of(5, lambda: [p.index_select(0, rows) for p in padded]), 4),
        "copy_s": round(best_of(5, lambda: [c.copy_(p) for c, p in zip(copies, padded)]), 4),
        "id_bytes": sum(p.numel() * p.element_size() for p in padded),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers (0: in the main process)")
    ap.add_argument("--db", default=None, help="a lake holding the task's dataset (else synthetic samples)")
    ap.add_argument("--task", default=None)
    ap.add_argument("--dataset", default=None)
    ap.add_argument("--pyhealth-python", default=None, help="python of a venv with pyhealth==1.1.6")
    args = ap.parse_args()
    torch.set_num_threads(2)

    t0 = time.perf_counter()
    if args.task:
        lake = medlake.connect(args.db, read_only=True)
        source = lake.task(args.task, dataset=args.dataset)
        inputs = None
        table = source.to_arrow()
    else:
        source = table = synthetic(args.samples)
        inputs = INPUTS
    fetch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    samples = SampleSet.build(table if inputs else source, inputs=inputs, label_type="binary" if inputs else None)
    prepare_s = time.perf_counter() - t0
    stream = samples.stream(split=None, batch_size=args.batch_size, shuffle=True)
    loader = stream.loader(num_workers=args.workers)
    epochs = []
    n = 0
    for epoch in range(args.epochs):
        stream.set_epoch(epoch)
        t0 = time.perf_counter()
        n = sum(len(b["label"]) for b in loader)
        epochs.append(time.perf_counter() - t0)
    best = min(epochs)
    result = {
        "samples": n, "batch_size": args.batch_size, "workers": args.workers,
        "source": (f"task {args.task} on {args.dataset}" if args.task
                   else "mortality-shaped synthetic (3 x 20-40 codes)"),
        "source_rows_s": round(fetch_s, 3), "prepare_s": round(prepare_s, 3),
        "epoch_s": [round(e, 3) for e in epochs],
        "epoch_samples_per_s": round(n / best),
        "prepare_and_first_epoch_samples_per_s": round(n / (prepare_s + epochs[0])),
        "epoch_floor": epoch_floor(stream),
        "torch_threads": torch.get_num_threads(),
        "note": "2 shared cores: other work ran on this machine at the same time",
    }
    if args.pyhealth_python:
        result.update(run_pyhealth(args.pyhealth_python, table, args.batch_size))
        if "pyhealth_collate_samples_per_s" in result:
            result["speedup_vs_pyhealth_collate"] = round(result["epoch_samples_per_s"]
                                                          / result["pyhealth_collate_samples_per_s"], 1)
            result["speedup_vs_pyhealth_to_tensors"] = round(result["epoch_samples_per_s"]
                                                             / result["pyhealth_to_tensors_samples_per_s"], 1)
            # once per run: our vocabularies + SQL encoding + an epoch against PyHealth's
            # SampleEHRDataset + an epoch of tokenized tensors
            ours = prepare_s + epochs[0]
            theirs = result["pyhealth_sample_dataset_s"] + result["pyhealth_to_tensors_s"]
            result["speedup_first_epoch_with_setup"] = round(theirs / ours, 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
