"""OMOP vocabularies of loaded OMOP datasets become part of the vocab tables."""

from __future__ import annotations

from ..database import Database

OMOP_SQL = "vocab/omop.sql"


def import_vocabularies(db: Database) -> list[dict]:
    """Add every <dataset>_raw schema's concept tables to vocab; returns one vocab.meta row per schema read.

    Runs inside the codes load's transaction, after the file inputs and before the closure."""
    rows = []
    schemas = [r[0] for r in db.run(OMOP_SQL, "schemas_with_vocabulary")]
    if not schemas:
        return rows
    file_vocabs = [r[0] for r in db.run(OMOP_SQL, "vocabularies_with_edges")]
    for schema in schemas:
        qualified = {"raw": schema}
        n = db.one(OMOP_SQL, "concept_count", schemas=qualified)[0]
        if not n:
            continue  # the OMOP loader leaves empty vocabulary tables when the export has none
        for stmt in ("insert_concepts", "insert_edges", "insert_maps"):
            db.run(OMOP_SQL, stmt, schemas=qualified, params={"file_vocabs": file_vocabs})
        rows.append({"input": "omop_vocabulary", "origin": "omop", "path": schema, "package": None,
                     "version": None, "sha256": None, "rows": n})
    return rows
