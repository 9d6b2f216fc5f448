"""Lake: the facade users hold over one DuckDB file holding every dataset, the code systems,
the feature store and metadata.

Statements run through the lake's `Database` (`lake.db`, medlake/database.py);
the stages (etl, ontology, tasks, featurestore) receive that door, never this
facade, so nothing below imports this module.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pyarrow as pa

from .database import Database
from .errors import MedlakeError
from .version import __version__

DEFAULT_DB = "medlake.duckdb"
INFO_SQL = "lake/info.sql"
RESERVED_CATALOGS = ("meta", "vocab", "fs")


def default_db_path() -> str:
    """The lake path used when none is given: $MEDLAKE_DB, else ./medlake.duckdb."""
    return os.environ.get("MEDLAKE_DB") or DEFAULT_DB


class Lake:
    """A medlake database file (or ':memory:'): datasets, code systems, tasks and features."""

    def __init__(self, path: str | os.PathLike = ":memory:", read_only: bool = False, threads: int | None = None):
        self.db = Database(path, read_only=read_only, threads=threads)
        # DuckDB names the file's catalog after its stem; a schema of the same name
        # makes two-part names like meta.loads ambiguous, so refuse such files early.
        self.catalog = self.db.catalog()
        if self.catalog in RESERVED_CATALOGS:
            self.db.close()
            raise MedlakeError(f"cannot use a lake file named '{Path(self.path).name}': DuckDB would confuse it with "
                               f"the '{self.catalog}' schema; choose another file name")
        if not read_only:
            self.db.run("lake/meta.sql")

    @property
    def path(self) -> str:
        """The lake file's path (':memory:' for an in-memory lake)."""
        return self.db.path

    @property
    def read_only(self) -> bool:
        """Whether this handle may write."""
        return self.db.read_only

    # -- connection -----------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Lake({self.path!r})"

    # -- running SQL ----------------------------------------------------
    def sql(self, query: str, params: dict | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""
        return self.db.arrow_sql(query, params)

    def execute(self, sql: str, params: dict | None = None) -> list[tuple]:
        """Run one statement with bound parameters; returns its rows."""
        return self.db.run_sql(sql, params)

    # -- datasets -------------------------------------------------------
    def datasets(self) -> list[str]:
        """Names of the loaded datasets (one schema each)."""
        return self.db.datasets()

    def require_dataset(self, dataset: str) -> str:
        """Return the dataset's schema name, or raise UnknownNameError listing what is loaded."""
        return self.db.require_dataset(dataset)

    def info(self) -> dict:
        """Datasets with their tables' row counts, and the load history."""
        datasets = self.db.dataset_rows()
        schemas = []
        for d in datasets:
            schemas += [d["dataset"], d["dataset"] + "_raw"]
        schemas += [s for s in ("vocab", "fs") if self.db.schema_exists(s)]
        tables = self.db.arrow(INFO_SQL, "tables", params={"schemas": schemas}).to_pylist()
        views = self.db.arrow(INFO_SQL, "views", params={"schemas": schemas}).to_pylist()
        loads = self.db.arrow(INFO_SQL, "loads").to_pylist()
        return {"path": self.path, "datasets": datasets, "tables": tables, "views": views, "loads": loads,
                "medlake_version": __version__}

    # -- the stages -----------------------------------------------------
    def load(self, source: str, directory: str | os.PathLike, tables: list[str] | None = None,
             name: str | None = None, show_progress: bool = False, **options):
        """Load a raw export (mimic3, mimic4, eicu, omop) into the lake; see medlake.etl."""
        from .etl import load

        return load(self.db, source, Path(directory), tables=tables, name=name, show_progress=show_progress,
                    **options)

    @functools.cached_property
    def codes(self):
        """Code systems: lookup, hierarchy and cross-maps (medlake.ontology)."""
        from .ontology import Codes

        return Codes(self.db)

    @functools.cached_property
    def tasks(self):
        """Prediction tasks: list, describe, register, check, install, run (medlake.tasks)."""
        from .tasks import Tasks

        return Tasks(self.db)

    @functools.cached_property
    def features(self):
        """The feature store (medlake.featurestore)."""
        from .featurestore import FeatureStore

        return FeatureStore(self.db, self.tasks)

    def export_parquet(self, dataset: str, out: str | os.PathLike, buckets: int = 8, overwrite: bool = False) -> dict:
        """Write a dataset's canonical tables and the code tables as parquet under `out`, events
        in `buckets` hash buckets of subject_id, with manifest.json; returns the manifest (medlake.spark)."""
        from .spark import export_parquet

        return export_parquet(self.db, dataset, out, buckets=buckets, overwrite=overwrite)

    def task(self, name: str, dataset: str, **params):
        """Run a prediction task on a dataset; returns a TaskResult (the short form of lake.tasks.run)."""
        return self.tasks.run(name, dataset=dataset, **params)


def connect(path: str | os.PathLike | None = None, read_only: bool = False, threads: int | None = None) -> Lake:
    """Open (or create) a lake. `path` defaults to $MEDLAKE_DB, else ./medlake.duckdb."""
    return Lake(path if path is not None else default_db_path(), read_only=read_only, threads=threads)
