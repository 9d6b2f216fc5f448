"""Point-in-time correctness: the SQL training set equals a brute-force Python oracle.

Random timelines (hypothesis) put events exactly at index_time, exactly at the
edge of windows and TTLs, and leave some subjects with no history at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import DAY, T0, add_events, make_lake
from medlake.featurestore import FeatureView

WINDOW_VIEW = FeatureView(
    name="toy_window", entity="subject", kind="window", event_time="time",
    sql="SELECT subject_id, time, code, numeric_value AS value FROM events",
    features={
        "n_all": {"type": "BIGINT", "agg": "count"},
        "n_a_3d": {"type": "BIGINT", "agg": "count", "window": "3 days", "where": "code = 'a'"},
        "n_values_5d": {"type": "BIGINT", "agg": "count", "value": "value", "window": "5 days"},
        "sum_5d": {"type": "DOUBLE", "agg": "sum", "value": "value", "window": "5 days"},
        "mean_b": {"type": "DOUBLE", "agg": "mean", "value": "value", "where": "code = 'b'"},
        "min_2d": {"type": "DOUBLE", "agg": "min", "value": "value", "window": "2 days"},
        "max_7d": {"type": "DOUBLE", "agg": "max", "value": "value", "window": "7 days"},
        "last_b": {"type": "DOUBLE", "agg": "last", "value": "value", "where": "code = 'b'"},
        "first_value": {"type": "DOUBLE", "agg": "first", "value": "value"},
        "codes_4d": {"type": "VARCHAR[]", "agg": "distinct", "value": "code", "window": "4 days"},
        "code_counts_2d": {"type": "MAP(VARCHAR, BIGINT)", "agg": "histogram", "value": "code", "window": "2 days"},
        "days_since_a": {"type": "DOUBLE", "agg": "days_since", "where": "code = 'a'"},
    })

LATEST_VIEW = FeatureView(
    name="toy_latest", entity="subject", kind="latest", event_time="time",
    sql="SELECT subject_id, time, code, numeric_value AS value FROM events",
    features={"code": "VARCHAR", "value": "DOUBLE"})


# -- the oracle ----------------------------------------------------------------

def shorter(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def visible(e, sample_time, inclusive, lookback):
    """Whether an event may feed a feature of a sample: at or before index_time, inside the lookback."""
    before = e["time"] <= sample_time if inclusive else e["time"] < sample_time
    return before and (lookback is None or e["time"] >= sample_time - lookback)


def oracle_window(events, sample, inclusive, ttl):
    """Every feature of WINDOW_VIEW for one sample, by brute force."""
    out = {}
    mine = [e for e in events if e["subject_id"] == sample["subject_id"]]
    for f in WINDOW_VIEW.features:
        lookback = shorter(f.window, ttl)
        rows = [e for e in mine if visible(e, sample["index_time"], inclusive, lookback)]
        if f.where == "code = 'a'":
            rows = [e for e in rows if e["code"] == "a"]
        if f.where == "code = 'b'":
            rows = [e for e in rows if e["code"] == "b"]
        column = {"value": "value", "code": "code", None: None}[f.value]
        values = [e[column] for e in rows if e[column] is not None] if column else []
        if f.agg == "count":
            out[f.name] = len(values) if column else len(rows)
        elif f.agg == "sum":
            out[f.name] = sum(values) if values else None
        elif f.agg == "mean":
            out[f.name] = sum(values) / len(values) if values else None
        elif f.agg == "min":
            out[f.name] = min(values) if values else None
        elif f.agg == "max":
            out[f.name] = max(values) if values else None
        elif f.agg in ("last", "first"):
            pairs = [(e["time"], e[column]) for e in rows if e[column] is not None]
            pick = max if f.agg == "last" else min
            out[f.name] = pick(pairs)[1] if pairs else None
        elif f.agg == "distinct":
            out[f.name] = sorted(set(values)) or None
        elif f.agg == "histogram":
            out[f.name] = dict(Counter(values)) or None
        elif f.agg == "days_since":
            out[f.name] = (sample["index_time"] - max(e["time"] for e in rows)) / DAY if rows else None
    return out


def oracle_latest(events, sample, inclusive, ttl):
    mine = [e for e in events if e["subject_id"] == sample["subject_id"]
            and visible(e, sample["index_time"], inclusive, None)]
    if not mine:
        return {"code": None, "value": None}
    last = max(mine, key=lambda e: e["time"])
    if ttl is not None and last["time"] < sample["index_time"] - ttl:
        return {"code": None, "value": None}
    return {"code": last["code"], "value": last["value"]}


# -- random timelines --------------------------------------------------------------

half_days = st.integers(min_value=0, max_value=40).map(lambda h: T0 + h * DAY / 2)
event = st.fixed_dictionaries({
    "subject_id": st.integers(min_value=1, max_value=3),
    "time": half_days,
    "code": st.sampled_from(["a", "b", "c"]),
    "value": st.one_of(st.none(), st.integers(min_value=-5, max_value=20).map(float)),
})
sample = st.fixed_dictionaries({
    "subject_id": st.integers(min_value=1, max_value=4),     # subject 4 never has events
    "index_time": half_days,
})
ttls = st.sampled_from([None, dt.timedelta(days=1), dt.timedelta(days=3), dt.timedelta(days=6)])


def as_samples(samples):
    return pa.table({"subject_id": pa.array([s["subject_id"] for s in samples], pa.int64()),
                     "index_time": pa.array([s["index_time"] for s in samples], pa.timestamp("us"))})


def normalize(value):
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return dict(value)
    return value


def check_equal(got: dict, want: dict, prefix: str):
    for name, expected in want.items():
        actual = normalize(got[f"{prefix}__{name}"])
        if isinstance(expected, float) and actual is not None:
            assert actual == pytest.approx(expected, rel=1e-12, abs=1e-12), name
        else:
            assert actual == expected, name


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(event, max_size=25), samples=st.lists(sample, min_size=1, max_size=12),
       inclusive=st.booleans(), ttl=ttls)
def test_window_features_equal_the_oracle(events, samples, inclusive, ttl):
    lake = make_lake(events)
    try:
        lake.features.register(WINDOW_VIEW)
        got = lake.features.training_set(as_samples(samples), ["toy_window"], ttl=ttl, inclusive=inclusive)
    finally:
        lake.close()
    assert got.num_rows == len(samples)
    for row, s in zip(got.to_pylist(), samples):
        assert row["subject_id"] == s["subject_id"] and row["index_time"] == s["index_time"]
        check_equal(row, oracle_window(events, s, inclusive, ttl), "toy_window")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(event, max_size=20, unique_by=lambda e: (e["subject_id"], e["time"])),
       samples=st.lists(sample, min_size=1, max_size=12), inclusive=st.booleans(), ttl=ttls)
def test_latest_features_equal_the_oracle(events, samples, inclusive, ttl):
    lake = make_lake(events)
    try:
        lake.features.register(LATEST_VIEW)
        got = lake.features.training_set(as_samples(samples), ["toy_latest"], ttl=ttl, inclusive=inclusive)
    finally:
        lake.close()
    for row, s in zip(got.to_pylist(), samples):
        check_equal(row, oracle_latest(events, s, inclusive, ttl), "toy_latest")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(event, max_size=20), later=st.lists(event, min_size=1, max_size=10),
       samples=st.lists(sample, min_size=1, max_size=8), inclusive=st.booleans())
def test_events_after_every_index_time_change_nothing(events, later, samples, inclusive):
    """Leakage: rows added after the last index_time leave every feature value as it was."""
    last = max(s["index_time"] for s in samples)
    future = [{**e, "time": last + DAY / 2 + (e["time"] - T0)} for e in later]
    unique = {(e["subject_id"], e["time"]): e for e in events}
    lake = make_lake(list(unique.values()))
    try:
        for view in (WINDOW_VIEW, LATEST_VIEW):
            lake.features.register(view)
        before = lake.features.training_set(as_samples(samples), ["toy_window", "toy_latest"], inclusive=inclusive)
        add_events(lake, future)
        after = lake.features.training_set(as_samples(samples), ["toy_window", "toy_latest"], inclusive=inclusive)
    finally:
        lake.close()
    assert after.to_pylist() == before.to_pylist()


def test_edges_by_hand():
    """Events exactly at index_time, exactly a window back, and a subject with no history."""
    events = [
        {"subject_id": 1, "time": T0, "code": "a", "value": 1.0},              # exactly 3 days before
        {"subject_id": 1, "time": T0 + DAY, "code": "b", "value": 2.0},
        {"subject_id": 1, "time": T0 + 3 * DAY, "code": "a", "value": 5.0},    # exactly at index_time
        {"subject_id": 1, "time": T0 + 3 * DAY + dt.timedelta(microseconds=1), "code": "a", "value": 9.0},
    ]
    lake = make_lake(events)
    lake.features.register(WINDOW_VIEW)
    lake.features.register(LATEST_VIEW)
    samples = pa.table({"subject_id": [1, 2], "index_time": [T0 + 3 * DAY, T0 + 3 * DAY]})
    features = ["toy_window.n_a_3d", "toy_window.last_b", "toy_window.days_since_a", "toy_latest.value"]
    inc = lake.features.training_set(samples, features).to_pylist()
    exc = lake.features.training_set(samples, features, inclusive=False).to_pylist()
    ttl = lake.features.training_set(samples, features, ttl="2 days").to_pylist()
    lake.close()
    assert [(r["toy_window__n_a_3d"], r["toy_window__last_b"], r["toy_window__days_since_a"],
             r["toy_latest__value"]) for r in inc] == [(2, 2.0, 0.0, 5.0), (0, None, None, None)]
    assert [(r["toy_window__n_a_3d"], r["toy_window__days_since_a"], r["toy_latest__value"])
            for r in exc] == [(1, 3.0, 2.0), (0, None, None)]
    # a 2-day TTL drops the event 3 days back; the one exactly 2 days back stays
    assert [(r["toy_window__n_a_3d"], r["toy_window__last_b"], r["toy_latest__value"])
            for r in ttl] == [(1, 2.0, 5.0), (0, None, None)]
