"""Dataset statistics (`lake.stat`, `medlake stat`): sizes, visits by kind, events by vocabulary and the
top codes of each vocabulary with their titles from the code tables (when they are loaded)."""

from __future__ import annotations

import pyarrow as pa

from .database import Database

STAT_SQL = "lake/stat.sql"


def dataset_stat(db: Database, dataset: str, top: int = 10) -> dict:
    """PyHealth's dataset.stat() and more, as plain data and Arrow tables."""
    db.require_dataset(dataset)
    schemas = {None: dataset}
    sizes = db.arrow(STAT_SQL, "sizes", schemas=schemas).to_pylist()[0]
    top_codes = db.arrow(STAT_SQL, "top_codes", schemas=schemas, params={"top": int(top)})
    return {
        "dataset": dataset,
        "source": db.source_of(dataset),
        **sizes,
        "visits_by_kind": db.arrow(STAT_SQL, "visits_by_kind", schemas=schemas),
        "events_by_vocab": db.arrow(STAT_SQL, "events_by_vocab", schemas=schemas),
        "top_codes": _with_titles(db, top_codes),
    }


def _with_titles(db: Database, codes: pa.Table) -> pa.Table:
    """The table with a `title` column from vocab.concepts (NULL where the code tables do not know the code)."""
    titles: dict[tuple[str, str], str] = {}
    if codes.num_rows and db.table_exists("vocab", "concepts"):
        with db.registered("stat_codes", codes.select(["vocab", "code"])):
            titles = {(r["vocab"], r["code"]): r["name"] for r in db.arrow(STAT_SQL, "code_titles").to_pylist()}
    keys = zip(codes.column("vocab").to_pylist(), codes.column("code").to_pylist())
    return codes.append_column("title", pa.array([titles.get(k) for k in keys], pa.string()))
