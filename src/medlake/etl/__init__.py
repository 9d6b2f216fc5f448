"""ETL: raw exports -> typed raw tables (<dataset>_raw) -> canonical tables (<dataset>).

- spec.py: what a source is (its raw tables, their types and keys);
  sources/: the loaders (mimic3, mimic4, eicu, omop), each a `SOURCE`;
- discovery.py: finding a source's files in a folder;
- staging_csv.py, staging_parquet.py, staging_checks.py, input_errors.py:
  files -> typed raw tables, and the errors that name file, line and column;
- settings.py: the DuckDB settings a load runs under;
- canonical.py: raw tables -> subjects, visits, events (sql/etl/<source>.sql);
- integrity.py: rows whose subject or visit does not exist, or whose id is below 1,
  dropped (or unlinked) and reported, for every loader alike (sql/etl/integrity.sql);
- load.py: one load as one transaction, written to the load log.
"""

from .load import LoadResult, check_dataset_name, load
from .sources import get_source, sources

__all__ = ["LoadResult", "check_dataset_name", "get_source", "load", "sources"]
