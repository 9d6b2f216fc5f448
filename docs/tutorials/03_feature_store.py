"""Tutorial 3: the feature store: views, a point-in-time training set, materialization and online reads.

`.venv/bin/python docs/tutorials/03_feature_store.py MIMIC3_DIR` (the MIMIC-III demo, e.g.
../shared/data/mimic3demo).
"""

import sys
import tempfile
from pathlib import Path

import medlake

lake = medlake.connect(Path(tempfile.mkdtemp()) / "lake.duckdb")
lake.load("mimic3", sys.argv[1])
print(lake.features)                              # <FeatureStore: 5 views (demographics, ...)>

# A training set: the task's samples joined to feature views as of each sample's index time.
samples = lake.task("mortality", "mimic3")
train = lake.features.training_set(samples, ["demographics", "prior_utilization"])
print(train.column_names[-4:])
assert train.num_rows == len(samples)

# Materialized views serve the latest values of each entity, for online reads.
done = lake.features.materialize("demographics", dataset="mimic3")
print(done["rows_table"], done["entities"])
online = lake.features.online(["demographics.age", "demographics.sex"], [10006, 10011])
print(online.to_pylist())
assert online.num_rows == 2
lake.close()
