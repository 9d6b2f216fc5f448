"""DuckDB settings a load runs under, put back afterwards.

- DuckDB's memory is capped while a load runs (it spills to its temp directory
  past the cap).
- Plain FSST string compression is skipped while it runs: on DuckDB 2 it is
  hardly ever chosen for these tables, and its analysis costs time. DuckDB 2's
  dictionary compression (`dict_fsst`) stays on: without it every string is
  stored uncompressed and the lake grows from 0.9 to 4 GB, for a slower load.
- Raw tables whose row positions no check reads are staged without preserving
  insertion order (`insertion_order`), so DuckDB writes them in parallel; the
  rest of the load keeps the order, which the sorted inserts rely on.
"""

from __future__ import annotations

import contextlib
import math

from ..database import Database

SETTINGS_SQL = "etl/settings.sql"
LOAD_MEMORY_LIMIT = 1024 * 2**20   # bytes; a lower user setting is kept
SKIPPED_COMPRESSION = ("fsst",)


def _setting(db: Database, name: str):
    return db.one(SETTINGS_SQL, name)[0]


@contextlib.contextmanager
def load_settings(db: Database):
    """Cap DuckDB's memory, skip FSST and keep insertion order for the duration of a load,
    then put the user's settings back."""
    before = _setting(db, "memory_limit")
    lowered = db.memory_limit is None and _bytes(before) > LOAD_MEMORY_LIMIT  # an explicit limit is the user's
    if lowered:
        db.run(SETTINGS_SQL, "set_memory_limit", params={"limit": f"{LOAD_MEMORY_LIMIT // 2**20}MiB"})
    disabled = _setting(db, "disabled_compression") or ""
    have = [m for m in disabled.split(",") if m.strip()]
    db.run(SETTINGS_SQL, "set_disabled_compression",
           params={"methods": ",".join(have + [m for m in SKIPPED_COMPRESSION if m not in have])})
    # sorted inserts must land in their ORDER BY order, whatever the user set
    order_kept = _setting(db, "insertion_order")
    db.run(SETTINGS_SQL, "set_insertion_order", params={"keep": True})
    try:
        yield
    finally:
        db.run(SETTINGS_SQL, "set_insertion_order", params={"keep": order_kept})
        db.run(SETTINGS_SQL, "set_disabled_compression", params={"methods": disabled})
        if lowered:
            # the setting reads back rounded ("18.8 GiB"); the default is put back exactly by a reset
            db.run(SETTINGS_SQL, "reset_memory_limit")
            if _setting(db, "memory_limit") != before:
                db.run(SETTINGS_SQL, "set_memory_limit", params={"limit": before})


@contextlib.contextmanager
def insertion_order(db: Database, keep: bool):
    """Run the block with DuckDB's preserve_insertion_order set to `keep`, then put it back.

    Not on error: a failed statement aborts the load's transaction, where no SET
    runs; `load_settings` restores the user's setting after the rollback."""
    before = _setting(db, "insertion_order")
    db.run(SETTINGS_SQL, "set_insertion_order", params={"keep": keep})
    yield
    db.run(SETTINGS_SQL, "set_insertion_order", params={"keep": before})


_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _bytes(setting: str) -> float:
    """'953.6 MiB' -> bytes (DuckDB's way of showing a memory setting)."""
    number, _, unit = setting.strip().partition(" ")
    try:
        return float(number) * _UNITS.get(unit.strip().upper() or "B", 1)
    except ValueError:
        return math.inf
