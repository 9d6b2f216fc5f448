"""The eICU tables beyond diagnosis, medication, treatment, lab, physical exam and admission diagnosis.

For each table the demo holds, its events (or notes) are computed here from
the raw file with gzip and csv on the loader's documented clock
(helpers.EicuRelease) and compared field by field with the lake's; each test
says which rows are dropped and why. Tables the demo lacks (vitalPeriodic,
nurseCharting, intakeOutput) are checked on small files written here.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

import medlake
from helpers import EicuRelease, rows
from medlake.cli import main

HOSPITAL = 10_000_000_000


@pytest.fixture(scope="module")
def release(eicu_dir) -> EicuRelease:
    return EicuRelease(eicu_dir)


def num(text: str) -> float | None:
    try:
        return float(text) if text.strip() and "_" not in text else None
    except ValueError:
        return None


def nz(text: str) -> str | None:
    return text if text != "" else None


def trimmed(text: str) -> str | None:
    return text.strip() or None


def lake_events(lake, source: str) -> Counter:
    return Counter(lake.execute("""
        SELECT vocab, code, visit_id, time, numeric_value, text_value, unit, alt_code, seq
        FROM eicu.events WHERE source = $source""", {"source": source}))


def charted(release: EicuRelease, r: dict, offset: str, vocab: str, code, seq: str, value=None, text=None,
            unit=None, alt=None) -> tuple:
    """An event of unit stay r['patientunitstayid'] at `offset` minutes after its admission."""
    u = release.units[int(r["patientunitstayid"])]
    return (vocab, code, HOSPITAL + u["hs"], u["start"] + dt.timedelta(minutes=int(r[offset])), value, text, unit,
            alt, int(r[seq]))


def test_vitalaperiodic_one_event_per_measure(eicu_lake, eicu_dir, release):
    # a row holds up to ten measures; each one charted is an event, empty cells are not
    measures = ("noninvasivesystolic", "noninvasivediastolic", "noninvasivemean", "paop", "cardiacoutput",
                "cardiacinput", "svr", "svri", "pvr", "pvri")
    raw = list(rows(eicu_dir / "vitalAperiodic.csv.gz"))
    expected = Counter(charted(release, r, "observationoffset", "EICU_VITAL", m, "vitalaperiodicid", num(r[m]))
                       for r in raw for m in measures if r[m].strip())
    assert len(raw) == 274088 and sum(expected.values()) == 774644
    assert lake_events(eicu_lake, "vitalaperiodic") == expected


def test_microlab(eicu_lake, eicu_dir, release):
    # code: the antibiotic, else the organism, else the culture site; an antibiotic's sensitivity is the text
    raw = list(rows(eicu_dir / "microLab.csv.gz"))

    def one(r):
        ab, org, site = (r[c].strip() for c in ("antibiotic", "organism", "culturesite"))
        return charted(release, r, "culturetakenoffset", "EICU_MICRO", ab or org or site, "microlabid",
                       text=trimmed(r["sensitivitylevel"]) if ab else None,
                       alt=(org or None) if ab else (site or None) if org else None)
    expected = Counter(one(r) for r in raw if any(r[c].strip() for c in ("antibiotic", "organism", "culturesite")))
    assert sum(expected.values()) == len(raw) == 342
    assert lake_events(eicu_lake, "microlab") == expected


def test_infusiondrug(eicu_lake, eicu_dir, release):
    # the rate is the value (text when it is not a number); the unit is the drug name's trailing (...)
    raw = list(rows(eicu_dir / "infusiondrug.csv.gz"))

    def one(r):
        unit = re.search(r"\(([^()]*)\)\s*$", r["drugname"])
        return charted(release, r, "infusionoffset", "EICU_INFUSION", r["drugname"].strip(), "infusiondrugid",
                       num(r["drugrate"]), None if num(r["drugrate"]) is not None else trimmed(r["drugrate"]),
                       unit.group(1) or None if unit else None)
    expected = Counter(one(r) for r in raw if r["drugname"].strip())
    assert sum(expected.values()) == len(raw) == 38256
    assert lake_events(eicu_lake, "infusiondrug") == expected


def test_admissiondrug_and_allergy(eicu_lake, eicu_dir, release):
    # coded like medication: the HICL number, else the upper-case drug or allergy name
    drugs = list(rows(eicu_dir / "admissiondrug.csv.gz"))
    expected = Counter(charted(release, r, "drugoffset", "EICU_ADMISSION_DRUG",
                               r["drughiclseqno"].strip() or r["drugname"].strip().upper(), "admissiondrugid",
                               num(r["drugdosage"]), nz(r["drugname"]), trimmed(r["drugunit"]))
                       for r in drugs if r["drughiclseqno"].strip() or r["drugname"].strip())
    assert sum(expected.values()) == len(drugs) == 7417
    assert lake_events(eicu_lake, "admissiondrug") == expected
    allergies = list(rows(eicu_dir / "allergy.csv.gz"))
    expected = Counter(charted(release, r, "allergyoffset", "EICU_ALLERGY",
                               r["drughiclseqno"].strip() or r["allergyname"].strip().upper(), "allergyid",
                               text=nz(r["allergyname"]))
                       for r in allergies if r["drughiclseqno"].strip() or r["allergyname"].strip())
    assert sum(expected.values()) == len(allergies) == 2475
    assert lake_events(eicu_lake, "allergy") == expected


def test_pasthistory_and_respiratorycharting(eicu_lake, eicu_dir, release):
    history = list(rows(eicu_dir / "pastHistory.csv.gz"))
    expected = Counter(charted(release, r, "pasthistoryoffset", "EICU_PAST_HISTORY", r["pasthistorypath"].strip(),
                               "pasthistoryid", text=nz(r["pasthistoryvaluetext"]))
                       for r in history if r["pasthistorypath"].strip())
    assert sum(expected.values()) == len(history) == 12109
    assert lake_events(eicu_lake, "pasthistory") == expected
    resp = list(rows(eicu_dir / "respiratoryCharting.csv.gz"))
    expected = Counter(charted(release, r, "respchartoffset", "EICU_RESP_CHART", r["respchartvaluelabel"].strip(),
                               "respchartid", num(r["respchartvalue"]),
                               None if num(r["respchartvalue"]) is not None else nz(r["respchartvalue"]))
                       for r in resp if r["respchartvaluelabel"].strip())
    assert sum(expected.values()) == len(resp) == 176089
    assert lake_events(eicu_lake, "respiratorycharting") == expected


def test_note_goes_to_notes_never_to_events(eicu_lake, eicu_dir, release):
    # dropped: note rows without text (232); the text is the note path, ': ', the charted text
    raw = list(rows(eicu_dir / "note.csv.gz"))
    kept = [r for r in raw if r["notetext"].strip()]
    assert (len(raw), len(kept)) == (24758, 24526)
    expected = Counter()
    for r in kept:
        u = release.units[int(r["patientunitstayid"])]
        expected[(u["subject"], HOSPITAL + u["hs"], u["start"] + dt.timedelta(minutes=int(r["noteoffset"])),
                  r["notetype"], f"{r['notepath']}: {r['notetext']}")] += 1
    got = Counter(eicu_lake.execute("SELECT subject_id, visit_id, time, category, text FROM eicu.notes"))
    assert got == expected
    assert eicu_lake.execute("SELECT count(*) FROM eicu.events WHERE source = 'note'") == [(0,)]


def write(path, text: str) -> None:
    with gzip.open(path, "wt", newline="") as f:
        f.write(text)


def test_tables_absent_from_the_demo(tmp_path, eicu_dir):
    src = tmp_path / "eicu"
    src.mkdir()
    shutil.copy(eicu_dir / "patient.csv.gz", src)
    unit = next(rows(eicu_dir / "patient.csv.gz"))["patientunitstayid"]
    write(src / "vitalPeriodic.csv.gz",
          "vitalperiodicid,patientunitstayid,observationoffset,temperature,sao2,heartrate,respiration,cvp,etco2,"
          "systemicsystolic,systemicdiastolic,systemicmean,pasystolic,padiastolic,pamean,st1,st2,st3,icp\n"
          f"1,{unit},5,,98,87,18,,,,,,,,,0.1,,,\n")  # four measures charted
    write(src / "nurseCharting.csv.gz",
          "nursingchartid,patientunitstayid,nursingchartoffset,nursingchartentryoffset,nursingchartcelltypecat,"
          "nursingchartcelltypevallabel,nursingchartcelltypevalname,nursingchartvalue\n"
          f"1,{unit},10,10,Vital Signs,Heart Rate,Heart Rate,88\n"
          f"2,{unit},10,10,Scores,GCS Total,Value,Unable to score due to medication\n")
    write(src / "intakeOutput.csv.gz",
          "intakeoutputid,patientunitstayid,intakeoutputoffset,intaketotal,outputtotal,dialysistotal,nettotal,"
          "intakeoutputentryoffset,cellpath,celllabel,cellvaluenumeric,cellvaluetext\n"
          f"1,{unit},60,100,0,0,100,60,flowsheet|Flowsheet Cell Labels|I&O|Intake (ml)|Oral,Oral,100,100\n")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        result = lake.load("eicu", src, tables=["vitalperiodic", "nursecharting", "intakeoutput", "lab"])
        assert result.absent == ["lab"]
        got = lake.execute("SELECT source, code, numeric_value, text_value FROM eicu.events ORDER BY source, code")
        assert got == [
            ("intakeoutput", "flowsheet|Flowsheet Cell Labels|I&O|Intake (ml)|Oral", 100.0, None),
            ("nursecharting", "Heart Rate", 88.0, None),
            ("nursecharting", "Value", None, "Unable to score due to medication"),
            ("vitalperiodic", "heartrate", 87.0, None), ("vitalperiodic", "respiration", 18.0, None),
            ("vitalperiodic", "sao2", 98.0, None), ("vitalperiodic", "st1", 0.1, None)]


def test_bad_input_in_a_new_table_names_file_line_and_column(tmp_path, eicu_dir):
    # exit 2, the file, line and column, and a lake left as it was (no dataset)
    src = tmp_path / "eicu"
    shutil.copytree(eicu_dir, src)
    with gzip.open(src / "allergy.csv.gz", "rt", newline="") as f:
        lines = f.read().split("\n")
    fields = lines[3].split(",")
    fields[2] = "later"  # allergyoffset
    lines[3] = ",".join(fields)
    write(src / "allergy.csv.gz", "\n".join(lines))
    lake_path = tmp_path / "lake.duckdb"
    result = CliRunner().invoke(main, ["load", "eicu", str(src), "--db", str(lake_path), "--silent"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"error: {src / 'allergy.csv.gz'}, line 4, column 'allergyoffset': "
                                     "value does not parse; value 'later'; expected a whole number")
    with medlake.connect(lake_path) as lake:
        assert lake.datasets() == []
