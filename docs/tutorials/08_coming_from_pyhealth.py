"""Tutorial 8: coming from PyHealth. Each PyHealth concept beside its medlake equivalent, then every place
where medlake's task definitions differ from PyHealth's, and why.

`.venv/bin/python docs/tutorials/08_coming_from_pyhealth.py MIMIC3_DIR [CODES_DIR]` (the MIMIC-III demo,
e.g. ../shared/data/mimic3demo; CODES_DIR: the folder of code files, e.g. ../shared/data/codes; without
it the installed packages' files are used). PyHealth is not needed: its code is quoted in the comments,
from PyHealth 1.x (1.1.6, the API of most published code). PyHealth 2.x keeps the concepts and renames
some of them (task functions became classes such as `MortalityPredictionMIMIC3`).
"""

import sys
import tempfile
from pathlib import Path

import medlake
from medlake.models import ConformalLabel, SampleSet, TemperatureScaling, Trainer, Transformer, seed_everything

mimic3_dir = sys.argv[1]
codes_dir = sys.argv[2] if len(sys.argv) > 2 else None
lake = medlake.connect(Path(tempfile.mkdtemp()) / "lake.duckdb")

# -- 1. Dataset classes and stat() -------------------------------------------------------------------
# PyHealth:  base = MIMIC3Dataset(root=..., tables=["DIAGNOSES_ICD", "PROCEDURES_ICD", "PRESCRIPTIONS"],
#                                 code_mapping={"NDC": "ATC"})
#            base.stat()
# medlake: one load writes the export into one DuckDB file: the raw tables as they are (mimic3_raw.*) and
# the canonical subjects, visits and events (mimic3.*). Nothing is parsed again on the next run, and any
# DuckDB client reads the file. Codes are mapped when a task or a query asks, not at load.
print(lake.load("mimic3", mimic3_dir))
stat = lake.stat("mimic3", top=3)
print(f"{stat['subjects']} subjects, {stat['visits']} visits, {stat['events']:,} events")
print(stat["events_by_vocab"].to_pandas().head(5).to_string(index=False))
assert stat["subjects"] == 100

# -- 2. set_task and task functions ------------------------------------------------------------------
# PyHealth:  samples = base.set_task(mortality_prediction_mimic3_fn)   # a Python function per patient
#            samples.stat()
# medlake: a task is a SQL file with a YAML header (src/medlake/sql/tasks/mortality.sql): its label,
# parameters and inputs. lake.task runs it; the load already installed it as a view (mimic3.mortality)
# that any DuckDB client can read. A task of your own is a file like it (docs/tasks.md, "Task files").
samples = lake.task("mortality", "mimic3")
print(samples)                                    # <TaskResult mortality on mimic3 ...: 26 samples ...>
task_stat = samples.stat(top=3)                   # samples.stat(): codes per sample, top codes per input
print({name: s["mean_per_sample"] for name, s in task_stat["inputs"].items()})
assert lake.sql("SELECT count(*) AS n FROM mimic3.mortality").to_pylist() == [{"n": len(samples)}]

# -- 3. InnerMap and CrossMap ------------------------------------------------------------------------
# PyHealth:  InnerMap.load("ICD9CM").lookup("428.0"); InnerMap.load("ICD9CM").get_ancestors("428.0")
#            CrossMap.load("ICD9CM", "CCSCM").map("428.0")        # ['108'], files downloaded at run time
# medlake: the code systems are tables in the lake (vocab.concepts, vocab.ancestors, vocab.maps), built
# offline from files; lake.codes reads them, and a query joins them over whole columns of codes.
lake.codes.load(codes_dir, only=["icd9cm_titles", "icd9cm_hierarchy", "ccs_icd9cm", "gem_icd9cm_icd10cm"])
print(lake.codes.lookup("ICD9CM", "428.0")["name"], lake.codes.ancestors("ICD9CM", "428.0"))
assert lake.codes.map("ICD9CM", "CCSCM", "428.0") == ["108"]
ccs = lake.sql("SELECT m.dst_code AS ccs, count(*) AS n FROM mimic3.events AS e JOIN vocab.maps AS m "
               "ON m.src_vocab = e.vocab AND m.src_code = e.code AND m.dst_vocab = 'CCSCM' "
               "GROUP BY ALL ORDER BY n DESC, ccs LIMIT 3").to_pylist()
print("most frequent CCS categories of the diagnoses:", ccs)

# -- 4. split_by_patient -----------------------------------------------------------------------------
# PyHealth:  train_ds, val_ds, test_ds = split_by_patient(samples, [0.6, 0.2, 0.2], seed=0)
# medlake: a `split` column, by subject; a subject's split depends on the seed and its id only (MD5 of
# "seed:subject_id"), so it is the same in SQL, on Spark and on every machine.
task = lake.task("los_gt_7d", "mimic3").split(0.6, 0.2, 0.2, seed=0)
rows = task.to_arrow().select(["subject_id", "split"]).to_pylist()
assert all(len({r["split"] for r in rows if r["subject_id"] == s}) == 1 for s in {r["subject_id"] for r in rows})
print(task)

# -- 5. get_dataloader --------------------------------------------------------------------------------
# PyHealth:  train_loader = get_dataloader(train_ds, batch_size=32, shuffle=True)   # lists of codes,
#            models turn them into ids and pad them in forward()
# medlake: SampleSet encodes every split once, in SQL, with vocabularies built on the training split;
# a stream yields padded id tensors and masks (and has .loader() for a torch DataLoader).
sample_set = SampleSet.build(task)
print(sample_set)
batch = next(iter(sample_set.stream("train", batch_size=16, shuffle=True)))
print({k: tuple(v.shape) for k, v in batch.items() if k in ("conditions", "conditions_mask", "label")})

# -- 6. Trainer ---------------------------------------------------------------------------------------
# PyHealth:  model = Transformer(dataset=samples, feature_keys=["conditions", "procedures", "drugs"],
#                                label_key="label", mode="binary")
#            trainer = Trainer(model=model, metrics=["roc_auc", "pr_auc"])
#            trainer.train(train_dataloader=train_loader, val_dataloader=val_loader, epochs=5, monitor="pr_auc")
#            trainer.evaluate(test_loader)
# medlake: the network reads the input kinds and the label type from the task's header; fit shows a
# progress bar and one line of metrics per epoch (quiet=True hides them) and keeps the best epoch.
seed_everything(0)
net = Transformer(dataset=sample_set, embedding_dim=16, hidden_dim=16)
trainer = Trainer(net, epochs=3, lr=1e-3, monitor="pr_auc")
trainer.fit(sample_set.stream("train", batch_size=16, shuffle=True), sample_set.stream("val"))
print(trainer)
print({k: round(v, 3) for k, v in trainer.evaluate(sample_set.stream("test")).items() if k in ("roc_auc", "pr_auc")})

# -- 7. Calibration -----------------------------------------------------------------------------------
# PyHealth:  cal_model = TemperatureScaling(model); cal_model.calibrate(cal_dataset=val_ds)
#            set_model = LABEL(model, alpha=0.1); set_model.calibrate(cal_dataset=val_ds)   # multiclass only
# medlake: the methods work on predictions (arrays), for binary and multiclass labels; LABEL's sets are
# class-conditional. `medlake calibrate RUN --method ...` and tutorial 6 do the same on a run directory.
val, test = trainer.predict(sample_set.stream("val")), trainer.predict(sample_set.stream("test"))
scaler = TemperatureScaling("binary").fit(val.logits, val.y_true)
sets = ConformalLabel("binary", alpha=0.2).fit(val.probs, val.y_true).predict_sets(test.probs)
print(f"temperature {scaler.temperature:.3f}; mean conformal set size {sets.sum(axis=1).mean():.2f}")

# -- 8. Where the task definitions differ from PyHealth's, and why ----------------------------------
# (docs/tasks.md, "Differences from PyHealth 1.x" and the eICU section, says the same at length.)

# a) Visit order. PyHealth orders a patient's visits by admission id; medlake by time (admission, then
#    discharge, then id), on every source, because ids are not in time order in every export (eICU's
#    hospital-stay ids are not). A next visit that starts before the current one ends cannot be placed
#    after it: such samples are left out by default (uncertain_order=drop; keep keeps them). PyHealth has
#    no such rule. On the MIMIC-III demo no next admission overlaps, so nothing is dropped:
assert samples.summary()["dropped_uncertain_order"] == 0

# b) Readmission's window. PyHealth 1.x: the next admission starts less than time_window (15) days after
#    this one *starts*. medlake measures from this one's discharge (anchor=discharge), because a stay
#    longer than the window would otherwise count as a readmission whatever follows; anchor=admission
#    gives PyHealth's definition. Both compare whole elapsed days with the window strictly.
for anchor in ("admission", "discharge"):
    print(f"readmission within 15 days, anchor={anchor}:",
          lake.task("readmission", "mimic3", window_days=15, anchor=anchor).summary()["labels"])

# c) Inputs known at the index time only. Prescriptions that start after their admission's discharge are
#    not inputs of that admission (the sample is predicted at discharge); PyHealth keeps them.
late = lake.sql("SELECT count(*) AS n FROM mimic3.events AS e JOIN mimic3.visits AS v USING (visit_id) "
                "WHERE e.source = 'prescriptions' AND e.time > v.end_time").to_pylist()[0]["n"]
print(f"{late} prescriptions start after their admission's discharge and are no inputs")
assert late == 15
assert lake.tasks.check("mortality", "mimic3", subjects=12).ok   # cuts every timeline at index_time

# d) Codes are dotted, as the code systems write them (ICD-9-CM '428.0'); PyHealth keeps MIMIC's raw
#    '4280'. Both spellings look up the same code here:
assert lake.codes.standardize("ICD9CM", "4280") == "428.0"

# e) drug_recommendation maps NDC -> ATC level 3 with medlake's code tables (ndc_gsn_atc, falling back on
#    the GSN when the NDC has no map) rather than PyHealth's cross-map files, so ATC-3 sets can differ
#    where the two maps do; the cohort (subjects with at least 2 valid admissions) is PyHealth's. It needs
#    `lake.codes.load(DIR)` with the NDC/GSN/ATC file, which this tutorial does not load.

# f) in_hospital_mortality_48h follows mimic3-benchmarks' cohort (adults, stays of at least 48 hours),
#    on hospital admissions and lab events of the first 48 hours, since the demos carry no chart events.
print(lake.task("in_hospital_mortality_48h", "mimic3"))

# g) Every sample has an index_time (when it is predicted) and sample_id '<subject_id>-<visit_id>':
first = samples.to_arrow().slice(0, 1).to_pylist()[0]
assert first["sample_id"] == f"{first['subject_id']}-{first['visit_id']}" and first["index_time"] is not None

# h) eICU (docs/tasks.md, eICU): PyHealth makes each hospital stay a patient of its own and never looks
#    past it; medlake's subject is the uniquepid, the next unit stay may be in the next hospital stay,
#    mortality is the next unit stay's hospital outcome (PyHealth: its unitdischargestatus), readmission
#    is "the next unit stay belongs to the same hospital stay" (PyHealth: starts within 5 days), and
#    procedures are treatment strings (PyHealth: physicalExam paths).
lake.close()
