"""Synthetic MIMIC-III / MIMIC-IV exports: raw files in the real layout, for demos, tests and benchmarks.

    from medlake.synth import synthesize
    result = synthesize("mimic3", "out/", patients=1000, seed=0)

The records come from a small simulated hospital (medlake.synth.model): the
outcomes depend on the record, so models trained on it have something to
learn. The same flavor, size, seed and `full` give byte-identical files (the core
tables are the same with or without `full`, but for the outpatient rows `full` appends to the lab events).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError
from ..progress import Timer, progress
from . import model
from .mimic3 import Mimic3
from .mimic4 import Mimic4
from .writer import write_csv

FLAVORS = {"mimic3": Mimic3, "mimic4": Mimic4}


@dataclass
class SynthResult:
    """What synthesize wrote: rows per file, the directory, and the time it took."""

    flavor: str
    directory: Path
    patients: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def synthesize(flavor: str, directory: str | os.PathLike, patients: int = 1000, seed: int = 0,
               compress: bool = True, full: bool = False, show_progress: bool = False) -> SynthResult:
    """Write a synthetic `flavor` export (mimic3 or mimic4) for `patients` patients into `directory`.

    By default the seven core tables and their dictionaries; with full=True the
    whole record too (charted vitals, infusions, outputs, cultures, transfers,
    services, notes, the ICU item dictionary). Files are .csv.gz (or .csv with
    compress=False); existing files of the same names are overwritten."""
    if flavor not in FLAVORS:
        raise ParameterError(f"unknown flavor '{flavor}' (expected one of: {', '.join(FLAVORS)})")
    if not isinstance(patients, int) or patients < 1:
        raise ParameterError(f"patients must be a positive integer, got {patients!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    out = Path(directory)
    result = SynthResult(flavor, out, patients, seed)
    suffix = ".csv.gz" if compress else ".csv"
    with progress(show_progress) as bar, Timer() as total:
        hospital = model.simulate(patients, seed)
        layout = FLAVORS[flavor](hospital, full=full)
        files = layout.files() + (layout.record_files() if full else [])
        task = bar.add_task(f"synth {flavor}", total=len(files))
        for name, chunks in files:
            path = out / f"{name}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            bar.update(task, detail=name)
            result.rows[name] = write_csv(path, chunks, compress=compress)
            bar.advance(task)
    result.seconds = total.seconds
    return result
