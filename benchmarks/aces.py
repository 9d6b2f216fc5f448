"""MEDS and ACES benchmark: export a synthetic MIMIC-IV lake as MEDS, load it back, run an ACES config compiled
by medlake and, when given, ACES itself on the same export; seconds, rows/s and peak memory as JSON.

    .venv/bin/python benchmarks/aces.py --patients 10000 [--aces-cli /tmp/aces-venv/bin/aces-cli]

The raw export is generated once (`medlake synth mimic4`, in a child process)
into benchmarks/out/mimic4-<patients>-seed<seed> (the folder benchmarks/etl.py
uses too) and loaded into a fresh lake (not timed). The timed steps:
`lake.export_meds` (one shard), `lake.load("meds", ...)`, and the in-hospital
mortality config below compiled by `lake.task_from_aces` and run
(`lake.task(...).to_arrow()`). With --aces-cli, `aces-cli` (es-aces 0.7.3, in
an environment of its own: it clashes with medlake's pins) runs the same
config on the same export; the report gives its wall time, its peak memory
(that child's own ru_maxrss, from wait4) and whether its samples equal medlake's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

import medlake

HERE = Path(__file__).resolve().parent

# death in hospital, predicted 48 hours after admission (the shape of MEDS-DEV's in-ICU mortality config)
CONFIG = """
predicates:
  admission: {code: VISIT//INPATIENT//START}
  discharge: {code: VISIT//INPATIENT//END}
  death: {code: {regex: ^MEDS_DEATH}}
  discharge_or_death: {expr: "or(discharge, death)"}
trigger: admission
windows:
  input: {start: null, end: trigger + 48h, start_inclusive: true, end_inclusive: true, index_timestamp: end}
  gap:
    start: trigger
    end: start + 48h
    start_inclusive: false
    end_inclusive: true
    has:
      admission: (None, 0)
      discharge_or_death: (None, 0)
  target: {start: gap.end, end: start -> discharge_or_death, start_inclusive: false, end_inclusive: true, label: death}
"""


def raw_files(patients: int, seed: int) -> Path:
    """The cached synthetic MIMIC-IV export, generated (in a child process) when missing."""
    folder = HERE / "out" / f"mimic4-{patients}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        cli = Path(sys.executable).parent / "medlake"
        subprocess.run([str(cli), "synth", "mimic4", str(folder), "--patients", str(patients), "--seed", str(seed),
                        "--silent"], check=True, stdout=subprocess.DEVNULL)
        done.write_text("")
    return folder


def _run_measured(cmd: list[str], cwd: Path, log: Path):
    """Run a command to its end; (exit status, its own resource usage: ru_maxrss is its peak memory in KiB)."""
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, rusage


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - started, 3)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--aces-cli", default=None, help="aces-cli of an es-aces 0.7.3 environment")
    args = parser.parse_args(argv)

    folder = raw_files(args.patients, args.seed)
    report: dict = {"command": " ".join([Path(sys.executable).name, "benchmarks/aces.py", *(argv or sys.argv[1:])]),
                    "patients": args.patients, "seed": args.seed, "cpu_count": os.cpu_count(),
                    "load_avg_1min": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with medlake.connect(tmp / "lake.duckdb") as lake:
            lake.load("mimic4", folder)
            export, seconds = timed(lambda: lake.export_meds("mimic4", tmp / "meds", subjects_per_shard=10**9))
            report["export"] = {"seconds": seconds, "rows": export.rows, "rows_per_s": round(export.rows / seconds),
                                "bytes": sum(p.stat().st_size for p in export.shards)}
            loaded, seconds = timed(lambda: lake.load("meds", tmp / "meds", name="back"))
            report["load_meds"] = {"seconds": seconds, "rows": loaded.row_counts["back_raw.data"],
                                   "rows_per_s": round(loaded.row_counts["back_raw.data"] / seconds)}
            (tmp / "cohorts").mkdir()
            (tmp / "cohorts" / "ihm48.yaml").write_text(CONFIG)
            lake.task_from_aces(tmp / "cohorts" / "ihm48.yaml", tmp / "ihm48.sql")
            samples, seconds = timed(lambda: lake.task(str(tmp / "ihm48.sql"), "mimic4").to_arrow())
            ours = sorted((r["subject_id"], r["index_time"], bool(r["label"])) for r in samples.to_pylist())
            report["medlake_task"] = {"seconds": seconds, "samples": len(ours), "positive": sum(r[2] for r in ours),
                                      "events": export.rows}
        if args.aces_cli:
            out = tmp / "aces.parquet"
            cmd = [args.aces_cli, f"data.path={export.shards[0]}", "data.standard=meds",
                   f"cohort_dir={tmp / 'cohorts'}", "cohort_name=ihm48", f"output_filepath={out}"]
            log = tmp / "aces.log"
            (status, rusage), seconds = timed(lambda: _run_measured(cmd, tmp, log))
            if status != 0:
                raise SystemExit(f"aces-cli failed:\n{log.read_text()[-3000:]}")
            theirs = sorted((r["subject_id"], r["prediction_time"], r["boolean_value"])
                            for r in pq.read_table(out).to_pylist())
            report["aces"] = {"seconds": seconds, "samples": len(theirs),
                              "peak_rss_gb": round(rusage.ru_maxrss / 2**20, 2),
                              "same_samples_as_medlake": theirs == ours}
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
