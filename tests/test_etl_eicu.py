"""The eICU loader on the real demo: expected values are computed here from the raw CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from collections import Counter
from pathlib import Path

import pytest

from medlake.errors import InputError
from medlake.etl.sources.eicu import HOSPITAL_VISIT_OFFSET


def read_rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", newline="") as f:
        return list(csv.DictReader(f))


def subject_id_of(uniquepid: str) -> int:
    prefix, suffix = uniquepid.split("-")
    return int(prefix) * 10_000_000 + int(suffix)


def icd_vocab(code: str) -> str:
    if code[0].isdigit() or re.fullmatch(r"E\d{3}(\.\d?)?", code) or re.fullmatch(r"V\d{2}(\.\d{0,2})?", code):
        return "ICD9CM"
    return "ICD10CM"


@pytest.fixture(scope="module")
def raw(eicu_dir):
    return {name: read_rows(eicu_dir / f"{name}.csv.gz")
            for name in ("patient", "diagnosis", "medication", "treatment", "physicalExam", "admissionDx")}


@pytest.fixture()
def lake(eicu_lake):
    return eicu_lake


def rows(lake, query, params=None):
    return lake.execute(query, params)


def test_subjects_and_visits_match_the_patient_file(lake, raw):
    patients = raw["patient"]
    assert len(patients) == 2520
    assert len({p["uniquepid"] for p in patients}) == 1841
    assert rows(lake, "SELECT count(*) FROM eicu.subjects") == [(1841,)]
    assert {r[0] for r in rows(lake, "SELECT subject_id FROM eicu.subjects")} == \
        {subject_id_of(p["uniquepid"]) for p in patients}
    kinds = dict(rows(lake, "SELECT kind, count(*) FROM eicu.visits GROUP BY kind"))
    assert kinds == {"icu": 2520, "inpatient": len({p["patienthealthsystemstayid"] for p in patients})}
    assert kinds["inpatient"] == 2174


def test_visit_ids_of_the_two_kinds_cannot_collide(lake, raw):
    icu = {r[0] for r in rows(lake, "SELECT visit_id FROM eicu.visits WHERE kind = 'icu'")}
    hospital = {r[0] for r in rows(lake, "SELECT visit_id FROM eicu.visits WHERE kind = 'inpatient'")}
    assert icu == {int(p["patientunitstayid"]) for p in raw["patient"]}
    assert hospital == {HOSPITAL_VISIT_OFFSET + int(p["patienthealthsystemstayid"]) for p in raw["patient"]}
    assert min(hospital) > max(icu)
    parents = rows(lake, """SELECT count(*) FROM eicu.visits AS i JOIN eicu.visits AS h ON h.visit_id = i.parent_visit_id
                            WHERE i.kind = 'icu' AND h.kind = 'inpatient' AND h.subject_id = i.subject_id""")
    assert parents == [(2520,)]


def test_uniquepid_unit_visit_number_and_year_stay_reachable(lake):
    got = rows(lake, """SELECT s.uniquepid, s.subject_id, s.patientunitstayid, s.unitvisitnumber, s.hospitaldischargeyear,
                               s.hospital_visit_id
                        FROM eicu_raw.stays AS s WHERE s.uniquepid = '002-1039' ORDER BY s.unitvisitnumber""")
    assert got == [("002-1039", 20001039, 141765, 1, 2015, 10000129391),
                   ("002-1039", 20001039, 141764, 2, 2015, 10000129391)]
    assert rows(lake, "SELECT uniquepid, unitvisitnumber FROM eicu_raw.patient WHERE patientunitstayid = 141764") == \
        [("002-1039", 2)]


def test_times_are_anchored_at_the_hospital_admission(lake):
    # 002-1039: hospital admission 23:36 in 2015 (its only stay that year); unit 1 starts 8 minutes later
    # and lasts 2250 minutes; unit 2 starts 2258 minutes after the hospital admission; discharge at 366 min.
    visits = rows(lake, """SELECT visit_id, kind, start_time, end_time, parent_visit_id FROM eicu.visits
                           WHERE subject_id = 20001039 ORDER BY start_time, kind DESC""")
    assert visits == [
        (10000129391, "inpatient", dt.datetime(2015, 1, 1, 23, 36), dt.datetime(2015, 1, 3, 19, 20), None),
        (141765, "icu", dt.datetime(2015, 1, 1, 23, 44), dt.datetime(2015, 1, 3, 13, 14), 10000129391),
        (141764, "icu", dt.datetime(2015, 1, 3, 13, 14), dt.datetime(2015, 1, 3, 18, 58), 10000129391),
    ]


def test_every_unit_stay_sits_at_its_offset_and_hospital_stays_never_overlap(lake, raw):
    offsets = dict(rows(lake, """SELECT i.visit_id, CAST(date_diff('minute', h.start_time, i.start_time) AS INTEGER)
                                 FROM eicu.visits AS i JOIN eicu.visits AS h ON h.visit_id = i.parent_visit_id"""))
    assert offsets == {int(p["patientunitstayid"]): -int(p["hospitaladmitoffset"]) for p in raw["patient"]}
    overlaps = rows(lake, """SELECT count(*) FROM eicu.visits AS a JOIN eicu.visits AS b
                             ON a.subject_id = b.subject_id AND a.visit_id < b.visit_id
                             WHERE a.kind = 'inpatient' AND b.kind = 'inpatient'
                               AND a.start_time < b.end_time AND b.start_time < a.end_time""")
    assert overlaps == [(0,)]
    years = rows(lake, """SELECT count(*) FROM eicu.visits AS h JOIN eicu_raw.stays AS s ON s.hospital_visit_id = h.visit_id
                          WHERE year(h.start_time) <> s.hospitaldischargeyear""")
    assert years == [(0,)]


def test_died_follows_the_discharge_status(lake, raw):
    patients = raw["patient"]
    icu_died = {int(p["patientunitstayid"]) for p in patients if p["unitdischargestatus"] == "Expired"}
    hospital_died = {HOSPITAL_VISIT_OFFSET + int(p["patienthealthsystemstayid"]) for p in patients
                     if "Expired" in (p["unitdischargestatus"], p["hospitaldischargestatus"])}
    assert len(icu_died) == 126
    assert {r[0] for r in rows(lake, "SELECT visit_id FROM eicu.visits WHERE died AND kind = 'icu'")} == icu_died
    assert {r[0] for r in rows(lake, "SELECT visit_id FROM eicu.visits WHERE died AND kind = 'inpatient'")} == hospital_died
    dead = {subject_id_of(p["uniquepid"]) for p in patients
            if "Expired" in (p["unitdischargestatus"], p["hospitaldischargestatus"])}
    assert {r[0] for r in rows(lake, "SELECT subject_id FROM eicu.subjects WHERE death_time IS NOT NULL")} == dead


def test_events_by_source_and_vocab(lake, raw):
    expected = Counter()
    for d in raw["diagnosis"]:
        for part in d["icd9code"].split(","):
            if part.strip():
                expected["diagnosis", icd_vocab(part.strip().upper())] += 1
    expected["medication", "EICU_DRUG"] = sum(
        1 for m in raw["medication"]
        if m["drugordercancelled"] != "Yes" and (m["drughiclseqno"].strip() or m["drugname"].strip()))
    expected["treatment", "EICU_TREATMENT"] = len(raw["treatment"])
    expected["physicalexam", "EICU_PHYSICAL_EXAM"] = len(raw["physicalExam"])
    expected["admissiondx", "EICU_ADMISSION_DX"] = len(raw["admissionDx"])
    # the first tables the loader read; the others are checked table by table in test_etl_eicu_tables.py
    got = {(s, v): n for s, v, n in rows(lake, """
        SELECT source, vocab, count(*) FROM eicu.events
        WHERE source IN ('diagnosis', 'medication', 'treatment', 'physicalexam', 'admissiondx', 'lab')
        GROUP BY ALL""")}
    assert got == dict(expected)
    assert got["diagnosis", "ICD9CM"] == 21549 and got["diagnosis", "ICD10CM"] == 20586
    assert rows(lake, "SELECT count(*) FROM eicu_raw.lab") == [(0,)]  # the demo has no lab file


def test_diagnosis_cells_are_split_on_commas(lake):
    got = rows(lake, """SELECT vocab, code, text_value, time - v.start_time FROM eicu.events AS e
                        JOIN eicu.visits AS v ON v.visit_id = 346380
                        WHERE e.source = 'diagnosis' AND e.seq = 7607199 ORDER BY vocab""")
    text = "cardiovascular|ventricular disorders|hypertension"
    assert got == [("ICD10CM", "I10", text, dt.timedelta(minutes=5028)),
                   ("ICD9CM", "401.9", text, dt.timedelta(minutes=5028))]
    four = rows(lake, """SELECT list(vocab || ' ' || code ORDER BY vocab, code) FROM eicu.events
                         WHERE source = 'diagnosis' AND seq = (SELECT min(diagnosisid) FROM eicu_raw.diagnosis
                                                              WHERE icd9code = '427.81, 410.41, I21.19, R00.1')""")
    assert four == [(["ICD10CM I21.19", "ICD10CM R00.1", "ICD9CM 410.41", "ICD9CM 427.81"],)]
    e_and_v = dict(rows(lake, """SELECT code, vocab FROM eicu.events WHERE source = 'diagnosis'
                                 AND code IN ('E980.2', 'E87.2', 'V08', 'V62.84') GROUP BY ALL"""))
    assert e_and_v == {"E980.2": "ICD9CM", "E87.2": "ICD10CM", "V08": "ICD9CM", "V62.84": "ICD9CM"}


def test_event_rows_keep_their_values(lake):
    drug = rows(lake, """SELECT e.visit_id, e.code, e.text_value, e.numeric_value, e.time - v.start_time, e.end_time - v.start_time
                         FROM eicu.events AS e JOIN eicu.visits AS v ON v.visit_id = 141765
                         WHERE e.source = 'medication' AND e.seq = 7278819""")
    assert drug == [(10000129391, "2812", "WARFARIN SODIUM 5 MG PO TABS", 5.0,
                     dt.timedelta(minutes=1396), dt.timedelta(minutes=2739))]
    exam = rows(lake, """SELECT vocab, code, text_value FROM eicu.events WHERE source = 'physicalexam' AND seq = 5276232""")
    assert exam == [("EICU_PHYSICAL_EXAM",
                     "notes/Progress Notes/Physical Exam/Physical Exam Obtain Options/Performed - Structured",
                     "Performed - Structured")]


# -- small exports written from the demo ---------------------------------------------------------------------

FILES = ("patient", "diagnosis", "medication", "treatment", "physicalExam", "admissionDx")
KEEP = {"004-10202", "005-10903"}


def write_small_export(src: Path, dst: Path, patient_edit=None, lab_rows: list[dict] | None = None) -> Path:
    """The demo cut down to two patients (every table keeps rows), optionally with an edited patient row and a lab file."""
    dst.mkdir()
    units = set()
    for name in FILES:
        with gzip.open(src / f"{name}.csv.gz", "rt", newline="") as f:
            reader = csv.DictReader(f)
            header, kept = reader.fieldnames, []
            for row in reader:
                if name == "patient" and row["uniquepid"] in KEEP:
                    units.add(row["patientunitstayid"])
                    kept.append(row)
                elif name != "patient" and row["patientunitstayid"] in units:
                    kept.append(row)
        if name == "patient" and patient_edit:
            patient_edit(kept)
        with open(dst / f"{name}.csv", "w", newline="") as f:
            w = csv.DictWriter(f, header)
            w.writeheader()
            w.writerows(kept)
    if lab_rows:
        with open(dst / "lab.csv", "w", newline="") as f:
            w = csv.DictWriter(f, list(lab_rows[0]))
            w.writeheader()
            w.writerows(lab_rows)
    return dst


def test_lab_file_when_present_becomes_eicu_lab_events(fresh_lake, eicu_dir, tmp_path):
    lab = [{"labid": "1", "patientunitstayid": "341780", "labresultoffset": "30", "labtypeid": "1",
            "labname": "potassium", "labresult": "4.1", "labresulttext": "4.1", "labmeasurenamesystem": "mmol/L",
            "labmeasurenameinterface": "mmol/L", "labresultrevisedoffset": "40"}]
    folder = write_small_export(eicu_dir, tmp_path / "eicu", lab_rows=lab)
    fresh_lake.load("eicu", folder)
    got = rows(fresh_lake, """SELECT e.vocab, e.code, e.numeric_value, e.unit, e.time - v.start_time FROM eicu.events AS e
                              JOIN eicu.visits AS v ON v.visit_id = 341780 WHERE e.source = 'lab'""")
    assert got == [("EICU_LAB", "potassium", 4.1, "mmol/L", dt.timedelta(minutes=30))]
    assert rows(fresh_lake, "SELECT count(*) FROM eicu.subjects") == [(2,)]


def test_loading_twice_replaces(fresh_lake, eicu_dir, tmp_path):
    folder = write_small_export(eicu_dir, tmp_path / "eicu")
    first = fresh_lake.load("eicu", folder)
    second = fresh_lake.load("eicu", folder)
    assert second.replaced and not first.replaced
    assert second.row_counts == first.row_counts
    with open(folder / "patient.csv", newline="") as f:
        patients = list(csv.DictReader(f))
    assert first.row_counts["eicu.visits"] == len(patients) + len({p["patienthealthsystemstayid"] for p in patients})
    assert first.row_counts["eicu.subjects"] == 2
    assert rows(fresh_lake, "SELECT status FROM meta.loads WHERE dataset = 'eicu' ORDER BY load_id") == \
        [("replaced",), ("ok",)]


def test_a_uniquepid_that_cannot_become_an_id_is_an_input_error(fresh_lake, eicu_dir, tmp_path):
    def spoil(kept):
        kept[1]["uniquepid"] = "004-01202"  # a leading zero would make two texts share one id
    folder = write_small_export(eicu_dir, tmp_path / "eicu", patient_edit=spoil)
    with pytest.raises(InputError) as err:
        fresh_lake.load("eicu", folder)
    e = err.value
    assert (Path(e.path).name, e.line, e.column, e.value) == ("patient.csv", 3, "uniquepid", "004-01202")
    assert "002-34851" in e.expected
    assert fresh_lake.datasets() == [] and not fresh_lake.db.schema_exists("eicu_raw")


def test_a_non_integer_stay_id_is_an_input_error(fresh_lake, eicu_dir, tmp_path):
    def spoil(kept):
        kept[0]["patienthealthsystemstayid"] = "12x"
    folder = write_small_export(eicu_dir, tmp_path / "eicu", patient_edit=spoil)
    with pytest.raises(InputError) as err:
        fresh_lake.load("eicu", folder)
    assert (Path(err.value.path).name, err.value.column, err.value.value) == \
        ("patient.csv", "patienthealthsystemstayid", "12x")
