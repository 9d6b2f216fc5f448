"""Feature-store benchmark: a point-in-time training set of 1 M samples x 50 features from ~40 M events.

    .venv/bin/python benchmarks/features.py                      # 40 M events, 1 M samples
    .venv/bin/python benchmarks/features.py --events 2000000 --samples 50000 --subjects 10000

The synthetic lake (canonical tables written directly in SQL, see
benchmarks/sql/features.sql) is built once into
benchmarks/out/features-<events>-<subjects>.duckdb and reused. The measured
part runs in a fresh child process with 2 DuckDB threads: it reads the
samples (one per visit, index_time 24 h after admission), builds the training
set with the built-in views (40 lab statistics, demographics, prior
utilization, CCS diagnosis history, ATC drug classes = 50 features), and
reports seconds and the peak RSS of that process. It then materializes the
subject views and times online reads of 100 random subjects. Prints JSON;
targets: <= 20 s, <= 3 GB, online median <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import medlake

HERE = Path(__file__).resolve().parent
SQL = HERE / "sql" / "features.sql"
LABS = ["creatinine", "potassium", "sodium", "hematocrit", "glucose"]
FEATURES = ([f"lab_stats.{lab}_{agg}_{w}" for lab in LABS for w in ("24h", "7d") for agg in ("last", "mean", "min", "max")]
            + ["demographics", "prior_utilization", "diagnosis_ccs", "drug_classes"])
ONLINE = ["demographics.age", "prior_utilization.admissions_365d", "prior_utilization.days_since_discharge",
          "lab_stats.creatinine_last_24h", "lab_stats.sodium_mean_7d"]


def build_lake(path: Path, events: int, subjects: int, visits: int) -> dict:
    """Write the synthetic dataset 'bench' and its code maps into a new lake file."""
    partial = path.with_suffix(".partial.duckdb")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    with medlake.connect(partial, threads=2) as lake:
        lake.db.run(SQL, "generate_settings")
        lake.db.run(SQL, "create_schema")
        lake.db.run("schema/core.sql", schemas={None: "bench"})
        params = {"n_subjects": subjects, "n_visits": visits, "n_events": events}
        for step in ("subjects", "visits", "events"):
            lake.db.run(SQL, step, schemas={None: "bench"}, params=params)
        lake.db.run("vocab/schema.sql", "create_schema")
        lake.db.run("vocab/schema.sql", "maps")
        lake.db.run(SQL, "vocab_maps")
        lake.db.record_dataset("bench", "benchmark", 0, time.strftime("%Y-%m-%d %H:%M:%S"))
    partial.rename(path)
    return {"seconds": round(time.perf_counter() - start, 1)}


def measure(path: Path, samples: int) -> dict:
    """The timed part (run in a child process so its peak RSS is its own)."""
    out: dict = {}
    with medlake.connect(path, threads=2) as lake:
        lake.db.run(SQL, "settings")
        start, cpu = time.perf_counter(), time.process_time()
        table = lake.db.arrow(SQL, "samples", schemas={None: "bench"}, params={"n_samples": samples})
        built = lake.features.training_set(table, FEATURES, dataset="bench")
        out["training_set_s"] = round(time.perf_counter() - start, 2)
        # CPU seconds of the process (both DuckDB threads): on a shared machine wall time waits for
        # other work, so cpu_s / 2 is the floor on two dedicated cores
        out["training_set_cpu_s"] = round(time.process_time() - cpu, 2)
        out["samples"] = built.num_rows
        out["feature_columns"] = built.num_columns - table.num_columns
        out["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
        del built
        for mode, full in (("materialize_full_s", True), ("materialize_again_s", False)):
            start = time.perf_counter()
            for view in ("demographics", "prior_utilization", "lab_stats"):
                lake.features.materialize(view, dataset="bench", full=full)
            out[mode] = round(time.perf_counter() - start, 2)
        timings, cpu_ms = [], []
        for _ in range(200):
            ids = [r[0] for r in lake.db.run(SQL, "random_entities", schemas={None: "bench"})]
            start, cpu = time.perf_counter(), time.process_time()
            got = lake.features.online(ONLINE, ids)
            timings.append((time.perf_counter() - start) * 1000)
            cpu_ms.append((time.process_time() - cpu) * 1000)
            assert got.num_rows == 100
        out["online_100_entities_ms"] = {"median": round(statistics.median(timings), 2),
                                         "p95": round(sorted(timings)[int(0.95 * len(timings))], 2),
                                         "median_cpu": round(statistics.median(cpu_ms), 2)}
        out["load_average_1m"] = round(os.getloadavg()[0], 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=40_000_000)
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--subjects", type=int, default=200_000)
    ap.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.samples)))
        return
    visits = max(args.samples, args.subjects)
    path = HERE / "out" / f"features-{args.events}-{args.subjects}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {"events": args.events, "subjects": args.subjects, "visits": visits}
    if not path.exists():
        report["generate"] = build_lake(path, args.events, args.subjects, visits)
    child = subprocess.run([sys.executable, __file__, "--measure", str(path), "--samples", str(args.samples)],
                           check=True, capture_output=True, text=True)
    report.update(json.loads(child.stdout.strip().splitlines()[-1]))
    report["targets"] = {"training_set_s": 20, "peak_rss_gb": 3, "online_median_ms": 5}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
