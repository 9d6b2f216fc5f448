"""Notes: ranked full-text search (BM25) against a scorer written here, and notes read only once available.

The hand-made notes go through a real MIMIC-IV (and MIMIC-III) load; the
expected ranking is computed here from the note texts with the textbook BM25
(Lucene's idf), independently of the SQL.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import ParameterError, UnknownNameError

# (note_id, charttime, storetime, text) of subject 10000032, admission 22595853
NOTES = [
    ("10000032-RR-1", "2180-05-06 21:19:00", "2180-05-06 23:00:00", "CHEST X-RAY: right lower lobe pneumonia."),
    ("10000032-RR-2", "2180-05-06 22:00:00", "", "Chest x-ray: no pneumonia, no effusion, no edema."),
    ("10000032-DS-1", "2180-05-07 00:00:00", "2180-05-07 15:00:00",
     "Sepsis from pneumonia; septic shock. Sepsis resolved, lactate normal."),
    ("10000032-DS-2", "2180-06-27 00:00:00", "2180-06-27 10:00:00",
     "Readmitted: ascites. Paracentesis. No sepsis. No pneumonia. Discharged home with follow-up in clinic."),
]
K1, B = 1.2, 0.75


def terms(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def bm25(query: str, docs: dict[str, str]) -> list[tuple[str, float]]:
    """(note, score) of the notes holding a query term, best first, by the textbook formula."""
    tokens = {k: terms(v) for k, v in docs.items()}
    avg = sum(len(t) for t in tokens.values()) / len(tokens)
    scores = Counter()
    for q in set(terms(query)):
        df = sum(q in t for t in tokens.values())
        idf = math.log(1 + (len(tokens) - df + 0.5) / (df + 0.5))
        for k, t in tokens.items():
            tf = t.count(q)
            if tf:
                scores[k] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(t) / avg))
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="") as f:
        f.write(text)


@pytest.fixture(scope="module")
def notes_lake(tmp_path_factory, mimic4_dir):
    src = tmp_path_factory.mktemp("notes") / "m4"
    (src / "hosp").mkdir(parents=True)
    for name in ("patients", "admissions"):
        shutil.copy(mimic4_dir / "hosp" / f"{name}.csv.gz", src / "hosp")
    for kind in ("discharge", "radiology"):
        lines = [f'{n},10000032,22595853,{n.split("-")[1]},1,{c},{s},"{t}"' for n, c, s, t in NOTES
                 if ("-DS-" in n) == (kind == "discharge")]
        write(src / "note" / f"{kind}.csv.gz",
              "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n" + "\n".join(lines) + "\n")
    path = src.parent / "lake.duckdb"
    with medlake.connect(path) as lake:
        lake.load("mimic4", src, tables=["discharge", "radiology"])
    lake = medlake.connect(path, read_only=True)
    yield lake, path
    lake.close()


def ranked(table) -> list[tuple[str, float]]:
    return [(r["text"], r["score"]) for r in table.to_pylist()]


def test_notes_get_ids_and_the_time_they_become_available(notes_lake):
    lake, _ = notes_lake
    got = lake.execute("SELECT note_id, time, available_time, category FROM mimic4.notes ORDER BY note_id")
    assert got == [
        (1, dt.datetime(2180, 5, 6, 21, 19), dt.datetime(2180, 5, 6, 23, 0), "RR"),
        (2, dt.datetime(2180, 5, 6, 22, 0), dt.datetime(2180, 5, 6, 22, 0), "RR"),   # no storetime: charttime
        (3, dt.datetime(2180, 5, 7), dt.datetime(2180, 5, 7, 15, 0), "DS"),
        (4, dt.datetime(2180, 6, 27), dt.datetime(2180, 6, 27, 10, 0), "DS"),
    ]
    # the index: one row per (term, note), with its count; note lengths in terms
    assert lake.execute("SELECT note_id, tf FROM mimic4.note_terms WHERE term = 'sepsis' ORDER BY note_id") == [
        (3, 2), (4, 1)]
    assert lake.execute("SELECT note_id, length FROM mimic4.note_docs ORDER BY note_id") == [
        (i + 1, len(terms(n[3]))) for i, n in enumerate(NOTES)]


@pytest.mark.parametrize("query", ["pneumonia", "sepsis pneumonia", "Pneumonia, SEPSIS!", "no pneumonia", "ascites"])
def test_ranking_equals_textbook_bm25(notes_lake, query):
    lake, _ = notes_lake
    texts = {n[3]: n[3] for n in NOTES}
    want = bm25(query, texts)
    got = ranked(lake.notes.search(query, "mimic4", limit=10))
    assert [t for t, _ in got] == [t for t, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-12)


def test_exact_order_of_a_search(notes_lake):
    lake, _ = notes_lake
    got = [r["note_id"] for r in lake.notes.search("sepsis pneumonia", "mimic4").to_pylist()]
    # both terms, sepsis twice; both terms once each in a long note; then pneumonia alone, the shorter
    # report first
    assert got == [3, 4, 1, 2]
    assert [r["note_id"] for r in lake.notes.search("sepsis pneumonia", "mimic4", limit=2).to_pylist()] == [3, 4]
    assert lake.notes.search("sepsis", "mimic4", category="RR").num_rows == 0
    assert lake.notes.search("zebra", "mimic4").num_rows == 0


def test_a_note_is_never_read_before_it_is_available(notes_lake):
    lake, _ = notes_lake
    # at noon on May 7th the first discharge summary is charted (midnight) but not stored (15:00)
    before = dt.datetime(2180, 5, 7, 12, 0)
    got = lake.notes.search("sepsis pneumonia", "mimic4", before=before)
    assert [r["note_id"] for r in got.to_pylist()] == [1, 2]
    # and the ranking's statistics count only the notes available then
    want = bm25("sepsis pneumonia", {n[3]: n[3] for n in NOTES[:2]})
    assert ranked(got) == [(t, pytest.approx(s, rel=1e-12)) for t, s in want]
    # strictly before: the note stored at 23:00 is not there at 23:00, and is a minute later
    assert [r["note_id"] for r in lake.notes.search("pneumonia", "mimic4", before="2180-05-06 23:00").to_pylist()] \
        == [2]
    assert [r["note_id"] for r in lake.notes.search("pneumonia", "mimic4", before="2180-05-06 23:01").to_pylist()] \
        == [1, 2]
    assert lake.notes.search("sepsis", "mimic4", before="2180-05-07 15:00").num_rows == 0


def test_mimic3_discharge_summary_dated_only_is_available_at_the_end_of_its_day(tmp_path, mimic3_dir):
    src = tmp_path / "m3"
    src.mkdir()
    for name in ("PATIENTS", "ADMISSIONS"):
        shutil.copy(mimic3_dir / f"{name}.csv.gz", src)
    write(src / "NOTEEVENTS.csv.gz",
          "row_id,subject_id,hadm_id,chartdate,charttime,storetime,category,description,cgid,iserror,text\n"
          "1,10006,142345,2164-10-25,,,Discharge summary,Report,,,sepsis resolved\n"
          "2,10006,142345,2164-10-24,2164-10-24 08:00:00,2164-10-24 09:30:00,Nursing,Generic,,,sepsis suspected\n")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("mimic3", src, tables=["noteevents"])
        assert lake.execute("SELECT note_id, time, available_time FROM mimic3.notes ORDER BY note_id") == [
            (1, dt.datetime(2164, 10, 24, 8), dt.datetime(2164, 10, 24, 9, 30)),
            (2, dt.datetime(2164, 10, 25), dt.datetime(2164, 10, 26))]
        late_on_the_day = dt.datetime(2164, 10, 25, 23, 59)
        assert [r["note_id"] for r in lake.notes.search("sepsis", "mimic3", before=late_on_the_day).to_pylist()] \
            == [1]


def test_bad_searches_are_named(notes_lake):
    lake, _ = notes_lake
    with pytest.raises(ParameterError, match="no words"):
        lake.notes.search(" ... ", "mimic4")
    with pytest.raises(UnknownNameError, match="unknown dataset 'nope'"):
        lake.notes.search("sepsis", "nope")
    with pytest.raises(ParameterError, match="not a date"):
        lake.notes.search("sepsis", "mimic4", before="yesterday")


def test_cli_search(notes_lake):
    _, path = notes_lake
    r = CliRunner().invoke(main, ["--db", str(path), "notes", "search", "sepsis pneumonia", "--dataset", "mimic4",
                                  "--before", "2180-05-07 12:00", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [n["note_id"] for n in json.loads(r.output)] == [1, 2]
    r = CliRunner().invoke(main, ["--db", str(path), "notes", "search", "--dataset", "mimic4", "..."])
    assert r.exit_code == 2
    assert "no words" in r.output
