"""OMOP variants of mortality, readmission, length_of_stay and los_gt_7d against a plain-Python
reading of the Eunomia GiBleed Parquet files (pyarrow only; no code shared with the task SQL).

GiBleed links few records to its visit_occurrence rows (one valid visit, no next visits, no
deaths), so most checks run on a copy of it ("enriched") that adds the visits its records name
but its visit_occurrence lacks, for every tenth person, and a death table for four subjects.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import medlake
from helpers import RECORDS, add_missing_visits, as_id, plus_years, table
from medlake.errors import UnknownNameError
from medlake.tasks import list_tasks

TASKS = ["mortality", "readmission", "length_of_stay", "los_gt_7d"]
DOMAINS = {"condition_occurrence": "conditions", "procedure_occurrence": "procedures", "drug_exposure": "drugs"}
ICD_VOCABS = {"ICD9CM", "ICD10CM", "ICD9PROC", "ICD10PCS"}  # the loader dots these; GiBleed's records use none

# -- reading the Parquet files ---------------------------------------------------------------------


def moment(datetime_value, date_value) -> dt.datetime | None:
    """A CDM time: the datetime column, else the date at midnight."""
    if datetime_value is not None:
        return datetime_value
    if date_value is not None:
        return dt.datetime.combine(date_value, dt.time())
    return None


def concept_codes(root: Path) -> dict[int, tuple[str, str]]:
    """concept_id -> (vocabulary as the loader spells it, concept_code)."""
    out = {}
    for c in table(root, "concept"):
        vocab = (c["vocabulary_id"] or "").strip().upper().replace(" ", "_")
        code = (c["concept_code"] or "").strip()
        if vocab and code:
            out[int(c["concept_id"])] = (vocab, code)
    return out


def ordered_visits(root: Path) -> dict[int, list[dict]]:
    """person -> visits in chronological order (start, end, id); visits without a start are left out."""
    by_person = defaultdict(list)
    for v in table(root, "visit_occurrence"):
        start = moment(v["visit_start_datetime"], v["visit_start_date"])
        if start is None:
            continue
        by_person[int(v["person_id"])].append({
            "id": int(v["visit_occurrence_id"]), "person": int(v["person_id"]), "start": start,
            "end": moment(v["visit_end_datetime"], v["visit_end_date"]),
        })
    far = dt.datetime.max
    for visits in by_person.values():
        visits.sort(key=lambda v: (v["start"], v["end"] or far, v["id"]))  # NULL ends sort last, as in DuckDB
    return by_person


def visit_code_lists(root: Path, visits: dict[int, dict],
                     keep_late: bool = False) -> tuple[dict[int, dict[str, list[str]]], int]:
    """(visit id -> domain -> distinct codes recorded in the visit by its end in first-seen order,
    number of records of a visit dated after its end, left out unless keep_late)."""
    concepts = concept_codes(root)
    seen = defaultdict(dict)  # (visit, domain) -> code -> earliest (time, record id)
    late = 0
    for name, (id_col, concept_col, time_col, date_col) in RECORDS.items():
        for r in table(root, name):
            concept = as_id(r[concept_col])
            visit = visits.get(as_id(r["visit_occurrence_id"]))
            time = moment(r[time_col], r[date_col])
            if not concept or visit is None or visit["person"] != int(r["person_id"]) or time is None:
                continue
            if visit["end"] is None or time > visit["end"]:
                late += 1  # recorded after the visit ended: not known at its end
                if not keep_late:
                    continue
            vocab, code = concepts.get(concept, ("OMOP", str(concept)))
            assert vocab not in ICD_VOCABS, (name, concept)
            key = (time, int(r[id_col]))
            codes = seen[(visit["id"], DOMAINS[name])]
            if code not in codes or key < codes[code]:
                codes[code] = key
    out = defaultdict(dict)
    for (visit, domain), codes in seen.items():
        out[visit][domain] = [c for c, _ in sorted(codes.items(), key=lambda kv: (kv[1], kv[0]))]
    return out, late


def deaths(root: Path) -> dict[int, dt.datetime]:
    out = {}
    for d in table(root, "death"):
        t = moment(d["death_datetime"], d["death_date"])
        p = int(d["person_id"])
        out[p] = min(t, out.get(p, t))
    return out


def births(root: Path) -> dict[int, dt.datetime]:
    out = {}
    for p in table(root, "person"):
        born = p["birth_datetime"] or dt.datetime(int(p["year_of_birth"]), int(p["month_of_birth"] or 1),
                                                  int(p["day_of_birth"] or 1))
        out[int(p["person_id"])] = born
    return out


def whole_days(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 86400)


@dataclass
class Cdm:
    """What the reference needs from one OMOP folder."""

    visits: dict[int, list[dict]]           # person -> ordered visits
    codes: dict[int, dict[str, list[str]]]  # visit -> domain -> codes
    late: int                               # records of a visit dated after its end
    deaths: dict[int, dt.datetime]
    births: dict[int, dt.datetime]


def read_cdm(root: Path, keep_late: bool = False) -> Cdm:
    by_person = ordered_visits(root)
    codes, late = visit_code_lists(root, {v["id"]: v for vs in by_person.values() for v in vs}, keep_late)
    return Cdm(by_person, codes, late, deaths(root), births(root))


def reference(cdm: Cdm, task: str, window_days: int = 15, anchor: str = "discharge",
              min_age: int | None = None, uncertain_order: str = "drop") -> dict[str, tuple]:
    """sample_id -> (label, conditions, procedures, drugs), following docs/tasks.md (OMOP)."""
    out = {}
    for person, visits in cdm.visits.items():
        for i, cur in enumerate(visits):
            inputs = tuple(cdm.codes.get(cur["id"], {}).get(d, []) for d in ("conditions", "procedures", "drugs"))
            if not all(inputs):
                continue
            nxt = visits[i + 1] if i + 1 < len(visits) else None
            if (task in ("mortality", "readmission") and nxt is not None and uncertain_order == "drop"
                    and nxt["start"] < cur["end"]):
                continue  # the next visit starts before this one ends: its order is uncertain
            if task == "mortality":
                if nxt is None:
                    continue
                death = cdm.deaths.get(person)
                label = int(death is not None and nxt["end"] is not None and death <= nxt["end"])
            elif task == "readmission":
                if nxt is None or (min_age is not None and plus_years(cdm.births[person], min_age) > cur["start"]):
                    continue
                since = cur["start"] if anchor == "admission" else cur["end"]
                label = int(nxt["start"] - since < dt.timedelta(days=window_days))
            else:
                days = whole_days(cur["end"] - cur["start"])
                if task == "los_gt_7d":
                    label = int(days > 7)
                else:
                    label = 0 if days < 1 else days if days <= 7 else 8 if days <= 14 else 9
            out[f"{person}-{cur['id']}"] = (label, *inputs)
    return out


def samples(lake, task: str, **params) -> dict[str, tuple]:
    rows = lake.task(task, dataset="omop", **params).to_arrow().to_pylist()
    return {r["sample_id"]: (r["label"], r["conditions"], r["procedures"], r["drugs"]) for r in rows}


# -- the enriched copy ----------------------------------------------------------------------------


def death_rows(cdm: Cdm) -> tuple[list[dict], set[str]]:
    """Deaths of four subjects that have exactly one mortality sample, and the samples that become
    positive: a death on the next visit's end date (positive: at its end), one on its start date
    (positive), one a day after its end (negative), and one whose death_datetime, an hour past the
    end, overrides a death_date equal to the end date (negative)."""
    by_subject = defaultdict(list)
    for sample_id in reference(cdm, "mortality"):
        by_subject[int(sample_id.split("-")[0])].append(sample_id)
    singles = sorted(s for s, ids in by_subject.items() if len(ids) == 1)[:4]
    assert len(singles) == 4
    rows, positive = [], set()
    for kind, person in zip(("at_end", "at_start", "day_after", "hour_after"), singles):
        sample_id = by_subject[person][0]
        visits = cdm.visits[person]
        nxt = visits[[v["id"] for v in visits].index(int(sample_id.split("-")[1])) + 1]
        date, when = {"at_end": (nxt["end"].date(), None), "at_start": (nxt["start"].date(), None),
                      "day_after": ((nxt["end"] + dt.timedelta(days=1)).date(), None),
                      "hour_after": (nxt["end"].date(), nxt["end"] + dt.timedelta(hours=1))}[kind]
        rows.append({"person_id": float(person), "death_date": date, "death_datetime": when,
                     "death_type_concept_id": 32817.0})
        if kind in ("at_end", "at_start"):
            positive.add(sample_id)
    return rows, positive


DEATH_SCHEMA = pa.schema([("person_id", pa.float64()), ("death_date", pa.date32()),
                          ("death_datetime", pa.timestamp("us")), ("death_type_concept_id", pa.float64())])


@pytest.fixture(scope="module")
def gibleed(omop_dir, omop_lake):
    """(reference data, lake) of GiBleed as it is."""
    return read_cdm(omop_dir), omop_lake


@pytest.fixture(scope="module")
def enriched(tmp_path_factory, omop_dir):
    """(reference data, lake, sample ids whose mortality label is 1, folder) of the enriched copy."""
    base = tmp_path_factory.mktemp("omop_enriched")
    root = base / "gibleed"
    shutil.copytree(omop_dir, root)
    for f in root.iterdir():
        f.chmod(0o644)
    add_missing_visits(root)
    cdm = read_cdm(root)
    rows, positive = death_rows(cdm)
    pq.write_table(pa.Table.from_pylist(rows, schema=DEATH_SCHEMA), root / "death.parquet")
    cdm.deaths = deaths(root)
    lake = medlake.connect(base / "lake.duckdb")
    lake.load("omop", root)
    yield cdm, lake, positive, root
    lake.close()


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", TASKS)
def test_gibleed_matches_reference(gibleed, task):
    cdm, lake = gibleed
    want = reference(cdm, task)
    assert samples(lake, task) == want
    assert not cdm.deaths and cdm.late > 0
    # one valid visit (person 2654, 1 day), and that person has no other visit
    if task in ("mortality", "readmission"):
        assert want == {}
    else:
        assert list(want) == ["2654-175747"] and want["2654-175747"][0] == int(task == "length_of_stay")


@pytest.mark.parametrize("task, params", [
    ("mortality", {}),
    ("mortality", {"uncertain_order": "keep"}),
    ("readmission", {}),
    ("readmission", {"uncertain_order": "keep"}),
    ("readmission", {"window_days": 365}),
    ("readmission", {"window_days": 30, "anchor": "admission", "min_age": 40}),
    ("length_of_stay", {}),
    ("los_gt_7d", {}),
])
def test_enriched_matches_reference(enriched, task, params):
    cdm, lake, _, _ = enriched
    want = reference(cdm, task, **params)
    got = samples(lake, task, **params)
    assert got == want
    labels = [v[0] for v in want.values()]
    assert len(want) > 100 and len(set(labels)) > 1
    if task == "length_of_stay":
        assert set(labels) == set(range(10)) and len(want) == 859


def test_enriched_mortality_labels_follow_deaths(enriched):
    _, lake, positive, _ = enriched
    got = samples(lake, "mortality")
    assert positive == {"80-5413", "110-7311"} and len(got) == 802
    assert {s for s, v in got.items() if v[0] == 1} == positive


def test_enriched_overlapping_next_visits_are_uncertain(enriched):
    """22 valid visits of the enriched copy have a next visit that starts before they end: dropped by default,
    kept (with the same labels) under uncertain_order=keep, and counted in the summary."""
    cdm, lake, _, _ = enriched
    kept = samples(lake, "mortality", uncertain_order="keep")
    dropped = sorted(set(kept) - set(samples(lake, "mortality")))
    assert len(kept) == 824 and len(dropped) == 22
    assert dropped[:3] == ["1100-72276", "1280-84550", "1510-100789"]
    for sample_id in dropped:
        person, visit = map(int, sample_id.split("-"))
        visits = cdm.visits[person]
        i = [v["id"] for v in visits].index(visit)
        assert visits[i + 1]["start"] < visits[i]["end"]
    assert lake.task("mortality", dataset="omop").summary()["dropped_uncertain_order"] == 22
    assert lake.task("readmission", dataset="omop").summary()["dropped_uncertain_order"] == 22
    assert "dropped_uncertain_order" not in lake.task("mortality", dataset="omop", uncertain_order="keep").summary()


def test_enriched_records_after_a_visit_end_are_not_inputs(enriched):
    cdm, lake, _, root = enriched
    with_late = reference(read_cdm(root, keep_late=True), "length_of_stay")
    got = samples(lake, "length_of_stay")
    assert cdm.late > 0 and got == reference(cdm, "length_of_stay") and got != with_late


def test_enriched_wider_window_readmits_more(enriched):
    _, lake, _, _ = enriched
    window = {k: v[0] for k, v in samples(lake, "readmission", window_days=365).items()}
    default = {k: v[0] for k, v in samples(lake, "readmission").items()}
    assert window.keys() == default.keys() and sum(window.values()) > sum(default.values())


def renumber_visits(root: Path, dst: Path) -> dict[int, int]:
    """Copy an OMOP folder, giving each person's visits (those with a start) the person's own
    visit_occurrence_ids largest first in time order, in every table that names a visit. Returns new -> old."""
    new = {}
    for visits in ordered_visits(root).values():
        for v, i in zip(visits, sorted((v["id"] for v in visits), reverse=True)):
            new[v["id"]] = i
    for path in root.glob("*.parquet"):
        t = pq.read_table(path)
        for col in ("visit_occurrence_id", "preceding_visit_occurrence_id"):
            if col in t.column_names:
                values = [None if x is None else float(new.get(int(x), int(x))) for x in t[col].to_pylist()]
                t = t.set_column(t.column_names.index(col), t.schema.field(col), pa.array(values, t[col].type))
        pq.write_table(t, dst / path.name)
    return {n: o for o, n in new.items()}


@pytest.fixture(scope="module")
def renumbered(enriched, tmp_path_factory):
    """(lake, new visit id -> old) of the enriched copy whose later visits have the smaller ids."""
    _, _, _, root = enriched
    base = tmp_path_factory.mktemp("omop_renumbered")
    (base / "gibleed").mkdir()
    back = renumber_visits(root, base / "gibleed")
    lake = medlake.connect(base / "lake.duckdb")
    lake.load("omop", base / "gibleed")
    yield lake, back
    lake.close()


@pytest.mark.parametrize("task, params", [
    ("mortality", {}),
    ("mortality", {"uncertain_order": "keep"}),
    ("readmission", {}),
    ("readmission", {"uncertain_order": "keep"}),
    ("length_of_stay", {}),
    ("los_gt_7d", {}),
])
def test_enriched_tasks_ignore_visit_ids(enriched, renumbered, task, params):
    """With every later visit holding the smaller visit_occurrence_id, the samples are those of the enriched copy."""
    _, lake, _, _ = enriched
    other, back = renumbered
    want = samples(lake, task, **params)
    got = {}
    for sample_id, value in samples(other, task, **params).items():
        person, visit = map(int, sample_id.split("-"))
        got[f"{person}-{back.get(visit, visit)}"] = value
    assert got == want and len(want) > 100
    ids = other.sql("SELECT subject_id, visit_id, start_time, end_time FROM omop.visits").to_pylist()
    by_person = defaultdict(list)
    for v in sorted(ids, key=lambda v: (v["start_time"], v["end_time"], -v["visit_id"])):
        by_person[v["subject_id"]].append(v["visit_id"])
    assert all(a > b for vs in by_person.values() for a, b in pairwise(vs))


@pytest.mark.parametrize("task", TASKS)
def test_omop_variants_do_not_leak(enriched, task):
    _, lake, _, _ = enriched
    report = lake.tasks.check(task, "omop")
    assert report.ok and report.compared == report.samples > 0 and not report.dropped
    assert report.retrospective == (task in ("length_of_stay", "los_gt_7d"))


@pytest.mark.parametrize("task", ["mortality", "readmission"])
def test_kept_uncertain_samples_do_not_leak(enriched, task):
    _, lake, _, _ = enriched
    report = lake.tasks.check(task, "omop", subjects=1000, uncertain_order="keep")
    assert report.ok and report.compared == report.samples == 824 and not report.dropped


def test_omop_support_is_declared(gibleed):
    _, gibleed_lake = gibleed
    specs = {s.name: s for s in list_tasks()}
    assert all("omop" in specs[t].datasets for t in TASKS)
    assert "omop" not in specs["drug_recommendation"].datasets
    with pytest.raises(UnknownNameError, match="does not support dataset 'omop'"):
        gibleed_lake.task("in_hospital_mortality_48h", dataset="omop")
