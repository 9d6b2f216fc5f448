"""eICU variants of mortality and readmission against a plain-Python reading of the eICU demo CSV files.

eICU visits are ICU unit stays ordered by hospital stay, then unit admission;
a unit stay owns the diagnoses, treatments and medications charted during it
(offsets are minutes from each unit's admission, so they are compared on the
hospital stay's clock: minutes since hospital admission).
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from medlake.errors import ParameterError, UnknownNameError
from medlake.tasks import list_tasks
from test_tasks_reference import distinct_in_order, icd9cm, icd10cm, rows, strip_code

ICD9_E = re.compile(r"E[0-9]{3}(\.[0-9]?)?")
ICD9_V = re.compile(r"V[0-9]{2}(\.[0-9]{0,2})?")


def diagnosis_code(raw: str) -> str:
    if raw[:1].isdigit() or ICD9_E.fullmatch(raw) or ICD9_V.fullmatch(raw):
        return icd9cm(raw)
    return icd10cm(raw)


def reference(root, task):
    units, hospital_died = {}, defaultdict(bool)
    for r in rows(root / "patient.csv.gz"):
        prefix, suffix = r["uniquepid"].split("-")
        hao = int(r["hospitaladmitoffset"])
        units[int(r["patientunitstayid"])] = {
            "unit": int(r["patientunitstayid"]), "hs": int(r["patienthealthsystemstayid"]),
            "subject": int(prefix) * 10_000_000 + int(suffix),
            "start": -hao, "end": -hao + int(r["unitdischargeoffset"]),
        }
        hospital_died[int(r["patienthealthsystemstayid"])] |= "Expired" in (r["hospitaldischargestatus"],
                                                                            r["unitdischargestatus"])
    charted = defaultdict(list)  # hospital stay -> (minutes since hospital admission, seq, domain, code)

    def add(unit_id, offset, seq, domain, code):
        u = units[int(unit_id)]
        charted[u["hs"]].append((u["start"] + int(offset), int(seq), domain, code))

    for r in rows(root / "diagnosis.csv.gz"):
        for part in r["icd9code"].split(","):
            raw = part.strip().upper()
            if strip_code(raw):
                add(r["patientunitstayid"], r["diagnosisoffset"], r["diagnosisid"], "conditions", diagnosis_code(raw))
    for r in rows(root / "treatment.csv.gz"):
        if r["treatmentstring"].strip():
            add(r["patientunitstayid"], r["treatmentoffset"], r["treatmentid"], "procedures", r["treatmentstring"])
    for r in rows(root / "medication.csv.gz"):
        code = r["drughiclseqno"].strip() or r["drugname"].strip().upper()
        if r["drugordercancelled"] != "Yes" and code and r["drugstartoffset"].strip():
            add(r["patientunitstayid"], r["drugstartoffset"], r["medicationid"], "drugs", code)

    by_subject = defaultdict(list)
    for u in units.values():
        by_subject[u["subject"]].append(u)
    out = {}
    for stays in by_subject.values():
        stays.sort(key=lambda u: (u["hs"], u["start"], u["unit"]))
        for cur, nxt in zip(stays, stays[1:]):
            inside = [x for x in charted[cur["hs"]] if cur["start"] <= x[0] <= cur["end"]]
            lists = [distinct_in_order(((t, s), c) for t, s, d, c in inside if d == domain)
                     for domain in ("conditions", "procedures", "drugs")]
            if not all(lists):
                continue
            label = int(hospital_died[nxt["hs"]]) if task == "mortality" else int(nxt["hs"] == cur["hs"])
            out[f"{cur['subject']}-{cur['unit']}"] = (label, *lists)
    return out


@pytest.mark.parametrize("task", ["mortality", "readmission"])
def test_eicu_variant_matches_reference(eicu_lake, eicu_dir, task):
    want = reference(eicu_dir, task)
    got = {r["sample_id"]: (r["label"], r["conditions"], r["procedures"], r["drugs"])
           for r in eicu_lake.task(task, dataset="eicu").to_arrow().to_pylist()}
    assert got == want
    assert len(want) == 334 and 0 < sum(v[0] for v in want.values()) < 334
    report = eicu_lake.tasks.check(task, "eicu")
    assert report.ok and report.compared == report.samples


def test_eicu_support_is_declared(eicu_lake):
    specs = {s.name: s for s in list_tasks()}
    assert "eicu" in specs["mortality"].datasets and "eicu" not in specs["drug_recommendation"].datasets
    with pytest.raises(UnknownNameError, match="does not support dataset 'eicu'"):
        eicu_lake.task("drug_recommendation", dataset="eicu")
    with pytest.raises(ParameterError, match="no parameter 'window_days'"):
        eicu_lake.task("readmission", dataset="eicu", window_days=30)
