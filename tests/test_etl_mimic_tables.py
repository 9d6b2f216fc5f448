"""The MIMIC-III and MIMIC-IV tables beyond diagnoses, procedures, prescriptions and labs, on the real demos.

For each table the demo holds, the events it becomes are computed here from
the raw file with gzip and csv, by the rules of docs/etl.md, and compared
with the lake's events of that source field by field (vocab, code, visit,
time, end time, value, text, unit, second code). Each test says which rows
are dropped and why. Tables the demos lack (CHARTEVENTS, NOTEEVENTS, the
MIMIC-IV note and ed modules) are checked on small files written here.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import medlake
from helpers import rows
from medlake.cli import main

WARD = 10_000_000_000
SERVICE = 20_000_000_000
ED = 30_000_000_000


def nz(text: str) -> str | None:
    return text if text != "" else None


def ts(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text.strip() else None


def num(text: str) -> float | None:
    try:
        return float(text) if text.strip() and "_" not in text else None
    except ValueError:
        return None


def whole(text: str) -> int | None:
    return int(float(text)) if text.strip() else None


def trimmed(text: str) -> str | None:
    return text.strip() or None


def read(directory: Path, name: str) -> list[dict]:
    path = next(p for p in directory.rglob("*.csv.gz") if p.name.lower() == f"{name.lower()}.csv.gz")
    return list(rows(path))


def lake_events(lake, dataset: str, source: str) -> Counter:
    return Counter(lake.execute(f"""
        SELECT vocab, code, visit_id, time, end_time, numeric_value, text_value, unit, alt_code
        FROM {dataset}.events WHERE source = $source""", {"source": source}))


def event(vocab, code, visit, time, end=None, value=None, text=None, unit=None, alt=None) -> tuple:
    return (vocab, code, visit, time, end, value, text, unit, alt)


@pytest.fixture(scope="module")
def discharge3(mimic3_dir) -> dict[int, dt.datetime]:
    return {int(a["hadm_id"]): ts(a["dischtime"]) for a in read(mimic3_dir, "ADMISSIONS")}


@pytest.fixture(scope="module")
def discharge4(mimic4_dir) -> dict[int, dt.datetime]:
    return {int(a["hadm_id"]): ts(a["dischtime"]) for a in read(mimic4_dir, "admissions")}


# -- MIMIC-III ------------------------------------------------------------------------------------------------


def test_mimic3_inputevents_cv(demo_lake, mimic3_dir):
    # every row: the amount in its unit, or the rate in its unit when no amount was charted
    raw = read(mimic3_dir, "INPUTEVENTS_CV")
    expected = Counter(event("MIMIC3_INPUT", r["itemid"], whole(r["hadm_id"]), ts(r["charttime"]),
                             value=num(r["amount"]) if r["amount"] else num(r["rate"]),
                             unit=nz(r["amountuom"]) if r["amount"] else nz(r["rateuom"])) for r in raw)
    assert sum(expected.values()) == len(raw) == 34799
    assert lake_events(demo_lake, "mimic3", "inputevents_cv") == expected


def test_mimic3_inputevents_mv(demo_lake, mimic3_dir):
    # dropped: rows whose status is Rewritten (2,910): a later row holds the corrected order
    raw = read(mimic3_dir, "INPUTEVENTS_MV")
    kept = [r for r in raw if r["statusdescription"] != "Rewritten"]
    assert (len(raw), len(kept)) == (13224, 10314)
    expected = Counter(event("MIMIC3_INPUT", r["itemid"], whole(r["hadm_id"]), ts(r["starttime"]), ts(r["endtime"]),
                             num(r["amount"]), unit=nz(r["amountuom"])) for r in kept)
    assert lake_events(demo_lake, "mimic3", "inputevents_mv") == expected


def test_mimic3_outputevents(demo_lake, mimic3_dir):
    # dropped: rows with iserror = 1 (none in the demo)
    raw = read(mimic3_dir, "OUTPUTEVENTS")
    kept = [r for r in raw if r["iserror"] != "1"]
    assert len(kept) == len(raw) == 11320
    expected = Counter(event("MIMIC3_OUTPUT", r["itemid"], whole(r["hadm_id"]), ts(r["charttime"]),
                             value=num(r["value"]), unit=nz(r["valueuom"])) for r in kept)
    assert lake_events(demo_lake, "mimic3", "outputevents") == expected


def test_mimic3_procedureevents_mv(demo_lake, mimic3_dir):
    # dropped: Rewritten rows (26)
    raw = read(mimic3_dir, "PROCEDUREEVENTS_MV")
    kept = [r for r in raw if r["statusdescription"] != "Rewritten"]
    assert (len(raw), len(kept)) == (753, 727)
    expected = Counter(event("MIMIC3_PROCEDURE", r["itemid"], whole(r["hadm_id"]), ts(r["starttime"]),
                             ts(r["endtime"]), num(r["value"]), unit=nz(r["valueuom"])) for r in kept)
    assert lake_events(demo_lake, "mimic3", "procedureevents_mv") == expected


def test_mimic3_datetimeevents(demo_lake, mimic3_dir):
    # the charted date is the text value; dropped: rows with error = 1 (none in the demo)
    raw = read(mimic3_dir, "DATETIMEEVENTS")
    kept = [r for r in raw if r["error"] != "1"]
    assert len(kept) == len(raw) == 15551
    expected = Counter(event("MIMIC3_DATETIME", r["itemid"], whole(r["hadm_id"]), ts(r["charttime"]),
                             text=nz(r["value"]), unit=nz(r["valueuom"])) for r in kept)
    assert lake_events(demo_lake, "mimic3", "datetimeevents") == expected


def micro_event(vocab: str, r: dict, items: tuple[str, ...], names: tuple[str, ...], visit) -> tuple:
    """The most specific item of a microbiology row (antibiotic, organism, [test,] specimen) is its code;
    the text is the antibiotic's interpretation or the item's name; the second code is the next item."""
    present = [i for i, col in enumerate(items) if r[col].strip()]
    first = present[0]
    text = r["interpretation"] if first == 0 else r[names[first]]
    alt = whole(r[items[present[1]]]) if first < len(items) - 1 and len(present) > 1 else None
    return event(vocab, str(whole(r[items[first]])), visit, ts(r["charttime"]) or ts(r["chartdate"]),
                 value=num(r["dilution_value"]), text=nz(text), alt=None if alt is None else str(alt))


def test_mimic3_microbiologyevents(demo_lake, mimic3_dir):
    raw = read(mimic3_dir, "MICROBIOLOGYEVENTS")
    items, names = ("ab_itemid", "org_itemid", "spec_itemid"), ("ab_name", "org_name", "spec_type_desc")
    kept = [r for r in raw if any(r[c].strip() for c in items)]  # dropped: rows with no item (none)
    assert len(kept) == len(raw) == 2003
    expected = Counter(micro_event("MIMIC3_MICRO", r, items, names, whole(r["hadm_id"])) for r in kept)
    assert lake_events(demo_lake, "mimic3", "microbiologyevents") == expected


def test_mimic3_transfers_are_ward_visits_and_care_unit_events(demo_lake, mimic3_dir):
    # dropped: discharge rows (129), which mark the end of the admission rather than a stay
    raw = read(mimic3_dir, "TRANSFERS")
    kept = [r for r in raw if r["eventtype"] != "discharge"]
    assert (len(raw), len(kept)) == (524, 395)
    visits = {r[0]: r[1:] for r in rows_of(demo_lake, """
        SELECT visit_id, subject_id, start_time, end_time, parent_visit_id FROM mimic3.visits WHERE kind = 'ward'""")}
    assert visits == {WARD + int(r["row_id"]): (int(r["subject_id"]), ts(r["intime"]), ts(r["outtime"]),
                                               int(r["hadm_id"])) for r in kept}
    expected = Counter(event("MIMIC3_CAREUNIT", r["curr_careunit"].strip() or "WARD", int(r["hadm_id"]),
                             ts(r["intime"]), ts(r["outtime"]), text=nz(r["curr_wardid"])) for r in kept)
    assert lake_events(demo_lake, "mimic3", "transfers") == expected


def service_periods(raw: list[dict], discharge: dict, key) -> dict:
    """Each service row -> (subject, start, end, admission): it ends at the admission's next service or discharge."""
    by_admission = defaultdict(list)
    for r in raw:
        by_admission[int(r["hadm_id"])].append(r)
    out = {}
    for hadm, services in by_admission.items():
        services.sort(key=lambda r: (ts(r["transfertime"]), key(r)))
        for r, nxt in zip(services, services[1:] + [None]):
            end = ts(nxt["transfertime"]) if nxt else discharge.get(hadm)
            out[key(r)] = (int(r["subject_id"]), ts(r["transfertime"]), end, hadm)
    return out


def test_mimic3_services_are_visits_and_events(demo_lake, mimic3_dir, discharge3):
    raw = read(mimic3_dir, "SERVICES")
    assert len(raw) == 163
    periods = service_periods(raw, discharge3, key=lambda r: int(r["row_id"]))
    visits = {r[0]: r[1:] for r in rows_of(demo_lake, """
        SELECT visit_id, subject_id, start_time, end_time, parent_visit_id FROM mimic3.visits
        WHERE kind = 'service'""")}
    assert visits == {SERVICE + k: v for k, v in periods.items()}
    expected = Counter(event("MIMIC3_SERVICE", r["curr_service"], int(r["hadm_id"]), ts(r["transfertime"]),
                             text=nz(r["prev_service"])) for r in raw)
    assert lake_events(demo_lake, "mimic3", "services") == expected


def test_mimic3_cptevents(demo_lake, mimic3_dir, discharge3):
    # ICU rows have no date: they take the admission's discharge time, as diagnoses do
    raw = read(mimic3_dir, "CPTEVENTS")
    kept = [r for r in raw if r["cpt_cd"].strip() and int(r["hadm_id"]) in discharge3]
    assert len(kept) == len(raw) == 1579
    expected = Counter(event("CPT4", r["cpt_cd"].strip().upper(), int(r["hadm_id"]),
                             ts(r["chartdate"]) or discharge3[int(r["hadm_id"])], text=nz(r["description"]))
                       for r in kept)
    assert lake_events(demo_lake, "mimic3", "cptevents") == expected


def drg_events(raw: list[dict], discharge: dict) -> Counter:
    vocab = {"HCFA": "DRG_HCFA", "MS": "DRG_MS", "APR": "DRG_APR"}
    return Counter(event(vocab.get(r["drg_type"].strip().upper(), "DRG_OTHER"), r["drg_code"].strip(),
                         int(r["hadm_id"]), discharge[int(r["hadm_id"])], value=num(r["drg_severity"]),
                         text=nz(r["description"]))
                   for r in raw if r["drg_code"].strip() and int(r["hadm_id"]) in discharge)


def test_mimic3_drgcodes(demo_lake, mimic3_dir, discharge3):
    # the DRG type ('APR ' with its trailing space, HCFA, MS) picks the vocabulary; severity is the value
    raw = read(mimic3_dir, "DRGCODES")
    expected = drg_events(raw, discharge3)
    assert sum(expected.values()) == len(raw) == 297
    assert lake_events(demo_lake, "mimic3", "drgcodes") == expected


def rows_of(lake, query: str) -> list[tuple]:
    return lake.execute(query)


# -- MIMIC-IV -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table, vocab", [("inputevents", "MIMIC4_INPUT"), ("ingredientevents", "MIMIC4_INGREDIENT")])
def test_mimic4_infusions(demo_lake, mimic4_dir, table, vocab):
    # dropped: Rewritten rows (none in the demo)
    raw = read(mimic4_dir, table)
    kept = [r for r in raw if r["statusdescription"] != "Rewritten"]
    assert len(kept) == len(raw) == {"inputevents": 20404, "ingredientevents": 25728}[table]
    expected = Counter(event(vocab, r["itemid"], whole(r["hadm_id"]), ts(r["starttime"]), ts(r["endtime"]),
                             num(r["amount"]), unit=nz(r["amountuom"])) for r in kept)
    assert lake_events(demo_lake, "mimic4", table) == expected


def test_mimic4_outputevents_procedureevents_datetimeevents(demo_lake, mimic4_dir):
    out = read(mimic4_dir, "outputevents")
    assert lake_events(demo_lake, "mimic4", "outputevents") == Counter(
        event("MIMIC4_OUTPUT", r["itemid"], whole(r["hadm_id"]), ts(r["charttime"]), value=num(r["value"]),
              unit=nz(r["valueuom"])) for r in out)
    proc = [r for r in read(mimic4_dir, "procedureevents") if r["statusdescription"] != "Rewritten"]
    assert lake_events(demo_lake, "mimic4", "procedureevents") == Counter(
        event("MIMIC4_PROCEDURE", r["itemid"], whole(r["hadm_id"]), ts(r["starttime"]), ts(r["endtime"]),
              num(r["value"]), unit=nz(r["valueuom"])) for r in proc)
    dte = read(mimic4_dir, "datetimeevents")
    assert lake_events(demo_lake, "mimic4", "datetimeevents") == Counter(
        event("MIMIC4_DATETIME", r["itemid"], whole(r["hadm_id"]), ts(r["charttime"]), text=nz(r["value"]),
              unit=nz(r["valueuom"])) for r in dte)
    assert (len(out), len(proc), len(dte)) == (9362, 1468, 15280)


def test_mimic4_microbiologyevents(demo_lake, mimic4_dir):
    raw = read(mimic4_dir, "microbiologyevents")
    items = ("ab_itemid", "org_itemid", "test_itemid", "spec_itemid")
    names = ("ab_name", "org_name", "test_name", "spec_type_desc")
    assert all(r["test_itemid"].strip() for r in raw)  # so the specimen is never the code in the demo
    expected = Counter(micro_event("MIMIC4_MICRO", r, items, names, whole(r["hadm_id"])) for r in raw)
    assert sum(expected.values()) == 2899
    assert lake_events(demo_lake, "mimic4", "microbiologyevents") == expected


def test_mimic4_emar_pharmacy_poe(demo_lake, mimic4_dir):
    # dropped: eMAR rows without a medication (1,576) and pharmacy rows without one (1,013)
    emar = [r for r in read(mimic4_dir, "emar") if r["medication"].strip()]
    assert lake_events(demo_lake, "mimic4", "emar") == Counter(
        event("MIMIC4_EMAR", r["medication"].strip(), whole(r["hadm_id"]), ts(r["charttime"]),
              text=trimmed(r["event_txt"])) for r in emar)
    pharmacy = [r for r in read(mimic4_dir, "pharmacy") if r["medication"].strip()]
    assert lake_events(demo_lake, "mimic4", "pharmacy") == Counter(
        event("MIMIC4_PHARMACY", r["medication"].strip(), whole(r["hadm_id"]), ts(r["starttime"]),
              ts(r["stoptime"]), text=trimmed(r["status"])) for r in pharmacy)
    poe = read(mimic4_dir, "poe")
    assert lake_events(demo_lake, "mimic4", "poe") == Counter(
        event("MIMIC4_POE", r["order_type"].strip(), whole(r["hadm_id"]), ts(r["ordertime"]),
              text=trimmed(r["order_subtype"])) for r in poe)
    assert (len(emar), len(pharmacy), len(poe)) == (35835 - 1576, 15306 - 1013, 45154)


def test_mimic4_omr(demo_lake, mimic4_dir):
    # outpatient measurements: no visit; a number is the value, anything else (blood pressure 120/80) the text
    raw = read(mimic4_dir, "omr")
    expected = Counter(event("MIMIC4_OMR", r["result_name"].strip(), None, ts(r["chartdate"]),
                             value=num(r["result_value"]),
                             text=None if num(r["result_value"]) is not None else nz(r["result_value"])) for r in raw)
    assert sum(expected.values()) == 2964
    assert lake_events(demo_lake, "mimic4", "omr") == expected


def test_mimic4_hcpcs_and_drg(demo_lake, mimic4_dir, discharge4):
    raw = read(mimic4_dir, "hcpcsevents")
    expected = Counter(event("HCPCS", r["hcpcs_cd"].strip().upper(), int(r["hadm_id"]),
                             ts(r["chartdate"]) or discharge4[int(r["hadm_id"])], text=nz(r["short_description"]))
                       for r in raw if r["hcpcs_cd"].strip() and int(r["hadm_id"]) in discharge4)
    assert sum(expected.values()) == len(raw) == 61
    assert lake_events(demo_lake, "mimic4", "hcpcsevents") == expected
    drg = read(mimic4_dir, "drgcodes")
    assert sum(drg_events(drg, discharge4).values()) == len(drg) == 454
    assert lake_events(demo_lake, "mimic4", "drgcodes") == drg_events(drg, discharge4)


def test_mimic4_transfers_and_services(demo_lake, mimic4_dir, discharge4):
    # transfers: discharge rows (275) dropped; ED rows without an admission (54) are ward visits without a parent
    raw = [r for r in read(mimic4_dir, "transfers") if r["eventtype"] != "discharge"]
    assert len(raw) == 915 and sum(1 for r in raw if not r["hadm_id"]) == 54
    visits = {r[0]: r[1:] for r in rows_of(demo_lake, """
        SELECT visit_id, subject_id, start_time, end_time, parent_visit_id FROM mimic4.visits WHERE kind = 'ward'""")}
    assert visits == {WARD + int(r["transfer_id"]): (int(r["subject_id"]), ts(r["intime"]), ts(r["outtime"]),
                                                    whole(r["hadm_id"])) for r in raw}
    assert lake_events(demo_lake, "mimic4", "transfers") == Counter(
        event("MIMIC4_CAREUNIT", r["careunit"].strip() or "UNKNOWN", whole(r["hadm_id"]), ts(r["intime"]),
              ts(r["outtime"])) for r in raw)
    services = read(mimic4_dir, "services")
    periods = service_periods(services, discharge4, key=lambda r: (r["curr_service"], r["_line"]))
    got = sorted(r for r in rows_of(demo_lake, """
        SELECT subject_id, start_time, end_time, parent_visit_id FROM mimic4.visits WHERE kind = 'service'"""))
    assert got == sorted(periods.values()) and len(got) == 319
    assert lake_events(demo_lake, "mimic4", "services") == Counter(
        event("MIMIC4_SERVICE", r["curr_service"], int(r["hadm_id"]), ts(r["transfertime"]),
              text=nz(r["prev_service"])) for r in services)


def test_new_visit_kinds_have_unique_ids_and_known_parents(demo_lake):
    for dataset in ("mimic3", "mimic4"):
        assert rows_of(demo_lake, f"SELECT count(*) - count(DISTINCT visit_id) FROM {dataset}.visits") == [(0,)]
        orphans = rows_of(demo_lake, f"""SELECT count(*) FROM {dataset}.visits AS v WHERE v.parent_visit_id IS NOT NULL
            AND v.parent_visit_id NOT IN (SELECT visit_id FROM {dataset}.visits WHERE kind = 'inpatient')""")
        assert orphans == [(0,)]


# -- tables the demos lack, on files written here ---------------------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="") as f:
        f.write(text)


def test_mimic3_chartevents_and_noteevents(tmp_path, mimic3_dir):
    src = tmp_path / "m3"
    src.mkdir()
    for name in ("PATIENTS", "ADMISSIONS"):
        shutil.copy(mimic3_dir / f"{name}.csv.gz", src)
    write(src / "CHARTEVENTS.csv.gz",
          "row_id,subject_id,hadm_id,icustay_id,itemid,charttime,storetime,cgid,value,valuenum,valueuom,warning,"
          "error,resultstatus,stopped\n"
          "1,10006,142345,206504,211,2164-10-23 21:10:00,,,86,86,bpm,0,0,,\n"
          "2,10006,142345,206504,223991,2164-10-23 22:00:00,,,Rhonchi,,,0,0,,\n"
          "3,10006,142345,206504,211,2164-10-23 23:00:00,,,300,300,bpm,0,1,,\n")  # error = 1: dropped
    write(src / "NOTEEVENTS.csv.gz",
          "row_id,subject_id,hadm_id,chartdate,charttime,storetime,category,description,cgid,iserror,text\n"
          '1,10006,142345,2164-10-25,,,Discharge summary,Report,,,"Admission Date: ...\nplain, with a comma"\n'
          "2,10006,142345,2164-10-24,2164-10-24 08:00:00,,Nursing,Generic,,1,withdrawn\n")  # iserror = 1: dropped
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        result = lake.load("mimic3", src, tables=["chartevents", "noteevents"])
        assert result.absent == []
        got = lake.execute("SELECT code, visit_id, time, numeric_value, text_value, unit, seq FROM mimic3.events "
                           "WHERE source = 'chartevents' ORDER BY seq")
        assert got == [("211", 142345, dt.datetime(2164, 10, 23, 21, 10), 86.0, None, "bpm", 1),
                       ("223991", 142345, dt.datetime(2164, 10, 23, 22), None, "Rhonchi", None, 2)]
        assert lake.execute("SELECT DISTINCT vocab FROM mimic3.events") == [("MIMIC3_CHART",)]
        notes = lake.execute("SELECT subject_id, visit_id, time, category, text FROM mimic3.notes")
        assert notes == [(10006, 142345, dt.datetime(2164, 10, 25), "Discharge summary",
                          "Admission Date: ...\nplain, with a comma")]


def test_mimic4_note_and_ed_modules(tmp_path, mimic4_dir):
    src = tmp_path / "m4"
    for name in ("patients", "admissions"):
        (src / "hosp").mkdir(parents=True, exist_ok=True)
        shutil.copy(mimic4_dir / "hosp" / f"{name}.csv.gz", src / "hosp")
    write(src / "note" / "discharge.csv.gz",
          "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n"
          '10000032-DS-21,10000032,22595853,DS,21,2180-05-07 00:00:00,,"Name: ___\nDischarge"\n')
    write(src / "note" / "radiology.csv.gz",
          "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n"
          "10000032-RR-14,10000032,22595853,RR,14,2180-05-06 21:19:00,,CHEST X-RAY\n")
    write(src / "ed" / "edstays.csv.gz",
          "subject_id,hadm_id,stay_id,intime,outtime,gender,race,arrival_transport,disposition\n"
          "10000032,22595853,33258284,2180-05-06 19:17:00,2180-05-06 23:30:00,F,WHITE,AMBULANCE,ADMITTED\n"
          "10000032,,38112554,2180-06-26 15:54:00,2180-06-26 21:31:00,F,WHITE,WALK IN,EXPIRED\n")
    write(src / "ed" / "triage.csv.gz",
          "subject_id,stay_id,temperature,heartrate,resprate,o2sat,sbp,dbp,pain,acuity,chiefcomplaint\n"
          "10000032,33258284,97.8,87,14,97,71,43,7,2,Abd pain\n"
          "10000032,38112554,,,,,,,UTA,,\n")  # only pain, as text: one event
    write(src / "ed" / "vitalsign.csv.gz",
          "subject_id,stay_id,charttime,temperature,heartrate,resprate,o2sat,sbp,dbp,rhythm,pain\n"
          "10000032,33258284,2180-05-06 23:04:00,98.2,70,16,97,106,63,Sinus,0\n")
    write(src / "ed" / "diagnosis.csv.gz",
          "subject_id,stay_id,seq_num,icd_code,icd_version,icd_title\n"
          "10000032,33258284,1,4589,9,HYPOTENSION NOS\n10000032,38112554,1,R69,10,Illness\n")
    write(src / "ed" / "medrecon.csv.gz",
          "subject_id,stay_id,charttime,name,gsn,ndc,etc_rn,etccode,etcdescription\n"
          "10000032,33258284,2180-05-06 20:00:00,albuterol sulfate,28090,21695042308,1,5970,Asthma\n")
    write(src / "ed" / "pyxis.csv.gz",
          "subject_id,stay_id,charttime,med_rn,name,gsn_rn,gsn\n"
          "10000032,33258284,2180-05-06 20:30:00,1,Morphine,1,4138\n")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        modules = ["discharge", "radiology", "edstays", "ed_triage", "ed_vitalsign", "ed_diagnosis", "ed_medrecon",
                   "ed_pyxis"]
        result = lake.load("mimic4", src, tables=[*modules, "chartevents"])
        assert result.absent == ["chartevents"]  # asked for, not in the folder: loaded empty
        assert lake.execute("SELECT category, text FROM mimic4.notes ORDER BY time") == [
            ("RR", "CHEST X-RAY"), ("DS", "Name: ___\nDischarge")]
        assert lake.execute("SELECT visit_id, kind, start_time, died, discharge_location, parent_visit_id "
                            "FROM mimic4.visits WHERE kind = 'ed' ORDER BY visit_id") == [
            (ED + 33258284, "ed", dt.datetime(2180, 5, 6, 19, 17), False, "ADMITTED", 22595853),
            (ED + 38112554, "ed", dt.datetime(2180, 6, 26, 15, 54), True, "EXPIRED", None)]
        by_source = dict(lake.execute("SELECT source, count(*) FROM mimic4.events GROUP BY ALL"))
        # triage: 9 measures of the first stay, only pain of the second; vital signs: 8 measures
        assert by_source == {"ed_triage": 10, "ed_vitalsign": 8, "ed_diagnosis": 2, "ed_medrecon": 1,
                             "ed_pyxis": 1}
        pain = lake.execute("SELECT visit_id, numeric_value, text_value FROM mimic4.events "
                            "WHERE source = 'ed_triage' AND code = 'pain' ORDER BY visit_id")
        assert pain == [(ED + 33258284, 7.0, None), (ED + 38112554, None, "UTA")]
        dx = lake.execute("SELECT vocab, code, visit_id, time FROM mimic4.events WHERE source = 'ed_diagnosis' "
                          "ORDER BY code")
        assert dx == [("ICD9CM", "458.9", ED + 33258284, dt.datetime(2180, 5, 6, 23, 30)),
                      ("ICD10CM", "R69", ED + 38112554, dt.datetime(2180, 6, 26, 21, 31))]
        drugs = lake.execute("SELECT vocab, code, alt_code FROM mimic4.events "
                             "WHERE source IN ('ed_medrecon', 'ed_pyxis') ORDER BY vocab")
        assert drugs == [("MIMIC4_ED_MEDRECON", "albuterol sulfate", "28090"), ("MIMIC4_ED_PYXIS", "Morphine", "4138")]


def test_item_dictionaries_become_vocab_concepts(tmp_path, mimic3_dir, mimic4_dir):
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("mimic3", mimic3_dir, tables=["d_items", "d_labitems"])
        lake.load("mimic4", mimic4_dir, tables=["d_items", "d_labitems", "d_hcpcs", "microbiologyevents"])
        lake.codes.load(only=["atc_codes"])  # no file input needed: the dictionaries come from the lake
        assert lake.codes.lookup("MIMIC4_CHART", "220045")["name"] == "Heart Rate"
        assert lake.codes.lookup("MIMIC3_CHART", "211")["name"] == "Heart Rate"
        assert lake.codes.lookup("MIMIC3_LAB", "50971")["name"] == "Potassium"
        counts = dict(lake.execute("SELECT vocab, count(*) FROM vocab.concepts WHERE vocab LIKE 'MIMIC%' "
                                   "OR vocab = 'HCPCS' GROUP BY vocab"))
    d3 = Counter(r["linksto"] for r in read(mimic3_dir, "D_ITEMS"))
    d4 = Counter(r["linksto"] for r in read(mimic4_dir, "d_items"))
    micro4 = {r[c] for r in read(mimic4_dir, "microbiologyevents")
              for c in ("spec_itemid", "test_itemid", "org_itemid", "ab_itemid") if r[c]}
    assert counts == {
        "MIMIC3_CHART": d3["chartevents"], "MIMIC3_INPUT": d3["inputevents_cv"] + d3["inputevents_mv"],
        "MIMIC3_OUTPUT": d3["outputevents"], "MIMIC3_PROCEDURE": d3["procedureevents_mv"],
        "MIMIC3_DATETIME": d3["datetimeevents"], "MIMIC3_MICRO": d3["microbiologyevents"],
        "MIMIC3_LAB": len(read(mimic3_dir, "D_LABITEMS")),
        "MIMIC4_CHART": d4["chartevents"], "MIMIC4_INPUT": d4["inputevents"], "MIMIC4_OUTPUT": d4["outputevents"],
        "MIMIC4_PROCEDURE": d4["procedureevents"], "MIMIC4_DATETIME": d4["datetimeevents"],
        "MIMIC4_INGREDIENT": d4["ingredientevents"], "MIMIC4_MICRO": len(micro4),
        "MIMIC4_LAB": len(read(mimic4_dir, "d_labitems")), "HCPCS": len(read(mimic4_dir, "d_hcpcs"))}


# -- bad input and what a load says it did not find -------------------------------------------------------------


def break_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set `column` of file line `line` (1 = the header) of a .csv.gz whose cells hold no commas to `value`."""
    with gzip.open(path, "rt", newline="") as f:
        lines = f.read().split("\n")
    header = [h.strip('"').lower() for h in lines[0].split(",")]
    fields = lines[line - 1].split(",")
    fields[header.index(column)] = value
    lines[line - 1] = ",".join(fields)
    with gzip.open(path, "wt", newline="") as f:
        f.write("\n".join(lines))


@pytest.mark.parametrize("source, fixture, file, line, column, bad, expected", [
    ("mimic3", "mimic3_dir", "OUTPUTEVENTS.csv.gz", 7, "value", "12..5", "a number"),
    ("mimic4", "mimic4_dir", "hosp/transfers.csv.gz", 30, "intime", "yesterday", "a timestamp like 2150-01-31 13:45:00"),
])
def test_bad_input_in_a_new_table(request, tmp_path, source, fixture, file, line, column, bad, expected):
    src = tmp_path / source
    shutil.copytree(request.getfixturevalue(fixture), src)
    break_cell(src / file, line, column, bad)
    lake_path = tmp_path / "lake.duckdb"
    result = CliRunner().invoke(main, ["load", source, str(src), "--db", str(lake_path), "--silent"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"error: {src / file}, line {line}, column '{column}': value does not parse; "
                                     f"value '{bad}'; expected {expected}")
    with medlake.connect(lake_path) as lake:
        assert lake.datasets() == []


def test_the_load_names_the_known_tables_the_folder_lacks(tmp_path, mimic3_dir):
    result = CliRunner().invoke(main, ["load", "mimic3", str(mimic3_dir), "--db", str(tmp_path / "lake.duckdb"),
                                       "--silent"])
    assert result.exit_code == 0, result.output
    assert f"known tables not in {mimic3_dir} (loaded empty): chartevents, noteevents" in result.output
