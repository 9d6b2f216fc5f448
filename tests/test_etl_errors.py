"""Bad input: one clear message, exit code 2, and a lake left exactly as it was.

Each test copies the MIMIC-IV demo into tmp_path, breaks one thing, and loads
it through the CLI over a lake that already holds a `mimic4` dataset, so a
failed load that is not rolled back completely (the old schema dropped, a
half-written table, a load row) shows up as a difference.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import medlake
from helpers import assert_unchanged, replace_cell, rewrite, snapshot
from medlake.cli import main
from medlake.errors import InputError


@pytest.fixture(scope="module")
def base_lake(tmp_path_factory, mimic4_dir) -> Path:
    """A lake file holding a small mimic4 load (patients, admissions, ICU stays, diagnoses)."""
    path = tmp_path_factory.mktemp("errors") / "base.duckdb"
    with medlake.connect(path) as lake:
        lake.load("mimic4", mimic4_dir, tables=["icustays", "diagnoses_icd"])
    return path


@pytest.fixture()
def lake_path(base_lake, tmp_path) -> Path:
    path = tmp_path / "lake.duckdb"
    shutil.copyfile(base_lake, path)
    return path


@pytest.fixture()
def demo(mimic4_dir, tmp_path) -> Path:
    """A writable copy of the MIMIC-IV demo."""
    dst = tmp_path / "mimic4demo"
    shutil.copytree(mimic4_dir, dst)
    return dst


def load_broken(lake_path: Path, demo: Path) -> str:
    """Run `medlake load mimic4` on the broken copy; check exit 2, one line, no traceback; return the line."""
    before = snapshot(lake_path)
    result = CliRunner().invoke(main, ["load", "mimic4", str(demo), "--db", str(lake_path), "--silent"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert_unchanged(lake_path, before)
    return lines[0]


def test_snapshot_sees_what_a_load_changes(base_lake, tmp_path, mimic4_dir):
    # the guard of every test below: a load that succeeds does change the snapshot
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(base_lake, path)
    before = snapshot(path)
    with medlake.connect(path) as lake:
        lake.load("mimic4", mimic4_dir, tables=["icustays"])
    after = snapshot(path)
    assert not after["tables"]["meta.loads"].equals(before["tables"]["meta.loads"])
    assert after["tables"]["mimic4.events"].num_rows == 0 < before["tables"]["mimic4.events"].num_rows


def test_missing_file(lake_path, demo):
    (demo / "hosp" / "admissions.csv.gz").unlink()
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo}: missing file for table 'admissions'; "
                       "expected admissions.csv.gz or admissions.csv")


def test_missing_folder(lake_path, tmp_path):
    message = load_broken(lake_path, tmp_path / "nowhere")
    assert message == f"error: {tmp_path / 'nowhere'}: directory not found; expected a folder holding the mimic4 export"


def test_missing_required_column(lake_path, demo):
    rewrite(demo / "hosp" / "admissions.csv.gz", lambda lines: [",".join(
        f for i, f in enumerate(line.split(",")) if i != 3) for line in lines])  # drops dischtime (no commas inside)
    message = load_broken(lake_path, demo)
    assert message.startswith(f"error: {demo / 'hosp' / 'admissions.csv.gz'}, column 'dischtime': "
                              "missing required column; expected a column named dischtime (found: subject_id, hadm_id,")


def test_unparsable_timestamp(lake_path, demo):
    replace_cell(demo / "hosp" / "admissions.csv.gz", 5, 2, "2196/02/30 14:38")
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'hosp' / 'admissions.csv.gz'}, line 5, column 'admittime': "
                       "value does not parse; value '2196/02/30 14:38'; expected a timestamp like 2150-01-31 13:45:00")


@pytest.mark.parametrize("bad", ["10020187x", "[/b]10020187"])  # the second would be rich markup if not escaped
def test_unparsable_id(lake_path, demo, bad):
    replace_cell(demo / "icu" / "icustays.csv.gz", 3, 0, bad)
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'icu' / 'icustays.csv.gz'}, line 3, column 'subject_id': "
                       f"value does not parse; value '{bad}'; expected an integer id")


@pytest.mark.parametrize("bad", ["10020187.5", "1e17"])  # DuckDB alone would round the first and lose digits of the second
def test_an_id_that_is_not_a_whole_number_is_refused_not_rounded(lake_path, demo, bad):
    replace_cell(demo / "icu" / "icustays.csv.gz", 4, 0, bad)
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'icu' / 'icustays.csv.gz'}, line 4, column 'subject_id': "
                       f"value does not parse; value '{bad}'; expected an integer id")


def test_unparsable_number_late_in_a_big_file(lake_path, demo):
    # line 50,000 of labevents: valuenum (column 10) is not a number; earlier tables were already staged
    replace_cell(demo / "hosp" / "labevents.csv.gz", 50_000, 9, "12..5")
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'hosp' / 'labevents.csv.gz'}, line 50000, column 'valuenum': "
                       "value does not parse; value '12..5'; expected a number")


def test_duplicate_primary_key(lake_path, demo):
    # two admissions with one hadm_id: the row on line 3 appears again at the end (line 277)
    rewrite(demo / "hosp" / "admissions.csv.gz", lambda lines: lines + [lines[2]])
    with gzip.open(demo / "hosp" / "admissions.csv.gz", "rt") as f:
        hadm_id = f.read().split("\n")[2].split(",")[1]
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'hosp' / 'admissions.csv.gz'}, line 277, column 'hadm_id': "
                       f"duplicate primary key (hadm_id={hadm_id}) appears 2 times; value '{hadm_id}'; "
                       "expected each hadm_id once (first seen on line 3)")


@pytest.mark.parametrize("version, shown", [("11", "'11'"), ("", "''")])
def test_unknown_icd_version(lake_path, demo, version, shown):
    # icd_version decides between ICD-9 and ICD-10 codes: anything else would give codes of no known system
    replace_cell(demo / "hosp" / "procedures_icd.csv.gz", 10, 5, version)
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'hosp' / 'procedures_icd.csv.gz'}, line 10, column 'icd_version': "
                       f"unknown ICD version; value {shown}; expected 9 (ICD-9) or 10 (ICD-10)")


@pytest.mark.parametrize("content, expected", [
    ("", "line 1: file is empty; expected a header row and at least one data row"),
    ("subject_id,hadm_id,stay_id,first_careunit,last_careunit,intime,outtime,los\n",
     "line 2: file has a header but no data rows; expected at least one data row"),
])
def test_empty_file(lake_path, demo, content, expected):
    with gzip.open(demo / "icu" / "icustays.csv.gz", "wt") as f:
        f.write(content)
    message = load_broken(lake_path, demo)
    assert message == f"error: {demo / 'icu' / 'icustays.csv.gz'}, {expected}"


def test_library_error_names_its_parts_and_the_lake_stays_usable(lake_path, demo, mimic4_dir):
    replace_cell(demo / "hosp" / "patients.csv.gz", 4, 2, "seventy")
    with medlake.connect(lake_path) as lake:
        before = lake.sql("SELECT * FROM meta.loads")
        with pytest.raises(InputError) as err:
            lake.load("mimic4", demo)
        e = err.value
        assert (Path(e.path), e.line, e.column, e.value, e.expected) == (
            demo / "hosp" / "patients.csv.gz", 4, "anchor_age", "seventy", "a whole number")
        assert lake.sql("SELECT * FROM meta.loads").equals(before)
        # the connection is not left inside a transaction: a good load right after succeeds
        result = lake.load("mimic4", mimic4_dir, tables=["icustays"])
        assert result.replaced and lake.sql("SELECT count(*) AS n FROM mimic4.visits").to_pylist() == [{"n": 415}]


def test_a_long_value_is_cut_in_the_message(lake_path, demo):
    replace_cell(demo / "hosp" / "admissions.csv.gz", 5, 2, "9" * 5000 + "x")
    message = load_broken(lake_path, demo)
    assert message == (f"error: {demo / 'hosp' / 'admissions.csv.gz'}, line 5, column 'admittime': "
                       f"value does not parse; value '{'9' * 200}'... (5,001 characters); "
                       "expected a timestamp like 2150-01-31 13:45:00")


def test_a_truncated_gz_says_so(lake_path, demo):
    path = demo / "hosp" / "admissions.csv.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    message = load_broken(lake_path, demo)
    assert message == (f"error: {path}: cannot read as CSV: IO Error: Unexpected end of GZIP stream: {path}; "
                       "expected a complete file; it looks truncated (download it again)")
