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
from helpers import toy_lake_of
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
    at_discharge = 0
    for r in rows:
        # the sample's own admission and its ICU stays never count
        mine = [v for v in visits if v["subject_id"] == r["subject_id"]
                and r["visit_id"] not in (v["visit_id"], v["parent_visit_id"])]
        year = 365 * DAY
        assert r["prior_utilization__admissions_365d"] == sum(
            1 for v in mine if v["kind"] == "inpatient" and within(v["end_time"], r["index_time"], year))
        assert r["prior_utilization__icu_stays_365d"] == sum(
            1 for v in mine if v["kind"] == "icu" and within(v["end_time"], r["index_time"], year))
        ends = [v["end_time"] for v in mine if v["kind"] == "inpatient" and within(v["end_time"], r["index_time"])]
        expected = (r["index_time"] - max(ends)) / DAY if ends else None
        assert r["prior_utilization__days_since_discharge"] == (pytest.approx(expected) if ends else None)
        own = next(v for v in visits if v["visit_id"] == r["visit_id"])
        at_discharge += r["index_time"] == own["end_time"]
    # at discharge the admission itself has ended, yet it is not "prior": no 0 days since discharge
    assert at_discharge == 129
    assert not any(r["prior_utilization__days_since_discharge"] == 0.0 for r in rows)
    assert sum(r["prior_utilization__admissions_365d"] == 0 for r in rows) > 150


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


T = dt.datetime(2030, 6, 1, 8, 0)
HOUR = dt.timedelta(hours=1)


def history_lake():
    """One patient by hand: an admission with an ICU stay in January, one two years before, and the
    admission the samples are made in (June, with its own ICU stay), plus labs, diagnoses and drugs."""
    visits = [
        {"visit_id": 5, "subject_id": 1, "kind": "inpatient", "start_time": dt.datetime(2028, 1, 1),
         "end_time": dt.datetime(2028, 1, 3)},
        {"visit_id": 10, "subject_id": 1, "kind": "inpatient", "start_time": dt.datetime(2030, 1, 1),
         "end_time": dt.datetime(2030, 1, 5)},
        {"visit_id": 11, "subject_id": 1, "kind": "icu", "start_time": dt.datetime(2030, 1, 2),
         "end_time": dt.datetime(2030, 1, 3), "parent_visit_id": 10},
        {"visit_id": 20, "subject_id": 1, "kind": "inpatient", "start_time": T, "end_time": T + 9 * DAY},
        {"visit_id": 21, "subject_id": 1, "kind": "icu", "start_time": T + DAY, "end_time": T + 3 * DAY,
         "parent_visit_id": 20},
        {"visit_id": 30, "subject_id": 1, "kind": "ed", "start_time": T - 2 * DAY, "end_time": T - DAY},
    ]

    def lab(hours, value, code="50912"):
        return {"subject_id": 1, "visit_id": 20, "time": T + hours * HOUR, "vocab": "MIMIC3_LAB", "code": code,
                "numeric_value": value, "source": "labevents"}

    events = [
        lab(-13 * 24, 100.0),           # creatinine 13 days before admission: outside 7 days
        lab(2, 1.0), lab(25, 2.0), lab(47, 4.0), lab(47.5, None),
        lab(49, 8.0),                   # after the 48-hour index time
        lab(30, 140.0, "50983"),        # sodium
        {"subject_id": 1, "visit_id": 10, "time": dt.datetime(2030, 1, 5), "vocab": "ICD9CM", "code": "428.0",
         "source": "diagnoses_icd"},
        {"subject_id": 1, "visit_id": 20, "time": T + 9 * DAY, "vocab": "ICD9CM", "code": "584.9",
         "source": "diagnoses_icd"},
        {"subject_id": 1, "visit_id": 10, "time": dt.datetime(2030, 1, 2), "vocab": "NDC", "code": "00003",
         "source": "prescriptions", "seq": 1},
        {"subject_id": 1, "visit_id": 20, "time": T, "vocab": "NDC", "code": "00001", "source": "prescriptions",
         "seq": 2},
        {"subject_id": 1, "visit_id": 20, "time": T + DAY, "vocab": "NDC", "code": "00002", "alt_code": "123",
         "source": "prescriptions", "seq": 3},
    ]
    maps = [("ICD9CM", "428.0", "CCSCM", "108"), ("ICD9CM", "584.9", "CCSCM", "157"),
            ("NDC", "00001", "ATC", "B01AB01"), ("NDC", "00003", "ATC", "N02BE01"), ("GSN", "123", "ATC", "C07AB02")]
    subjects = [{"subject_id": 1, "birth_time": dt.datetime(1950, 1, 1), "sex": "F"}]
    return toy_lake_of(subjects=subjects, visits=visits, events=events, maps=maps)


@pytest.mark.parametrize("inclusive", [True, False])
def test_every_builtin_feature_on_a_hand_built_history(inclusive):
    lake = history_lake()
    at_48h, at_discharge = T + 48 * HOUR, T + 9 * DAY
    samples = pa.table({"subject_id": [1, 1], "visit_id": [20, 20],
                        "index_time": pa.array([at_48h, at_discharge], pa.timestamp("us"))})
    rows = lake.features.training_set(samples, dataset="toy", inclusive=inclusive).to_pylist()
    early, late = rows
    # demographics: age at index time, sex
    assert early["demographics__age"] == pytest.approx((at_48h - dt.datetime(1950, 1, 1)) / DAY / 365.25)
    assert early["demographics__sex"] == late["demographics__sex"] == "F"
    # prior_utilization: January's admission and ICU stay; not 2028's (too old), not the June admission
    # the samples are made in, nor its ICU stay (over before discharge), nor the emergency visit
    for r, index in ((early, at_48h), (late, at_discharge)):
        assert r["prior_utilization__admissions_365d"] == 1
        assert r["prior_utilization__icu_stays_365d"] == 1
        assert r["prior_utilization__days_since_discharge"] == pytest.approx((index - dt.datetime(2030, 1, 5)) / DAY)
    # lab_stats at 48 h: creatinine 2 and 4 in the last 24 hours, 1, 2, 4 in 7 days (no value: skipped)
    assert (early["lab_stats__creatinine_last_24h"], early["lab_stats__creatinine_mean_24h"],
            early["lab_stats__creatinine_min_24h"], early["lab_stats__creatinine_max_24h"]) == (4.0, 3.0, 2.0, 4.0)
    assert (early["lab_stats__creatinine_last_7d"], early["lab_stats__creatinine_min_7d"],
            early["lab_stats__creatinine_max_7d"]) == (4.0, 1.0, 4.0)
    assert early["lab_stats__creatinine_mean_7d"] == pytest.approx(7.0 / 3.0)
    assert early["lab_stats__sodium_last_24h"] == 140.0 and early["lab_stats__sodium_mean_7d"] == 140.0
    assert early["lab_stats__potassium_last_7d"] is None and early["lab_stats__wbc_mean_24h"] is None
    # at discharge (9 days in) the 7-day window starts 48 hours after admission: only 8 (hour 49) remains
    assert late["lab_stats__creatinine_last_24h"] is None
    assert (late["lab_stats__creatinine_last_7d"], late["lab_stats__creatinine_mean_7d"]) == (8.0, 8.0)
    # diagnosis_ccs: January's heart failure (108); June's AKI (157) is known at discharge, and only
    # when the index time itself counts
    assert dict(early["diagnosis_ccs__ccs_all"]) == {"108": 1} == dict(early["diagnosis_ccs__ccs_365d"])
    assert early["diagnosis_ccs__ccs_30d"] is None
    june = {"157": 1} if inclusive else {}
    assert dict(late["diagnosis_ccs__ccs_30d"] or {}) == june
    assert dict(late["diagnosis_ccs__ccs_all"]) == {"108": 1, **june}
    # drug_classes: B01 by NDC and C07 through the GSN in the last 90 days; January's N02 is too old
    assert early["drug_classes__atc2_90d"] == ["B01", "C07"]
    assert dict(early["drug_classes__atc2_counts_90d"]) == {"B01": 1, "C07": 1}
    lake.close()


def test_without_a_visit_id_the_samples_own_visit_counts():
    lake = history_lake()
    samples = pa.table({"subject_id": [1], "index_time": pa.array([T + 9 * DAY], pa.timestamp("us"))})
    (row,) = lake.features.training_set(samples, ["prior_utilization"], dataset="toy").to_pylist()
    assert row["prior_utilization__admissions_365d"] == 2 and row["prior_utilization__icu_stays_365d"] == 2
    assert row["prior_utilization__days_since_discharge"] == 0.0
    lake.close()


def test_the_visit_key_belongs_to_window_views_and_changes_the_version():
    from medlake.errors import SqlFileError
    from medlake.featurestore import FeatureView

    args = {"name": "v", "entity": "subject", "sql": "SELECT subject_id, time, visit_id FROM events",
            "features": {"n": {"type": "BIGINT", "agg": "count"}}}
    with pytest.raises(SqlFileError, match="only a window view"):
        FeatureView(kind="latest", visit="visit_id", **{**args, "features": {"visit_id": "BIGINT"}})
    with pytest.raises(SqlFileError, match="no column 'stay'"):
        FeatureView(kind="window", visit="stay", **args)
    plain, own = FeatureView(kind="window", **args), FeatureView(kind="window", visit="visit_id", **args)
    assert plain.version != own.version and "visit" not in plain.spec()
    assert FeatureView.from_text(own.text()).visit == "visit_id"
