"""`lake.export_parquet` and `medlake export parquet`: the dataset as parquet, read back by DuckDB."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import medlake
from helpers import copy_of_lake
from medlake.cli import main
from medlake.errors import MedlakeError, UnknownNameError

TABLES = ("subjects", "visits", "events")


def _parquet(lake, folder) -> str:
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"


@pytest.fixture(scope="module")
def export(demo_lake, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "mimic3"
    return out, demo_lake.export_parquet("mimic3", out, buckets=3)


def test_row_counts_and_columns_match_the_lake(demo_lake, export):
    out, manifest = export
    assert (manifest["dataset"], manifest["source"], manifest["buckets"]) == ("mimic3", "mimic3", 3)
    assert manifest["medlake_version"] == medlake.__version__
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert list(manifest["tables"]) == list(TABLES)  # the demo lake has no code tables
    for table in TABLES:
        entry = manifest["tables"][table]
        assert entry["rows"] == demo_lake.sql(f"SELECT count(*) AS n FROM mimic3.{table}")["n"][0].as_py() > 0
        lake_columns = demo_lake.sql(f"DESCRIBE mimic3.{table}").select(["column_name", "column_type"]).to_pylist()
        assert [(c["name"], c["type"]) for c in entry["columns"]] == \
               [(c["column_name"], c["column_type"]) for c in lake_columns]
    assert manifest["tables"]["events"]["partitioned_by"] == ["bucket"]
    assert sorted(p.name for p in (out / "events").iterdir()) == ["bucket=0", "bucket=1", "bucket=2"]


@pytest.mark.parametrize("table", TABLES)
def test_contents_round_trip(demo_lake, export, table):
    out, manifest = export
    columns = ", ".join(f'"{c["name"]}"' for c in manifest["tables"][table]["columns"])
    back = demo_lake.sql(f"SELECT {columns} FROM {_parquet(demo_lake, out / table)} ORDER BY ALL", allow_files=True)
    lake = demo_lake.sql(f"SELECT {columns} FROM mimic3.{table} ORDER BY ALL")
    assert back.schema == lake.schema
    assert back.to_pylist() == lake.to_pylist()


def test_each_subject_lies_in_its_hash_bucket(demo_lake, export):
    out, _ = export
    wrong = demo_lake.sql(f"SELECT count(*) AS n FROM {_parquet(demo_lake, out / 'events')} "
                          "WHERE bucket <> hash(subject_id) % 3", allow_files=True)["n"][0].as_py()
    assert wrong == 0
    per_bucket = demo_lake.sql(f"SELECT bucket, count(*) AS n FROM {_parquet(demo_lake, out / 'events')} "
                               "GROUP BY ALL", allow_files=True)["n"].to_pylist()
    assert len(per_bucket) == 3 and min(per_bucket) > 0


def test_code_tables_are_exported(drug_lake, tmp_path):
    manifest = drug_lake.export_parquet("mimic3", tmp_path / "x", buckets=1)
    vocab = sorted(k for k in manifest["tables"] if k.startswith("vocab."))
    assert "vocab.maps" in vocab
    for key in vocab:
        entry = manifest["tables"][key]
        assert entry["path"] == key.replace(".", "/")
        rows = drug_lake.sql(f"SELECT count(*) AS n FROM {key}")["n"][0].as_py()
        assert entry["rows"] == rows
        back = drug_lake.sql(f"SELECT count(*) AS n FROM read_parquet('{tmp_path / 'x' / entry['path']}/*.parquet')", allow_files=True)
        assert back["n"][0].as_py() == rows


def test_refuses_to_write_over_other_files(demo_lake, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(MedlakeError, match="not empty"):
        demo_lake.export_parquet("mimic3", tmp_path)
    with pytest.raises(MedlakeError, match="holds no manifest.json"):
        demo_lake.export_parquet("mimic3", tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(MedlakeError, match="at least 1"):
        demo_lake.export_parquet("mimic3", tmp_path / "y", buckets=0)
    with pytest.raises(UnknownNameError, match="unknown dataset 'nosuch'"):
        demo_lake.export_parquet("nosuch", tmp_path / "z")


def test_overwrite_replaces_an_earlier_export(demo_lake, tmp_path):
    demo_lake.export_parquet("mimic3", tmp_path / "x", buckets=4)
    manifest = demo_lake.export_parquet("mimic3", tmp_path / "x", buckets=2, overwrite=True)
    assert manifest["buckets"] == 2
    assert sorted(p.name for p in (tmp_path / "x" / "events").iterdir()) == ["bucket=0", "bucket=1"]


def test_cli_export(demo_lake, tmp_path):
    runner = CliRunner()
    lake_copy = copy_of_lake(demo_lake, tmp_path)
    result = runner.invoke(main, ["--db", lake_copy, "export", "parquet", "mimic4", str(tmp_path / "m4"),
                                  "--buckets", "2"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "m4" / "manifest.json").read_text())
    assert manifest["dataset"] == "mimic4" and manifest["buckets"] == 2
    assert f"{manifest['tables']['events']['rows']:,}" in result.stdout
    again = runner.invoke(main, ["--db", lake_copy, "export", "parquet", "mimic4", str(tmp_path / "m4")])
    assert again.exit_code == 2
    assert again.stderr.startswith("error: cannot export to") and "Traceback" not in again.output


@pytest.mark.parametrize(("dataset", "tables"), [
    ("sleep", ("recordings", "recording_channels", "recording_annotations")),
    ("cxr", ("images", "image_labels")),
])
def test_signal_and_image_tables_are_exported(media_lake, tmp_path, dataset, tables):
    """An EDF or DICOM dataset: its signal or image tables too, and events (which it lacks) as one
    empty file whose columns a reader still sees."""
    manifest = media_lake.export_parquet(dataset, tmp_path / dataset, buckets=2)
    assert list(manifest["tables"]) == [*TABLES, *tables]
    for table in (*TABLES, *tables):
        n = media_lake.sql(f"SELECT count(*) AS n FROM {dataset}.{table}")["n"][0].as_py()
        assert manifest["tables"][table]["rows"] == n
        assert (n > 0) == (table != "events"), table
    events = media_lake.sql(f"SELECT * FROM {_parquet(media_lake, tmp_path / dataset / 'events')}", allow_files=True)
    assert events.num_rows == 0
    assert events.column_names == [c["name"] for c in manifest["tables"]["events"]["columns"]] + ["bucket"]
