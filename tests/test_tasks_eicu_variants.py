"""eICU's in_hospital_mortality_48h (and its support for labs) against plain Python.

The demo has no lab table, so the tests run on a copy of the demo with a
small synthetic lab.csv.gz and one patient's age set to 17. The reference
below reads those CSV files with csv + gzip and rebuilds the loader's
documented clock (docs/etl-eicu-omop.md: each hospital stay starts on
1 January of its discharge year at its admission clock time, pushed past the
same patient's earlier stays of that year; a unit stay starts
-hospitaladmitoffset minutes later), because adulthood is judged on absolute
times: the subject's birth is the first aged stay's hospital admission minus
its age ('> 89' = 90).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import shutil

import pytest

import medlake
from helpers import EicuRelease, distinct_in_order, plus_years
from medlake.tasks import list_tasks

DEMO_FILES = ("diagnosis", "medication", "treatment", "physicalExam", "admissionDx", "hospital")
MINOR_STAY = 376041  # a 3,194-minute stay whose age becomes 17 in the copy
LAB_COLUMNS = ("labid", "patientunitstayid", "labresultoffset", "labtypeid", "labname", "labresult",
               "labresulttext", "labmeasurenamesystem", "labmeasurenameinterface", "labresultrevisedoffset")
# (labid, unit stay, minutes since that unit's admission, labname, labresult, labresulttext)
SYNTHETIC_LABS = [
    # 216950 is the second unit stay of hospital stay 187781; it starts when 216951 (8,527 minutes) ends
    (1, 216950, -30, "sodium", "141", "141"),          # before the unit admission: not an input
    (2, 216950, 0, "sodium", "140", "140"),
    (12, 216950, 90, "BUN", "18", "18"),
    (3, 216950, 90, "potassium", "4.1", "4.1"),         # same minute as BUN: ordered by labid
    (4, 216950, 90, "glucose", "", "pending"),          # no number: not an input
    (8, 216950, 60, "", "7", "7"),                     # no name: not an event
    (5, 216950, 2879, "sodium", "138", "138"),
    (6, 216950, 2880, "sodium", "137", "137"),          # exactly at 48 h: excluded
    (7, 216950, 3000, "sodium", "136", "136"),          # after 48 h: excluded
    (9, 216951, 8527 + 30, "lactate", "2.5", "2.5"),    # charted on 216951 after it ended: 30 min into 216950
    (13, 216951, 1440, "creatinine", "1.2", "1.2"),
    (14, 216951, 2880, "creatinine", "1.4", "1.4"),
    (20, 176730, 5, "pH", "7.31", "7.31"),              # hospital Alive, unit Expired: died
    (21, 176730, 2879, "pH", "7.12", "7.12"),
    (30, 151179, 120, "Hgb", "9.5", "9.5"),             # hospital Expired after an Alive unit discharge
    (40, 161763, 10, "sodium", "135", "135"),           # a 1,035-minute stay: no sample
    (50, MINOR_STAY, 10, "sodium", "139", "139"),       # a minor: no sample
]


def write_csv_gz(path, header, records):
    with gzip.open(path, "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(records)


@pytest.fixture(scope="module")
def eicu_copy(tmp_path_factory, eicu_dir):
    root = tmp_path_factory.mktemp("eicu_more") / "eicu"
    root.mkdir()
    for name in DEMO_FILES:
        shutil.copy(eicu_dir / f"{name}.csv.gz", root / f"{name}.csv.gz")
    with gzip.open(eicu_dir / "patient.csv.gz", "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        patients = list(reader)
    stay, age = header.index("patientunitstayid"), header.index("age")
    for r in patients:
        if int(r[stay]) == MINOR_STAY:
            r[age] = "17"
    write_csv_gz(root / "patient.csv.gz", header, patients)
    write_csv_gz(root / "lab.csv.gz", LAB_COLUMNS,
                 [(lab_id, unit, offset, 1, name, result, text, "mmol/L", "mmol/L", offset)
                  for lab_id, unit, offset, name, result, text in SYNTHETIC_LABS])
    return root


@pytest.fixture(scope="module")
def lake(tmp_path_factory, eicu_copy):
    # not eicu.duckdb: DuckDB names the catalog after the file, which would clash with the schema
    lake = medlake.connect(tmp_path_factory.mktemp("eicu_more_lake") / "lake.duckdb")
    lake.load("eicu", eicu_copy)
    yield lake
    lake.close()


# -- the reference ---------------------------------------------------------------------------------


class Stays(EicuRelease):
    """Unit stays on the loader's synthetic clock, their hospital outcome, what was charted, and births."""

    def __init__(self, root):
        super().__init__(root)
        self.birth = {}
        for u in sorted(self.units.values(), key=lambda u: u["start"], reverse=True):
            if u["age"] is not None:  # the earliest aged stay wins
                self.birth[u["subject"]] = plus_years(u["hospital_admit"], -u["age"])

    def between(self, u, start, stop, stop_inclusive):
        return [x for x in self.charted[u["hs"]]
                if start <= x[0] and (x[0] <= stop if stop_inclusive else x[0] < stop)]

    def sample_id(self, u):
        return f"{u['subject']}-{u['unit']}"


def ref_mortality_48h(stays: Stays, hours: int = 48):
    out = {}
    window = dt.timedelta(hours=hours)
    for u in stays.units.values():
        birth = stays.birth.get(u["subject"])
        if birth is None or plus_years(birth, 18) > u["start"] or u["end"] - u["start"] < window:
            continue
        index = u["start"] + window
        before = sorted(stays.between(u, u["start"], index, stop_inclusive=False), key=lambda x: (x[0], x[1]))
        labs = [{"code": c, "value": v, "hours": (t - u["start"]).total_seconds() / 3600}
                for t, _, k, c, v in before if k == "labs"]
        drugs = distinct_in_order(((t, s), c) for t, s, k, c, _ in before if k == "drugs")
        out[stays.sample_id(u)] = (index, int(stays.died[u["hs"]]), labs, drugs)
    return out


@pytest.fixture(scope="module")
def stays(eicu_copy):
    return Stays(eicu_copy)


# -- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [48, 24])
def test_eicu_mortality_48h_matches_reference(lake, stays, hours):
    want = ref_mortality_48h(stays, hours)
    got = {r["sample_id"]: (r["index_time"], r["label"], r["labs"], r["drugs"])
           for r in lake.task("in_hospital_mortality_48h", dataset="eicu", hours=hours).to_arrow().to_pylist()}
    assert got == want
    if hours == 48:
        assert len(want) == 930 and sum(v[1] for v in want.values()) == 110


def test_eicu_mortality_48h_labs_and_labels(lake, stays):
    samples = {r["visit_id"]: r for r in lake.task("in_hospital_mortality_48h", dataset="eicu").to_arrow().to_pylist()}
    by_unit = {u: samples.get(u) for u in (216950, 216951, 176730, 151179, 161763, MINOR_STAY)}
    assert by_unit[161763] is None and by_unit[MINOR_STAY] is None
    assert 186393 in samples  # age '> 89'

    def labs(unit):
        return [(x["code"], x["value"], round(x["hours"], 4)) for x in by_unit[unit]["labs"]]

    assert labs(216950) == [("sodium", 140.0, 0.0), ("lactate", 2.5, 0.5), ("potassium", 4.1, 1.5),
                            ("BUN", 18.0, 1.5), ("sodium", 138.0, 47.9833)]
    assert labs(216951) == [("creatinine", 1.2, 24.0)]
    assert labs(176730) == [("pH", 7.31, 0.0833), ("pH", 7.12, 47.9833)]
    assert labs(151179) == [("Hgb", 9.5, 2.0)]
    assert {u: by_unit[u]["label"] for u in (216950, 216951, 176730, 151179)} == {
        216950: 0, 216951: 0, 176730: 1, 151179: 1}
    start = stays.units[216950]["start"]
    assert by_unit[216950]["index_time"] == start + dt.timedelta(hours=48)
    assert by_unit[216950]["drugs"] == distinct_in_order(
        ((t, s), c) for t, s, k, c, _ in stays.charted[stays.units[216950]["hs"]]
        if k == "drugs" and start <= t < start + dt.timedelta(hours=48))
    assert set(by_unit[216950]) == {"sample_id", "subject_id", "visit_id", "index_time", "label", "labs", "drugs"}


def test_eicu_mortality_48h_leakage(lake):
    report = lake.tasks.check("in_hospital_mortality_48h", "eicu", subjects=1000)
    assert report.ok and not report.retrospective
    assert report.compared == report.samples == 930


def test_eicu_variants_are_listed():
    specs = {s.name: s for s in list_tasks()}
    for name in ("length_of_stay", "los_gt_7d", "in_hospital_mortality_48h"):
        assert "eicu" in specs[name].datasets
    assert "eicu" not in specs["drug_recommendation"].datasets
