"""PyHealth 1.1.6 side of benchmarks/stream.py; runs in PyHealth's own venv.

Reads mortality-shaped samples (JSON lines), builds PyHealth's SampleEHRDataset,
then times one pass of `get_dataloader` + its collate function, and one pass
that also turns each batch into tensors with PyHealth's own tokenizers (what its
models do first in forward). Prints JSON.
"""

import json
import sys
import time

import torch
from pyhealth.datasets import SampleEHRDataset
from pyhealth.datasets.utils import get_dataloader
from pyhealth.tokenizer import Tokenizer

KEYS = ("conditions", "procedures", "drugs")


def main(path: str, batch_size: int) -> None:
    with open(path) as f:
        samples = [json.loads(line) for line in f]
    t0 = time.perf_counter()
    dataset = SampleEHRDataset(samples, dataset_name="bench", task_name="mortality")
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = 0
    for batch in get_dataloader(dataset, batch_size=batch_size, shuffle=True):
        n += len(batch["label"])
    collate_s = time.perf_counter() - t0
    tokenizers = {k: Tokenizer(dataset.get_all_tokens(k), special_tokens=["<pad>", "<unk>"]) for k in KEYS}
    t0 = time.perf_counter()
    for batch in get_dataloader(dataset, batch_size=batch_size, shuffle=True):
        for k in KEYS:
            torch.tensor(tokenizers[k].batch_encode_3d(batch[k]), dtype=torch.long)
        torch.tensor(batch["label"])
    tensor_s = time.perf_counter() - t0
    print(json.dumps({"pyhealth_samples": n, "pyhealth_sample_dataset_s": round(build_s, 3),
                      "pyhealth_collate_s": round(collate_s, 3),
                      "pyhealth_collate_samples_per_s": round(n / collate_s),
                      "pyhealth_to_tensors_s": round(tensor_s, 3),
                      "pyhealth_to_tensors_samples_per_s": round(n / tensor_s)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
