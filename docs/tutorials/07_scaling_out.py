"""Tutorial 7: scaling out. A dataset as MEDS, an ACES task config compiled to SQL, and a task on Spark.

Run it from the repository's root: `.venv/bin/python docs/tutorials/07_scaling_out.py MIMIC4_DIR [WORKDIR]`
(MIMIC4_DIR: the MIMIC-IV demo, e.g. ../shared/data/mimic4demo). The Spark part needs the `spark` extra
(`pip install 'medlake[spark]'`) and Java 17; it starts a local Spark on one core.
"""

import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

import medlake
from medlake import spark as medlake_spark

work = Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp())
lake = medlake.connect(work / "lake.duckdb")
lake.load("mimic4", sys.argv[1])

# 1. MEDS, the community's event format: data/ shards (subject_id, time, code, numeric_value, ...) and
#    metadata/ (dataset.json, codes.parquet, subject_splits.parquet). Codes are written VOCAB//CODE.
export = lake.export_meds("mimic4", work / "meds")
shards = sorted((work / "meds" / "data").rglob("*.parquet"))
rows = sum(pq.ParquetFile(p).metadata.num_rows for p in shards)
print(f"MEDS export: {rows:,} rows in {len(shards)} shard(s)")
print(pq.read_table(shards[0]).slice(0, 3).select(["subject_id", "time", "code"]).to_pylist())

# A task's samples in MEDS's label schema (subject_id, prediction_time, boolean_value, ...).
labels = lake.export_labels("in_hospital_mortality_48h", "mimic4", work / "ihm48_labels.parquet")
print(f"{labels} labels of in_hospital_mortality_48h")

# A MEDS dataset loads back into the lake as a dataset like any other.
print(lake.load("meds", work / "meds", name="mimic4_meds"))
counts = lake.sql("SELECT (SELECT count(*) FROM mimic4.events) AS mimic4, "
                  "(SELECT count(*) FROM mimic4_meds.events) AS mimic4_meds").to_pylist()[0]
print("events:", counts)

# 2. ACES task configs compile to one SQL task file, which runs through lake.task like a built-in task.
config = work / "ihm48.yaml"
config.write_text("""
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
  target: {start: gap.end, end: start -> discharge_or_death, start_inclusive: false, end_inclusive: true,
           label: death}
""")
task = lake.task_from_aces(config, work / "tasks" / "ihm48.sql")
print(task.sql.splitlines()[0], "...", f"({len(task.sql.splitlines())} lines of SQL)")
aces = lake.task(str(work / "tasks" / "ihm48.sql"), "mimic4")
print(aces)
# The built-in task is a definition of its own: adults' stays of 48 h or more, labelled by the admission's
# own death flag, where the config labels by a MEDS_DEATH event before discharge.
print("the built-in task:", lake.task("in_hospital_mortality_48h", "mimic4"))

# 3. Other engines: the canonical tables as parquet (events in hash buckets of subject_id) with a manifest,
#    and any task's SQL transpiled by sqlglot for spark, trino, postgres, bigquery or snowflake.
manifest = lake.export_parquet("mimic4", work / "parquet", buckets=4)
print("exported:", ", ".join(f"{name} {table['rows']:,}" for name, table in manifest["tables"].items()))
text, warnings = medlake_spark.task_sql(lake.db, "readmission", "mimic4", "trino", window_days=30)
assert not warnings
print(f"readmission for Trino: {len(text.splitlines())} lines, starts {text.splitlines()[0]!r}")

# 4. The same task on Spark (a local session here; a cluster URL works the same) gives DuckDB's samples.
spark = medlake_spark.session("local[1]")
on_spark = medlake_spark.run_task(spark, "readmission", work / "parquet", window_days=30)
key = ["subject_id", "visit_id", "label"]
spark_rows = sorted(tuple(r[k] for k in key) for r in on_spark.select(*key).collect())
duckdb_rows = sorted(tuple(r[k] for k in key) for r in lake.task("readmission", "mimic4", window_days=30)
                     .to_arrow().select(key).to_pylist())
print(f"readmission on Spark: {len(spark_rows)} samples, the same as DuckDB's: {spark_rows == duckdb_rows}")
assert spark_rows == duckdb_rows
spark.stop()
lake.close()
