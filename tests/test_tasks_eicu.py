"""eICU mortality, readmission, length_of_stay and los_gt_7d against a plain-Python reading of the demo CSV files.

The reference reads patient.csv.gz (and diagnosis, treatment and medication for
the inputs) with csv + gzip and follows docs/tasks.md (eICU); it shares no code
with the task SQL. It places every stay on the loader's documented clock
(docs/etl-eicu-omop.md): a hospital stay starts on 1 January of its
hospitaldischargeyear at hospitaladmittime24, pushed by whole days past the
patient's earlier hospital stays of that year (by patienthealthsystemstayid); a
unit stay starts -hospitaladmitoffset minutes later and lasts
unitdischargeoffset minutes. A patient's unit stays follow that timeline (start,
end, id). The next unit stay of a sample is uncertain when it starts before the
sample's index time (the unit discharge), or when it belongs to another
hospital stay and this hospital stay or that one shares its
hospitaldischargeyear with another hospital stay of the patient.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest

from helpers import EicuRelease, distinct_in_order
from medlake.errors import ParameterError, UnknownNameError
from medlake.tasks import list_tasks

DOMAINS = ("conditions", "procedures", "drugs")


class Release(EicuRelease):
    """The demo's stays on the loader's clock, their outcomes, and the codes charted in each unit stay."""

    def __init__(self, root):
        super().__init__(root)
        self.inputs = {}
        for u in self.units.values():
            inside = [x for x in self.charted[u["hs"]] if u["start"] <= x[0] <= u["end"]]
            self.inputs[u["unit"]] = tuple(distinct_in_order(((t, s), c) for t, s, d, c, _ in inside if d == domain)
                                           for domain in DOMAINS)

        self.timeline = defaultdict(list)  # subject -> unit stays by (start, end, id)
        for u in sorted(self.units.values(), key=lambda u: (u["start"], u["end"], u["unit"])):
            self.timeline[u["subject"]].append(u)

    def pairs(self):
        """(unit stay, next unit stay) for every unit stay that has a next one in the timeline."""
        for stays in self.timeline.values():
            yield from pairwise(stays)

    def uncertain(self, cur, nxt) -> bool:
        if nxt["start"] < cur["end"]:
            return True
        return nxt["hs"] != cur["hs"] and not (self.alone[cur["hs"]] and self.alone[nxt["hs"]])

    def valid(self, u) -> bool:
        return all(self.inputs[u["unit"]])


def sample_id(u) -> str:
    return f"{u['subject']}-{u['unit']}"


def by_id_next(release: Release) -> dict[int, int]:
    """unit stay -> next unit stay when a patient's unit stays are ordered by hospital stay id, then unit visit
    number: an order by ids, which the tasks must not follow."""
    by_id = defaultdict(list)
    for u in sorted(release.units.values(), key=lambda u: (u["hs"], u["number"])):
        by_id[u["subject"]].append(u)
    return {c["unit"]: n["unit"] for us in by_id.values() for c, n in pairwise(us)}


def ref_next_stay(release: Release, task: str, uncertain_order: str = "drop") -> dict:
    """sample_id -> (index_time, label, conditions, procedures, drugs) of mortality or readmission."""
    out = {}
    for cur, nxt in release.pairs():
        if not release.valid(cur) or (uncertain_order == "drop" and release.uncertain(cur, nxt)):
            continue
        label = int(release.died[nxt["hs"]]) if task == "mortality" else int(nxt["hs"] == cur["hs"])
        out[sample_id(cur)] = (cur["end"], label, *release.inputs[cur["unit"]])
    return out


def ref_length_of_stay(release: Release, binary: bool) -> dict:
    out = {}
    for u in release.units.values():
        if not release.valid(u):
            continue
        days = u["udo"] // 1440
        label = int(days > 7) if binary else (0 if days < 1 else days if days <= 7 else 8 if days <= 14 else 9)
        out[sample_id(u)] = (u["end"], label, *release.inputs[u["unit"]])
    return out


def from_lake(lake, task: str, **params) -> dict:
    return {r["sample_id"]: (r["index_time"], r["label"], *(r[c] for c in DOMAINS))
            for r in lake.task(task, dataset="eicu", **params).to_arrow().to_pylist()}


@pytest.fixture(scope="module")
def release(eicu_dir):
    return Release(eicu_dir)


# -- the tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("task, uncertain_order, samples, positive", [
    ("mortality", "drop", 176, 19),
    ("mortality", "keep", 332, 27),
    ("readmission", "drop", 176, 163),
    ("readmission", "keep", 332, 163),
])
def test_next_stay_tasks_match_reference(eicu_lake, release, task, uncertain_order, samples, positive):
    want = ref_next_stay(release, task, uncertain_order)
    params = {} if uncertain_order == "drop" else {"uncertain_order": uncertain_order}
    assert from_lake(eicu_lake, task, **params) == want
    assert len(want) == samples and sum(v[1] for v in want.values()) == positive


@pytest.mark.parametrize("task", ["length_of_stay", "los_gt_7d"])
def test_length_of_stay_matches_reference(eicu_lake, release, task):
    want = ref_length_of_stay(release, binary=task == "los_gt_7d")
    assert from_lake(eicu_lake, task) == want
    labels = [v[1] for v in want.values()]
    assert len(want) == 1244
    if task == "los_gt_7d":
        assert sum(labels) == 77
    else:
        assert [labels.count(k) for k in range(10)] == [347, 352, 216, 110, 56, 37, 23, 26, 50, 27]
    report = eicu_lake.tasks.check(task, "eicu")
    assert report.ok and report.retrospective and report.compared == report.samples


def test_summary_counts_the_uncertain_samples(eicu_lake):
    for task in ("mortality", "readmission"):
        s = eicu_lake.task(task, dataset="eicu").summary()
        assert (s["samples"], s["dropped_uncertain_order"]) == (176, 156)
        assert "dropped_uncertain_order" not in eicu_lake.task(task, dataset="eicu", uncertain_order="keep").summary()


def test_timeline_agrees_with_the_release_where_it_speaks(release):
    """Consecutive unit stays of one hospital stay follow unitvisitnumber, and hospital stays follow their
    discharge year; no next stay starts before the one it follows ends. Ordering by hospital stay id, then
    unit visit number, would give another next stay for 100 of the 679 unit stays that have one: 40 of the
    221 patients with several hospital stays have hospital-stay ids out of year order."""
    pairs = list(release.pairs())
    assert len(pairs) == 679
    assert all(n["number"] > c["number"] for c, n in pairs if n["hs"] == c["hs"])
    assert all(release.year[n["hs"]] >= release.year[c["hs"]] for c, n in pairs)
    assert not any(n["start"] < c["end"] for c, n in pairs)
    id_next = by_id_next(release)
    time_next = {c["unit"]: n["unit"] for c, n in pairs}
    assert sum(id_next.get(k) != time_next.get(k) for k in id_next.keys() | time_next.keys()) == 100
    stays = defaultdict(set)
    for u in release.units.values():
        stays[u["subject"]].add(u["hs"])
    several = [sorted(s) for s in stays.values() if len(s) > 1]
    assert len(several) == 221
    assert sum(any(release.year[a] > release.year[b] for a, b in pairwise(s)) for s in several) == 40


def test_labels_follow_the_timeline_not_the_ids(eicu_lake, release):
    """Patient 040-10342's 2014 hospital stay (338172) has a larger id than the 2015 one (316739): its unit stay
    395323 has a next stay only in time, and it is certain (one stay per year). Patients 170-101737 and
    210-100987 have hospital stays that share a year: under keep, mortality labels follow the lake's timeline,
    where an order by ids would give others; drop leaves them out."""
    drop = {t: from_lake(eicu_lake, t) for t in ("mortality", "readmission")}
    keep = {t: from_lake(eicu_lake, t, uncertain_order="keep") for t in ("mortality", "readmission")}
    id_next = by_id_next(release)
    assert drop["mortality"]["40010342-395323"][1] == drop["readmission"]["40010342-395323"][1] == 0
    assert 395323 not in id_next
    uncertain = ["170101737-1605725", "170101737-1682793", "210100987-1981330"]
    assert [keep["mortality"][k][1] for k in uncertain] == [1, 0, 0]
    by_ids = [int(release.died[release.units[id_next[int(k.split("-")[1])]]["hs"]]) for k in uncertain]
    assert by_ids == [0, 1, 1]
    assert not set(uncertain) & set(drop["mortality"])
    # the certain samples whose next unit stay is in another hospital stay: none died there
    other_stay = sorted(k for k, v in drop["readmission"].items() if v[1] == 0)
    assert other_stay == ["120001066-1259283", "210100004-2199589", "220010093-2511125", "220100052-2461255",
                          "220100857-2374553", "250010428-2595334", "290010005-3003035", "300010990-3090122",
                          "30013187-281132", "350010028-3347501", "40010202-341782", "40010342-395323",
                          "70001004-964782"]
    assert all(drop["mortality"][k][1] == 0 for k in other_stay)


@pytest.mark.parametrize("uncertain_order", ["drop", "keep"])
def test_labels_come_from_a_stay_that_starts_after_the_index_time(eicu_lake, uncertain_order):
    """From the lake's own tables: every sample's next unit stay (visits by start, end, id) starts at or after
    the sample's index time, and the label is that stay's hospital outcome (mortality) or whether it is in
    the same hospital stay (readmission)."""
    visits = eicu_lake.sql("SELECT * FROM eicu.visits").to_pylist()
    hospital = {v["visit_id"]: v for v in visits if v["kind"] == "inpatient"}
    units = {v["visit_id"]: v for v in visits if v["kind"] == "icu"}
    timeline = defaultdict(list)
    for v in sorted(units.values(), key=lambda v: (v["start_time"], v["end_time"], v["visit_id"])):
        timeline[v["subject_id"]].append(v)
    following = {a["visit_id"]: b for us in timeline.values() for a, b in pairwise(us)}
    for task in ("mortality", "readmission"):
        rows_ = eicu_lake.task(task, dataset="eicu", uncertain_order=uncertain_order).to_arrow().to_pylist()
        assert len(rows_) == {"drop": 176, "keep": 332}[uncertain_order]
        for r in rows_:
            cur, nxt = units[r["visit_id"]], following[r["visit_id"]]
            assert r["index_time"] == cur["end_time"] <= nxt["start_time"], r["sample_id"]
            same = nxt["parent_visit_id"] == cur["parent_visit_id"]
            assert r["label"] == int(hospital[nxt["parent_visit_id"]]["died"] if task == "mortality" else same)


@pytest.mark.parametrize("task", ["mortality", "readmission"])
@pytest.mark.parametrize("uncertain_order", ["drop", "keep"])
def test_next_stay_tasks_do_not_leak(eicu_lake, task, uncertain_order):
    report = eicu_lake.tasks.check(task, "eicu", subjects=1000, uncertain_order=uncertain_order)
    assert report.ok and not report.dropped
    assert report.compared == report.samples == {"drop": 176, "keep": 332}[uncertain_order]


def test_eicu_support_is_declared(eicu_lake):
    specs = {s.name: s for s in list_tasks()}
    assert "eicu" in specs["mortality"].datasets and "eicu" not in specs["drug_recommendation"].datasets
    with pytest.raises(UnknownNameError, match="does not support dataset 'eicu'"):
        eicu_lake.task("drug_recommendation", dataset="eicu")
    with pytest.raises(ParameterError, match="no parameter 'window_days'"):
        eicu_lake.task("readmission", dataset="eicu", window_days=30)
    with pytest.raises(ParameterError, match="one of: drop, keep"):
        eicu_lake.task("readmission", dataset="eicu", uncertain_order="guess")
