"""Tutorial 1: an EHR prediction end to end, from raw files to a trained and evaluated model.

Run it from the repository's root: `.venv/bin/python docs/tutorials/01_ehr_prediction.py [WORKDIR]`.
It writes a synthetic MIMIC-III export, loads it, runs a task, checks it for leakage and trains a model.
"""

import sys
import tempfile
from pathlib import Path

import medlake
from medlake.models import runs
from medlake.synth import synthesize

work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())

# 1. Raw files in the real MIMIC-III layout (the same loader reads the real release).
synthesize("mimic3", work / "raw", patients=200, seed=7)

# 2. One DuckDB file: raw tables, canonical tables and the task views.
lake = medlake.connect(work / "lake.duckdb")
loaded = lake.load("mimic3", work / "raw")
print(loaded)                                     # <LoadResult loaded mimic3 ...>
assert "mimic3.mortality" in loaded.task_views    # any DuckDB client sees the task as a view now

# 3. A task is SQL: its samples, a split by subject, and the statistics of what it holds.
samples = lake.task("in_hospital_mortality_48h", "mimic3").split(0.6, 0.2, 0.2, seed=0)
print(samples)                                    # <TaskResult ...: N samples of M subjects; labels: ...>
stat = samples.stat(top=3)
assert stat["samples"] == len(samples) > 50

# 4. No input may use data from after the index time: the leakage check cuts every timeline there.
report = lake.tasks.check("in_hospital_mortality_48h", "mimic3", subjects=15)
assert report.ok, report.note

# 5. Train a small model on the task and look at its test metrics (a run folder holds everything).
metrics = runs.train(lake, "in_hospital_mortality_48h", "mimic3", work / "run", model="gru", epochs=1,
                     split={"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0})
print({k: round(v, 3) for k, v in metrics["metrics"].items()})
assert 0.0 <= metrics["metrics"]["roc_auc"] <= 1.0
lake.close()
