"""Load times of the eICU and OMOP loaders: best of N loads into a fresh lake file each time.

    .venv/bin/python benchmarks/etl_eicu_omop.py [--data ../shared/data] [--repeat 3]

Prints JSON: per source, the best wall time, the raw and canonical row counts,
and raw rows per second over the whole load (staging, checks, canonical SQL).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import medlake

SOURCES = {"eicu": "eicudemo", "omop": "omop/gibleed"}


def best_load(source: str, folder: Path, repeat: int) -> dict:
    times, result = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            lake = medlake.connect(Path(tmp) / "lake.duckdb")
            start = time.perf_counter()
            result = lake.load(source, folder)
            times.append(time.perf_counter() - start)
            lake.close()
    raw = sum(n for t, n in result.row_counts.items() if t.startswith(f"{source}_raw."))
    canonical = {t.split(".")[1]: n for t, n in result.row_counts.items() if t.startswith(f"{source}.")}
    return {"source": source, "folder": str(folder), "seconds_best": round(min(times), 3),
            "seconds_all": [round(t, 3) for t in times], "raw_rows": raw, "canonical_rows": canonical,
            "raw_rows_per_s": round(raw / min(times))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = [best_load(source, Path(args.data) / sub, args.repeat) for source, sub in SOURCES.items()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
