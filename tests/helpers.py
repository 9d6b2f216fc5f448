"""Helpers shared by several test files (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODES_EXAMPLES = ROOT / "docs" / "examples" / "codes.sql"


def toy_lake(path=":memory:", *, subjects=(), visits=(), events=(), maps=()):
    """A lake with one dataset 'toy' holding the given rows (dicts; absent columns are NULL).

    `maps` are (src_vocab, src_code, dst_vocab, dst_code) rows of vocab.maps."""
    import datetime as dt

    import pyarrow as pa

    import medlake

    lake = medlake.connect(path)
    lake.execute("CREATE SCHEMA toy")
    lake.db.run("schema/core.sql", schemas={None: "toy"})
    lake.db.record_dataset("toy", "test", 1, dt.datetime(2030, 1, 1))
    for table, rows in (("subjects", subjects), ("visits", visits), ("events", events)):
        if rows:
            schema = lake.sql(f"SELECT * FROM toy.{table}").schema
            columns = {name: [row.get(name) for row in rows] for name in schema.names}
            with lake.db.registered("new_rows", pa.table(columns, schema=schema)):
                lake.execute(f"INSERT INTO toy.{table} SELECT * FROM new_rows")
    if maps:
        lake.db.run("vocab/schema.sql", "create_schema")
        lake.db.run("vocab/schema.sql", "maps")
        cols = list(zip(*maps))
        rows = pa.table({"src_vocab": cols[0], "src_code": cols[1], "dst_vocab": cols[2], "dst_code": cols[3],
                         "kind": ["test"] * len(maps), "flags": [None] * len(maps)})
        with lake.db.registered("new_maps", rows):
            lake.execute("INSERT INTO vocab.maps SELECT * FROM new_maps")
    return lake
