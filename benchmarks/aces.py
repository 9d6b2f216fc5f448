"""ACES benchmark: each ACES config compiled by medlake and run on the lake, beside ACES itself on the MEDS
export of the same events; wall time, peak memory and whether the samples agree, as JSON.

    .venv/bin/python benchmarks/aces.py --patients 46500 \\
        --aces-cli /tmp/medlake-ci-aces-venv/bin/aces-cli --workdir /tmp/meds-bench

The synthetic export (`medlake synth FLAVOR`, default mimic3: 46,500 patients
is MIMIC-III's size) is generated once into benchmarks/out/<flavor>-<patients>-seed<seed>
(the folder benchmarks/etl.py uses too; --raw names another) and loaded into a
fresh lake, or --lake names a lake where it is loaded already (neither is timed). Timed: the
MEDS export (`lake.export_meds`, one shard), then for every config (default:
the ACES configs of tests/fixtures/aces/) two child processes, one after the
other, each on its own, `--repeat` times (default 3) in turns:

- medlake: opens the lake read-only, compiles the config (`compile_aces`),
  runs it (`lake.task(...).to_arrow()`) and writes the samples;
- ACES: `aces-cli` (es-aces 0.7.3, in an environment of its own: it clashes
  with medlake's pins) on the MEDS export.

Each child's wall time is measured from its start to its end (Python start-up,
imports and reading the events included, for both) and its peak memory is its
own maximum resident set (GNU time's %M). Each tool reports the median of its
runs' times (every run's time is in `runs_seconds`) and the largest of their peaks:
one run alone swings by a fifth or more from minute to minute on this machine.
`query_seconds` is the median of medlake's task alone, inside its child. `same_samples` compares the
(subject_id, prediction_time, label) rows of both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

import medlake

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "tests" / "fixtures" / "aces"
DEFAULT_CONFIGS = ("meds_dev_in_icu_mortality_first_24h", "meds_dev_in_hospital_mortality_first_48h", "ihm48",
                   "creatinine", "sodium", "discharge_home", "readmission_30d")


def raw_files(flavor: str, patients: int, seed: int) -> Path:
    """The cached synthetic export, generated (in a child process) when missing."""
    folder = HERE / "out" / f"{flavor}-{patients}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        cli = Path(sys.executable).parent / "medlake"
        subprocess.run([str(cli), "synth", flavor, str(folder), "--patients", str(patients), "--seed", str(seed),
                        "--silent"], check=True, stdout=subprocess.DEVNULL)
        done.write_text("")
    return folder


def _run_measured(cmd: list[str], cwd: Path, log: Path) -> tuple[int, float, float]:
    """Run a command to its end: (exit status, wall seconds, its own peak memory in GB).

    The peak is the command's maximum resident set as GNU time reports it. Not this process's wait4: the
    ru_maxrss of a child counts the memory of the process that started it up to its exec, which here holds
    the lake and the export."""
    peak_file = log.with_suffix(".maxrss")
    started = time.perf_counter()
    with open(log, "w") as f:
        status = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *cmd], cwd=cwd, stdout=f,
                                stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - started
    return status, seconds, int(peak_file.read_text().split()[-1]) / 2**20


def _summary(runs: list[tuple[float, float]], **more) -> dict:
    """One tool's runs of a config: the median wall time, the largest peak memory, and every run's time."""
    return {"seconds": round(statistics.median(s for s, _ in runs), 2), "peak_rss_gb": round(max(p for _, p in runs), 2),
            "runs_seconds": [round(s, 2) for s, _ in runs], **{k: round(v, 3) for k, v in more.items()}}


def child_task(lake_path: str, dataset: str, config: str, out: str) -> None:
    """The medlake child: compile `config`, run it on `dataset` of the lake (read-only), write the samples."""
    started = time.perf_counter()
    with medlake.connect(lake_path, read_only=True) as lake:
        task_file = Path(out).with_suffix(".sql")
        lake.task_from_aces(config, task_file)
        samples = lake.task(str(task_file), dataset).to_arrow()
        seconds = time.perf_counter() - started
    pq.write_table(samples.select(["subject_id", "index_time", "label"]), out)
    print(json.dumps({"query_seconds": round(seconds, 3)}))


def _rows(path: Path, time_col: str, label_col: str) -> list[tuple]:
    return sorted((r["subject_id"], r[time_col], bool(r[label_col])) for r in pq.read_table(path).to_pylist())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=46500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flavor", choices=["mimic3", "mimic4"], default="mimic3")
    parser.add_argument("--raw", default=None, help="the synthetic export, when it is somewhere else already")
    parser.add_argument("--lake", default=None, help="a lake with the synthetic export loaded as FLAVOR already")
    parser.add_argument("--aces-cli", default=None, help="aces-cli of an es-aces 0.7.3 environment")
    parser.add_argument("--config", action="append", default=None,
                        help="an ACES config to run (repeatable); default: the ACES configs of tests/fixtures/aces/")
    parser.add_argument("--workdir", default=None, help="where the lake, the export and the outputs go "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each tool per config, taken in turns; the median time is reported")
    parser.add_argument("--child-task", nargs=4, metavar=("LAKE", "DATASET", "CONFIG", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_task:
        child_task(*args.child_task)
        return {}

    configs = [Path(c).resolve() for c in args.config] if args.config else [CONFIGS / f"{c}.yaml" for c in DEFAULT_CONFIGS]
    report: dict = {"command": " ".join([Path(sys.executable).name, "benchmarks/aces.py", *(argv or sys.argv[1:])]),
                    "flavor": args.flavor, "patients": args.patients, "seed": args.seed, "cpu_count": os.cpu_count(),
                    "load_avg_1min": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        tmp = Path(tmp)
        lake_path = Path(args.lake).resolve() if args.lake else tmp / "lake.duckdb"
        if not args.lake:
            with medlake.connect(lake_path) as lake:
                lake.load(args.flavor, args.raw or raw_files(args.flavor, args.patients, args.seed))
        with medlake.connect(lake_path, read_only=True) as lake:
            started = time.perf_counter()
            export = lake.export_meds(args.flavor, tmp / "meds", subjects_per_shard=10**9)
            seconds = time.perf_counter() - started
        report["export"] = {"seconds": round(seconds, 2), "rows": export.rows, "subjects": export.subjects,
                            "rows_per_s": round(export.rows / seconds),
                            "bytes": sum(p.stat().st_size for p in export.shards)}
        (tmp / "cohorts").mkdir()
        report["configs"] = {}
        for config in configs:
            name = config.stem
            (tmp / "cohorts" / config.name).write_text(config.read_text())
            ours, theirs = tmp / f"{name}.medlake.parquet", tmp / f"{name}.aces.parquet"
            runs: dict[str, list[tuple[float, float]]] = {"medlake": [], "aces": []}
            query_seconds = []
            for _ in range(max(1, args.repeat)):
                status, seconds, peak = _run_measured(
                    [sys.executable, __file__, "--child-task", str(lake_path), args.flavor, str(config), str(ours)],
                    tmp, tmp / f"{name}.medlake.log")
                log = (tmp / f"{name}.medlake.log").read_text()
                if status != 0:
                    raise SystemExit(f"medlake failed on {name}:\n{log[-3000:]}")
                runs["medlake"].append((seconds, peak))
                query_seconds.append(json.loads(log.strip().splitlines()[-1])["query_seconds"])
                if args.aces_cli:
                    cmd = [args.aces_cli, f"data.path={export.shards[0]}", "data.standard=meds",
                           f"cohort_dir={tmp / 'cohorts'}", f"cohort_name={name}", f"output_filepath={theirs}"]
                    status, seconds, peak = _run_measured(cmd, tmp, tmp / f"{name}.aces.log")
                    if status != 0:
                        raise SystemExit(f"aces-cli failed on {name}:\n{(tmp / f'{name}.aces.log').read_text()[-3000:]}")
                    runs["aces"].append((seconds, peak))
            mine = _rows(ours, "index_time", "label")
            entry = {"samples": len(mine), "positive": sum(r[2] for r in mine),
                     "medlake": _summary(runs["medlake"], query_seconds=statistics.median(query_seconds))}
            if args.aces_cli:
                entry["aces"] = _summary(runs["aces"])
                entry["same_samples"] = _rows(theirs, "prediction_time", "boolean_value") == mine
                entry["time_ratio"] = round(entry["aces"]["seconds"] / entry["medlake"]["seconds"], 1)
                entry["memory_ratio"] = round(entry["aces"]["peak_rss_gb"] / entry["medlake"]["peak_rss_gb"], 1)
            report["configs"][name] = entry
            print(json.dumps({name: entry}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
