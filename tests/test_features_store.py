"""Feature views and versions, the registry, materialization (full and incremental) and online reads."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from helpers import DAY, T0, add_events, make_lake
from medlake.errors import ParameterError, SqlFileError, UnknownNameError
from medlake.featurestore import FeatureView, builtin_views

VIEW_TEXT = """/* medlake
name: visits_seen
entity: subject
kind: window
event_time: time
description: How many events a subject has.
features:
  n_events: {type: BIGINT, agg: count}
  n_a_2d: {type: BIGINT, agg: count, window: 2 days, where: "code = 'a'"}
*/
SELECT subject_id, time, code FROM events
"""

SAME_LOGIC = """/* medlake
name: visits_seen
entity: subject
kind: window
event_time: time
description: A different description does not change the version.
features:
  n_events: {type: BIGINT, agg: count}
  n_a_2d: {type: BIGINT, agg: count, window: 48 hours, where: "code='a'"}
*/
-- a comment
select   subject_id,
         time,   code
from     events
"""

NEW_LOGIC = VIEW_TEXT.replace("FROM events", "FROM events WHERE code <> 'c'")

EVENTS = [
    {"subject_id": 1, "time": T0, "code": "a", "value": 1.0},
    {"subject_id": 1, "time": T0 + DAY, "code": "c", "value": 2.0},
    {"subject_id": 1, "time": T0 + 2 * DAY, "code": "a", "value": 3.0},
    {"subject_id": 2, "time": T0 + DAY, "code": "c", "value": 4.0},
]


def test_whitespace_and_comments_keep_the_version_and_logic_changes_it():
    v1 = FeatureView.from_text(VIEW_TEXT)
    assert FeatureView.from_text(SAME_LOGIC).version == v1.version
    assert FeatureView.from_text(NEW_LOGIC).version != v1.version
    longer = VIEW_TEXT.replace("window: 2 days", "window: 3 days")
    assert FeatureView.from_text(longer).version != v1.version
    assert len(v1.version) == 12 and v1.source_tables() == ["events"]


def test_old_versions_stay_readable():
    lake = make_lake(EVENTS)
    samples = pa.table({"subject_id": [1, 2], "index_time": [T0 + 2 * DAY, T0 + 2 * DAY]})
    old = lake.features.register(FeatureView.from_text(VIEW_TEXT))
    assert lake.features.register(FeatureView.from_text(SAME_LOGIC)) == old
    new = lake.features.register(FeatureView.from_text(NEW_LOGIC))
    assert new != old
    assert [v["version"] for v in lake.features.versions("visits_seen")] == [old, new]
    assert lake.features.get("visits_seen").version == new
    assert lake.features.get("visits_seen", old).version == old
    current = lake.features.training_set(samples, ["visits_seen.n_events"])
    before = lake.features.training_set(samples, [f"visits_seen@{old}.n_events"])
    assert current.column("visits_seen__n_events").to_pylist() == [2, 0]
    assert before.column("visits_seen__n_events").to_pylist() == [3, 1]
    with pytest.raises(UnknownNameError, match="has no version 'abc'"):
        lake.features.get("visits_seen", "abc")
    lake.close()


def test_a_new_session_reads_registered_views(tmp_path):
    lake = make_lake(EVENTS, tmp_path / "lake.duckdb")
    version = lake.features.register(FeatureView.from_text(VIEW_TEXT))
    lake.close()
    import medlake

    again = medlake.connect(tmp_path / "lake.duckdb", read_only=True)
    listed = {v["name"]: v for v in again.features.list()}
    assert listed["visits_seen"]["version"] == version
    assert listed["visits_seen"]["features"] == ["n_events", "n_a_2d"]
    assert set(builtin_views()) <= set(listed)
    again.close()


def test_bad_views_name_the_problem():
    with pytest.raises(SqlFileError, match="header lacks entity"):
        FeatureView.from_text("/* medlake\nname: x\nfeatures: {a: INT}\n*/\nSELECT subject_id, time FROM events")
    with pytest.raises(SqlFileError, match="agg 'median' is not one of"):
        FeatureView(name="x", entity="subject", kind="window", sql="SELECT subject_id, time FROM events",
                    features={"a": {"type": "DOUBLE", "agg": "median", "value": "time"}})
    with pytest.raises(SqlFileError, match="yields no column 'subject_id'"):
        FeatureView(name="x", entity="subject", sql="SELECT visit_id, time FROM events", features={"a": "INT"})
    with pytest.raises(SqlFileError, match="cannot read duration '3 months'"):
        FeatureView(name="x", entity="subject", sql="SELECT subject_id, time FROM events", features={"a": "INT"},
                    ttl="3 months")
    with pytest.raises(SqlFileError, match="'DOUBEL' is not a DuckDB type"):
        FeatureView(name="x", entity="subject", sql="SELECT subject_id, time FROM events", features={"a": "DOUBEL"})


def test_training_set_input_errors():
    lake = make_lake(EVENTS)
    lake.features.register(FeatureView.from_text(VIEW_TEXT))
    with pytest.raises(ParameterError, match="needs column 'subject_id'"):
        lake.features.training_set(pa.table({"visit_id": [1], "index_time": [T0]}), ["visits_seen"])
    with pytest.raises(UnknownNameError, match="unknown feature view 'nope'"):
        lake.features.training_set(pa.table({"subject_id": [1], "index_time": [T0]}), ["nope"])
    with pytest.raises(UnknownNameError, match="reads vocab.maps, which is not in the lake"):
        lake.features.training_set(pa.table({"subject_id": [1], "index_time": [T0]}), ["diagnosis_ccs"])
    lake.close()


def test_samples_as_pandas_and_as_a_table_name():
    lake = make_lake(EVENTS)
    lake.features.register(FeatureView.from_text(VIEW_TEXT))
    frame = pa.table({"subject_id": [2, 1], "index_time": [T0 + 5 * DAY, T0 + DAY]})
    from_pandas = lake.features.training_set(frame.to_pandas(), ["visits_seen"])
    with lake.db.registered("frame", frame):
        lake.execute("CREATE TABLE toy.my_samples AS SELECT * FROM frame")
    from_table = lake.features.training_set("toy.my_samples", ["visits_seen"])
    assert from_pandas.to_pylist() == from_table.to_pylist() == [
        {"subject_id": 2, "index_time": T0 + 5 * DAY, "visits_seen__n_events": 1, "visits_seen__n_a_2d": 0},
        {"subject_id": 1, "index_time": T0 + DAY, "visits_seen__n_events": 2, "visits_seen__n_a_2d": 1},
    ]
    lake.close()


LATEST_TEXT = """/* medlake
name: last_code
entity: subject
kind: latest
event_time: time
features:
  code: VARCHAR
  value: DOUBLE
*/
SELECT subject_id, time, code, numeric_value AS value FROM events
"""


def _table(lake, name, order):
    return lake.sql(f"SELECT * FROM {name} ORDER BY {order}").to_pylist()


def test_incremental_materialization_equals_a_full_rebuild(tmp_path):
    lake = make_lake(EVENTS, tmp_path / "lake.duckdb")
    window = FeatureView.from_text(VIEW_TEXT)
    latest = FeatureView.from_text(LATEST_TEXT)
    lake.features.register(window)
    lake.features.register(latest)
    first = lake.features.materialize("visits_seen")
    assert (first["mode"], first["rows"], first["entities"]) == ("full", 4, 2)
    assert first["rows_table"] == f"fs.visits_seen__v{window.version}"
    lake.features.materialize("last_code")
    assert lake.features.materialize("visits_seen")["mode"] == "unchanged"

    # a later load brings new rows for subject 2 and a new subject 3; subject 1 is untouched
    add_events(lake, [{"subject_id": 2, "time": T0 + 3 * DAY, "code": "a", "value": 7.0},
                      {"subject_id": 3, "time": T0, "code": "b", "value": 8.0}])
    again = lake.features.materialize("visits_seen")
    assert (again["mode"], again["changed_entities"], again["rows"], again["entities"]) == ("incremental", 2, 6, 3)
    assert lake.features.materialize("last_code")["changed_entities"] == 2
    rows_t, latest_t = again["rows_table"], again["latest_table"]
    incremental = (_table(lake, rows_t, "subject_id, time, code"), _table(lake, latest_t, "subject_id"),
                   _table(lake, "fs.last_code__latest", "subject_id"))
    full = lake.features.materialize("visits_seen", full=True)
    lake.features.materialize("last_code", full=True)
    assert full["mode"] == "full"
    rebuilt = (_table(lake, rows_t, "subject_id, time, code"), _table(lake, latest_t, "subject_id"),
               _table(lake, "fs.last_code__latest", "subject_id"))
    assert incremental == rebuilt
    assert rebuilt[1] == [
        {"subject_id": 1, "as_of": T0 + 2 * DAY, "n_events": 3, "n_a_2d": 2},
        {"subject_id": 2, "as_of": T0 + 3 * DAY, "n_events": 2, "n_a_2d": 1},
        {"subject_id": 3, "as_of": T0, "n_events": 1, "n_a_2d": 0},
    ]

    online = lake.features.online(["visits_seen.n_events", "last_code.value"], [3, 1, 42])
    assert online.to_pylist() == [
        {"subject_id": 3, "visits_seen__n_events": 1, "last_code__value": 8.0},
        {"subject_id": 1, "visits_seen__n_events": 3, "last_code__value": 3.0},
        {"subject_id": 42, "visits_seen__n_events": None, "last_code__value": None},
    ]
    lake.close()


def test_online_needs_a_materialized_current_version(tmp_path):
    lake = make_lake(EVENTS, tmp_path / "lake.duckdb")
    lake.features.register(FeatureView.from_text(VIEW_TEXT))
    with pytest.raises(UnknownNameError, match="is not materialized"):
        lake.features.online(["visits_seen.n_events"], [1])
    lake.features.materialize("visits_seen")
    lake.features.register(FeatureView.from_text(NEW_LOGIC))
    with pytest.raises(UnknownNameError, match="materialize it again"):
        lake.features.online(["visits_seen.n_events"], [1])
    assert lake.features.materialize("visits_seen")["mode"] == "full"
    assert lake.features.online(["visits_seen.n_events"], [1]).to_pylist() == [
        {"subject_id": 1, "visits_seen__n_events": 2}]
    lake.close()


def test_ttl_override_and_durations():
    lake = make_lake(EVENTS)
    lake.features.register(FeatureView.from_text(VIEW_TEXT))
    samples = pa.table({"subject_id": [1], "index_time": [T0 + 2 * DAY]})
    got = lake.features.training_set(samples, ["visits_seen"], ttl=dt.timedelta(days=1))
    assert got.column("visits_seen__n_events").to_pylist() == [2]
    assert lake.features.training_set(samples, ["visits_seen"], ttl="36 hours").column(
        "visits_seen__n_events").to_pylist() == [2]
    lake.close()


def test_a_view_written_out_reads_back_to_the_same_version():
    for view in builtin_views().values():
        again = FeatureView.from_text(view.text())
        assert again.version == view.version
        assert [f.spec() for f in again.features] == [f.spec() for f in view.features]
