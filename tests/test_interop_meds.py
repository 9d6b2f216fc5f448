"""MEDS export and load, checked with the reference MEDS tools: meds' schemas validate every file the
export writes and meds_reader reads it back; the events it returns are compared with the lake's own
tables, mapped in plain Python here (docs/meds.md gives the mapping)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import meds
import meds_reader
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import InputError, MedlakeError, ParameterError
from medlake.version import __version__

DATASETS = ("mimic3", "mimic4")
PER_SHARD = 30            # the demos' 100 subjects make 4 shards
CONVERT = Path(sys.executable).parent / "meds_reader_convert"


@pytest.fixture(scope="module")
def exports(demo_lake, tmp_path_factory):
    """Each demo dataset exported once (MedsExport by dataset name)."""
    root = tmp_path_factory.mktemp("meds")
    return {d: demo_lake.export_meds(d, root / d, subjects_per_shard=PER_SHARD) for d in DATASETS}


def read_data(folder: Path) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in sorted((folder / "data").glob("*.parquet"))])


def expected_rows(lake, dataset: str) -> dict[int, list[tuple]]:
    """(time, code, numeric_value as float32, text_value) of every MEDS row a subject should get, from the
    lake's tables: static SEX and RACE, MEDS_BIRTH, visit start and end, every event VOCAB//CODE, MEDS_DEATH."""
    out = defaultdict(list)
    for s in lake.sql(f"SELECT * FROM {dataset}.subjects").to_pylist():
        sid = s["subject_id"]
        if s["sex"] is not None:
            out[sid].append((None, "SEX//" + s["sex"], None, None))
        if s["race"] is not None:
            out[sid].append((None, "RACE//" + s["race"], None, None))
        if s["birth_time"] is not None:
            out[sid].append((s["birth_time"], "MEDS_BIRTH", None, None))
        if s["death_time"] is not None:
            out[sid].append((s["death_time"], "MEDS_DEATH", None, None))
    for v in lake.sql(f"SELECT * FROM {dataset}.visits").to_pylist():
        kind = v["kind"].upper()
        out[v["subject_id"]].append((v["start_time"], f"VISIT//{kind}//START", None, None))
        died = None if v["died"] is None else float(v["died"])
        out[v["subject_id"]].append((v["end_time"], f"VISIT//{kind}//END", died, v["discharge_location"]))
    for e in lake.sql(f"SELECT * FROM {dataset}.events").to_pylist():
        value = None if e["numeric_value"] is None else float(np.float32(e["numeric_value"]))
        out[e["subject_id"]].append((e["time"], f"{e['vocab']}//{e['code']}", value, e["text_value"]))
    return out


def by_time(rows: list[tuple]) -> list[tuple]:
    """Rows in time order (no time first); rows of one time in a fixed order, since MEDS leaves it open."""
    return sorted(rows, key=lambda r: (r[0] is not None, r[0] or 0, r[1], r[2] is not None, r[2] or 0,
                                       r[3] is not None, r[3] or ""))


# -- the data shards --------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_shard_is_valid_meds_data(exports, dataset):
    shards = exports[dataset].shards
    assert len(shards) == 4
    for path in shards:
        table = pq.read_table(path)
        types = {f.name: f.type for f in table.schema}
        assert types["subject_id"] == pa.int64() and types["time"] == pa.timestamp("us")
        assert types["code"] == pa.string() and types["numeric_value"] == pa.float32()
        assert types["text_value"] == pa.string() and types["unit"] == pa.string()
        assert types["visit_id"] == pa.int64() and types["end_time"] == pa.timestamp("us")
        aligned = meds.DataSchema.align(table)
        assert aligned.num_rows == table.num_rows
        assert table["subject_id"].null_count == 0 and table["code"].null_count == 0


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_subject_is_in_one_shard_contiguous_and_in_time_order(exports, dataset):
    seen = set()
    for path in exports[dataset].shards:
        table = pq.read_table(path, columns=["subject_id", "time"]).to_pylist()
        order = [r["subject_id"] for r in table]
        runs = [s for i, s in enumerate(order) if i == 0 or order[i - 1] != s]
        assert len(runs) == len(set(runs)), f"{path}: a subject's rows are not contiguous"
        assert not seen & set(runs), f"{path}: a subject is in two shards"
        seen |= set(runs)
        for sid in runs:
            times = [r["time"] for r in table if r["subject_id"] == sid]
            nulls = sum(t is None for t in times)
            assert all(t is None for t in times[:nulls]), f"subject {sid}: a row without time after a timed one"
            assert times[nulls:] == sorted(times[nulls:]), f"subject {sid}: rows out of time order"
    assert len(seen) == 100


@pytest.mark.parametrize("dataset", DATASETS)
def test_export_holds_exactly_the_lakes_rows(demo_lake, exports, dataset):
    data = read_data(exports[dataset].out).to_pylist()
    got = defaultdict(list)
    for r in data:
        value = None if r["numeric_value"] is None else float(r["numeric_value"])
        got[r["subject_id"]].append((r["time"], r["code"], value, r["text_value"]))
    want = expected_rows(demo_lake, dataset)
    assert set(got) == set(want)
    for sid in want:
        assert by_time(got[sid]) == by_time(want[sid]), f"subject {sid}"
    assert exports[dataset].rows == len(data)
    # extension columns: unit and visit_id as the events give them
    events = demo_lake.sql(f"SELECT vocab || '//' || code AS code, time, unit, visit_id, end_time "
                           f"FROM {dataset}.events").to_pylist()
    exported = [{k: r[k] for k in ("code", "time", "unit", "visit_id", "end_time")}
                for r in data if not r["code"].startswith(("VISIT//", "SEX//", "RACE//", "MEDS_"))]
    key = lambda r: tuple((v is not None, v or 0) if not isinstance(v, str) else (True, v) for v in r.values())
    assert sorted(exported, key=key) == sorted(events, key=key)


# -- metadata ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_metadata_files_are_valid_meds(exports, dataset):
    out = exports[dataset].out
    info = json.loads((out / "metadata" / "dataset.json").read_text())
    meds.DatasetMetadataSchema.validate(info)
    assert info["dataset_name"] == dataset and info["etl_name"] == "medlake"
    assert info["etl_version"] == __version__
    assert info["meds_version"] == meds.__version__
    assert info["code_modifier_columns"] == ["unit"]
    codes = pq.read_table(out / "metadata" / "codes.parquet")
    meds.CodeMetadataSchema.align(codes)
    data_codes = set(read_data(out)["code"].to_pylist())
    assert set(codes["code"].to_pylist()) == data_codes and codes.num_rows == len(data_codes)
    splits = pq.read_table(out / "metadata" / "subject_splits.parquet")
    meds.SubjectSplitSchema.align(splits)
    assert sorted(splits["subject_id"].to_pylist()) == sorted(set(read_data(out)["subject_id"].to_pylist()))
    counts = {s: splits["split"].to_pylist().count(s) for s in ("train", "tuning", "held_out")}
    assert counts == {"train": 80, "tuning": 10, "held_out": 10} == exports[dataset].splits


def test_dataset_json_fails_validation_when_wrong():
    """The check above can fail: meds refuses a dataset.json whose fields have the wrong type."""
    with pytest.raises(Exception, match="validation"):
        meds.DatasetMetadataSchema.validate({"dataset_name": 3})


def test_splits_are_deterministic_and_follow_the_seed(demo_lake, exports, tmp_path):
    again = demo_lake.export_meds("mimic3", tmp_path / "a", subjects_per_shard=PER_SHARD)
    other = demo_lake.export_meds("mimic3", tmp_path / "b", seed=7, split=(0.5, 0.25, 0.25))
    first = pq.read_table(exports["mimic3"].out / "metadata" / "subject_splits.parquet")
    assert pq.read_table(again.out / "metadata" / "subject_splits.parquet").equals(first)
    assert other.splits == {"train": 50, "tuning": 25, "held_out": 25}
    assert len(other.shards) == 1


def test_codes_metadata_gives_titles_and_parents_of_the_code_tables(demo_lake, codes_dir, tmp_path):
    """With the ICD-9-CM code tables loaded, codes.parquet carries the CMS title and the parent category."""
    demo_lake.execute("CHECKPOINT")
    path = tmp_path / "lake.duckdb"
    path.write_bytes(Path(demo_lake.path).read_bytes())
    with medlake.connect(path) as lake:
        lake.codes.load(codes_dir, only=["icd9cm_titles", "icd9cm_hierarchy"])
        out = lake.export_meds("mimic3", tmp_path / "meds")
    codes = meds.CodeMetadataSchema.align(pq.read_table(out.out / "metadata" / "codes.parquet"))
    rows = {r["code"]: r for r in codes.to_pylist()}
    assert rows["ICD9CM//428.0"]["description"] == "Congestive heart failure, unspecified"
    assert rows["ICD9CM//428.0"]["parent_codes"] == ["ICD9CM//428"]
    assert rows["MIMIC3_LAB//50912"]["description"] == "Creatinine"  # from the dataset's D_LABITEMS


# -- meds_reader ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_meds_reader_reads_back_the_lakes_events(demo_lake, exports, dataset, tmp_path):
    target = tmp_path / "reader"
    done = subprocess.run([str(CONVERT), str(exports[dataset].out), str(target), "--num_threads", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    verify = subprocess.run([str(CONVERT.with_name("meds_reader_verify")), str(exports[dataset].out), str(target)],
                            capture_output=True, text=True)
    assert verify.returncode == 0 and "Test passed" in verify.stdout, verify.stderr
    database = meds_reader.SubjectDatabase(str(target))
    want = expected_rows(demo_lake, dataset)
    assert sorted(database) == sorted(want)
    for sid, rows in want.items():
        events = database[sid].events
        assert len(events) == len(rows), f"subject {sid}"
        got = [(e.time, e.code, None if e.numeric_value is None else float(e.numeric_value), e.text_value)
               for e in events]
        assert [g[0] for g in got] == [g[0] for g in by_time(got)], f"subject {sid}: not in time order"
        assert by_time(got) == by_time(rows), f"subject {sid}"
        assert {e.code: e.unit for e in events if e.code.endswith("//50912")} == \
            {r[1]: "mg/dL" for r in rows if r[1].endswith("//50912")}


# -- load and the round trip ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reloaded(exports, tmp_path_factory):
    """A lake with each export loaded back (dataset <name>_meds), and their exports again."""
    root = tmp_path_factory.mktemp("reload")
    lake = medlake.connect(root / "lake.duckdb")
    again = {}
    for d in DATASETS:
        lake.load("meds", exports[d].out, name=f"{d}_meds")
        again[d] = lake.export_meds(f"{d}_meds", root / d, subjects_per_shard=PER_SHARD)
    yield lake, again
    lake.close()


@pytest.mark.parametrize("dataset", DATASETS)
def test_round_trip_export_load_export_gives_the_same_rows(exports, reloaded, dataset):
    first, second = read_data(exports[dataset].out), read_data(reloaded[1][dataset].out)
    assert first.schema.equals(second.schema)
    assert first.num_rows == second.num_rows
    # the same subjects and times in the same order; rows of one time may come in another order
    assert first.select(["subject_id", "time"]).equals(second.select(["subject_id", "time"]))
    order = [(c, "ascending") for c in first.column_names]
    assert first.sort_by(order).equals(second.sort_by(order))
    for name in ("codes.parquet", "subject_splits.parquet"):
        assert pq.read_table(exports[dataset].out / "metadata" / name).equals(
            pq.read_table(reloaded[1][dataset].out / "metadata" / name))


@pytest.mark.parametrize("dataset", DATASETS)
def test_load_rebuilds_the_canonical_tables(demo_lake, reloaded, dataset):
    lake = reloaded[0]
    name = f"{dataset}_meds"
    cols = "subject_id, birth_time, sex, race, death_time"
    assert lake.sql(f"SELECT {cols} FROM {name}.subjects ORDER BY subject_id").equals(
        demo_lake.sql(f"SELECT {cols} FROM {dataset}.subjects ORDER BY subject_id"))
    cols = "visit_id, subject_id, kind, start_time, end_time, died, discharge_location, parent_visit_id"
    assert lake.sql(f"SELECT {cols} FROM {name}.visits ORDER BY visit_id").equals(
        demo_lake.sql(f"SELECT {cols} FROM {dataset}.visits ORDER BY visit_id"))
    cols = ("subject_id, visit_id, time, vocab, code, CAST(numeric_value AS FLOAT) AS value, text_value, unit, "
            "end_time")
    order = "ORDER BY ALL"
    assert lake.sql(f"SELECT {cols} FROM {name}.events {order}").equals(
        demo_lake.sql(f"SELECT {cols} FROM {dataset}.events {order}"))
    assert lake.db.source_of(name) == "meds"
    log = lake.sql(f"SELECT source, len(files) AS n FROM meta.loads WHERE dataset = '{name}'").to_pylist()
    assert log == [{"source": "meds", "n": 6}]


def test_load_of_another_etls_meds(fresh_lake, tmp_path):
    """A MEDS dataset without medlake's extra columns: GENDER and bare codes, visits without visit_id."""
    (tmp_path / "data").mkdir()
    t = lambda s: np.datetime64(s, "us")
    table = pa.table({
        "subject_id": pa.array([1, 1, 1, 1, 1, 2], pa.int64()),
        "time": pa.array([None, t("2100-01-01"), t("2150-01-01"), t("2150-01-01T10:00"), t("2150-01-02"),
                          t("2120-05-05")], pa.timestamp("us")),
        "code": ["GENDER//F", "MEDS_BIRTH", "VISIT//ED//START", "LAB//50912//mg/dL", "ADMIT", "MEDS_DEATH"],
        "numeric_value": pa.array([None, None, None, 1.5, None, None], pa.float32()),
    })
    pq.write_table(table, tmp_path / "data" / "shard.parquet")
    result = fresh_lake.load("meds", tmp_path, name="other")
    assert result.row_counts["other.subjects"] == 2 and result.row_counts["other.visits"] == 0
    subjects = fresh_lake.sql("SELECT subject_id, sex, birth_time, death_time FROM other.subjects ORDER BY 1")
    assert subjects.to_pylist()[0]["sex"] == "F" and subjects.to_pylist()[1]["death_time"] is not None
    events = fresh_lake.sql("SELECT vocab, code, numeric_value, visit_id FROM other.events ORDER BY time").to_pylist()
    assert events == [
        {"vocab": "VISIT", "code": "ED//START", "numeric_value": None, "visit_id": None},
        {"vocab": "LAB", "code": "50912//mg/dL", "numeric_value": 1.5, "visit_id": None},
        {"vocab": "MEDS", "code": "ADMIT", "numeric_value": None, "visit_id": None},
    ]
    # with visit ids, START/END rows make visits; without a died flag on the END row, a death inside the visit
    # marks the visit as died
    table = pa.table({
        "subject_id": pa.array([1] * 5, pa.int64()),
        "time": pa.array([t("2100-01-01"), t("2150-01-01"), t("2150-01-01T10:00"), t("2150-01-02"), t("2150-01-03")],
                         pa.timestamp("us")),
        "code": ["MEDS_BIRTH", "VISIT//ED//START", "LAB//50912//mg/dL", "MEDS_DEATH", "VISIT//ED//END"],
        "visit_id": pa.array([None, 7, 7, None, 7], pa.int64()),
    })
    pq.write_table(table, tmp_path / "data" / "shard.parquet")
    fresh_lake.load("meds", tmp_path, name="other")
    assert fresh_lake.sql("SELECT visit_id, kind, died FROM other.visits").to_pylist() == [
        {"visit_id": 7, "kind": "ed", "died": True}]
    assert fresh_lake.sql("SELECT vocab, visit_id FROM other.events").to_pylist() == [{"vocab": "LAB", "visit_id": 7}]


def test_bad_meds_input_is_refused_and_leaves_the_lake_as_it_was(fresh_lake, tmp_path, exports):
    fresh_lake.load("meds", exports["mimic3"].out, name="kept")
    before = fresh_lake.sql("SELECT count(*) AS n FROM kept.events").to_pylist()
    with pytest.raises(InputError, match="no MEDS data"):
        fresh_lake.load("meds", tmp_path, name="kept")
    (tmp_path / "data").mkdir()
    pq.write_table(pa.table({"subject_id": [1], "time": pa.array([None], pa.timestamp("us"))}),
                   tmp_path / "data" / "0.parquet")
    with pytest.raises(InputError, match="column 'code': missing MEDS column"):
        fresh_lake.load("meds", tmp_path, name="kept")
    pq.write_table(pa.table({"subject_id": [1, None], "time": pa.array([None, None], pa.timestamp("us")),
                             "code": ["A//1", "A//2"]}), tmp_path / "data" / "0.parquet")
    with pytest.raises(InputError, match="column 'subject_id': null values"):
        fresh_lake.load("meds", tmp_path, name="kept")
    with pytest.raises(ParameterError, match="takes no tables"):
        fresh_lake.load("meds", tmp_path, tables=["x"])
    assert fresh_lake.sql("SELECT count(*) AS n FROM kept.events").to_pylist() == before
    assert fresh_lake.sql("SELECT count(*) AS n FROM meta.loads").to_pylist() == [{"n": 1}]


def test_export_refuses_a_full_folder_and_bad_options(demo_lake, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(ParameterError, match="not empty"):
        demo_lake.export_meds("mimic3", tmp_path / "x")
    demo_lake.export_meds("mimic3", tmp_path / "x", overwrite=True)
    demo_lake.export_meds("mimic3", tmp_path / "x", overwrite=True)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "x" / "data").iterdir()) == ["0.parquet"]
    with pytest.raises(ParameterError, match="add up to"):
        demo_lake.export_meds("mimic3", tmp_path / "y", split=(0.5, 0.5, 0.5))
    with pytest.raises(ParameterError, match="subjects_per_shard"):
        demo_lake.export_meds("mimic3", tmp_path / "y", subjects_per_shard=0)
    with pytest.raises(MedlakeError, match="unknown dataset"):
        demo_lake.export_meds("nope", tmp_path / "y")


# -- labels -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_labels_follow_the_meds_label_schema(demo_lake, dataset, tmp_path):
    n = demo_lake.export_labels("in_hospital_mortality_48h", dataset, tmp_path / "l.parquet")
    table = pq.read_table(tmp_path / "l.parquet")
    assert table.column_names == ["subject_id", "prediction_time", "boolean_value"]
    meds.LabelSchema.align(table)
    samples = demo_lake.task("in_hospital_mortality_48h", dataset).to_arrow().to_pylist()
    assert n == len(samples) == table.num_rows
    want = sorted((s["subject_id"], s["index_time"], s["label"] == 1) for s in samples)
    assert sorted(tuple(r.values()) for r in table.to_pylist()) == want
    demo_lake.export_labels("length_of_stay", dataset, tmp_path / "los.parquet")
    los = meds.LabelSchema.align(pq.read_table(tmp_path / "los.parquet"))
    assert los.column_names == ["subject_id", "prediction_time", "integer_value"]
    classes = sorted(s["label"] for s in demo_lake.task("length_of_stay", dataset).to_arrow().to_pylist())
    assert sorted(los["integer_value"].to_pylist()) == classes


def test_label_schema_refuses_extra_columns():
    """The label check above can fail: meds refuses a label file with a column it does not know."""
    table = pa.table({"subject_id": pa.array([1], pa.int64()), "prediction_time": pa.array([0], pa.timestamp("us")),
                      "boolean_value": [True], "label": [1]})
    with pytest.raises(Exception, match="validation|extra"):
        meds.LabelSchema.align(table)


def test_multilabel_tasks_have_no_meds_labels(drug_lake, tmp_path):
    with pytest.raises(MedlakeError, match="multilabel labels; a MEDS label file holds one"):
        drug_lake.export_labels("drug_recommendation", "mimic4", tmp_path / "l.parquet")


# -- the command line -------------------------------------------------------------------------------


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_cli_export_meds_labels_and_load_meds(demo_lake, tmp_path):
    demo_lake.execute("CHECKPOINT")
    db = tmp_path / "lake.duckdb"
    db.write_bytes(Path(demo_lake.path).read_bytes())
    out = run("--db", str(db), "export", "meds", "mimic4", str(tmp_path / "m"), "--subjects-per-shard", "50",
              "--split", "0.6,0.2,0.2")
    assert "data/ (2 shards)" in out.stdout and "train 60, tuning 20, held_out 20" in out.stdout
    assert len(list((tmp_path / "m" / "data").glob("*.parquet"))) == 2
    again = run("--db", str(db), "export", "meds", "mimic4", str(tmp_path / "m"), ok=False)
    assert again.exit_code == 2 and "not empty" in again.output and "Traceback" not in again.output
    labels = run("--db", str(db), "export", "labels", "in_hospital_mortality_48h", str(tmp_path / "l.parquet"),
                 "--dataset", "mimic4", "--param", "hours=24")
    assert "labels to" in labels.stdout
    n = demo_lake.task("in_hospital_mortality_48h", "mimic4", hours=24).to_arrow().num_rows
    assert meds.LabelSchema.align(pq.read_table(tmp_path / "l.parquet")).num_rows == n
    loaded = run("--db", str(db), "load", "meds", str(tmp_path / "m"), "--name", "m4", "--silent")
    assert "loaded dataset m4" in loaded.stdout and "m4.events" in loaded.stdout
    bad = run("--db", str(db), "export", "meds", "mimic4", str(tmp_path / "z"), "--split", "a,b", ok=False)
    assert bad.exit_code == 2 and "--split" in bad.output


@pytest.mark.parametrize("source", ["eicu", "omop"])
def test_eicu_and_omop_export_validate_and_come_back(request, source, tmp_path):
    """Every loader's canonical tables export as valid MEDS data, and export -> load -> export gives them back."""
    lake = request.getfixturevalue(f"{source}_lake")
    first = lake.export_meds(source, tmp_path / "a", subjects_per_shard=500)
    assert len(first.shards) > 1
    for shard in first.shards:
        meds.DataSchema.align(pq.read_table(shard))
    with medlake.connect(tmp_path / "lake.duckdb") as other:
        other.load("meds", first.out, name="back")
        second = other.export_meds("back", tmp_path / "b", subjects_per_shard=500)
    assert read_data(first.out).equals(read_data(second.out))
    assert first.rows == lake.sql(f"SELECT count(*) AS n FROM {source}.events").to_pylist()[0]["n"] + \
        2 * lake.sql(f"SELECT count(*) AS n FROM {source}.visits").to_pylist()[0]["n"] + \
        lake.sql(f"SELECT count(*) AS n FROM {source}.notes").to_pylist()[0]["n"] + \
        lake.sql(f"SELECT count(sex) + count(race) + count(birth_time) + count(death_time) AS n "
                 f"FROM {source}.subjects").to_pylist()[0]["n"]


# -- the whole record: notes and visits of every kind -------------------------------------------------


@pytest.fixture(scope="module")
def full_round_trip(full_lake, tmp_path_factory):
    """The 30-patient synthetic lakes with the whole record (conftest's full_lake) exported, loaded into a lake
    of their own and exported again: (that lake, {dataset: (first export, second export)})."""
    root = tmp_path_factory.mktemp("full_meds")
    lake = medlake.connect(root / "lake.duckdb")
    exports = {}
    for d in DATASETS:
        first = full_lake.export_meds(d, root / f"{d}_a", subjects_per_shard=10)
        lake.load("meds", first.out, name=d)
        exports[d] = (first, lake.export_meds(d, root / f"{d}_b", subjects_per_shard=10))
    yield lake, exports
    lake.close()


@pytest.mark.parametrize("dataset", DATASETS)
def test_the_whole_record_is_exported_notes_and_visits_of_every_kind(full_lake, full_round_trip, dataset):
    first = full_round_trip[1][dataset][0]
    assert len(first.shards) == 3
    for shard in first.shards:
        meds.DataSchema.align(pq.read_table(shard))
    rows = read_data(first.out).to_pylist()
    # a note: NOTE//<category> at the time it could first be read, its text, its own time as chart_time
    notes = full_lake.sql(f"SELECT * FROM {dataset}.notes").to_pylist()
    assert len(notes) == 61 and all(n["available_time"] > n["time"] for n in notes)
    got = sorted((r["subject_id"], r["visit_id"], r["time"], r["chart_time"], r["code"], r["text_value"])
                 for r in rows if r["code"].startswith("NOTE"))
    want = sorted((n["subject_id"], n["visit_id"], n["available_time"], n["time"], "NOTE//" + n["category"], n["text"])
                  for n in notes)
    assert got == want
    # visits of every kind the loaders make, each with its start and end row
    kinds = {r["kind"]: r["n"] for r in full_lake.sql(
        f"SELECT kind, count(*) AS n FROM {dataset}.visits GROUP BY kind").to_pylist()}
    assert set(kinds) == {"inpatient", "icu", "ward", "service"}
    for kind, n in kinds.items():
        for edge in ("START", "END"):
            assert sum(r["code"] == f"VISIT//{kind.upper()}//{edge}" for r in rows) == n, (kind, edge)
    count = lambda sql: full_lake.sql(sql).to_pylist()[0]["n"]  # noqa: E731
    assert first.rows == len(rows) == count(f"SELECT count(*) AS n FROM {dataset}.events") + \
        2 * sum(kinds.values()) + len(notes) + \
        count(f"SELECT count(sex) + count(race) + count(birth_time) + count(death_time) AS n FROM {dataset}.subjects")
    # charted vitals, infusions (with an end time), outputs and cultures are events like any other
    prefix = dataset.upper()
    for vocab in ("CHART", "INPUT", "OUTPUT", "MICRO"):
        assert sum(r["code"].startswith(f"{prefix}_{vocab}//") for r in rows) > 50, vocab
    assert any(r["end_time"] is not None for r in rows if r["code"].startswith(f"{prefix}_INPUT//"))


def test_meds_reader_reads_back_the_whole_record(full_round_trip, tmp_path):
    """meds_reader converts the export with notes and its reader gives every subject's rows, the notes' text too."""
    first = full_round_trip[1]["mimic4"][0]
    done = subprocess.run([str(CONVERT), str(first.out), str(tmp_path / "reader"), "--num_threads", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    database = meds_reader.SubjectDatabase(str(tmp_path / "reader"))
    want = defaultdict(list)
    for r in read_data(first.out).to_pylist():
        want[r["subject_id"]].append((r["time"], r["code"], r["text_value"], r["chart_time"]))
    assert sorted(database) == sorted(want) and len(want) == 30
    key = lambda r: (r[0] is not None, r[0] or 0, r[1], r[2] or "")  # noqa: E731
    for sid, rows in want.items():
        got = [(e.time, e.code, e.text_value, e.chart_time) for e in database[sid].events]
        assert sorted(got, key=key) == sorted(rows, key=key), f"subject {sid}"
    assert sum(e.code.startswith("NOTE//") for sid in want for e in database[sid].events) == 61


@pytest.mark.parametrize("dataset", DATASETS)
def test_the_whole_record_comes_back_from_meds(full_lake, full_round_trip, dataset):
    """export -> load gives back every canonical table (events but for what docs/meds.md says is lost),
    the notes' search index, and export -> load -> export the same files."""
    lake, exports = full_round_trip
    first, second = exports[dataset]
    for table, cols in (("subjects", "*"), ("visits", "*"), ("notes", "*"), ("note_docs", "*"), ("note_terms", "*"),
                        ("events", "subject_id, visit_id, time, vocab, code, CAST(numeric_value AS FLOAT) AS value, "
                                   "text_value, unit, end_time")):
        want = full_lake.sql(f"SELECT {cols} FROM {dataset}.{table} ORDER BY ALL")
        got = lake.sql(f"SELECT {cols} FROM {dataset}.{table} ORDER BY ALL")
        assert want.num_rows > 0 and got.equals(want), table
    assert read_data(first.out).equals(read_data(second.out))
    for name in ("codes.parquet", "subject_splits.parquet"):
        assert pq.read_table(first.out / "metadata" / name).equals(pq.read_table(second.out / "metadata" / name))
    # the notes' search works on the loaded dataset as on the lake's: the same notes, the same scores
    hits = lake.notes.search("chest pain", dataset, limit=5)
    assert hits.num_rows == 5 and hits.equals(full_lake.notes.search("chest pain", dataset, limit=5))
