"""The tasks that read the whole record (in_hospital_mortality_48h's vitals, phenotyping, decompensation)
equal a reference computed here, in plain Python, from the raw CSV files.

The raw files are synthetic MIMIC-III and MIMIC-IV exports with the whole record (`synth --full`: charted
vitals in CareVue and MetaVision ids, labs, urine output, diagnoses), and the MIMIC-III demo's labs and
outputs. The reference reads them with csv + gzip and follows docs/tasks.md with the item map of
mimic3-benchmarks (tests/fixtures/benchmark_items.csv) and its phenotype definitions
(tests/fixtures/hcup_ccs_2015_phenotypes.csv); it shares no code with the task SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import pytest

import medlake
from helpers import plus_years, rows, strip_code
from medlake.synth import synthesize

FIXTURES = Path(__file__).parent / "fixtures"
ITEMS = {(r["kind"], r["itemid"]): (r["variable"], float(r["factor"]))
         for r in csv.DictReader((FIXTURES / "benchmark_items.csv").read_text().splitlines())}
PHENOTYPES = defaultdict(set)
for _r in csv.DictReader((FIXTURES / "hcup_ccs_2015_phenotypes.csv").read_text().splitlines()):
    PHENOTYPES[_r["icd9_code"]].add(_r["phenotype"])
HOUR = dt.timedelta(hours=1)


def ts(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text and text.strip() else None


def num(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def clean(variable: str, factor: float, value: float | None, text: str | None, unit: str) -> float | None:
    """mimic3-benchmarks' cleaning of one charted value (docs/tasks.md)."""
    if variable == "Capillary refill rate":
        return {"Normal <3 secs": 0.0, "Normal <3 Seconds": 0.0, "Brisk": 0.0, "Abnormal >3 secs": 1.0,
                "Abnormal >3 Seconds": 1.0, "Delayed": 1.0}.get(text)
    if variable in ("Systolic blood pressure", "Diastolic blood pressure") and value is None and text:
        parts = text.split("/")
        part = parts[0] if variable.startswith("Systolic") else (parts[1] if len(parts) > 1 else "")
        return num(part)
    if value is None:
        return None
    if variable == "Temperature" and value >= 79:
        return (value - 32) * 5 / 9
    if variable == "Fraction inspired oxygen" and value > 1 and "torr" not in unit.lower():
        return value / 100
    if variable == "Oxygen saturation" and value <= 1:
        return value * 100
    if variable == "Height" and factor != 1:
        return float(round(value * factor))
    return value * factor


class Raw:
    """Admissions, births, deaths, ICU stays, ICD-9 diagnoses and benchmark values of one export."""

    def __init__(self, root: Path, version: int):
        hosp, icu = (root / "hosp", root / "icu") if version == 4 else (root, root)
        name = (lambda s: s.lower()) if version == 4 else (lambda s: s.upper())
        self.adm = {}
        for r in rows(hosp / f"{name('admissions')}.csv.gz"):
            flag = r["hospital_expire_flag"].strip()
            self.adm[int(r["hadm_id"])] = {"subject": int(r["subject_id"]), "admit": ts(r["admittime"]),
                                           "disch": ts(r["dischtime"]), "deathtime": ts(r["deathtime"]),
                                           "died": flag == "1" if flag else bool(r["deathtime"].strip())}
        self.birth, self.death = {}, {}
        for r in rows(hosp / f"{name('patients')}.csv.gz"):
            s = int(r["subject_id"])
            if version == 3:
                self.birth[s], dod = ts(r["dob"]), ts(r["dod"])
            else:
                self.birth[s] = dt.datetime(int(r["anchor_year"]) - int(r["anchor_age"]), 1, 1)
                dod = ts(r["dod"] + " 00:00:00") if r["dod"].strip() else None
            deaths = [a["deathtime"] for a in self.adm.values() if a["subject"] == s and a["deathtime"]]
            self.death[s] = max(deaths) if deaths else dod
        self.stays = []
        if (icu / f"{name('icustays')}.csv.gz").exists():
            for r in rows(icu / f"{name('icustays')}.csv.gz"):
                stay = int(r["icustay_id"] if version == 3 else r["stay_id"])
                self.stays.append((stay, int(r["subject_id"]), int(r["hadm_id"]), ts(r["intime"]), ts(r["outtime"])))
        self.icd9 = defaultdict(set)
        for r in rows(hosp / f"{name('diagnoses_icd')}.csv.gz"):
            if version == 3 or r["icd_version"].strip() == "9":
                code = strip_code(r["icd9_code"] if version == 3 else r["icd_code"])
                if code:
                    self.icd9[int(r["hadm_id"])].add(code)
        self.values = defaultdict(list)  # subject -> (time, variable, value)
        for kind, folder, table in (("CHART", icu, "chartevents"), ("LAB", hosp, "labevents"),
                                    ("OUTPUT", icu, "outputevents")):
            path = folder / f"{name(table)}.csv.gz"
            if not path.exists():
                continue
            for r in rows(path):
                if kind == "CHART" and r.get("error", "").strip() == "1":
                    continue
                if kind == "OUTPUT" and r.get("iserror", "").strip() == "1":
                    continue
                item = ITEMS.get((kind, r["itemid"].strip()))
                if item is None or not r["charttime"].strip():
                    continue
                value = num(r["valuenum"]) if kind != "OUTPUT" else num(r["value"])
                text = r["value"] if value is None and kind != "OUTPUT" else None
                cleaned = clean(*item, value, text or None, r.get("valueuom", ""))
                if cleaned is not None:
                    self.values[int(r["subject_id"])].append((ts(r["charttime"]), item[0], cleaned))

    def series(self, subject: int, start: dt.datetime, lo: dt.datetime, hi: dt.datetime) -> list[dict]:
        """Benchmark values of the subject charted in [lo, hi), hours since `start`."""
        return [{"code": v, "value": x, "hours": (t - start).total_seconds() / 3600}
                for t, v, x in self.values[subject] if lo <= t < hi]

    def adult_stays(self):
        for stay, subject, hadm, intime, outtime in self.stays:
            a = self.adm.get(hadm)
            if a and a["subject"] == subject and intime and outtime and outtime > intime \
                    and plus_years(self.birth[subject], 18) <= intime:
                death = (self.death[subject] or a["disch"]) if a["died"] else None
                yield stay, subject, hadm, intime, outtime, death


def ref_vitals_48h(raw: Raw, hours: int = 48) -> dict:
    out = {}
    for hadm, a in raw.adm.items():
        if plus_years(raw.birth[a["subject"]], 18) > a["admit"] or a["disch"] - a["admit"] < hours * HOUR:
            continue
        index = a["admit"] + hours * HOUR
        out[f"{a['subject']}-{hadm}"] = (index, int(a["died"]), raw.series(a["subject"], a["admit"], a["admit"], index))
    return out


def ref_phenotyping(raw: Raw) -> dict:
    out = {}
    for stay, subject, hadm, intime, outtime, _ in raw.adult_stays():
        if not raw.icd9[hadm]:
            continue
        label = sorted({p for c in raw.icd9[hadm] for p in PHENOTYPES.get(c, ())})
        out[f"{subject}-{stay}"] = (outtime, label, raw.series(subject, intime, intime, outtime))
    return out


def ref_decompensation(raw: Raw, horizon: int = 24, window: int = 24) -> dict:
    out = {}
    for stay, subject, _, intime, outtime, death in raw.adult_stays():
        end = min(outtime, death) if death else outtime
        for h in range(5, math.floor((end - intime).total_seconds() / 3600) + 1):
            index = intime + h * HOUR
            label = int(death is not None and death < index + horizon * HOUR)
            lo = max(intime, index - window * HOUR)
            out[f"{subject}-{stay}-{h}"] = (index, label, raw.series(subject, intime, lo, index))
    return out


def from_lake(lake, task: str, dataset: str, series: str, **params) -> dict:
    return {r["sample_id"]: (r["index_time"], r["label"], r[series])
            for r in lake.task(task, dataset=dataset, **params).to_arrow().to_pylist()}


def canonical(series: list[dict]) -> list[tuple]:
    return sorted((round(x["hours"], 9), x["code"], round(x["value"], 9)) for x in series)


def assert_same(got: dict, want: dict):
    assert set(got) == set(want), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    for k, (index, label, series) in want.items():
        g_index, g_label, g_series = got[k]
        assert (g_index, g_label) == (index, label), k
        hours = [x["hours"] for x in g_series]
        assert hours == sorted(hours), k  # in time order
        assert canonical(g_series) == canonical(series), k


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """Synthetic MIMIC-III and MIMIC-IV exports with the whole record, loaded into one lake."""
    root = tmp_path_factory.mktemp("record")
    synthesize("mimic3", root / "m3", patients=60, seed=5, full=True)
    synthesize("mimic4", root / "m4", patients=60, seed=5, full=True)
    lake = medlake.connect(root / "lake.duckdb")
    lake.load("mimic3", root / "m3")
    lake.load("mimic4", root / "m4")
    yield lake, {"mimic3": Raw(root / "m3", 3), "mimic4": Raw(root / "m4", 4)}
    lake.close()


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_in_hospital_mortality_vitals_match_reference(record, dataset):
    lake, raws = record
    want = ref_vitals_48h(raws[dataset])
    assert_same(from_lake(lake, "in_hospital_mortality_48h", dataset, "vitals"), want)
    variables = {x["code"] for v in want.values() for x in v[2]}
    # charted (CareVue and MetaVision ids), lab and output items all arrive, in the variables' units
    assert {"Heart Rate", "Glascow coma scale motor response", "Fraction inspired oxygen", "Urine output",
            "Glucose", "pH", "Temperature"} <= variables
    temps = [x["value"] for v in want.values() for x in v[2] if x["code"] == "Temperature"]
    assert temps and min(temps) > 33 and max(temps) < 42  # Celsius
    fio2 = [x["value"] for v in want.values() for x in v[2] if x["code"] == "Fraction inspired oxygen"]
    assert fio2 and min(fio2) >= 0.2 and max(fio2) <= 1.0
    assert sum(len(v[2]) for v in want.values()) > 5000


def test_in_hospital_mortality_vitals_on_the_demo_labs_and_outputs(demo_lake, mimic3_dir):
    want = ref_vitals_48h(Raw(mimic3_dir, 3))
    assert_same(from_lake(demo_lake, "in_hospital_mortality_48h", "mimic3", "vitals"), want)
    assert {x["code"] for v in want.values() for x in v[2]} >= {"Glucose", "pH", "Oxygen saturation", "Urine output"}


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_phenotyping_matches_reference(record, dataset):
    lake, raws = record
    want = ref_phenotyping(raws[dataset])
    assert_same(from_lake(lake, "phenotyping", dataset, "vitals"), want)
    labels = [v[1] for v in want.values()]
    assert len(want) > 20 and sum(bool(x) for x in labels) > len(labels) // 2
    assert "Septicemia (except in labor)" in {p for x in labels for p in x}
    if dataset == "mimic4":  # admissions coded in ICD-10 only give no sample
        stays = {f"{s}-{st}" for st, s, *_ in raws[dataset].adult_stays()}
        assert len(want) < len(stays)


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_decompensation_matches_reference(record, dataset):
    lake, raws = record
    want = ref_decompensation(raws[dataset])
    assert_same(from_lake(lake, "decompensation", dataset, "vitals"), want)
    positives = sum(v[1] for v in want.values())
    assert len(want) > 1000 and 0 < positives < len(want)
    # the other horizon and window
    want = ref_decompensation(raws[dataset], horizon=6, window=4)
    assert_same(from_lake(lake, "decompensation", dataset, "vitals", horizon_hours=6, window_hours=4), want)
    assert 0 < sum(v[1] for v in want.values()) < positives


def test_decompensation_and_phenotyping_do_not_leak(record):
    lake, _ = record
    report = lake.tasks.check("decompensation", "mimic3", subjects=8)
    assert report.ok and report.compared == report.samples > 0 and not report.dropped
    report = lake.tasks.check("phenotyping", "mimic3", subjects=8)
    # the inputs never change; samples exist because of the discharge diagnoses, which the header declares
    assert report.ok and report.compared > 0 and not report.changed and report.lookahead
