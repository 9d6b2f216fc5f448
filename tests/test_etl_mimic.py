"""MIMIC-III and MIMIC-IV loaders on the real demos.

Every expected number is computed here from the raw files with Python's csv
and gzip modules, never with the loader's SQL, so a wrong join, filter or
code format in the loader shows up as a mismatch.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest

import medlake
from medlake.errors import InputError


# -- reading the raw files independently ---------------------------------
def read_raw(path: Path) -> list[dict[str, str]]:
    """Rows of a .csv.gz as dicts keyed by lower-case column name."""
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        return [dict(zip(header, row)) for row in reader]


def ts(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def dotted(code: str, vocab: str) -> str:
    """ICD codes the way ICD users write them (MIMIC stores them without dots)."""
    code = code.strip().upper()
    width = {"ICD9CM": 4 if code.startswith("E") else 3, "ICD9PROC": 2, "ICD10CM": 3}.get(vocab)
    if width is None or len(code) <= width:
        return code
    return f"{code[:width]}.{code[width:]}"


class Raw:
    """The demo's raw tables, read once, with the expected canonical facts derived from them."""

    def __init__(self, directory: Path, version: int):
        self.version = version
        find = {p.name.lower().removesuffix(".csv.gz"): p for p in directory.rglob("*.csv.gz")}
        self.patients = read_raw(find["patients"])
        self.admissions = read_raw(find["admissions"])
        self.icustays = read_raw(find["icustays"])
        self.diagnoses = read_raw(find["diagnoses_icd"])
        self.procedures = read_raw(find["procedures_icd"])
        self.prescriptions = read_raw(find["prescriptions"])
        self.labevents = read_raw(find["labevents"])
        self.discharge = {int(a["hadm_id"]): ts(a["dischtime"]) for a in self.admissions}

    def icd_vocab(self, row: dict, diagnosis: bool) -> str:
        if self.version == 3:
            return "ICD9CM" if diagnosis else "ICD9PROC"
        nine = row["icd_version"] == "9"
        if diagnosis:
            return "ICD9CM" if nine else "ICD10CM"
        return "ICD9PROC" if nine else "ICD10PCS"

    def icd_events(self) -> Counter:
        """(vocab, code, visit_id, time) of every diagnosis and procedure."""
        col = "icd9_code" if self.version == 3 else "icd_code"
        out: Counter = Counter()
        for rows, diagnosis in ((self.diagnoses, True), (self.procedures, False)):
            for r in rows:
                if not r[col].strip() or int(r["hadm_id"]) not in self.discharge:
                    continue
                vocab = self.icd_vocab(r, diagnosis)
                out[(vocab, dotted(r[col], vocab), int(r["hadm_id"]), self.discharge[int(r["hadm_id"])])] += 1
        return out

    def ndc_rows(self) -> list[dict]:
        return [r for r in self.prescriptions if r["ndc"].strip() not in ("", "0")]

    def events_by_vocab(self) -> dict[str, int]:
        counts: Counter = Counter(k[0] for k in self.icd_events().elements())
        counts["NDC"] = len(self.ndc_rows())
        counts[f"MIMIC{self.version}_LAB"] = len(self.labevents)
        return dict(counts)

    def codes(self) -> Counter:
        """(vocab, code) -> number of events, over every source table."""
        out: Counter = Counter((v, c) for (v, c, _, _), n in self.icd_events().items() for _ in range(n))
        out.update(("NDC", r["ndc"].strip()) for r in self.ndc_rows())
        out.update((f"MIMIC{self.version}_LAB", r["itemid"]) for r in self.labevents)
        return out


@pytest.fixture(scope="module")
def raw3(mimic3_dir) -> Raw:
    return Raw(mimic3_dir, 3)


@pytest.fixture(scope="module")
def raw4(mimic4_dir) -> Raw:
    return Raw(mimic4_dir, 4)


def rows(lake, query: str, params=None) -> list[tuple]:
    return lake.execute(query, params)


FIRST = "('diagnoses_icd', 'procedures_icd', 'prescriptions', 'labevents')"


# -- counts --------------------------------------------------------------
@pytest.mark.parametrize("dataset, fixture, n_subjects, n_admissions, n_icu", [
    ("mimic3", "raw3", 100, 129, 136),
    ("mimic4", "raw4", 100, 275, 140),
])
def test_subjects_and_visits_match_the_raw_files(demo_lake, request, dataset, fixture, n_subjects, n_admissions, n_icu):
    raw: Raw = request.getfixturevalue(fixture)
    assert (len(raw.patients), len(raw.admissions), len(raw.icustays)) == (n_subjects, n_admissions, n_icu)
    subjects = {r[0] for r in rows(demo_lake, f"SELECT subject_id FROM {dataset}.subjects")}
    assert subjects == {int(p["subject_id"]) for p in raw.patients}
    kinds = dict(rows(demo_lake, f"SELECT kind, count(*) FROM {dataset}.visits "
                                 "WHERE kind IN ('inpatient', 'icu') GROUP BY kind"))
    assert kinds == {"inpatient": n_admissions, "icu": n_icu}
    stay_col = "icustay_id" if dataset == "mimic3" else "stay_id"
    parents = dict(rows(demo_lake, f"SELECT visit_id, parent_visit_id FROM {dataset}.visits WHERE kind = 'icu'"))
    assert parents == {int(s[stay_col]): int(s["hadm_id"]) for s in raw.icustays}
    died = {r[0] for r in rows(demo_lake, f"SELECT visit_id FROM {dataset}.visits WHERE kind = 'inpatient' AND died")}
    assert died == {int(a["hadm_id"]) for a in raw.admissions if a["hospital_expire_flag"] == "1"}


@pytest.mark.parametrize("dataset, fixture", [("mimic3", "raw3"), ("mimic4", "raw4")])
def test_events_by_vocab_and_code_match_the_raw_files(demo_lake, request, dataset, fixture):
    # the tables of the first loaders; the others are checked table by table in test_etl_mimic_tables.py
    raw: Raw = request.getfixturevalue(fixture)
    by_vocab = dict(rows(demo_lake, f"SELECT vocab, count(*) FROM {dataset}.events WHERE source IN {FIRST} "
                                    "GROUP BY vocab"))
    assert by_vocab == raw.events_by_vocab()
    codes = Counter({(v, c): n for v, c, n in rows(
        demo_lake, f"SELECT vocab, code, count(*) FROM {dataset}.events WHERE source IN {FIRST} "
                   "GROUP BY vocab, code")})
    assert codes == raw.codes()


def test_exact_event_counts_of_the_demos(demo_lake):
    # the numbers the raw-file computations arrive at, written out once so a change is visible
    m3 = dict(rows(demo_lake, "SELECT vocab, count(*) FROM mimic3.events GROUP BY vocab"))
    assert m3 == {"ICD9CM": 1761, "ICD9PROC": 506, "NDC": 8920, "MIMIC3_LAB": 76074,
                  "MIMIC3_INPUT": 34799 + 10314, "MIMIC3_OUTPUT": 11320, "MIMIC3_PROCEDURE": 727,
                  "MIMIC3_DATETIME": 15551, "MIMIC3_MICRO": 2003, "MIMIC3_CAREUNIT": 395, "MIMIC3_SERVICE": 163,
                  "CPT4": 1579, "DRG_APR": 168, "DRG_HCFA": 57, "DRG_MS": 72}
    m4 = dict(rows(demo_lake, "SELECT vocab, count(*) FROM mimic4.events GROUP BY vocab"))
    assert m4 == {"ICD9CM": 2193, "ICD10CM": 2313, "ICD9PROC": 401, "ICD10PCS": 321, "NDC": 15456,
                  "MIMIC4_LAB": 107727, "MIMIC4_INPUT": 20404, "MIMIC4_INGREDIENT": 25728, "MIMIC4_OUTPUT": 9362,
                  "MIMIC4_PROCEDURE": 1468, "MIMIC4_DATETIME": 15280, "MIMIC4_MICRO": 2899, "MIMIC4_EMAR": 34259,
                  "MIMIC4_PHARMACY": 14293, "MIMIC4_POE": 45154, "MIMIC4_OMR": 2964, "HCPCS": 61, "DRG_APR": 221,
                  "DRG_HCFA": 233, "MIMIC4_CAREUNIT": 915, "MIMIC4_SERVICE": 319}


@pytest.mark.parametrize("dataset, fixture", [("mimic3", "raw3"), ("mimic4", "raw4")])
def test_diagnoses_and_procedures_take_the_discharge_time(demo_lake, request, dataset, fixture):
    raw: Raw = request.getfixturevalue(fixture)
    got = Counter({(v, c, visit, t): n for v, c, visit, t, n in rows(demo_lake, f"""
        SELECT vocab, code, visit_id, time, count(*) FROM {dataset}.events
        WHERE source IN ('diagnoses_icd', 'procedures_icd') GROUP BY ALL""")})
    assert got == raw.icd_events()
    # and in the lake itself: every one sits at its admission's end
    off = rows(demo_lake, f"""
        SELECT count(*) FROM {dataset}.events e JOIN {dataset}.visits v ON v.visit_id = e.visit_id
        WHERE e.source IN ('diagnoses_icd', 'procedures_icd') AND e.time IS DISTINCT FROM v.end_time""")
    assert off == [(0,)]


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_events_are_stored_in_subject_time_order(demo_lake, dataset):
    order = rows(demo_lake, f"SELECT subject_id, time FROM {dataset}.events")
    keys = [(s, t is None, t or dt.datetime.min) for s, t in order]
    assert len(keys) > 80_000
    assert keys == sorted(keys)


def test_codes_are_dotted(demo_lake):
    got = {(v, c) for v, c in rows(demo_lake, """
        SELECT DISTINCT vocab, code FROM mimic3.events WHERE code IN ('428.0', 'E880.9', 'V45.81', '39.95')
        UNION SELECT DISTINCT vocab, code FROM mimic4.events WHERE code IN ('I50.9', '0BH17EZ', '401.9')""")}
    assert got == {("ICD9CM", "428.0"), ("ICD9CM", "E880.9"), ("ICD9CM", "V45.81"), ("ICD9PROC", "39.95"), ("ICD10CM", "I50.9"),
                   ("ICD10PCS", "0BH17EZ"), ("ICD9CM", "401.9")}
    undotted = rows(demo_lake, """
        SELECT count(*) FROM mimic4.events
        WHERE (vocab IN ('ICD9CM', 'ICD10CM') AND length(code) > 4 AND code NOT LIKE '%.%')
           OR (vocab = 'ICD10PCS' AND code LIKE '%.%')""")
    assert undotted == [(0,)]


# -- spot checks of single rows --------------------------------------------
def test_mimic3_known_admission(demo_lake):
    visit = rows(demo_lake, "SELECT subject_id, kind, start_time, end_time, died, discharge_location "
                            "FROM mimic3.visits WHERE visit_id = 105331")
    assert visit == [(10011, "inpatient", dt.datetime(2126, 8, 14, 22, 32), dt.datetime(2126, 8, 28, 18, 59),
                      True, "DEAD/EXPIRED")]
    icu = rows(demo_lake, "SELECT visit_id, start_time, died, parent_visit_id FROM mimic3.visits "
                          "WHERE parent_visit_id = 105331 AND kind = 'icu'")
    assert icu == [(232110, dt.datetime(2126, 8, 14, 22, 34), True, 105331)]
    subject = rows(demo_lake, "SELECT birth_time, sex, race, death_time FROM mimic3.subjects WHERE subject_id = 10011")
    assert subject == [(dt.datetime(2090, 6, 5), "F", "UNKNOWN/NOT SPECIFIED", dt.datetime(2126, 8, 28, 18, 59))]


def test_mimic4_known_admission(demo_lake):
    visit = rows(demo_lake, "SELECT subject_id, kind, start_time, end_time, died, discharge_location "
                            "FROM mimic4.visits WHERE visit_id = 22942076")
    assert visit == [(10006053, "inpatient", dt.datetime(2111, 11, 13, 23, 39), dt.datetime(2111, 11, 15, 17, 20),
                      True, "DIED")]
    # two ICU stays; the patient died (17:20) during the second, after the first had ended
    icu = rows(demo_lake, "SELECT visit_id, start_time, end_time, died FROM mimic4.visits "
                          "WHERE parent_visit_id = 22942076 AND kind = 'icu' ORDER BY start_time")
    assert icu == [(32895909, dt.datetime(2111, 11, 13, 23, 40), dt.datetime(2111, 11, 14, 0, 14, 10), False),
                   (34617352, dt.datetime(2111, 11, 14, 0, 19, 12), dt.datetime(2111, 11, 15, 18, 21, 10), True)]
    # birth from anchor_year 2111 - anchor_age 52; death from the admission's deathtime (dod is only a date)
    subject = rows(demo_lake, "SELECT birth_time, sex, race, death_time FROM mimic4.subjects WHERE subject_id = 10006053")
    assert subject == [(dt.datetime(2059, 1, 1), "M", "UNKNOWN", dt.datetime(2111, 11, 15, 17, 20))]
    first_dx = rows(demo_lake, "SELECT vocab, code, seq, time FROM mimic4.events WHERE visit_id = 22942076 "
                               "AND source = 'diagnoses_icd' ORDER BY seq LIMIT 1")
    assert first_dx[0][0] == "ICD9CM" and first_dx[0][3] == dt.datetime(2111, 11, 15, 17, 20)


def test_mimic4_birth_and_death_for_every_subject(demo_lake, raw4):
    deaths: dict[int, dt.datetime] = {}
    for a in raw4.admissions:
        if a["deathtime"]:
            sid = int(a["subject_id"])
            deaths[sid] = max(deaths.get(sid, dt.datetime.min), ts(a["deathtime"]))
    expected = {}
    for p in raw4.patients:
        sid = int(p["subject_id"])
        death = deaths.get(sid) or (dt.datetime.fromisoformat(p["dod"]) if p["dod"] else None)
        expected[sid] = (dt.datetime(int(p["anchor_year"]) - int(p["anchor_age"]), 1, 1), p["gender"], death)
    got = {r[0]: r[1:] for r in rows(demo_lake, "SELECT subject_id, birth_time, sex, death_time FROM mimic4.subjects")}
    assert got == expected


def test_mimic4_prescriptions_keep_ndc_time_and_first_gsn(demo_lake, raw4):
    expected = Counter((int(r["subject_id"]), r["ndc"], ts(r["starttime"]), ts(r["stoptime"]),
                        r["gsn"].split()[0] if r["gsn"].strip() else None) for r in raw4.ndc_rows())
    got = Counter({tuple(r[:-1]): r[-1] for r in rows(demo_lake, """
        SELECT subject_id, code, time, end_time, alt_code, count(*) FROM mimic4.events
        WHERE vocab = 'NDC' GROUP BY ALL""")})
    assert got == expected


def test_events_carry_the_admission_never_the_icu_stay(demo_lake):
    for dataset in ("mimic3", "mimic4"):
        wrong = rows(demo_lake, f"""SELECT count(*) FROM {dataset}.events e
            WHERE e.visit_id IN (SELECT visit_id FROM {dataset}.visits WHERE kind = 'icu')""")
        assert wrong == [(0,)]


# -- layouts and subsets ---------------------------------------------------
def _copy_flat_uppercase(src: Path, dst: Path, names: list[str]) -> None:
    """The given MIMIC-IV tables, flat, with upper-case file names and headers, uncompressed."""
    dst.mkdir()
    for name in names:
        path = next(src.rglob(f"{name}.csv.gz"))
        with gzip.open(path, "rt", newline="") as f:
            text = f.read()
        header, rest = text.split("\n", 1)
        (dst / f"{name.upper()}.CSV").write_text(header.upper() + "\n" + rest)


def test_mimic4_flat_folder_with_upper_case_names(tmp_path, mimic4_dir, raw4):
    _copy_flat_uppercase(mimic4_dir, tmp_path / "flat", ["patients", "admissions", "icustays", "diagnoses_icd"])
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("mimic4", tmp_path / "flat", tables=["icustays", "diagnoses_icd"])
        assert rows(lake, "SELECT count(*) FROM mimic4.subjects") == [(100,)]
        assert dict(rows(lake, "SELECT kind, count(*) FROM mimic4.visits GROUP BY kind")) == {"inpatient": 275,
                                                                                              "icu": 140}
        got = dict(rows(lake, "SELECT vocab, count(*) FROM mimic4.events GROUP BY vocab"))
        assert got == {k: v for k, v in raw4.events_by_vocab().items() if k in ("ICD9CM", "ICD10CM")}


def test_tables_subset_loads_only_those_and_leaves_the_rest_empty(tmp_path, mimic4_dir):
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        result = lake.load("mimic4", mimic4_dir, tables=["procedures_icd"])
        assert dict(rows(lake, "SELECT vocab, count(*) FROM mimic4.events GROUP BY vocab")) == {
            "ICD9PROC": 401, "ICD10PCS": 321}
        # patients and admissions are always loaded; the rest exist, typed and empty
        assert rows(lake, "SELECT kind, count(*) FROM mimic4.visits GROUP BY kind") == [("inpatient", 275)]
        for table in ("icustays", "labevents", "prescriptions", "diagnoses_icd", "d_labitems"):
            assert rows(lake, f"SELECT count(*) FROM mimic4_raw.{table}") == [(0,)]
        assert set(result.row_counts) == {"mimic4_raw.patients", "mimic4_raw.admissions",
                                          "mimic4_raw.procedures_icd", "mimic4.subjects", "mimic4.visits",
                                          "mimic4.events", "mimic4.notes"}
        assert result.absent == []  # every table asked for was there
        assert rows(lake, "SELECT data_type FROM duckdb_columns() WHERE schema_name = 'mimic4_raw' "
                          "AND table_name = 'labevents' AND column_name = 'charttime'") == [("TIMESTAMP",)]


def test_unknown_table_name_is_a_clear_error(tmp_path, mimic4_dir):
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        with pytest.raises(InputError) as err:
            lake.load("mimic4", mimic4_dir, tables=["patients", "vitals"])
        assert "unknown table 'vitals' for source mimic4" in str(err.value)
        assert "icustays" in str(err.value) and "labevents" in str(err.value)
        assert lake.datasets() == []


def test_optional_dictionaries_may_be_absent(tmp_path, mimic4_dir):
    src = tmp_path / "m4"
    shutil.copytree(mimic4_dir, src)
    for name in ("d_icd_diagnoses", "d_icd_procedures", "d_labitems"):
        (src / "hosp" / f"{name}.csv.gz").unlink()
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("mimic4", src, tables=["icustays"])
        assert rows(lake, "SELECT count(*) FROM mimic4_raw.d_labitems") == [(0,)]
        assert rows(lake, "SELECT count(*) FROM mimic4.visits") == [(415,)]


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_visit_ids_are_unique_and_ndc_codes_have_11_digits(demo_lake, dataset):
    # admissions and ICU stays share one id space in visits: their id ranges must not collide
    assert rows(demo_lake, f"SELECT count(*) - count(DISTINCT visit_id) FROM {dataset}.visits") == [(0,)]
    lengths = rows(demo_lake, f"SELECT DISTINCT length(code), regexp_full_match(code, '[0-9]+') "
                              f"FROM {dataset}.events WHERE vocab = 'NDC'")
    assert lengths == [(11, True)]


@pytest.mark.parametrize("tables", [None, ["chartevents", "noteevents", "outputevents"]])
def test_leaving_out_the_branches_of_empty_tables_changes_no_row(tmp_path, mimic3_dir, monkeypatch, tables):
    """The canonical SQL runs without the UNION ALL branches of raw tables the load left empty (CHARTEVENTS and
    NOTEEVENTS are absent from the demo; with --tables most are empty); every canonical table is the same."""
    import importlib

    from medlake.etl import canonical

    load = importlib.import_module("medlake.etl.load")

    def dump(lake):
        return {t: lake.execute(f"SELECT * FROM mimic3.{t}") for t in ("subjects", "visits", "events", "notes")}

    seen = []
    real = canonical._without_empty_branches
    monkeypatch.setattr(canonical, "_without_empty_branches", lambda *a: seen.append(a[2]) or real(*a))
    with medlake.connect(tmp_path / "pruned.duckdb") as lake:
        lake.load("mimic3", mimic3_dir, tables=tables)
        pruned = dump(lake)
    assert seen and {"chartevents", "noteevents"} <= seen[0]
    real_run = load.run_canonical
    monkeypatch.setattr(load, "run_canonical", lambda db, sql, schemas, rows, empty=frozenset(): real_run(
        db, sql, schemas, rows))
    with medlake.connect(tmp_path / "whole.duckdb") as lake:
        lake.load("mimic3", mimic3_dir, tables=tables)
        whole = dump(lake)
    assert pruned == whole
    assert len(pruned["events"]) > (100 if tables else 100_000)
