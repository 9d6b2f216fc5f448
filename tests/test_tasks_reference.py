"""Every task's samples and labels equal a reference computed here, in plain Python, from the raw CSV files.

The reference reads the demo exports with csv + gzip and follows the task
definitions of docs/tasks.md; it shares no code with the task SQL.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import pytest

from helpers import distinct_in_order, icd9cm, icd10cm, plus_years, rows, strip_code
from medlake.errors import MedlakeError

# -- reading the raw files ------------------------------------------------------------------------


def ts(text: str) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    return dt.datetime.fromisoformat(text)


def icd9proc(c: str) -> str:
    c = strip_code(c)
    return c[:2] + "." + c[2:] if len(c) > 2 else c


def ndc(c: str) -> str:
    c = (c or "").strip()
    return "" if c in ("", "0") else c


# -- one dataset as plain Python structures -------------------------------------------------------


class Raw:
    """Admissions, patients, codes and labs of a MIMIC demo, read from the CSV files."""

    def __init__(self, root: Path, version: int):
        hosp = root / "hosp" if version == 4 else root
        name = (lambda s: s.lower()) if version == 4 else (lambda s: s.upper())
        self.adm = {}
        for r in rows(hosp / f"{name('admissions')}.csv.gz"):
            self.adm[int(r["hadm_id"])] = {
                "hadm": int(r["hadm_id"]), "subject": int(r["subject_id"]),
                "admit": ts(r["admittime"]), "disch": ts(r["dischtime"]),
                "died": r["hospital_expire_flag"].strip() == "1" if r["hospital_expire_flag"].strip()
                else bool(r["deathtime"].strip()),
            }
        self.birth = {}
        for r in rows(hosp / f"{name('patients')}.csv.gz"):
            if version == 3:
                self.birth[int(r["subject_id"])] = ts(r["dob"])
            else:
                self.birth[int(r["subject_id"])] = dt.datetime(int(r["anchor_year"]) - int(r["anchor_age"]), 1, 1)
        self.codes = {k: defaultdict(list) for k in ("conditions", "procedures", "drugs")}
        for r in rows(hosp / f"{name('diagnoses_icd')}.csv.gz"):
            code_text = r["icd9_code"] if version == 3 else r["icd_code"]
            v = "9" if version == 3 else r["icd_version"].strip()
            if not strip_code(code_text) or v not in ("9", "10"):
                continue
            code = icd9cm(code_text) if v == "9" else icd10cm(code_text)
            self.codes["conditions"][int(r["hadm_id"])].append((int(r["seq_num"]), code))
        for r in rows(hosp / f"{name('procedures_icd')}.csv.gz"):
            code_text = r["icd9_code"] if version == 3 else r["icd_code"]
            v = "9" if version == 3 else r["icd_version"].strip()
            if not strip_code(code_text) or v not in ("9", "10"):
                continue
            code = icd9proc(code_text) if v == "9" else strip_code(code_text)
            self.codes["procedures"][int(r["hadm_id"])].append((int(r["seq_num"]), code))
        self.rx = defaultdict(list)  # hadm -> (start, order, ndc)
        for r in rows(hosp / f"{name('prescriptions')}.csv.gz"):
            code = ndc(r["ndc"])
            start = ts(r["startdate"] if version == 3 else r["starttime"])
            if not code or start is None or not r["hadm_id"].strip():
                continue
            order = int(r["row_id"]) if version == 3 else r["_line"]
            self.rx[int(r["hadm_id"])].append((start, order, code))
        self.labs = defaultdict(list)  # subject -> (time, order, itemid, value)
        for r in rows(hosp / f"{name('labevents')}.csv.gz"):
            if not r["valuenum"].strip() or not r["charttime"].strip():
                continue
            order = int(r["row_id"]) if version == 3 else int(r["labevent_id"])
            self.labs[int(r["subject_id"])].append((ts(r["charttime"]), order, r["itemid"].strip(),
                                                    float(r["valuenum"])))

    def subject_visits(self):
        """subject -> admissions in chronological order (admit, discharge, id)."""
        out = defaultdict(list)
        for a in self.adm.values():
            out[a["subject"]].append(a)
        return {s: sorted(v, key=lambda a: (a["admit"], a["disch"], a["hadm"])) for s, v in out.items()}

    def inputs(self, a):
        """conditions, procedures and drugs of an admission (drugs known by discharge)."""
        h = a["hadm"]
        drugs = [((start, order), code) for start, order, code in self.rx[h] if start <= a["disch"]]
        return (distinct_in_order(self.codes["conditions"][h]), distinct_in_order(self.codes["procedures"][h]),
                distinct_in_order(drugs))


# -- the task definitions ------------------------------------------------------------------------


def days(delta: dt.timedelta) -> int:
    return math.floor(delta.total_seconds() / 86400)


def ref_next_visit_tasks(raw: Raw, label_of):
    out = {}
    for visits in raw.subject_visits().values():
        for cur, nxt in zip(visits, visits[1:]):
            c, p, d = raw.inputs(cur)
            if c and p and d:
                label = label_of(cur, nxt)
                if label is not None:
                    out[f"{cur['subject']}-{cur['hadm']}"] = (cur["disch"], label, c, p, d)
    return out


def ref_mortality(raw):
    return ref_next_visit_tasks(raw, lambda cur, nxt: int(nxt["died"]))


def ref_readmission(raw, window_days=15, anchor="discharge", min_age=None):
    def label(cur, nxt):
        if min_age is not None and plus_years(raw.birth[cur["subject"]], min_age) > cur["admit"]:
            return None
        since = cur["disch"] if anchor == "discharge" else cur["admit"]
        return int(nxt["admit"] - since < dt.timedelta(days=window_days))
    return ref_next_visit_tasks(raw, label)


def ref_length_of_stay(raw, binary=False):
    out = {}
    for visits in raw.subject_visits().values():
        for a in visits:
            c, p, d = raw.inputs(a)
            if not (c and p and d):
                continue
            n = days(a["disch"] - a["admit"])
            label = int(n > 7) if binary else (0 if n < 1 else n if n <= 7 else 8 if n <= 14 else 9)
            out[f"{a['subject']}-{a['hadm']}"] = (a["disch"], label, c, p, d)
    return out


def ref_mortality_48h(raw, hours=48):
    out = {}
    window = dt.timedelta(hours=hours)
    for a in raw.adm.values():
        if plus_years(raw.birth[a["subject"]], 18) > a["admit"] or a["disch"] - a["admit"] < window:
            continue
        index = a["admit"] + window
        labs = sorted(x for x in raw.labs[a["subject"]] if a["admit"] <= x[0] < index)
        series = [{"code": item, "value": value, "hours": (t - a["admit"]).total_seconds() / 3600}
                  for t, _, item, value in labs]
        drugs = distinct_in_order([((s, o), code) for s, o, code in raw.rx[a["hadm"]] if s < index])
        out[f"{a['subject']}-{a['hadm']}"] = (index, int(a["died"]), series, drugs)
    return out


# -- comparing -----------------------------------------------------------------------------------


def from_lake(result, inputs):
    out = {}
    for r in result.to_arrow().to_pylist():
        out[r["sample_id"]] = (r["index_time"], r["label"], *[r[c] for c in inputs])
    return out


def assert_same(got: dict, want: dict):
    assert set(got) == set(want), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    for k in want:
        for g, w in zip(got[k], want[k]):
            if isinstance(w, list) and w and isinstance(w[0], dict):
                assert [x["code"] for x in g] == [x["code"] for x in w], k
                assert [x["value"] for x in g] == pytest.approx([x["value"] for x in w]), k
                assert [x["hours"] for x in g] == pytest.approx([x["hours"] for x in w], abs=1e-9), k
            else:
                assert g == w, (k, g, w)


@pytest.fixture(scope="module", params=["mimic3", "mimic4"])
def case(request, demo_lake, mimic3_dir, mimic4_dir):
    if request.param not in demo_lake.datasets():
        pytest.skip(f"{request.param} is not loaded in demo_lake")
    raw = Raw(mimic3_dir, 3) if request.param == "mimic3" else Raw(mimic4_dir, 4)
    return demo_lake, request.param, raw


CODE_INPUTS = ("conditions", "procedures", "drugs")


def test_mortality_matches_reference(case):
    lake, ds, raw = case
    want = ref_mortality(raw)
    assert_same(from_lake(lake.task("mortality", dataset=ds), CODE_INPUTS), want)
    assert len(want) > 10 and 0 < sum(v[1] for v in want.values()) < len(want)


@pytest.mark.parametrize("params", [{}, {"window_days": 30}, {"anchor": "admission"}, {"min_age": 70}])
def test_readmission_matches_reference(case, params):
    lake, ds, raw = case
    want = ref_readmission(raw, **params)
    assert_same(from_lake(lake.task("readmission", dataset=ds, **params), CODE_INPUTS), want)


def test_length_of_stay_matches_reference(case):
    lake, ds, raw = case
    assert_same(from_lake(lake.task("length_of_stay", dataset=ds), CODE_INPUTS), ref_length_of_stay(raw))
    assert_same(from_lake(lake.task("los_gt_7d", dataset=ds), CODE_INPUTS), ref_length_of_stay(raw, binary=True))


def test_in_hospital_mortality_48h_matches_reference(case):
    lake, ds, raw = case
    want = ref_mortality_48h(raw)
    assert_same(from_lake(lake.task("in_hospital_mortality_48h", dataset=ds), ("labs", "drugs")), want)
    assert sum(len(v[2]) for v in want.values()) > 1000


# -- drug recommendation (needs the NDC/GSN -> ATC maps) -----------------------------------------


def atc3_maps(codes_dir: Path):
    by_ndc, by_gsn = defaultdict(set), defaultdict(set)
    for r in rows(codes_dir / "ndc_gsn_atc.csv.gz"):
        atc = r["atc"].strip()
        if len(atc) < 4:
            continue
        if r["ndc"].strip():
            by_ndc[r["ndc"].strip()].add(atc[:4])
        if r["gsn"].strip():
            by_gsn[r["gsn"].strip()].add(atc[:4])
    return by_ndc, by_gsn


def ref_drug_recommendation(root: Path, version: int, raw: Raw, codes_dir: Path):
    by_ndc, by_gsn = atc3_maps(codes_dir)
    hosp = root / "hosp" if version == 4 else root
    atc = defaultdict(list)  # hadm -> ((start, order), atc3)
    for r in rows(hosp / ("prescriptions.csv.gz" if version == 4 else "PRESCRIPTIONS.csv.gz")):
        code = ndc(r["ndc"])
        start = ts(r["startdate"] if version == 3 else r["starttime"])
        if not code or start is None or not r["hadm_id"].strip() or int(r["hadm_id"]) not in raw.adm:
            continue
        if start > raw.adm[int(r["hadm_id"])]["disch"]:
            continue
        gsn = r["gsn"].strip().split(" ")[0] if r["gsn"].strip() else ""
        order = int(r["row_id"]) if version == 3 else r["_line"]
        for a in sorted(by_ndc.get(code) or by_gsn.get(gsn, ())):
            atc[int(r["hadm_id"])].append(((start, order), a))
    out = {}
    for visits in raw.subject_visits().values():
        valid = []
        for a in visits:
            c, p, _ = raw.inputs(a)
            drugs = distinct_in_order(atc[a["hadm"]])
            if c and p and drugs:
                valid.append((a, c, p, drugs))
        if len(valid) < 2:
            continue
        for i, (a, _c, _p, drugs) in enumerate(valid):
            out[f"{a['subject']}-{a['hadm']}"] = (
                a["disch"], drugs,
                [v[1] for v in valid[: i + 1]], [v[2] for v in valid[: i + 1]],
                [v[3] for v in valid[:i]] + [[]],
            )
    return out


def test_drug_recommendation_matches_reference(demo_lake, drug_lake, mimic3_dir, mimic4_dir, codes_dir):
    with pytest.raises(MedlakeError, match="medlake codes load --from DIR"):
        demo_lake.task("drug_recommendation", dataset="mimic3")
    lake = drug_lake
    for ds, root, version in (("mimic3", mimic3_dir, 3), ("mimic4", mimic4_dir, 4)):
        if ds not in lake.datasets():
            continue
        want = ref_drug_recommendation(root, version, Raw(root, version), codes_dir)
        got = from_lake(lake.task("drug_recommendation", dataset=ds), ("conditions", "procedures", "drugs_hist"))
        assert_same(got, want)
        assert len(want) > 20
    report = lake.tasks.check("drug_recommendation", "mimic3")
    assert report.ok and report.compared > 0 and report.dropped and report.lookahead
