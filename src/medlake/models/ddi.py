"""Drug-drug interaction pairs from a lake table or a CSV file (columns drug_a, drug_b)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from sqlglot import exp

from ..errors import InputError
from ..sqlfiles import load_sql, render


def read_ddi_pairs(lake, source: str) -> list[tuple[str, str]]:
    """(drug_a, drug_b) pairs: `source` is a CSV path, or a table name (optionally schema.table) in the lake."""
    try:
        if Path(source).suffix.lower() in (".csv", ".gz") or Path(source).exists():
            if not Path(source).exists():
                raise InputError("DDI file not found", path=source, expected="a CSV with columns drug_a, drug_b")
            st = load_sql("models/ddi.sql")["ddi_csv"]
            rows = lake.execute(st.raw or st.text, {"path": str(source)}).fetchall()
        else:
            schema, _, table = source.rpartition(".")
            tree = load_sql("models/ddi.sql")["ddi_table"].tree.copy()
            for t in tree.find_all(exp.Table):
                if t.name == "ddi_source":
                    t.replace(exp.table_(table, db=schema or None, quoted=True))
            rows = lake.execute(render(tree)).fetchall()
    except duckdb.Error as e:
        raise InputError(f"cannot read DDI pairs: {str(e).splitlines()[0]}", path=source,
                         expected="a table or CSV with columns drug_a and drug_b") from None
    return [(a, b) for a, b in rows if a is not None and b is not None]
