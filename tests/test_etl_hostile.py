"""Hostile input for every EHR loader: each case breaks one small export one way and loads it over a lake
that already holds a clean load of it.

A refused load must exit 2 with one line naming the file, the line or column and the value, and leave
every table of the lake as it was. A load that goes through (extra or reordered columns, a byte-order
mark, orphans, ids below 1) must give the canonical tables the clean export gives, or report exactly
what it dropped. The exports are three subjects of each demo, so the whole matrix takes seconds.
(tests/test_etl_errors.py runs the same kinds of cases on the whole MIMIC-IV demo.)
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from helpers import (
    add_bom,
    assert_unchanged,
    change_delimiter,
    csv_subset,
    edit_csv_table,
    read_csv_table,
    snapshot,
    write_csv_table,
)
from medlake.cli import main

NOWHERE = "999999999"  # an id no export holds


@dataclass(frozen=True)
class Spec:
    """A small export of one loader, and the columns the cases break."""

    folder: str                      # the conftest fixture of the demo
    files: tuple[str, ...]           # files of the small export (a .parquet is written as .csv.gz)
    key: str                         # the column that picks the export's subjects
    tables: str                      # --tables
    parent: tuple[str, str]          # the subject table and its id (also its primary key)
    child: tuple[str, str]           # an event table and its subject key
    visit: tuple[str, str] | None    # an event table and its visit key
    time: tuple[str, str]            # a time column, and
    text: tuple[str, str]            # a text column of the same file
    pk: tuple[str, str]              # a table with a primary key
    bad_time: str                    # a foreign time format
    pk_text: str                     # a text column of the table with a primary key

    def raw(self, file: str) -> str:
        return Path(file).name.split(".")[0].lower()


SPECS = {
    "mimic3": Spec("mimic3_dir", ("PATIENTS.csv.gz", "ADMISSIONS.csv.gz", "DIAGNOSES_ICD.csv.gz"), "subject_id",
                   "diagnoses_icd", ("PATIENTS.csv.gz", "subject_id"), ("DIAGNOSES_ICD.csv.gz", "subject_id"),
                   ("DIAGNOSES_ICD.csv.gz", "hadm_id"), ("ADMISSIONS.csv.gz", "admittime"),
                   ("ADMISSIONS.csv.gz", "diagnosis"), ("PATIENTS.csv.gz", "subject_id"), "10/23/2164 9:09 PM", "gender"),
    "mimic4": Spec("mimic4_dir", ("hosp/patients.csv.gz", "hosp/admissions.csv.gz", "hosp/diagnoses_icd.csv.gz"),
                   "subject_id", "diagnoses_icd", ("hosp/patients.csv.gz", "subject_id"),
                   ("hosp/diagnoses_icd.csv.gz", "subject_id"), ("hosp/diagnoses_icd.csv.gz", "hadm_id"),
                   ("hosp/admissions.csv.gz", "admittime"), ("hosp/admissions.csv.gz", "admission_location"),
                   ("hosp/patients.csv.gz", "subject_id"), "24.02.2196 14:38", "anchor_year_group"),
    "eicu": Spec("eicu_dir", ("patient.csv.gz", "diagnosis.csv.gz"), "patientunitstayid", "diagnosis",
                 ("patient.csv.gz", "patientunitstayid"), ("diagnosis.csv.gz", "patientunitstayid"), None,
                 ("patient.csv.gz", "hospitaladmittime24"), ("patient.csv.gz", "apacheadmissiondx"),
                 ("diagnosis.csv.gz", "diagnosisid"), "11:36 PM", "diagnosisstring"),
    "omop": Spec("omop_dir", ("person.parquet", "visit_occurrence.parquet", "condition_occurrence.parquet"),
                 "person_id", "condition_occurrence", ("person.csv.gz", "person_id"),
                 ("condition_occurrence.csv.gz", "person_id"), ("condition_occurrence.csv.gz", "visit_occurrence_id"),
                 ("condition_occurrence.csv.gz", "condition_start_date"),
                 ("condition_occurrence.csv.gz", "condition_source_value"), ("person.csv.gz", "person_id"),
                 "3 Feb 2001", "person_source_value"),
}


def dataset_tables(snap: dict, dataset: str) -> dict:
    return {k: v for k, v in snap["tables"].items() if k.startswith(f"{dataset}.")}


@pytest.fixture(scope="module")
def exports(request, tmp_path_factory):
    """loader -> (small export folder, a lake holding a clean load of it, that lake's snapshot); made once."""
    made = {}

    def make(loader: str):
        if loader in made:
            return made[loader]
        spec = SPECS[loader]
        src = request.getfixturevalue(spec.folder)
        root = tmp_path_factory.mktemp(f"small_{loader}") / loader
        child_file = next(f for f in spec.files if spec.raw(f) == spec.raw(spec.child[0]))
        parent_file = next(f for f in spec.files if spec.raw(f) == spec.raw(spec.parent[0]))
        _, child_rows = read_small(src / child_file)
        parent_ids = {r[spec.key] for r in read_small(src / parent_file)[1]}
        visits = None
        if loader == "omop":  # GiBleed's records mostly name visits it lacks: keep those it has
            visits = {r["visit_occurrence_id"] for r in read_small(src / "visit_occurrence.parquet")[1]}
        keys: list[str] = []
        rows_kept = 0
        for r in child_rows:
            if r[spec.key] in parent_ids and (visits is None or r["visit_occurrence_id"] in visits):
                if r[spec.key] not in keys:
                    keys.append(r[spec.key])
                rows_kept += 1
            if len(keys) >= 3 and rows_kept >= 4:
                break
        for f in spec.files:
            dst = root / (f.replace(".parquet", ".csv.gz"))
            keep_visit = (lambda row: row["visit_occurrence_id"] in visits) if visits and "condition" in f else None
            csv_subset(src / f, dst, spec.key, set(keys), keep_visit)
        lake = root.parent / "clean.duckdb"
        result = CliRunner().invoke(main, ["--db", str(lake), "load", loader, str(root), "--tables", spec.tables,
                                           "--quiet"])
        assert result.exit_code == 0 and "warning" not in result.stderr, result.output
        made[loader] = (root, lake, snapshot(lake))
        return made[loader]

    return make


def read_small(path: Path) -> tuple[list[str], list[dict]]:
    """(header, rows as dicts with lower-case keys) of a demo table (CSV or Parquet; ids as whole numbers)."""
    if path.suffix == ".parquet":
        con = duckdb.connect()
        rows = con.sql(f"SELECT * FROM read_parquet('{path}')").to_arrow_table().to_pylist()
        con.close()
        fix = (lambda v: "" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        return list(rows[0]), [{k.lower(): fix(v) for k, v in r.items()} for r in rows]
    header, rows = read_csv_table(path)
    return header, [dict(zip([h.lower() for h in header], r)) for r in rows]


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Data row `row` (from 0) of a CSV gets `value` in `column`."""
    def edit(header, rows):
        rows[row][[h.lower() for h in header].index(column)] = value
        return header, rows
    edit_csv_table(path, edit)


@dataclass
class Case:
    """What the broken export must give: an error line (exact, or its start), or a load whose warnings are
    `warnings` and whose canonical tables equal the clean load's (when `same`)."""

    error: str | None = None
    error_starts: str | None = None
    warnings: tuple[str, ...] = ()
    same: bool = True
    options: tuple[str, ...] = ()
    then: object = None          # a check of the loaded lake (a function of its path)


def c_truncated_gzip(spec, root, ds):
    path = root / spec.child[0]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Case(error_starts=f"error: {path}: cannot read")


def c_empty_file(spec, root, ds):
    path = root / spec.child[0]
    with gzip.open(path, "wt") as f:
        f.write("")
    return Case(error=f"error: {path}, line 1: file is empty; expected a header row and at least one data row")


def c_header_only(spec, root, ds):
    path = root / spec.child[0]
    edit_csv_table(path, lambda header, rows: (header, []))
    return Case(error=f"error: {path}, line 2: file has a header but no data rows; expected at least one data row")


def c_missing_column(spec, root, ds):
    path, column = root / spec.child[0], spec.child[1]

    def edit(header, rows):
        i = [h.lower() for h in header].index(column)
        return header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows]
    edit_csv_table(path, edit)
    return Case(error_starts=f"error: {path}, column '{column}': missing required column; "
                             f"expected a column named {column} (found: ")


def c_extra_column(spec, root, ds):
    edit_csv_table(root / spec.child[0], lambda header, rows: ([*header, "extra"], [[*r, "x"] for r in rows]))
    return Case()


def c_reordered_columns(spec, root, ds):
    for f in (spec.child[0], spec.parent[0]):
        edit_csv_table(root / f, lambda header, rows: (header[::-1], [r[::-1] for r in rows]))
    return Case()


def c_wrong_delimiter(spec, root, ds):
    path = root / spec.child[0]
    change_delimiter(path, ";")
    return Case(error_starts=f"error: {path}, line 1: the delimiter looks wrong: the header is one column holding ';'; "
                             f"value '")


def c_quoted_newline(spec, root, ds):
    path, column = root / spec.text[0], spec.text[1]
    set_cell(path, 0, column, "first line\nsecond line")

    def check(lake):
        con = duckdb.connect(str(lake), read_only=True)
        got = con.execute(f'SELECT count(*) FROM {ds}_raw.{spec.raw(spec.text[0])} WHERE "{column}" = $v',
                          {"v": "first line\nsecond line"}).fetchone()[0]
        con.close()
        assert got == 1
    return Case(same=False, then=check)


def c_line_after_a_quoted_newline(spec, root, ds):
    path, column = root / spec.time[0], spec.time[1]
    set_cell(path, 0, spec.text[1], "first line\nsecond line")
    set_cell(path, 2, column, "2150-13-45")
    return Case(error_starts=f"error: {path}, line 5, column '{column}': value does not parse; value '2150-13-45'")


def c_latin1(spec, root, ds):
    path = root / spec.text[0]
    set_cell(path, 1, spec.text[1], "Caf\u00e9")
    header, rows = read_csv_table(path)
    write_csv_table(path, header, rows, encoding="latin-1")
    with gzip.open(path, "rb") as f:
        offset = f.read().index(b"\xe9")
    name = path.name
    return Case(error=f"error: {path}, line 3: not UTF-8 text: byte 0xE9 at byte offset {offset:,} of the "
                      f"uncompressed text; expected UTF-8 text; convert the file (zcat {name} | iconv -f latin1 "
                      f"-t utf-8 | gzip > utf8/{name}) or load it with --encoding latin-1")


def c_latin1_read_as_latin1(spec, root, ds):
    c_latin1(spec, root, ds)
    column = spec.text[1]

    def check(lake):
        con = duckdb.connect(str(lake), read_only=True)
        got = con.execute(f'SELECT count(*) FROM {ds}_raw.{spec.raw(spec.text[0])} WHERE "{column}" = $v',
                          {"v": "Caf\u00e9"}).fetchone()[0]
        con.close()
        assert got == 1
    return Case(options=("--encoding", "latin-1"), same=False, then=check)


def c_bom(spec, root, ds):
    for f in (spec.child[0], spec.parent[0]):
        add_bom(root / f)
    return Case()


def c_bad_timestamp(spec, root, ds):
    path, column = root / spec.time[0], spec.time[1]
    set_cell(path, 1, column, "2150-02-30 25:61:00")
    return Case(error_starts=f"error: {path}, line 3, column '{column}': value does not parse; "
                             f"value '2150-02-30 25:61:00'; expected ")


def c_foreign_timestamp(spec, root, ds):
    path, column = root / spec.time[0], spec.time[1]
    set_cell(path, 1, column, spec.bad_time)
    return Case(error_starts=f"error: {path}, line 3, column '{column}': value does not parse; "
                             f"value '{spec.bad_time}'; expected ")


def c_non_numeric_id(spec, root, ds):
    path, column = root / spec.child[0], spec.child[1]
    set_cell(path, 1, column, "12x")
    return Case(error=f"error: {path}, line 3, column '{column}': value does not parse; value '12x'; "
                      "expected an integer id")


def c_fractional_id(spec, root, ds):
    path, column = root / spec.child[0], spec.child[1]
    set_cell(path, 1, column, "12.5")
    return Case(error=f"error: {path}, line 3, column '{column}': value does not parse; value '12.5'; "
                      "expected an integer id")


def _id_below_one(spec, root, ds, value, strict):
    path, column = root / spec.parent[0], spec.parent[1]
    header, rows = read_csv_table(path)
    old = rows[0][[h.lower() for h in header].index(column)]
    children = {}  # raw table -> its rows of that subject (they lose their subject)
    for f in root.glob("**/*.csv.gz"):
        if f.name != path.name:
            children[spec.raw(f.name)] = sum(1 for r in read_small(f)[1] if r.get(spec.child[1]) == old)
    set_cell(path, 0, column, value)
    parent_table = spec.raw(spec.parent[0])
    if strict:
        return Case(options=("--strict",),
                    error=f"error: {path}, line 2, column '{column}': 1 row of {ds}_raw.{parent_table} holds a "
                          f"{column} below 1; value '{value}'; expected {column} of 1 or more (without --strict such "
                          "rows are counted and dropped)")
    orphans = tuple(f"warning: {ds}_raw.{table}: {n} {'row names' if n == 1 else 'rows name'} a {spec.child[1]} "
                    f"not in {Path(spec.parent[0]).name} (e.g. {old}): dropped"
                    for table, n in sorted(children.items()) if n)
    assert orphans
    return Case(same=False, warnings=(
        f"warning: {ds}_raw.{parent_table}: 1 row holds a {column} below 1 (e.g. {value}): dropped", *orphans))


def c_negative_id(spec, root, ds):
    return _id_below_one(spec, root, ds, "-7", strict=False)


def c_zero_id_strict(spec, root, ds):
    return _id_below_one(spec, root, ds, "0", strict=True)


def c_duplicate_key(spec, root, ds):
    path, column = root / spec.pk[0], spec.pk[1]
    header, rows = read_csv_table(path)
    edit_csv_table(path, lambda header, rows: (header, [*rows, rows[0]]))
    value = rows[0][[h.lower() for h in header].index(column)]
    return Case(error=f"error: {path}, line {len(rows) + 2}, column '{column}': duplicate primary key "
                      f"({column}={value}) appears 2 times; value '{value}'; expected each {column} once "
                      "(first seen on line 2)")


def c_missing_key(spec, root, ds):
    path, column = root / spec.pk[0], spec.pk[1]
    set_cell(path, 0, column, "")
    return Case(error=f"error: {path}, line 2, column '{column}': primary key missing (1 row without it); value ''; "
                      f"expected a {column} on every row")


def c_duplicate_key_after_a_quoted_newline(spec, root, ds):
    path, column = root / spec.pk[0], spec.pk[1]
    set_cell(path, 0, spec.pk_text, "first line\nsecond line")
    header, rows = read_csv_table(path)
    edit_csv_table(path, lambda header, rows: (header, [*rows, rows[0]]))
    value = rows[0][[h.lower() for h in header].index(column)]
    return Case(error=f"error: {path}, line {len(rows) + 3}, column '{column}': duplicate primary key "
                      f"({column}={value}) appears 2 times; value '{value}'; expected each {column} once "
                      "(first seen on line 2)")


def _orphan_subject(spec, root, ds, strict):
    path, column = root / spec.child[0], spec.child[1]
    set_cell(path, 0, column, NOWHERE)
    table = spec.raw(spec.child[0])
    if strict:
        return Case(options=("--strict",), error_starts=(
            f"error: {path}, line 2, column '{column}': 1 row of {ds}_raw.{table} names a {column} that does not "
            f"exist; value '{NOWHERE}'; expected a {column} that {Path(spec.parent[0]).name} holds"))

    def check(lake):
        con = duckdb.connect(str(lake), read_only=True)
        issues = con.execute("SELECT table_name, column_name, reason, action, rows, example FROM meta.load_issues "
                             "WHERE load_id = (SELECT max(load_id) FROM meta.loads)").fetchall()
        raw_rows = con.execute(f"SELECT count(*) FROM {ds}_raw.{table}").fetchone()[0]
        con.close()
        assert issues == [(f"{ds}_raw.{table}", column, "unknown subject", "dropped", 1, NOWHERE)]
        assert raw_rows == len(read_csv_table(path)[1]) - 1
    return Case(same=False, then=check, warnings=(
        f"warning: {ds}_raw.{table}: 1 row names a {column} not in {Path(spec.parent[0]).name} (e.g. {NOWHERE}): "
        "dropped",))


def c_orphan_subject(spec, root, ds):
    return _orphan_subject(spec, root, ds, strict=False)


def c_orphan_subject_strict(spec, root, ds):
    return _orphan_subject(spec, root, ds, strict=True)


def c_orphan_visit(spec, root, ds):
    path, column = root / spec.visit[0], spec.visit[1]
    set_cell(path, 0, column, NOWHERE)
    source = spec.raw(spec.visit[0])

    def check(lake):
        con = duckdb.connect(str(lake), read_only=True)
        issues = con.execute("SELECT table_name, source, column_name, reason, action, rows FROM meta.load_issues "
                             "WHERE load_id = (SELECT max(load_id) FROM meta.loads)").fetchall()
        con.close()
        assert issues == [(f"{ds}.events", source, "visit_id", "unknown visit", "link removed", 1)]
    return Case(same=False, then=check, warnings=(
        f"warning: {ds}.events ({source}): 1 row names a visit_id not in visits (e.g. {NOWHERE}): kept without the "
        "visit_id",))


def c_ten_megabyte_field(spec, root, ds):
    path = root / spec.text[0]
    set_cell(path, 1, spec.text[1], "x" * 10_000_000)
    return Case(error_starts=f"error: {path}, line 3: a row longer than DuckDB's limit of 2,097,152 bytes; value '")


CASES = {name[2:]: f for name, f in dict(globals()).items() if name.startswith("c_")}
MATRIX = [(loader, case) for loader in SPECS for case in CASES
          if not (case == "orphan_visit" and SPECS[loader].visit is None)]


@pytest.mark.parametrize(("loader", "case"), MATRIX, ids=[f"{a}-{b}" for a, b in MATRIX])
def test_hostile_input(exports, tmp_path, loader, case):
    spec = SPECS[loader]
    clean_root, clean_lake, clean = exports(loader)
    root = tmp_path / loader
    shutil.copytree(clean_root, root)
    lake = tmp_path / "lake.duckdb"
    shutil.copyfile(clean_lake, lake)
    expect: Case = CASES[case](spec, root, loader)
    result = CliRunner().invoke(main, ["--db", str(lake), "load", loader, str(root), "--tables", spec.tables,
                                       "--quiet", *expect.options])
    assert "Traceback" not in result.output and isinstance(result.exception, (SystemExit, type(None))), result.output
    if expect.error or expect.error_starts:
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and len(lines[0]) < 1000, result.stderr[:2000]
        if expect.error:
            assert lines[0] == expect.error
        else:
            assert lines[0].startswith(expect.error_starts), lines[0]
        assert_unchanged(lake, clean)
        return
    assert result.exit_code == 0, result.output
    warnings = tuple(line for line in result.stderr.splitlines() if line.startswith("warning: "))
    if expect.warnings or not expect.then:
        assert warnings == expect.warnings
    if expect.same:
        got = snapshot(lake)
        for name, table in dataset_tables(clean, loader).items():
            assert got["tables"][name].equals(table), f"{name} differs from the clean load's"
    if expect.then:
        expect.then(lake)


# -- MEDS: the integrity rules and a broken shard ----------------------------------------------------

T0 = "2030-01-01 00:00:00"


def meds_folder(root: Path, extra: list[tuple]) -> Path:
    """A small MEDS dataset: subject 1 with an inpatient visit and a diagnosis in it, subject 2 with a
    diagnosis outside any visit, plus `extra` rows (subject_id, time, code, visit_id)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [(1, None, "MEDS_BIRTH", None), (1, T0, "VISIT//INPATIENT//START", 10),
            (1, "2030-01-03 00:00:00", "VISIT//INPATIENT//END", 10), (1, "2030-01-02 00:00:00", "ICD10CM//I10", 10),
            (2, T0, "ICD10CM//E11", None), *extra]
    (root / "data").mkdir(parents=True)
    table = pa.table({"subject_id": pa.array([r[0] for r in rows], pa.int64()),
                      "time": pa.array([r[1] for r in rows], pa.string()).cast(pa.timestamp("us")),
                      "code": [r[2] for r in rows],
                      "visit_id": pa.array([r[3] for r in rows], pa.int64())})
    pq.write_table(table, root / "data" / "0.parquet")
    return root


@pytest.fixture(scope="module")
def meds_lake(tmp_path_factory):
    """A lake holding a clean load of the small MEDS dataset, and its snapshot."""
    root = tmp_path_factory.mktemp("meds")
    lake = root / "lake.duckdb"
    result = CliRunner().invoke(main, ["--db", str(lake), "load", "meds", str(meds_folder(root / "clean", [])),
                                       "--quiet"])
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    return lake, snapshot(lake)


@pytest.mark.parametrize(("extra", "strict", "expected"), [
    ([(2, T0, "ICD10CM//J45", 99)], False,
     ["warning: meds.events (meds): 1 row names a visit_id not in visits (e.g. 99): kept without the visit_id"]),
    ([(-3, T0, "ICD10CM//J45", None)], False,
     ["warning: meds_raw.data: 1 row holds a subject_id below 1 (e.g. -3): dropped"]),
    ([(0, T0, "ICD10CM//J45", None)], True,
     ["error: {data}, column 'subject_id': 1 row of meds_raw.data holds a subject_id below 1; value '0'; "
      "expected subject_id of 1 or more (without --strict such rows are counted and dropped)"]),
    ([(2, T0, "ICD10CM//J45", 99)], True,
     ["error: meds.events, column 'visit_id': 1 row of meds.events (meds) names a visit_id that does not exist; value '99'; "
      "expected a visit_id that visits holds (without --strict such rows are counted and kept without the link)"]),
])
def test_meds_rows_of_no_subject_or_visit(meds_lake, tmp_path, extra, strict, expected):
    clean_lake, clean = meds_lake
    lake = tmp_path / "lake.duckdb"
    shutil.copyfile(clean_lake, lake)
    folder = meds_folder(tmp_path / "meds", extra)
    result = CliRunner().invoke(main, ["--db", str(lake), "load", "meds", str(folder), "--quiet",
                                       *(["--strict"] if strict else [])])
    said = [line for line in result.stderr.splitlines() if line.startswith(("warning:", "error:"))]
    assert said == [e.format(data=folder / "data") for e in expected]
    if strict:
        assert result.exit_code == 2
        assert_unchanged(lake, clean)
        return
    assert result.exit_code == 0
    got = snapshot(lake)["tables"]
    for name in ("meds.subjects", "meds.visits"):
        assert got[name].equals(clean["tables"][name])
    events = got["meds.events"].to_pylist()
    assert len(events) == len(clean["tables"]["meds.events"]) + (1 if extra[0][0] > 0 else 0)
    assert all(e["visit_id"] in (None, 10) for e in events)


def test_a_truncated_meds_shard_is_named(meds_lake, tmp_path):
    clean_lake, clean = meds_lake
    lake = tmp_path / "lake.duckdb"
    shutil.copyfile(clean_lake, lake)
    folder = meds_folder(tmp_path / "meds", [])
    shard = folder / "data" / "0.parquet"
    shard.write_bytes(shard.read_bytes()[:300])
    result = CliRunner().invoke(main, ["--db", str(lake), "load", "meds", str(folder), "--quiet"])
    assert result.exit_code == 2 and result.stderr.strip() == (
        f"error: {folder}: cannot load the MEDS dataset: Invalid Input Error: No magic bytes found at end of file "
        f"'{shard}'")
    assert_unchanged(lake, clean)


# -- EDF and DICOM: a file that cannot be read is skipped, named with its reason, exit 1 ---------------


def test_broken_edf_headers_are_named_and_the_rest_loads(tmp_path, edf_dir):
    folder = tmp_path / "edf"
    folder.mkdir()
    good = (edf_dir / "test_generator.edf").read_bytes()
    (folder / "good.edf").write_bytes(good)
    (folder / "empty.edf").write_bytes(b"")
    (folder / "short.edf").write_bytes(good[:100])
    (folder / "header_bytes.edf").write_bytes(good[:184] + b"abcdefgh" + good[192:])
    (folder / "signals.edf").write_bytes(good[:252] + b"xx  " + good[256:])
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "lake.duckdb"), "load", "edf", str(folder), "--quiet"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {folder / 'empty.edf'}: file too short for an EDF header (0 bytes, expected at least 256)",
        f"skipped {folder / 'header_bytes.edf'}: header bytes is not an integer: 'abcdefgh'",
        f"skipped {folder / 'short.edf'}: file too short for an EDF header (100 bytes, expected at least 256)",
        f"skipped {folder / 'signals.edf'}: number of signals is not an integer: 'xx'",
    ]
    con = duckdb.connect(str(tmp_path / "lake.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM signals.recordings").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM meta.load_errors").fetchone()[0] == 4
    con.close()


def test_truncated_dicom_files_are_named_and_the_rest_loads(tmp_path, dicom_dir):
    folder = tmp_path / "dicom"
    folder.mkdir()
    whole = (dicom_dir / "CT_small.dcm").read_bytes()
    (folder / "whole.dcm").write_bytes(whole)
    (folder / "empty.dcm").write_bytes(b"")
    (folder / "cut.dcm").write_bytes(whole[:200])
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "lake.duckdb"), "load", "dicom", str(folder),
                                       "--quiet", "--workers", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {folder / 'cut.dcm'}: not a DICOM instance: no SOP Instance UID",
        f"skipped {folder / 'empty.dcm'}: not a DICOM instance: no DICOM file meta header ('DICM' prefix), and read "
        "with force=True it has no SOP Instance UID",
    ]
    con = duckdb.connect(str(tmp_path / "lake.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM images.images").fetchone()[0] == 1
    con.close()


# -- code tables: empty, header only, a byte-order mark --------------------------------------------


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "{path}, line 1: file is empty; expected a header with gsn, atc, ndc"),
    (b"gsn,atc,ndc\n", "{path}: no records in the file (it is empty or holds a header only); expected the ndc_atc "
                       "records (leave the file out to skip this input)"),
    (b"\xef\xbb\xbfgsn,atc,ndc\n000015,C01AA05,24987026010\n", None),
])
def test_code_files_empty_header_only_or_with_a_byte_order_mark(tmp_path, content, expected):
    folder = tmp_path / "codes"
    folder.mkdir()
    path = folder / "ndc_gsn_atc.csv.gz"
    path.write_bytes(gzip.compress(content))
    lake = tmp_path / "lake.duckdb"
    CliRunner().invoke(main, ["--db", str(lake), "sql", "SELECT 1"])
    result = CliRunner().invoke(main, ["--db", str(lake), "codes", "load", "--from", str(folder), "--only", "ndc_atc",
                                       "--quiet"])
    if expected is None:
        assert result.exit_code == 0, result.output
        con = duckdb.connect(str(lake), read_only=True)
        assert con.execute("SELECT src_vocab, src_code, dst_code FROM vocab.maps ORDER BY ALL").fetchall() == [
            ("GSN", "000015", "C01AA05"), ("NDC", "24987026010", "C01AA05")]
        files = con.execute("SELECT files FROM meta.loads WHERE source = 'codes'").fetchone()[0]
        con.close()
        assert [f.get("utf8_bom") for f in files if f["path"] == str(path)] == [True]   # the mark is recorded
        return
    assert result.exit_code == 2 and result.stderr.strip() == "error: " + expected.format(path=path)
