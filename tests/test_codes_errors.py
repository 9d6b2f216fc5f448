"""Broken code-system files: a truncated .gz, a field over the csv module's limit, a very long line.
Each is one clear InputError (exit 2 through the CLI) and the lake is left as it was."""

from __future__ import annotations

import gzip
import shutil

import pytest
from click.testing import CliRunner

import medlake
from helpers import assert_unchanged, snapshot
from medlake.cli import main

TRUNCATED = ("cannot read file: Compressed file ended before the end-of-stream marker was reached; "
             "expected a complete file; it looks truncated (download it again)")

INPUTS = [  # (input, file): one per way the readers read a file
    ("ndc_atc", "ndc_gsn_atc.csv.gz"),                 # csv.DictReader
    ("gem_icd9cm_icd10cm", "gem_icd9_to_icd10cm.csv.gz"),  # csv.reader
    ("ccs_icd9cm", "ccs_dxref_2015.csv.gz"),            # HCUP rows
    ("icd10cm_codes", "icd10cm-codes-2024.txt.gz"),     # CODE title lines
]


@pytest.fixture()
def lake_path(tmp_path):
    path = tmp_path / "lake.duckdb"
    medlake.connect(path).close()
    return path


def load_broken(lake_path, directory, only: str) -> str:
    """`medlake codes load` on a broken folder: exit 2, one line, the lake unchanged; returns the line."""
    before = snapshot(lake_path)
    result = CliRunner().invoke(main, ["codes", "load", "--from", str(directory), "--only", only, "--silent",
                                       "--db", str(lake_path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert_unchanged(lake_path, before)
    return lines[0]


@pytest.mark.parametrize(("only", "file"), INPUTS, ids=[i for i, _ in INPUTS])
def test_a_truncated_gz_is_named(lake_path, codes_dir, tmp_path, only, file):
    folder = tmp_path / "codes"
    folder.mkdir()
    data = (codes_dir / file).read_bytes()
    (folder / file).write_bytes(data[: len(data) // 2])
    assert load_broken(lake_path, folder, only) == f"error: {folder / file}: {TRUNCATED}"


def test_the_same_folder_intact_loads(lake_path, codes_dir, tmp_path):
    # the guard of the test above: the inputs load when the files are whole
    folder = tmp_path / "codes"
    folder.mkdir()
    for _, file in INPUTS:
        shutil.copyfile(codes_dir / file, folder / file)
    result = CliRunner().invoke(main, ["codes", "load", "--from", str(folder), "--only",
                                       ",".join(i for i, _ in INPUTS), "--silent", "--db", str(lake_path)])
    assert result.exit_code == 0, result.output


HUGE = "x" * 200_000
FIELD = "malformed CSV: field larger than field limit (131072); expected comma-separated fields of at most 131,072 characters each"


@pytest.mark.parametrize(("only", "file", "content", "line"), [
    ("ndc_atc", "ndc_gsn_atc.csv", f'gsn,atc,ndc\n000015,C01AA05,24987026010\n1,A01,"{HUGE}"\n', 3),
    ("gem_icd9cm_icd10cm", "gem_icd9_to_icd10cm.csv", f'icd9cm,icd10cm,flags\n0010,A000,00000\n"{HUGE}",A001,00000\n', 3),
    ("ccs_icd9cm", "ccs_dxref_2015.csv",
     "NOTE\n'ICD-9-CM CODE','CCS CATEGORY','CCS CATEGORY DESCRIPTION','ICD-9-CM CODE DESCRIPTION'\n\n"
     f"'0010','135','Intestinal infection',\"{HUGE}\"\n", 4),
])
def test_a_field_over_the_csv_limit_is_named(lake_path, tmp_path, only, file, content, line):
    folder = tmp_path / "codes"
    folder.mkdir()
    (folder / file).write_text(content)
    assert load_broken(lake_path, folder, only) == f"error: {folder / file}, line {line}: {FIELD}"


def test_a_long_value_is_cut_in_the_message(lake_path, tmp_path):
    folder = tmp_path / "codes"
    folder.mkdir()
    path = folder / "icd10cm-codes-2024.txt.gz"
    with gzip.open(path, "wt") as f:
        f.write("A000    Cholera\n" + "B" * 300_000 + "\n")
    message = load_broken(lake_path, folder, "icd10cm_codes")
    assert message == (f"error: {path}, line 2: line has no title; value '{'B' * 200}'... (300,000 characters); "
                       "expected a code, spaces, then its title")
