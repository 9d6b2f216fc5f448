"""Indexing benchmark: EDF/BDF headers per second and DICOM files per second, beside mne and pydicom.

    PYTHONPATH=src .venv/bin/python benchmarks/index.py [--data ../shared/data] [--edf-files 3000]
        [--dicom-files 3000] [--workers N]

Builds a temporary folder of symlinks to the shared test files (edf/*, and
dicom/* without DICOMDIR and no_meta.dcm) repeated to the asked count, then
times, in the same run and on the same files:

- `medlake_edf_header_per_s`: medlake.signals.read_header over every file (the fixed header, pure Python);
- `medlake_edf_load_per_s`: `lake.load("edf", DIR)`, the whole load (headers, mne for the annotations of the
  EDF+ files, DuckDB writes);
- `mne_read_raw_per_s`: mne.io.read_raw_edf / read_raw_bdf(preload=False) over every file;
- `medlake_dicom_load_per_s`: `lake.load("dicom", DIR, workers=N)` (a process pool), and with workers=1;
- `pydicom_loop_per_s`: pydicom.dcmread(stop_before_pixels=True) over every file in one process.

Beside each wall-clock rate `X_per_s` stands `X_per_cpu_s`: files per CPU second (this process and
the worker processes it waited for, from getrusage), which a busy machine disturbs far less; the
targets are per core (EDF headers >= 2,000/s, DICOM files >= 500/s).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

import mne
import pydicom

import medlake
from medlake.images import default_workers
from medlake.signals import read_header

HERE = Path(__file__).resolve().parent


def _links(src: list[Path], n: int, out: Path) -> list[Path]:
    out.mkdir(parents=True)
    made = []
    for i in range(n):
        s = src[i % len(src)]
        sub = out / f"{i // 500:03d}"
        sub.mkdir(exist_ok=True)
        p = sub / f"{i:06d}_{s.name}"
        p.symlink_to(s.resolve())
        made.append(p)
    return made


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1)


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _Timed:
    """Wall and CPU seconds of a block, written into `report` as NAME_per_s and NAME_per_cpu_s."""

    def __init__(self, report: dict, name: str, n: int):
        self.report, self.name, self.n = report, name, n

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.report[f"{self.name}_per_s"] = _rate(self.n, time.perf_counter() - self.wall)
            self.report[f"{self.name}_per_cpu_s"] = _rate(self.n, max(_cpu() - self.cpu, 1e-9))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--edf-files", type=int, default=3000)
    ap.add_argument("--dicom-files", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=None, help="DICOM worker processes (default: CPUs, at most 8)")
    args = ap.parse_args()
    data = Path(args.data)
    workers = args.workers or default_workers()
    report: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg()[0],
                    "edf_files": args.edf_files, "dicom_files": args.dicom_files, "dicom_workers": workers}
    mne.set_log_level("error")
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        edf = _links(sorted((data / "edf").glob("*.[eb]df")), args.edf_files, tmp / "edf")
        dcm = _links(sorted(p for p in (data / "dicom").iterdir() if p.name not in ("DICOMDIR", "no_meta.dcm")),
                     args.dicom_files, tmp / "dicom")

        with _Timed(report, "medlake_edf_header", len(edf)):
            channels = sum(len(read_header(p).channels) for p in edf)
        report["edf_channels"] = channels

        with _Timed(report, "mne_read_raw", len(edf)):
            n_mne = 0
            for p in edf:
                raw = (mne.io.read_raw_bdf if p.suffix == ".bdf" else mne.io.read_raw_edf)(p, preload=False)
                n_mne += len(raw.ch_names)

        with medlake.connect(tmp / "lake.duckdb") as lake:
            with _Timed(report, "medlake_edf_load", len(edf)):
                res = lake.load("edf", tmp / "edf")
            report["edf_rows"] = res.row_counts

            with _Timed(report, "medlake_dicom_load", len(dcm)):
                res = lake.load("dicom", tmp / "dicom", workers=workers)
            with _Timed(report, "medlake_dicom_load_1_worker", len(dcm)):
                res1 = lake.load("dicom", tmp / "dicom", workers=1, name="images1")
            report["dicom_rows"] = {**res.row_counts, **res1.row_counts}

        with _Timed(report, "pydicom_loop", len(dcm)):
            uids = {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in dcm}
        report["dicom_distinct_instances"] = len(uids)
    report["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
