"""The item dictionaries of loaded MIMIC datasets (D_ITEMS, D_LABITEMS, d_hcpcs, ...) become vocab concepts."""

from __future__ import annotations

from ..database import Database

ITEMS_SQL = "vocab/items.sql"

# loader -> the prefix its events.vocab names carry (MIMIC3_CHART, MIMIC4_LAB, ...)
PREFIXES = {"mimic3": "MIMIC3", "mimic4": "MIMIC4"}


def import_items(db: Database) -> list[dict]:
    """Add the dictionaries of every loaded MIMIC dataset's raw schema to vocab.concepts; one vocab.meta row
    per schema read. Runs inside the codes load's transaction, after the file inputs and before the closure,
    so the code-system files keep their titles."""
    rows = []
    for source, prefix in PREFIXES.items():
        tables: dict[str, list[str]] = {}
        for schema, table in db.run(ITEMS_SQL, "raw_tables", params={"source": source}):
            tables.setdefault(schema, []).append(table)
        for schema, names in tables.items():
            before = db.one(ITEMS_SQL, "concept_count", params={"prefix": prefix})[0]
            for name in names:
                if name == "microbiologyevents" and source != "mimic4":
                    continue  # MIMIC-III names its microbiology items in D_ITEMS
                db.run(ITEMS_SQL, name, schemas={"raw": schema}, params={"prefix": prefix})
            added = db.one(ITEMS_SQL, "concept_count", params={"prefix": prefix})[0] - before
            rows.append({"input": "item_dictionaries", "origin": "dataset", "path": schema, "package": None,
                         "version": None, "sha256": None, "rows": added})
    return rows
