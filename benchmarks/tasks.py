"""Task benchmark: every built-in task on a MIMIC-III-sized synthetic lake, seconds per task as JSON.

    .venv/bin/python benchmarks/tasks.py --patients 46500

The raw export is generated once (`medlake synth`, in a child process) into
benchmarks/out/mimic3-<patients>-seed<seed> (the folder benchmarks/etl.py
uses too), loaded once into benchmarks/out/tasks-<patients>-seed<seed>.duckdb
together with the code tables, and both are reused by later runs. Each task
then runs `repeat` times (lake.task(...).to_arrow(), all samples into Arrow);
the report gives the first and the best wall time, the process CPU time of
the best run, the load average when the run started (the machine may be
shared: on 2 cores an ideal run takes about cpu_seconds / 2 of wall time),
and the targets (3 s per task, 10 s for in_hospital_mortality_48h with its lab
series).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import medlake
from medlake.tasks import list_tasks

HERE = Path(__file__).resolve().parent
TARGET_S = {"in_hospital_mortality_48h": 10.0}
DEFAULT_TARGET_S = 3.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raw_export(patients: int, seed: int) -> Path:
    """The cached synthetic MIMIC-III export, generated when missing."""
    folder = HERE / "out" / f"mimic3-{patients}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        cli = Path(sys.executable).parent / "medlake"
        subprocess.run([str(cli), "synth", "mimic3", str(folder), "--patients", str(patients), "--seed", str(seed),
                        "--silent"], check=True, stdout=subprocess.DEVNULL)
        done.write_text("")
    return folder


def cached_lake(patients: int, seed: int, codes: Path | None) -> tuple[Path, dict]:
    """The cached lake file (mimic3 loaded, code tables too when `codes` is given); built when missing."""
    db = HERE / "out" / f"tasks-{patients}-seed{seed}.duckdb"
    built = {}
    if not db.exists():
        folder = raw_export(patients, seed)
        partial = db.with_suffix(".partial.duckdb")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        with medlake.connect(partial) as lake:
            lake.load("mimic3", folder)
            built["load_seconds"] = round(time.perf_counter() - started, 1)
            if codes is not None:
                started = time.perf_counter()
                lake.codes.load(codes)
                built["codes_seconds"] = round(time.perf_counter() - started, 1)
        partial.rename(db)
    return db, built


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=46500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="runs per task (first and best are reported)")
    parser.add_argument("--codes", type=Path, default=Path(os.environ.get("MEDLAKE_TEST_DATA", HERE.parents[1] /
                                                                         "shared" / "data")) / "codes",
                        help="code-system files for drug_recommendation (NDC -> ATC)")
    parser.add_argument("--task", action="append", help="only these tasks (repeatable)")
    args = parser.parse_args(argv)

    codes = args.codes if args.codes.is_dir() else None
    db, built = cached_lake(args.patients, args.seed, codes)
    report = {
        "command": " ".join([Path(sys.executable).name, "benchmarks/tasks.py", *(argv or sys.argv[1:])]),
        "patients": args.patients, "seed": args.seed, "lake": str(db), "cpu_count": os.cpu_count(), **built,
    }
    with medlake.connect(db, read_only=True) as lake:
        report["rows"] = lake.db.arrow("tasks/_lib/stats.sql", "counts", schemas={None: "mimic3"}).to_pylist()[0]
        tasks = {}
        for spec in list_tasks():
            if args.task and spec.name not in args.task:
                continue
            if spec.name == "drug_recommendation" and not lake.codes.loaded():
                tasks[spec.name] = {"skipped": "no code tables (pass --codes DIR)"}
                continue
            times, cpus, n = [], [], 0
            load = round(os.getloadavg()[0], 2)
            for _ in range(args.repeat):
                started, cpu = time.perf_counter(), _cpu_seconds()
                n = lake.task(spec.name, dataset="mimic3").to_arrow().num_rows
                times.append(time.perf_counter() - started)
                cpus.append(_cpu_seconds() - cpu)
            best = times.index(min(times))
            target = TARGET_S.get(spec.name, DEFAULT_TARGET_S)
            tasks[spec.name] = {"samples": n, "first_seconds": round(times[0], 2), "best_seconds": round(times[best], 2),
                                "cpu_seconds": round(cpus[best], 2), "load_average": load,
                                "target_seconds": target, "within_target": times[best] <= target}
            print(f"{spec.name}: {tasks[spec.name]}", file=sys.stderr, flush=True)
        report["tasks"] = tasks
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
