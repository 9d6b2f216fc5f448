"""No task and no feature view orders visits by id: copies of the demos whose ids run against time give the same
samples.

Each copy renumbers every patient's stays among the patient's own ids so that a later stay has a smaller id
(MIMIC-III and MIMIC-IV: hadm_id; eICU: patienthealthsystemstayid and patientunitstayid; OMOP's
visit_occurrence_id is renumbered in tests/test_tasks_omop.py). Once the ids are mapped back, every task must
give the same samples, labels and inputs as on the demo itself, and the feature store the same features: a
task that took "next" or "previous" by id would not. eICU is the exception that proves the rule: its release
does not order hospital stays of one discharge year (the loader places them by id), so only the samples whose
next stay is certain (uncertain_order=drop) are unchanged there. The copies are written in plain Python
(csv + gzip). Last, the task SQL itself: no window over a subject's rows is ordered by an id before a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pytest
from sqlglot import exp

import medlake
from helpers import load_ndc_atc_maps, rows
from medlake.featurestore import builtin_views
from medlake.sqlfiles import SQL_ROOT, load_sql

ID_COLUMNS = {"visit_id", "hadm_id", "hospital_visit_id", "parent_visit_id", "next_visit_id",
              "patienthealthsystemstayid", "patientunitstayid", "visit_occurrence_id"}
MIMIC_FILES = {"patients", "admissions", "icustays", "diagnoses_icd", "procedures_icd", "prescriptions", "labevents",
               "outputevents"}  # outputevents: urine output, an input of in_hospital_mortality_48h
EICU_FILES = {"patient", "diagnosis", "medication", "treatment", "physicalexam", "admissiondx", "hospital"}


def copy_renumbered(src: Path, dst: Path, names: set[str], maps: dict[str, dict[str, str]]) -> None:
    """Copy the .csv.gz files of src (and its sub-folders) whose lower-case stem is in names to dst, rewriting
    each column named in maps (case-insensitively) through its map (id text -> id text)."""
    for path in src.rglob("*.csv.gz"):
        if path.name[: -len(".csv.gz")].lower() not in names:
            continue
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "rt", newline="") as f, gzip.open(out, "wt", newline="") as g:
            reader, writer = csv.reader(f), csv.writer(g)
            header = next(reader)
            columns = [(i, maps[h.strip().lower()]) for i, h in enumerate(header) if h.strip().lower() in maps]
            writer.writerow(header)
            for r in reader:
                for i, m in columns:
                    r[i] = m.get(r[i].strip(), r[i])
                writer.writerow(r)


def against_time(stays_by_patient: dict) -> dict[str, str]:
    """old id -> new id: each patient's ids, largest first, given to its stays in time order."""
    new = {}
    for stays in stays_by_patient.values():
        ids = sorted((i for _, i in stays), reverse=True)
        for (_, old), i in zip(sorted(stays), ids):
            new[str(old)] = str(i)
    return new


def mimic_admission_map(root: Path) -> dict[str, str]:
    by_subject = defaultdict(list)
    hosp = root / "hosp" if (root / "hosp").exists() else root
    name = "admissions.csv.gz" if (hosp / "admissions.csv.gz").exists() else "ADMISSIONS.csv.gz"
    for r in rows(hosp / name):
        when = (dt.datetime.fromisoformat(r["admittime"]), dt.datetime.fromisoformat(r["dischtime"]))
        by_subject[r["subject_id"]].append((when, int(r["hadm_id"])))
    return against_time(by_subject)


def eicu_maps(root: Path) -> dict[str, dict[str, str]]:
    """Hospital stays in (discharge year, id) order, the loader's, and unit stays in (that, unitvisitnumber)
    order, each renumbered against it within the patient."""
    hospital, units = defaultdict(set), defaultdict(list)
    for r in rows(root / "patient.csv.gz"):
        year, hs = int(r["hospitaldischargeyear"]), int(r["patienthealthsystemstayid"])
        hospital[r["uniquepid"]].add((year, hs))
        units[r["uniquepid"]].append(((year, hs, int(r["unitvisitnumber"])), int(r["patientunitstayid"])))
    return {"patienthealthsystemstayid": against_time({p: [(s, s[1]) for s in v] for p, v in hospital.items()}),
            "patientunitstayid": against_time(units)}


def samples(lake, task: str, dataset: str, back: dict[int, int] | None = None, index_time: bool = True,
            **params) -> dict:
    """sample_id (with the original visit id) -> every column but the ids (and index_time unless asked)."""
    out = {}
    for r in lake.task(task, dataset=dataset, **params).to_arrow().to_pylist():
        visit = (back or {}).get(r["visit_id"], r["visit_id"])
        skip = {"sample_id", "visit_id"} | (set() if index_time else {"index_time"})
        out[f"{r['subject_id']}-{visit}"] = {k: v for k, v in r.items() if k not in skip}
    return out


# -- MIMIC-III and MIMIC-IV ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mimic(tmp_path_factory, mimic3_dir, mimic4_dir, codes_dir):
    """(demo lake, renumbered lake, new hadm_id -> old per dataset), both with the NDC -> ATC maps."""
    base = tmp_path_factory.mktemp("visit_order_mimic")
    demo, renumbered, back = medlake.connect(base / "demo.duckdb"), medlake.connect(base / "renumbered.duckdb"), {}
    for ds, root in (("mimic3", mimic3_dir), ("mimic4", mimic4_dir)):
        new = mimic_admission_map(root)
        copy_renumbered(root, base / ds, MIMIC_FILES, {"hadm_id": new})
        demo.load(ds, root)
        renumbered.load(ds, base / ds)
        back[ds] = {int(n): int(o) for o, n in new.items()}
    for lake in (demo, renumbered):
        load_ndc_atc_maps(lake, codes_dir)
    yield demo, renumbered, back
    demo.close()
    renumbered.close()


@pytest.mark.parametrize("ds", ["mimic3", "mimic4"])
def test_mimic_copy_numbers_admissions_against_time(mimic, ds):
    demo, renumbered, _ = mimic

    def in_id_order(lake):
        by_subject = defaultdict(list)
        for v in lake.sql(f"SELECT subject_id, visit_id, start_time FROM {ds}.visits WHERE kind = 'inpatient'"
                          ).to_pylist():
            by_subject[v["subject_id"]].append((v["start_time"], v["visit_id"]))
        pairs = [pair for vs in by_subject.values() for pair in pairwise(sorted(vs))]
        return sum(a[1] < b[1] for a, b in pairs), len(pairs)

    assert in_id_order(renumbered)[0] == 0   # every later admission has the smaller id
    assert in_id_order(demo) == {"mimic3": (12, 29), "mimic4": (85, 175)}[ds]


@pytest.mark.parametrize("ds", ["mimic3", "mimic4"])
@pytest.mark.parametrize("task, params", [
    ("mortality", {}),
    ("mortality", {"uncertain_order": "keep"}),
    ("readmission", {}),
    ("readmission", {"window_days": 30, "anchor": "admission"}),
    ("length_of_stay", {}),
    ("los_gt_7d", {}),
    ("in_hospital_mortality_48h", {}),
    ("drug_recommendation", {}),
])
def test_mimic_tasks_ignore_admission_ids(mimic, ds, task, params):
    demo, renumbered, back = mimic
    want = samples(demo, task, ds, **params)
    assert samples(renumbered, task, ds, back[ds], **params) == want
    assert len(want) > 10


def test_mimic_features_ignore_admission_ids(mimic):
    """Every built-in feature view, as of each admission's start + 1 day and its discharge (the lakes have the
    NDC -> ATC maps but no CCS maps, so diagnosis_ccs is empty here)."""
    demo, renumbered, back = mimic
    features = sorted(builtin_views())

    def table(lake, mapping):
        visits = lake.sql("SELECT subject_id, visit_id, start_time, end_time FROM mimic3.visits "
                          "WHERE kind = 'inpatient'").to_pylist()
        # samples name the lake's own visit ids (views leave out the sample's own visit); compared by the demo's ids
        at = [(v["subject_id"], v["visit_id"], t)
              for v in visits for t in (v["start_time"] + dt.timedelta(days=1), v["end_time"])]
        samples = pa.table({"subject_id": [a[0] for a in at], "visit_id": [a[1] for a in at],
                            "index_time": pa.array([a[2] for a in at], pa.timestamp("us"))})
        rows = lake.features.training_set(samples, features=features, dataset="mimic3").to_pylist()
        return sorted(((r["subject_id"], mapping.get(r["visit_id"], r["visit_id"]), r["index_time"]),
                       {k: v for k, v in r.items() if "__" in k}) for r in rows)

    want = table(demo, {})
    assert table(renumbered, back["mimic3"]) == want
    assert len(want) == 258
    assert sum(v["prior_utilization__admissions_365d"] > 0 for _, v in want) > 5
    assert sum(v["drug_classes__atc2_90d"] is not None for _, v in want) > 5


# -- eICU ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eicu_renumbered(tmp_path_factory, eicu_dir):
    """(lake of the renumbered copy, new patientunitstayid -> old)."""
    base = tmp_path_factory.mktemp("visit_order_eicu")
    maps = eicu_maps(eicu_dir)
    copy_renumbered(eicu_dir, base / "eicu", EICU_FILES, maps)
    lake = medlake.connect(base / "lake.duckdb")
    lake.load("eicu", base / "eicu")
    yield lake, {int(n): int(o) for o, n in maps["patientunitstayid"].items()}
    lake.close()


@pytest.mark.parametrize("task", ["mortality", "readmission", "length_of_stay", "los_gt_7d"])
def test_eicu_certain_samples_ignore_stay_ids(eicu_lake, eicu_renumbered, task):
    """Ids against time change no sample whose next stay is certain. Index times may move: the loader
    places the hospital stays of one discharge year back to back by id."""
    lake, back = eicu_renumbered
    want = samples(eicu_lake, task, "eicu", index_time=False)
    assert samples(lake, task, "eicu", back, index_time=False) == want
    assert len(want) == (176 if task in ("mortality", "readmission") else 1244)


@pytest.mark.parametrize("task, changed_labels", [("mortality", 4), ("readmission", 0)])
def test_eicu_uncertain_samples_follow_the_ids(eicu_lake, eicu_renumbered, task, changed_labels):
    """Kept uncertain samples do depend on the ids, which is why drop is the default: the demo gives 332 samples
    under uncertain_order=keep, the renumbered copy 334, and 90 of the demo's are not among the copy's."""
    lake, back = eicu_renumbered
    want = samples(eicu_lake, task, "eicu", index_time=False, uncertain_order="keep")
    got = samples(lake, task, "eicu", back, index_time=False, uncertain_order="keep")
    assert (len(want), len(got), len(set(want) - set(got)), len(set(got) - set(want))) == (332, 334, 90, 92)
    assert sum(want[k]["label"] != got[k]["label"] for k in set(want) & set(got)) == changed_labels


# -- the SQL ------------------------------------------------------------------------------------------------


def test_no_window_orders_a_subjects_rows_by_id_before_time():
    """Every window of the task files and their shared blocks (every source's) that is partitioned by subject
    orders by something other than an id first (a time, or a rank taken by time)."""
    files = sorted((SQL_ROOT / "tasks").rglob("*.sql")) + sorted((SQL_ROOT / "features").glob("*.sql"))
    checked = 0
    for path in files:
        for st in load_sql(str(path.relative_to(SQL_ROOT))).statements:
            for window in st.tree.find_all(exp.Window):
                parts = window.args.get("partition_by") or []
                order = window.args.get("order")
                if order is None or not any(isinstance(p, exp.Column) and p.name == "subject_id" for p in parts):
                    continue
                first = order.expressions[0].this
                assert not (isinstance(first, exp.Column) and first.name in ID_COLUMNS), (path.name, st.name)
                checked += 1
    assert checked >= 5
