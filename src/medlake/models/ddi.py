"""Drug-drug interaction pairs from a lake table or a CSV file (columns drug_a, drug_b)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import InputError

DDI_SQL = "models/ddi.sql"


def read_ddi_pairs(lake, source: str) -> list[tuple[str, str]]:
    """(drug_a, drug_b) pairs: `source` is a CSV path, or a table name (optionally schema.table) in the lake."""
    try:
        if Path(source).suffix.lower() in (".csv", ".gz") or Path(source).exists():
            if not Path(source).exists():
                raise InputError("DDI file not found", path=source, expected="a CSV with columns drug_a, drug_b")
            rows = lake.db.run(DDI_SQL, "ddi_csv", params={"path": str(source)})
        else:
            schema, _, table = source.rpartition(".")
            rows = lake.db.run(DDI_SQL, "ddi_table", tables={"ddi_source": (schema, table) if schema else table})
    except duckdb.Error as e:
        raise InputError(f"cannot read DDI pairs: {str(e).splitlines()[0]}", path=source,
                         expected="a table or CSV with columns drug_a and drug_b") from None
    return [(a, b) for a, b in rows if a is not None and b is not None]
