"""The OMOP CDM loader on Eunomia GiBleed (Parquet, ids stored as DOUBLE) and on small CSV exports written here.

Expected values are computed from the raw files with pyarrow, not with the loader's SQL."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import medlake
from medlake.errors import InputError

EVENT_TABLES = {"condition_occurrence": "condition", "procedure_occurrence": "procedure",
                "drug_exposure": "drug", "measurement": "measurement", "observation": "observation"}


def table(omop_dir: Path, name: str) -> pa.Table:
    return pq.read_table(omop_dir / f"{name}.parquet")


@pytest.fixture()
def lake(omop_lake):
    return omop_lake


def rows(lake, query, params=None):
    return lake.execute(query, params)


def test_persons_and_visits(lake, omop_dir):
    persons = table(omop_dir, "person").column("person_id").to_pylist()
    assert len(persons) == 2694
    assert {r[0] for r in rows(lake, "SELECT subject_id FROM omop.subjects")} == {int(p) for p in persons}
    visits = table(omop_dir, "visit_occurrence").to_pylist()
    assert len(visits) == 1037
    got = {r[0]: r[1:] for r in rows(lake, "SELECT visit_id, subject_id, kind, start_time FROM omop.visits")}
    assert got == {int(v["visit_occurrence_id"]): (int(v["person_id"]), "inpatient", v["visit_start_datetime"])
                   for v in visits}


def test_double_ids_load_as_bigint(lake, omop_dir):
    assert table(omop_dir, "person").schema.field("person_id").type == pa.float64()
    types = dict(rows(lake, """SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
                               WHERE table_schema = 'omop_raw'"""))
    for name in ("person.person_id", "person.gender_concept_id", "visit_occurrence.visit_occurrence_id",
                 "condition_occurrence.condition_concept_id", "drug_exposure.drug_exposure_id",
                 "measurement.visit_occurrence_id", "concept.concept_id", "concept_ancestor.ancestor_concept_id"):
        assert types[name] == "BIGINT", name
    assert types["person.year_of_birth"] == "INTEGER"
    assert types["death.person_id"] == "BIGINT"  # an empty file of text columns still gets its declared types


def test_vocabulary_tables_are_loaded_raw(lake, omop_dir):
    for name in ("concept", "concept_ancestor", "concept_relationship"):
        n = pq.read_metadata(omop_dir / f"{name}.parquet").num_rows
        assert rows(lake, f'SELECT count(*) FROM omop_raw."{name}"') == [(n,)]
    assert rows(lake, "SELECT count(*) FROM omop_raw.concept") == [(444,)]


def test_events_by_source_and_vocab(lake, omop_dir):
    concepts = {int(c["concept_id"]): c["vocabulary_id"].upper().replace(" ", "_")
                for c in table(omop_dir, "concept").to_pylist()}
    expected = Counter()
    for name, prefix in EVENT_TABLES.items():
        for cid in table(omop_dir, name).column(f"{prefix}_concept_id").to_pylist():
            if cid:
                expected[name, concepts.get(int(cid), "OMOP")] += 1
    got = {(s, v): n for s, v, n in rows(lake, "SELECT source, vocab, count(*) FROM omop.events GROUP BY ALL")}
    assert got == dict(expected)
    assert got["condition_occurrence", "SNOMED"] == 65332
    assert got["drug_exposure", "RXNORM"] + got["drug_exposure", "CVX"] == 67707
    assert got["measurement", "LOINC"] + got["measurement", "SNOMED"] == 44053


def test_a_condition_row_keeps_its_concept_and_times(lake, omop_dir):
    first = table(omop_dir, "condition_occurrence").slice(0, 1).to_pylist()[0]
    concept = next(c for c in table(omop_dir, "concept").to_pylist() if c["concept_id"] == first["condition_concept_id"])
    got = rows(lake, """SELECT subject_id, vocab, code, alt_code, time, end_time, text_value FROM omop.events
                        WHERE source = 'condition_occurrence' AND seq = $id""", {"id": int(first["condition_occurrence_id"])})
    assert got == [(int(first["person_id"]), "SNOMED", concept["concept_code"], str(int(first["condition_concept_id"])),
                    first["condition_start_datetime"], first["condition_end_datetime"], first["condition_source_value"])]


def test_event_visit_ids_point_at_loaded_visits_only(lake, omop_dir):
    visits = {int(v) for v in table(omop_dir, "visit_occurrence").column("visit_occurrence_id").to_pylist()}
    expected = 0
    for name, prefix in EVENT_TABLES.items():
        t = table(omop_dir, name)
        for vid, cid in zip(t.column("visit_occurrence_id").to_pylist(), t.column(f"{prefix}_concept_id").to_pylist()):
            expected += bool(cid) and vid is not None and int(vid) in visits
    assert rows(lake, "SELECT count(visit_id) FROM omop.events") == [(expected,)]
    assert rows(lake, """SELECT count(*) FROM omop.events AS e LEFT JOIN omop.visits AS v ON v.visit_id = e.visit_id
                         WHERE e.visit_id IS NOT NULL AND v.visit_id IS NULL""") == [(0,)]


def test_subject_spot_check(lake, omop_dir):
    p = next(r for r in table(omop_dir, "person").to_pylist() if r["person_id"] == 1.0)
    assert rows(lake, "SELECT sex, race, birth_time, death_time FROM omop.subjects WHERE subject_id = 1") == \
        [({"M": "M", "F": "F"}[p["gender_source_value"]], p["race_source_value"], p["birth_datetime"], None)]


# -- small exports written from GiBleed --------------------------------------------------------------------

def write_parquet_export(src: Path, dst: Path, person_edit=None) -> Path:
    """GiBleed with links to its files, and person.parquet rewritten through `person_edit`."""
    dst.mkdir()
    for f in src.glob("*.parquet"):
        if f.name != "person.parquet":
            (dst / f.name).symlink_to(f)
    person = pq.read_table(src / "person.parquet")
    pq.write_table(person_edit(person) if person_edit else person, dst / "person.parquet")
    return dst


def test_a_non_integral_id_is_an_input_error_and_the_lake_is_unchanged(fresh_lake, omop_dir, tmp_path):
    def spoil(person):
        ids = person.column("person_id").to_pylist()
        ids[6] = 7.5
        return person.set_column(0, "person_id", pa.array(ids, pa.float64()))
    folder = write_parquet_export(omop_dir, tmp_path / "omop", spoil)
    with pytest.raises(InputError) as err:
        fresh_lake.load("omop", folder)
    e = err.value
    assert (Path(e.path).name, e.column, e.value) == ("person.parquet", "person_id", "7.5")
    assert "row 7" in str(e) and "integer" in e.expected
    assert fresh_lake.datasets() == [] and not fresh_lake.db.schema_exists("omop_raw")


def test_a_duplicate_person_names_both_rows(fresh_lake, omop_dir, tmp_path):
    def spoil(person):
        ids = person.column("person_id").to_pylist()
        ids[9] = ids[2]
        return person.set_column(0, "person_id", pa.array(ids, pa.float64()))
    folder = write_parquet_export(omop_dir, tmp_path / "omop", spoil)
    with pytest.raises(InputError, match=r"person\.parquet.*row 10.*first seen on row 3"):
        fresh_lake.load("omop", folder)


PEOPLE = [
    {"person_id": "1", "gender_concept_id": "8532", "year_of_birth": "1950", "month_of_birth": "3",
     "day_of_birth": "", "race_source_value": "white"},
    {"person_id": "2", "gender_concept_id": "8507", "year_of_birth": "1960", "month_of_birth": "",
     "day_of_birth": "", "race_source_value": ""},
]
VISITS = [  # (visit id, person, visit_concept_id, start, end) -> kind
    ("10", "1", "9201", "2020-01-01", "2020-01-05"),
    ("11", "1", "262", "2020-02-01", "2020-02-03"),
    ("12", "2", "9203", "2020-03-01", "2020-03-01"),
    ("13", "2", "9202", "2020-04-01", "2020-04-01"),
    ("14", "2", "581458", "2020-05-01", "2020-05-01"),
]
EVENT_ROWS = {  # one row per event table, concept ids written as doubles like some exports do
    "condition_occurrence": {"condition_occurrence_id": "1.0", "person_id": "1", "condition_concept_id": "201826.0",
                             "condition_start_date": "2020-01-02", "condition_start_datetime": "",
                             "visit_occurrence_id": "10"},
    "procedure_occurrence": {"procedure_occurrence_id": "1", "person_id": "1", "procedure_concept_id": "4230911",
                             "procedure_date": "2020-01-03", "procedure_datetime": "2020-01-03 10:30:00",
                             "visit_occurrence_id": "99"},
    "drug_exposure": {"drug_exposure_id": "1", "person_id": "2", "drug_concept_id": "0",
                      "drug_exposure_start_date": "2020-03-01", "visit_occurrence_id": "12"},
    "measurement": {"measurement_id": "5", "person_id": "2", "measurement_concept_id": "3004249",
                    "measurement_date": "2020-03-01", "value_as_number": "120.5", "unit_source_value": "mmHg",
                    "visit_occurrence_id": "12"},
    "observation": {"observation_id": "1", "person_id": "2", "observation_concept_id": "4275495",
                    "observation_date": "2020-04-01", "value_as_string": "yes", "visit_occurrence_id": ""},
    "death": {"person_id": "2", "death_date": "2020-05-01"},
}


def write_csv(path: Path, records: list[dict]) -> None:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="") as f:
        w = csv.DictWriter(f, list(records[0]))
        w.writeheader()
        w.writerows(records)


def write_csv_export(dst: Path) -> Path:
    """A tiny CDM as CSV (person, visits, death) and CSV.GZ (events), with no vocabulary tables."""
    dst.mkdir()
    write_csv(dst / "PERSON.csv", PEOPLE)
    write_csv(dst / "visit_occurrence.csv", [
        {"visit_occurrence_id": v, "person_id": p, "visit_concept_id": c, "visit_start_date": s, "visit_end_date": e}
        for v, p, c, s, e in VISITS])
    for name, record in EVENT_ROWS.items():
        write_csv(dst / (f"{name}.csv" if name == "death" else f"{name}.csv.gz"), [record])
    return dst


def test_csv_export_without_vocabulary(fresh_lake, tmp_path):
    fresh_lake.load("omop", write_csv_export(tmp_path / "cdm"))
    assert rows(fresh_lake, "SELECT visit_id, kind, died FROM omop.visits ORDER BY visit_id") == [
        (10, "inpatient", False), (11, "inpatient", False), (12, "ed", False), (13, "outpatient", False),
        (14, "other", True)]
    assert rows(fresh_lake, "SELECT subject_id, sex, race, birth_time, death_time FROM omop.subjects ORDER BY 1") == [
        (1, "F", "white", dt.datetime(1950, 3, 1), None),
        (2, "M", None, dt.datetime(1960, 1, 1), dt.datetime(2020, 5, 1))]
    assert rows(fresh_lake, """SELECT source, visit_id, time, vocab, code, alt_code, numeric_value, text_value, unit
                               FROM omop.events ORDER BY source""") == [
        ("condition_occurrence", 10, dt.datetime(2020, 1, 2), "OMOP", "201826", "201826", None, None, None),
        ("measurement", 12, dt.datetime(2020, 3, 1), "OMOP", "3004249", "3004249", 120.5, None, "mmHg"),
        ("observation", None, dt.datetime(2020, 4, 1), "OMOP", "4275495", "4275495", None, "yes", None),
        ("procedure_occurrence", None, dt.datetime(2020, 1, 3, 10, 30), "OMOP", "4230911", "4230911", None, None, None),
    ]  # the drug has concept 0: not an event; visit 99 does not exist: no visit_id
    assert rows(fresh_lake, "SELECT count(*) FROM omop_raw.concept") == [(0,)]


def test_csv_concept_table_gives_vocab_and_dotted_icd_codes(fresh_lake, tmp_path):
    folder = write_csv_export(tmp_path / "cdm")
    write_csv(folder / "concept.csv", [
        {"concept_id": "201826", "concept_name": "Type 2 diabetes mellitus", "vocabulary_id": "SNOMED",
         "concept_code": "44054006"},
        {"concept_id": "4230911", "concept_name": "x", "vocabulary_id": "ICD9Proc", "concept_code": "3995"}])
    fresh_lake.load("omop", folder)
    assert rows(fresh_lake, "SELECT source, vocab, code FROM omop.events WHERE vocab <> 'OMOP' ORDER BY source") == [
        ("condition_occurrence", "SNOMED", "44054006"), ("procedure_occurrence", "ICD9PROC", "39.95")]


def test_a_non_numeric_csv_id_is_an_input_error(fresh_lake, tmp_path):
    folder = write_csv_export(tmp_path / "cdm")
    write_csv(folder / "visit_occurrence.csv", [
        {"visit_occurrence_id": "10", "person_id": "1", "visit_concept_id": "9201", "visit_start_date": "2020-01-01"},
        {"visit_occurrence_id": "x11", "person_id": "1", "visit_concept_id": "9201", "visit_start_date": "2020-01-01"}])
    with pytest.raises(InputError) as err:
        fresh_lake.load("omop", folder)
    e = err.value
    assert (Path(e.path).name, e.line, e.column, e.value) == ("visit_occurrence.csv", 3, "visit_occurrence_id", "x11")


def test_loading_twice_replaces(fresh_lake, tmp_path):
    folder = write_csv_export(tmp_path / "cdm")
    first = fresh_lake.load("omop", folder, name="cdm")
    second = fresh_lake.load("omop", folder, name="cdm")
    assert (first.replaced, second.replaced) == (False, True)
    assert second.row_counts == first.row_counts
    assert (first.row_counts["cdm.subjects"], first.row_counts["cdm.visits"], first.row_counts["cdm.events"]) == (2, 5, 4)
    assert rows(fresh_lake, "SELECT status FROM meta.loads WHERE dataset = 'cdm' ORDER BY load_id") == \
        [("replaced",), ("ok",)]
    assert fresh_lake.datasets() == ["cdm"]


def test_a_non_integral_csv_id_is_an_input_error_not_a_rounded_id(fresh_lake, tmp_path):
    folder = write_csv_export(tmp_path / "cdm")
    record = dict(EVENT_ROWS["condition_occurrence"])
    write_csv(folder / "condition_occurrence.csv.gz", [record, {**record, "condition_concept_id": "201826.5"}])
    with pytest.raises(InputError) as err:
        fresh_lake.load("omop", folder)
    e = err.value
    assert (Path(e.path).name, e.line, e.column, e.value) == \
        ("condition_occurrence.csv.gz", 3, "condition_concept_id", "201826.5")
    assert fresh_lake.datasets() == []


def test_a_header_only_csv_of_an_optional_table_loads_empty(fresh_lake, tmp_path):
    # OMOP exports often carry empty tables as a header line alone
    folder = write_csv_export(tmp_path / "cdm")
    (folder / "death.csv").write_text("person_id,death_date,death_datetime,death_type_concept_id\n")
    result = fresh_lake.load("omop", folder)
    assert result.row_counts["omop_raw.death"] == 0
    assert rows(fresh_lake, "SELECT count(*), count(death_time) FROM omop.subjects") == [(2, 0)]
    # a required table still needs rows
    (folder / "PERSON.csv").write_text("person_id,gender_concept_id,year_of_birth\n")
    with pytest.raises(InputError, match="PERSON.csv, line 2: file has a header but no data rows"):
        fresh_lake.load("omop", folder)
    assert rows(fresh_lake, "SELECT count(*) FROM omop.subjects") == [(2,)]


def test_a_load_leaves_the_connection_settings_as_the_user_set_them(fresh_lake, tmp_path):
    """A load changes memory, compression and insertion-order settings while it runs, and puts them back,
    also after a failure that aborted its transaction."""
    settings = ["preserve_insertion_order", "memory_limit", "disabled_compression_methods"]
    query = "SELECT " + ", ".join(f"current_setting('{s}')" for s in settings)
    fresh_lake.execute("SET preserve_insertion_order = false")
    fresh_lake.execute("SET memory_limit = '3GiB'")
    fresh_lake.execute("SET disabled_compression_methods = 'rle'")
    before = rows(fresh_lake, query)
    assert before[0][0] is False
    folder = write_csv_export(tmp_path / "cdm")
    fresh_lake.load("omop", folder)
    assert rows(fresh_lake, query) == before
    record = dict(EVENT_ROWS["condition_occurrence"])
    write_csv(folder / "condition_occurrence.csv.gz", [record, {**record, "condition_concept_id": "201826.5"}])
    with pytest.raises(InputError, match="201826.5"):
        fresh_lake.load("omop", folder)
    assert rows(fresh_lake, query) == before


def test_events_built_in_subject_ranges_equal_one_sort(omop_dir, tmp_path, monkeypatch):
    """A large OMOP load builds events one range of persons at a time; the table is the same as one sort's."""
    from medlake.etl import canonical as _tuning

    def events(name):
        with medlake.connect(tmp_path / f"{name}.duckdb") as lake:
            lake.load("omop", omop_dir)
            return lake.sql("SELECT * FROM omop.events")   # physical order

    one = events("one")
    monkeypatch.setattr(_tuning, "EVENTS_PER_RANGE", 20_000)
    cuts = []
    real_bounds = _tuning._subject_bounds
    monkeypatch.setattr(_tuning, "_subject_bounds", lambda *a: cuts.append(real_bounds(*a)) or cuts[-1])
    ranged = events("ranged")
    assert len(cuts) == 1 and len(cuts[0]) >= 6   # five ranges of persons or more
    assert one.num_rows > 100_000 and ranged.equals(one)
