"""A UTF-8 byte-order mark before a CSV's header is accepted by every loader; a file split by another
delimiter is refused with a message that says so, and the lake is left as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import medlake
from helpers import add_bom, assert_unchanged, change_delimiter, snapshot
from medlake.cli import main
from medlake.database import Database
from medlake.errors import InputError
from medlake.etl import get_source
from medlake.etl.spec import FoundFile
from medlake.etl.staging_csv import read_csv_head, stage_csv

# (loader, data folder fixture, file under it, raw table, first column)
TABLES = [
    ("mimic3", "mimic3_dir", "PATIENTS.csv.gz", "patients", "row_id"),
    ("mimic4", "mimic4_dir", "hosp/patients.csv.gz", "patients", "subject_id"),
    ("eicu", "eicu_dir", "patient.csv.gz", "patient", "patientunitstayid"),
    ("omop", "omop_dir", "person.parquet", "person", "person_id"),
]


def csv_copy(request, tmp_path: Path, folder: str, file: str) -> Path:
    """A plain copy of one demo table as .csv or .csv.gz (an OMOP parquet table is written out as CSV)."""
    src = request.getfixturevalue(folder) / file
    if src.suffix == ".parquet":
        dst = tmp_path / (src.stem + ".csv")
        con = duckdb.connect()
        con.execute(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{dst}' (HEADER, DELIMITER ',')")
        con.close()
        return dst
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


def staged(source: str, table: str, path: Path):
    """The raw table `stage_csv` makes of one file, in an in-memory lake."""
    db = Database()
    db.run_sql("CREATE SCHEMA raw")
    stage_csv(db, FoundFile(get_source(source).table(table), path), "raw")
    return db.arrow_sql(f"SELECT * FROM raw.{table} ORDER BY ALL")


@pytest.mark.parametrize(("source", "folder", "file", "table", "first"), TABLES, ids=[t[0] for t in TABLES])
def test_a_byte_order_mark_is_accepted_by_every_loader(request, tmp_path, source, folder, file, table, first):
    (tmp_path / "plain").mkdir()
    plain = csv_copy(request, tmp_path / "plain", folder, file)
    marked = csv_copy(request, tmp_path, folder, file)
    add_bom(marked)
    header, _ = read_csv_head(marked)
    assert header[0] == first
    with_bom, without = staged(source, table, marked), staged(source, table, plain)
    assert with_bom.column_names[0] == first
    assert with_bom.num_rows > 0
    assert with_bom.equals(without)


def test_a_mimic3_load_with_a_byte_order_mark_keeps_row_id(mimic3_dir, demo_lake, tmp_path):
    demo = tmp_path / "mimic3demo"
    shutil.copytree(mimic3_dir, demo)
    add_bom(demo / "PATIENTS.csv.gz")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("mimic3", demo, tables=["patients"])
        got = lake.sql("SELECT * FROM mimic3_raw.patients ORDER BY row_id")
        files = lake.sql("SELECT files FROM meta.loads").column("files")[0].as_py()
    # the load log records the mark it dropped, for that file only
    assert {Path(f["path"]).name: f["utf8_bom"] for f in files}["PATIENTS.csv.gz"] is True
    assert sum(f["utf8_bom"] for f in files) == 1
    assert got.column_names[0] == "row_id"
    assert got.equals(demo_lake.sql("SELECT * FROM mimic3_raw.patients ORDER BY row_id"))


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_wrong_delimiter_is_named(mimic4_dir, tmp_path, delimiter):
    demo = tmp_path / "mimic4demo"
    shutil.copytree(mimic4_dir, demo)
    lake_path = tmp_path / "lake.duckdb"
    with medlake.connect(lake_path) as lake:
        lake.load("mimic4", mimic4_dir, tables=["icustays"])
    path = demo / "hosp" / "patients.csv.gz"
    change_delimiter(path, delimiter)
    before = snapshot(lake_path)
    result = CliRunner().invoke(main, ["load", "mimic4", str(demo), "--db", str(lake_path), "--silent"])
    assert result.exit_code == 2
    header = delimiter.join(["subject_id", "gender", "anchor_age", "anchor_year", "anchor_year_group", "dod"])
    assert result.stderr == (f"error: {path}, line 1: the delimiter looks wrong: the header is one column holding "
                             f"{delimiter!r}; value {header!r}; expected comma-separated values (write the file "
                             "with ',' between fields)\n")
    assert_unchanged(lake_path, before)


def test_read_csv_head_names_the_delimiter(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(InputError, match=r"^.*x\.csv, line 1: the delimiter looks wrong: the header is one column holding ';'"):
        read_csv_head(path)
    path.write_text("a\n1\n")  # one column and no other delimiter: a valid one-column file
    assert read_csv_head(path) == (["a"], True)

