"""Helpers shared by several test files (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

import medlake

ROOT = Path(__file__).resolve().parents[1]
CODES_EXAMPLES = ROOT / "docs" / "examples" / "codes.sql"

T0 = dt.datetime(2030, 1, 1)
DAY = dt.timedelta(days=1)
EVENT_COLUMNS = ["subject_id", "visit_id", "time", "vocab", "code", "numeric_value", "text_value", "unit",
                 "end_time", "source", "seq", "alt_code"]


def make_lake(events: list[dict], path=":memory:"):
    """A lake with one dataset 'toy' whose events are the given rows (subject_id, time, code, value)."""
    lake = medlake.connect(path)
    lake.execute("CREATE SCHEMA toy")
    lake.db.run("schema/core.sql", schemas={None: "toy"})
    lake.db.record_dataset("toy", "test", 1, T0)
    add_events(lake, events)
    return lake


def add_events(lake, events: list[dict]) -> None:
    """Append rows to toy.events."""
    if not events:
        return
    schema = lake.sql("SELECT * FROM toy.events").schema
    cols = {c: [None] * len(events) for c in EVENT_COLUMNS}
    cols["subject_id"] = [e["subject_id"] for e in events]
    cols["time"] = [e["time"] for e in events]
    cols["code"] = [e["code"] for e in events]
    cols["numeric_value"] = [e["value"] for e in events]
    cols["vocab"] = ["TOY"] * len(events)
    cols["source"] = ["test"] * len(events)
    cols["seq"] = list(range(len(events)))
    with lake.db.registered("new_events", pa.table(cols, schema=schema)):
        lake.execute("INSERT INTO toy.events SELECT * FROM new_events")
