"""The built-in feature views on the MIMIC-III demo, checked against plain Python over the same rows.

The code tables are a small fixture (a few real ICD-9-CM -> CCS and NDC/GSN ->
ATC pairs), so the test does not wait for the full code-system build.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import pyarrow as pa
import pytest

import medlake
from medlake.featurestore import builtin_views

DAY = dt.timedelta(days=1)
CCS = {"401.9": "98", "428.0": "108", "427.31": "106", "584.9": "157", "250.00": "49", "428.9": "108"}
ATC_BY_RANK = ["B01AB01", "A02BC01", "N02BE01"]     # the three most common NDCs of the demo
GSN_ATC = "C07AB02"                                   # the GSN of the fourth most common NDC


@pytest.fixture(scope="module")
def lake(tmp_path_factory, mimic3_dir):
    lake = medlake.connect(tmp_path_factory.mktemp("features") / "lake.duckdb")
    lake.load("mimic3", mimic3_dir)
    events = lake.sql("SELECT * FROM mimic3.events").to_pylist()
    ndc_rank = Counter(e["code"] for e in events if e["vocab"] == "NDC").most_common(4)
    gsn = next(e["alt_code"] for e in events if e["vocab"] == "NDC" and e["code"] == ndc_rank[3][0])
    maps = [("ICD9CM", code, "CCSCM", ccs, "ccs") for code, ccs in CCS.items()]
    maps += [("NDC", ndc, "ATC", atc, "ndc_atc") for (ndc, _), atc in zip(ndc_rank, ATC_BY_RANK)]
    maps += [("GSN", gsn, "ATC", GSN_ATC, "gsn_atc")]
    lake.db.run("vocab/schema.sql", "create_schema")
    lake.db.run("vocab/schema.sql", "maps")
    cols = list(zip(*maps))
    rows = pa.table({"src_vocab": cols[0], "src_code": cols[1], "dst_vocab": cols[2],
                     "dst_code": cols[3], "kind": cols[4], "flags": [None] * len(maps)})
    with lake.db.registered("new_maps", rows):
        lake.execute("INSERT INTO vocab.maps SELECT * FROM new_maps")
    lake.test_maps = {(m[0], m[1]): m[3] for m in maps}
    yield lake
    lake.close()


@pytest.fixture(scope="module")
def built(lake):
    """Training set over every inpatient visit, 48 h after admission and at discharge."""
    visits = lake.sql("SELECT * FROM mimic3.visits").to_pylist()
    inpatient = sorted((v for v in visits if v["kind"] == "inpatient"), key=lambda v: v["visit_id"])
    samples = [(v["subject_id"], v["visit_id"], v["start_time"] + 2 * DAY) for v in inpatient]
    samples += [(v["subject_id"], v["visit_id"], v["end_time"]) for v in inpatient]
    table = pa.table({"subject_id": [s[0] for s in samples], "visit_id": [s[1] for s in samples],
                      "index_time": pa.array([s[2] for s in samples], pa.timestamp("us"))})
    got = lake.features.training_set(table)
    events = defaultdict(list)
    for e in lake.sql("SELECT * FROM mimic3.events").to_pylist():
        events[e["subject_id"]].append(e)
    subjects = {s["subject_id"]: s for s in lake.sql("SELECT * FROM mimic3.subjects").to_pylist()}
    return got.to_pylist(), events, visits, subjects


def within(t, index_time, lookback=None):
    return t is not None and t <= index_time and (lookback is None or t >= index_time - lookback)


def test_every_builtin_view_is_in_the_set(built):
    rows, *_ = built
    assert len(rows) == 258
    names = {f"{v.name}__{f.name}" for v in builtin_views().values() for f in v.features}
    assert len(names) == 2 + 3 + 3 + 80 + 2
    assert names <= set(rows[0])


def test_demographics(built):
    rows, _, _, subjects = built
    for r in rows:
        s = subjects[r["subject_id"]]
        assert r["demographics__sex"] == s["sex"]
        assert r["demographics__age"] == pytest.approx((r["index_time"] - s["birth_time"]) / DAY / 365.25)


def test_prior_utilization(built):
    rows, _, visits, _ = built
    for r in rows:
        mine = [v for v in visits if v["subject_id"] == r["subject_id"]]
        year = 365 * DAY
        assert r["prior_utilization__admissions_365d"] == sum(
            1 for v in mine if v["kind"] == "inpatient" and within(v["end_time"], r["index_time"], year))
        assert r["prior_utilization__icu_stays_365d"] == sum(
            1 for v in mine if v["kind"] == "icu" and within(v["end_time"], r["index_time"], year))
        ends = [v["end_time"] for v in mine if v["kind"] == "inpatient" and within(v["end_time"], r["index_time"])]
        expected = (r["index_time"] - max(ends)) / DAY if ends else None
        assert r["prior_utilization__days_since_discharge"] == (pytest.approx(expected) if ends else None)
    # at discharge the admission itself has ended: days since discharge is 0
    assert sum(1 for r in rows if r["prior_utilization__days_since_discharge"] == 0.0) == 129


def test_diagnosis_history_rolls_up_to_ccs(lake, built):
    rows, events, _, _ = built
    nonempty = 0
    for r in rows:
        for feature, lookback in (("ccs_30d", 30 * DAY), ("ccs_365d", 365 * DAY), ("ccs_all", None)):
            counts = Counter(CCS[e["code"]] for e in events[r["subject_id"]]
                             if e["vocab"] == "ICD9CM" and e["code"] in CCS
                             and within(e["time"], r["index_time"], lookback))
            got = r[f"diagnosis_ccs__{feature}"]
            assert (dict(got) if got else {}) == dict(counts)
            nonempty += bool(counts)
    assert nonempty > 50


def test_drug_classes_at_atc_level_2(lake, built):
    rows, events, _, _ = built
    maps = lake.test_maps
    seen = 0
    for r in rows:
        per_rx = set()
        for e in events[r["subject_id"]]:
            if e["vocab"] != "NDC" or not within(e["time"], r["index_time"], 90 * DAY):
                continue
            atc = maps.get(("NDC", e["code"])) or maps.get(("GSN", e["alt_code"]))
            if atc:
                per_rx.add((e["time"], e["seq"], atc[:3]))
        classes = Counter(c for _, _, c in per_rx)
        assert r["drug_classes__atc2_90d"] == (sorted(classes) or None)
        got = r["drug_classes__atc2_counts_90d"]
        assert (dict(got) if got else {}) == dict(classes)
        seen += bool(classes)
    assert seen > 100


def test_lab_stats(built):
    rows, events, _, _ = built
    view = builtin_views()["lab_stats"]
    checked = 0
    for r in rows:
        labs = [e for e in events[r["subject_id"]] if e["vocab"] == "MIMIC3_LAB" and e["numeric_value"] is not None
                and within(e["time"], r["index_time"], 7 * DAY)]
        for f in view.features:
            code = re.search(r"'(\d+)'", f.where).group(1)
            rows_in = [e for e in labs if e["code"] == code and within(e["time"], r["index_time"], f.window)]
            values = [e["numeric_value"] for e in rows_in]
            got = r[f"lab_stats__{f.name}"]
            if not values:
                assert got is None, f.name
                continue
            expected = {"last": max((e["time"], e["numeric_value"]) for e in rows_in)[1], "mean": sum(values) / len(values),
                        "min": min(values), "max": max(values)}[f.agg]
            assert got == pytest.approx(expected), f.name
            checked += 1
    assert checked > 5000


def test_views_needing_codes_say_so(tmp_path, mimic3_dir):
    lake = medlake.connect(tmp_path / "lake.duckdb")
    lake.load("mimic3", mimic3_dir)
    samples = pa.table({"subject_id": [10006], "index_time": [dt.datetime(2165, 1, 1)]})
    with pytest.raises(medlake.errors.UnknownNameError, match="drug_classes' reads vocab.maps"):
        lake.features.training_set(samples, ["drug_classes"])
    assert lake.features.training_set(samples, ["demographics.sex"]).column("demographics__sex").to_pylist() == ["F"]
    lake.close()
