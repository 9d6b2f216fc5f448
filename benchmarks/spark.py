"""Spark benchmark: export a MIMIC-III-sized lake as parquet, then every task on DuckDB and on Spark.

    .venv/bin/python benchmarks/spark.py --patients 46500 --seed 7 --work /tmp/spark
    .venv/bin/python benchmarks/spark.py --demo            # the MIMIC-III demo, in seconds

The synthetic raw export (`medlake synth mimic3`, or --raw DIR when one exists
already) is loaded into WORK/lake.duckdb with the code tables (drug_recommendation
needs the NDC -> ATC maps); the lake is reused by later runs with the same WORK.
Then, in one run, the report gives as JSON:

- sizes: rows of subjects, visits and events, the lake file's bytes, the
  parquet export's bytes;
- export: seconds of `lake.export_parquet` (events in --buckets buckets);
- per task on DuckDB: seconds, samples and the peak resident memory of a
  process that opens the lake read-only and runs only that task
  (`lake.task(...).to_arrow()`, each task in a child process so that each
  peak is its own; `rss_before_mb` is the process before the task);
- the same DuckDB runs again with memory_limit --small-memory (1GB), below
  the peaks: DuckDB spills to disk rather than fail (out of core);
- per Spark master (--masters, local[2] and local[1] by default; after the
  first only --scaling-tasks, when given), in a child process each: the
  session's start-up, a first full read of events (JVM and file cache
  warm-up), then per task seconds, samples and the parquet's bytes: the task
  run and its samples written as parquet under WORK/spark-samples/, what
  `medlake spark run-task` does (the samples counted back from the files).

The load average at the start says how shared the machine was. Everything is
written under WORK; delete it when done.
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

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("MEDLAKE_TEST_DATA", HERE.parents[1] / "shared" / "data"))


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM on Linux (ru_maxrss keeps the parent's peak across the
    fork and exec of a child process, here the benchmark's own, which loaded the lake)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _child(*args: str) -> dict:
    """Run this script in a child process (one of the --child-* modes) and read its JSON."""
    done = subprocess.run([sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout)


def _tasks(source: str, with_codes: bool) -> list[str]:
    from medlake.tasks import list_tasks

    return [s.name for s in list_tasks() if source in s.datasets and (with_codes or not s.extra.get("requires"))]


def build_lake(work: Path, raw: Path | None, patients: int, seed: int, codes: Path | None) -> tuple[Path, dict]:
    """WORK/lake.duckdb with mimic3 (and the code tables) loaded; built when missing."""
    import medlake

    db = work / "lake.duckdb"
    built: dict = {}
    if db.exists():
        return db, built
    if raw is None:
        raw = work / "raw"
        if not (raw / ".complete").exists():
            started = time.perf_counter()
            cli = Path(sys.executable).parent / "medlake"
            subprocess.run([str(cli), "synth", "mimic3", str(raw), "--patients", str(patients), "--seed", str(seed),
                            "--silent"], check=True, stdout=subprocess.DEVNULL)
            (raw / ".complete").write_text("")
            built["synth_s"] = round(time.perf_counter() - started, 1)
    partial = db.with_suffix(".partial.duckdb")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    with medlake.connect(partial) as lake:
        lake.load("mimic3", raw)
        built["load_s"] = round(time.perf_counter() - started, 1)
        if codes is not None:
            started = time.perf_counter()
            lake.codes.load(codes)
            built["codes_s"] = round(time.perf_counter() - started, 1)
        lake.execute("CHECKPOINT")
    partial.rename(db)
    return db, built


def child_duckdb(lake_path: str, task: str, memory_limit: str | None) -> dict:
    """One task on DuckDB in this process: seconds, samples, peak RSS."""
    import medlake

    with medlake.connect(lake_path, read_only=True, memory_limit=memory_limit) as lake:
        before = _peak_mb()
        started = time.perf_counter()
        rows = lake.task(task, "mimic3").to_arrow().num_rows
        return {"seconds": round(time.perf_counter() - started, 2), "samples": rows,
                "rss_before_mb": before, "peak_rss_mb": _peak_mb()}


def child_spark(export: str, master: str, tasks: list[str], driver_memory: str) -> dict:
    """Every task on Spark with one master in this process."""
    from medlake.spark import run

    started = time.perf_counter()
    spark = run.session(master, conf={"spark.driver.memory": driver_memory})
    spark.sparkContext.setLogLevel("ERROR")
    report: dict = {"master": master, "driver_memory": driver_memory,
                    "start_s": round(time.perf_counter() - started, 2)}
    run.register_export(spark, export)
    started = time.perf_counter()
    report["events_rows"] = spark.table("events").count()
    report["warmup_read_events_s"] = round(time.perf_counter() - started, 2)
    print(f"spark {master}: start {report['start_s']} s, first read of {report['events_rows']} events "
          f"{report['warmup_read_events_s']} s", file=sys.stderr, flush=True)
    report["tasks"] = {}
    out = Path(export).parent / "spark-samples" / master.replace("[", "").replace("]", "")
    for task in tasks:
        started = time.perf_counter()
        rows = run.write_parquet(run.run_task(spark, task, export), out / task, overwrite=True)
        report["tasks"][task] = {"seconds": round(time.perf_counter() - started, 2), "samples": rows,
                                 "samples_bytes": _folder_bytes(out / task)}
        print(f"spark {master} {task}: {report['tasks'][task]}", file=sys.stderr, flush=True)
    spark.stop()
    return report


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=46500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--raw", type=Path, default=None,
                    help="an existing synthetic MIMIC-III export to load (default: synthesize one under WORK)")
    ap.add_argument("--demo", action="store_true", help="the MIMIC-III demo instead of synthetic data")
    ap.add_argument("--work", type=Path, default=Path("/tmp/spark"), help="where the lake and export go")
    ap.add_argument("--codes", type=Path, default=DATA / "codes", help="code tables (drug_recommendation)")
    ap.add_argument("--masters", default="local[2],local[1]", help="Spark masters, comma-separated")
    ap.add_argument("--buckets", type=int, default=8)
    ap.add_argument("--reuse-export", action="store_true", help="keep WORK/export when it is there (no export time)")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--memory-limit", default=None, help="DuckDB's memory_limit for the task runs (e.g. 1GB)")
    ap.add_argument("--small-memory", default="1GB",
                    help="run the DuckDB tasks again with this memory_limit (out of core); '' skips it")
    ap.add_argument("--task", action="append", help="only these tasks (repeatable)")
    ap.add_argument("--scaling-tasks", default=None,
                    help="the tasks run on the masters after the first, comma-separated (default: all)")
    ap.add_argument("--child-duckdb", nargs=2, metavar=("LAKE", "TASK"), help=argparse.SUPPRESS)
    ap.add_argument("--child-spark", nargs=3, metavar=("EXPORT", "MASTER", "TASKS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child_duckdb:
        print(json.dumps(child_duckdb(*args.child_duckdb, args.memory_limit)))
        return {}
    if args.child_spark:
        export, master, tasks = args.child_spark
        print(json.dumps(child_spark(export, master, tasks.split(","), args.driver_memory)))
        return {}

    import medlake

    args.work.mkdir(parents=True, exist_ok=True)
    codes = args.codes if args.codes.is_dir() else None
    raw = DATA / "mimic3demo" if args.demo else args.raw
    report: dict = {"command": " ".join(["python", "benchmarks/spark.py", *(argv or sys.argv[1:])]),
                    "cpus": os.cpu_count(), "load_average_before": os.getloadavg()[0],
                    "data": "MIMIC-III demo" if args.demo else f"synthetic MIMIC-III, {args.patients} patients"}
    db, built = build_lake(args.work, raw, args.patients, args.seed, codes)
    report["built"] = built
    with medlake.connect(db, read_only=True) as lake:
        counts = lake.db.arrow("tasks/_lib/stats.sql", "counts", schemas={None: "mimic3"}).to_pylist()[0]
        tasks = [t for t in _tasks("mimic3", lake.codes.loaded()) if not args.task or t in args.task]
        export = args.work / "export"
        if args.reuse_export and (export / "manifest.json").exists():
            from medlake.spark import read_manifest

            manifest = read_manifest(export)
        else:
            started = time.perf_counter()
            manifest = lake.export_parquet("mimic3", export, buckets=args.buckets, overwrite=True)
            report["export_s"] = round(time.perf_counter() - started, 2)
    report["sizes"] = {"rows": counts, "lake_bytes": db.stat().st_size, "export_bytes": _folder_bytes(export),
                       "export_rows": {k: v["rows"] for k, v in manifest["tables"].items()}}
    print(f"export: {report.get('export_s', 'reused')} s, {report['sizes']}", file=sys.stderr, flush=True)

    limit = ["--memory-limit", args.memory_limit] if args.memory_limit else []
    report["duckdb"] = {"memory_limit": args.memory_limit, "tasks": {}}
    for task in tasks:
        report["duckdb"]["tasks"][task] = _child("--child-duckdb", str(db), task, *limit)
        print(f"duckdb {task}: {report['duckdb']['tasks'][task]}", file=sys.stderr, flush=True)
    if args.small_memory:
        report["duckdb_small_memory"] = {"memory_limit": args.small_memory, "tasks": {}}
        for task in tasks:
            got = _child("--child-duckdb", str(db), task, "--memory-limit", args.small_memory)
            report["duckdb_small_memory"]["tasks"][task] = got
            print(f"duckdb {args.small_memory} {task}: {got}", file=sys.stderr, flush=True)
    report["spark"] = []
    for i, master in enumerate(m for m in args.masters.split(",") if m):  # --masters '': DuckDB only
        run_tasks = tasks if i == 0 or not args.scaling_tasks else args.scaling_tasks.split(",")
        report["spark"].append(_child("--child-spark", str(export), master, ",".join(run_tasks),
                                      "--driver-memory", args.driver_memory))
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
