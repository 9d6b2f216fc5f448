"""ETL benchmark: load a synthetic MIMIC-III (or -IV) export and report time, rows/s and peak memory as JSON.

    .venv/bin/python benchmarks/etl.py --patients 46500
    .venv/bin/python benchmarks/etl.py --release mimic4 --patients 100000 --full --out /tmp/record

--full generates and loads the whole record (chartevents, inputevents,
outputevents, microbiology, transfers, services, notes), not only the seven
core tables; the report then gives the disk the lake takes beside the raw files.

The raw files are generated first (in a child process, not timed) and kept
in benchmarks/out/ for the next run; the load then runs in this process
into a fresh lake file, while a thread samples the process's resident
memory from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import medlake

HERE = Path(__file__).resolve().parent


class PeakRss:
    """Samples VmRSS of this process every few milliseconds; `peak` is the largest seen, in bytes."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads): a figure other load on the machine distorts less."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def raw_files(flavor: str, patients: int, seed: int, compress: bool, full: bool = False,
              out: Path = HERE / "out") -> tuple[Path, float | None]:
    """The cached export for these settings, generated (in a child process) when missing."""
    folder = out / f"{flavor}-{patients}-seed{seed}{'' if compress else '-csv'}{'-full' if full else ''}"
    done = folder / ".complete"
    if done.exists():
        return folder, None
    cli = Path(sys.executable).parent / "medlake"
    cmd = [str(cli), "synth", flavor, str(folder), "--patients", str(patients), "--seed", str(seed), "--silent"]
    if not compress:
        cmd.append("--no-gzip")
    if full:
        cmd.append("--full")
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    done.write_text("")
    return folder, time.perf_counter() - started


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=46500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--release", "--flavor", dest="flavor", choices=["mimic3", "mimic4"], default="mimic3")
    parser.add_argument("--full", action="store_true", help="the whole record, not only the seven core tables")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="folder for the raw files and the lake")
    parser.add_argument("--csv", action="store_true", help="load uncompressed .csv files instead of .csv.gz")
    parser.add_argument("--keep", action="store_true", help="keep the lake file (<out>/etl-<pid>.duckdb)")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    folder, generate_s = raw_files(args.flavor, args.patients, args.seed, compress=not args.csv, full=args.full,
                                   out=args.out)
    db = args.out / f"etl-{os.getpid()}.duckdb"
    lake_bytes = 0
    for p in (db, db.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    try:
        with PeakRss() as rss:
            cpu_before = _cpu_seconds()
            started = time.perf_counter()
            with medlake.connect(db) as lake:
                result = lake.load(args.flavor, folder)
            wall = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu_before
        lake_bytes = db.stat().st_size
    finally:
        if not args.keep:
            for p in (db, db.with_suffix(".duckdb.wal")):
                p.unlink(missing_ok=True)
    rows = result.row_counts
    raw_rows = sum(v for k, v in rows.items() if k.startswith(f"{result.dataset}_raw."))
    tables = {}
    for name, seconds in result.table_seconds.items():
        n = rows.get(name)
        if n is None:  # the canonical step builds three tables at once
            n = sum(v for k, v in rows.items() if not k.startswith(f"{result.dataset}_raw."))
        tables[name] = {"seconds": round(seconds, 3), "rows": n, "rows_per_s": round(n / max(seconds, 1e-9))}
    report = {
        "command": " ".join([Path(sys.executable).name, "benchmarks/etl.py", *(argv or sys.argv[1:])]),
        "flavor": args.flavor,
        "patients": args.patients,
        "seed": args.seed,
        "files": "csv" if args.csv else "csv.gz",
        "full": args.full,
        "raw_bytes": sum(p.stat().st_size for p in folder.rglob("*.csv*")),
        "lake_bytes": lake_bytes,
        "generate_seconds": None if generate_s is None else round(generate_s, 1),
        "load_seconds": round(wall, 2),
        "load_cpu_seconds": round(cpu, 1),
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "raw_rows": raw_rows,
        "canonical_rows": {k: v for k, v in rows.items() if not k.startswith(f"{result.dataset}_raw.")},
        "rows_per_s": round(raw_rows / wall),
        "peak_rss_bytes": rss.peak,
        "peak_rss_gb": round(rss.peak / 2**30, 2),
        "ru_maxrss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30, 2),
        "cpu_count": os.cpu_count(),
        "tables": tables,
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
