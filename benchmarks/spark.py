"""Spark benchmark: export a dataset as parquet, then every task it supports on Spark beside DuckDB.

    .venv/bin/python benchmarks/spark.py [--lake LAKE --dataset mimic3] [--master local[2]] [--buckets 8]

Without --lake, the MIMIC-III demo (../shared/data/mimic3demo) is loaded into a
temporary lake. Prints one JSON object: the export's seconds and rows, the
Spark session's start-up seconds, and per task the DuckDB seconds
(lake.task(...).to_arrow()), the Spark seconds (medlake.spark.run.run_task,
all rows collected; the first task also pays for the JVM warming up) and
both row counts. The load average at the start says how shared the machine was.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import medlake
from medlake.spark import run
from medlake.tasks import list_tasks

HERE = Path(__file__).resolve().parent


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake", default=None, help="A lake file (default: the MIMIC-III demo in a temporary lake).")
    ap.add_argument("--dataset", default="mimic3")
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data" / "mimic3demo"),
                    help="The raw MIMIC-III export loaded when no --lake is given.")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--buckets", type=int, default=8)
    args = ap.parse_args(argv)

    report: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg()[0], "master": args.master}
    with tempfile.TemporaryDirectory() as tmp:
        if args.lake:
            lake = medlake.connect(args.lake, read_only=True)
        else:
            lake = medlake.connect(Path(tmp) / "lake.duckdb")
            lake.load("mimic3", args.data, name=args.dataset)
        t = time.perf_counter()
        manifest = lake.export_parquet(args.dataset, Path(tmp) / "export", buckets=args.buckets)
        report["export_s"] = round(time.perf_counter() - t, 3)
        report["export_rows"] = {k: v["rows"] for k, v in manifest["tables"].items()}
        t = time.perf_counter()
        spark = run.session(args.master)
        spark.sparkContext.setLogLevel("ERROR")
        report["spark_start_s"] = round(time.perf_counter() - t, 2)
        source = manifest["source"]
        report["tasks"] = {}
        for spec in list_tasks():
            if source not in spec.datasets or (spec.extra.get("requires") and "vocab.maps" not in manifest["tables"]):
                continue
            t = time.perf_counter()
            duck = lake.task(spec.name, args.dataset).to_arrow().num_rows
            duck_s = time.perf_counter() - t
            t = time.perf_counter()
            sparks = len(run.run_task(spark, spec.name, Path(tmp) / "export").collect())
            report["tasks"][spec.name] = {"duckdb_s": round(duck_s, 3), "spark_s": round(time.perf_counter() - t, 2),
                                          "duckdb_rows": duck, "spark_rows": sparks}
        spark.stop()
        lake.close()
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
