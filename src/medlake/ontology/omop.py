"""OMOP vocabularies of loaded OMOP datasets become part of the vocab tables."""

from __future__ import annotations

OMOP_SQL = "vocab/omop.sql"


def import_vocabularies(lake) -> list[dict]:
    """Add every <dataset>_raw schema's concept tables to vocab; returns one vocab.meta row per schema read.

    Runs inside the codes load's transaction, after the file inputs and before the closure."""
    rows = []
    schemas = [r[0] for r in lake.run_file(OMOP_SQL, name="schemas_with_vocabulary")]
    if not schemas:
        return rows
    file_vocabs = [r[0] for r in lake.run_file(OMOP_SQL, name="vocabularies_with_edges")]
    for schema in schemas:
        qualified = {"raw": schema}
        n = lake.run_file(OMOP_SQL, schemas=qualified, name="concept_count")[0][0]
        if not n:
            continue  # the OMOP loader leaves empty vocabulary tables when the export has none
        for stmt in ("insert_concepts", "insert_edges", "insert_maps"):
            lake.run_file(OMOP_SQL, schemas=qualified, name=stmt, params={"file_vocabs": file_vocabs})
        rows.append({"input": "omop_vocabulary", "origin": "omop", "path": schema, "package": None,
                     "version": None, "sha256": None, "rows": n})
    return rows
