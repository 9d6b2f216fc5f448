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
from .errors import MedlakeError, ParameterError
from .sqlcheck import check_statement, reads_only
from .version import __version__

DEFAULT_DB = "medlake.duckdb"
INFO_SQL = "lake/info.sql"
RESERVED_CATALOGS = ("meta", "vocab", "fs")
# loaders that are not EHR exports, and the options each takes
LOADER_OPTIONS = {"edf": ("layout", "subjects"), "dicom": ("workers", "layout", "labels")}
DEFAULT_NAMES = {"edf": "signals", "dicom": "images"}  # their dataset when no name is given


def default_db_path() -> str:
    """The lake path used when none is given: $MEDLAKE_DB, else ./medlake.duckdb."""
    return os.environ.get("MEDLAKE_DB") or DEFAULT_DB


class Lake:
    """A medlake database file (or ':memory:'): datasets, code systems, tasks and features."""

    def __init__(self, path: str | os.PathLike = ":memory:", read_only: bool | None = False, threads: int | None = None,
                 external_access: bool = True, memory_limit: str | None = None):
        """read_only=None: read-only when the file exists (reopened read-write by the first method that
        writes), read-write when it is created; True and False fix the mode."""
        on_demand = read_only is None
        if on_demand:
            read_only = str(path) != ":memory:" and Path(path).exists()
        self.db = Database(path, read_only=read_only, threads=threads, external_access=external_access,
                           memory_limit=memory_limit, write_on_demand=on_demand)
        # DuckDB names the file's catalog after its stem; a schema of the same name
        # makes two-part names like meta.loads ambiguous, so refuse such files early.
        self.catalog = self.db.catalog()
        if self.catalog in RESERVED_CATALOGS:
            self.db.close()
            raise MedlakeError(f"cannot use a lake file named '{Path(self.path).name}': DuckDB would confuse it with "
                               f"the '{self.catalog}' schema; choose another file name")
        # a load that was killed left its marker: the lake holds the state before it (the load's transaction
        # never committed); a writer gives the file back the space the dead load took
        self.interrupted_load = self.db.interrupted_load()
        if not read_only:
            self.db.prepare_for_writing()

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
        mode = "read-only" if self.read_only else "read-write"
        return f"<Lake {self.path} ({mode}): datasets {', '.join(self.datasets()) or 'none'}>"

    # -- running SQL ----------------------------------------------------
    def sql(self, query: str, params: dict | None = None, *, write: bool = False,
            allow_files: bool = False) -> pa.Table:
        """Run one statement (user SQL) and return its result as an Arrow table.

        The statement is checked first (medlake.sqlcheck): exactly one; only a query
        (or DESCRIBE, SHOW, SUMMARIZE) unless `write`; no file or network access
        (read_csv, COPY, ATTACH, INSTALL, a file path as table name, ...) unless
        `allow_files`. A refused statement raises SqlFileError naming what was refused."""
        check_statement(query, write=write, allow_files=allow_files)
        if write:
            self.db.for_writing("a statement run with write=True")
        return self.db.arrow_sql(query, params)

    def execute(self, sql: str, params: dict | None = None) -> list[tuple]:
        """Run one statement with bound parameters, unchecked (for trusted code); returns its rows.
        A statement that is not a plain query asks for writing (see `connect`)."""
        if self.db.read_only and not reads_only(sql):
            self.db.for_writing("lake.execute() of a statement that is not a query")
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
        loads = self.db.arrow(INFO_SQL, "loads").to_pylist() if self.db.has_load_log() else []
        return {"path": self.path, "datasets": datasets, "tables": tables, "views": views, "loads": loads,
                "medlake_version": __version__}

    def stat(self, dataset: str, top: int = 10) -> dict:
        """A dataset's statistics: subjects, visits (by kind), events by vocabulary with events per visit,
        and the `top` codes of each vocabulary with their titles (medlake.stats)."""
        from .stats import dataset_stat

        return dataset_stat(self.db, dataset, top=top)

    # -- the stages -----------------------------------------------------
    def load(self, source: str, directory: str | os.PathLike, tables: list[str] | None = None,
             name: str | None = None, show_progress: bool = False, **options):
        """Load a folder into the lake as dataset `name`: a raw EHR export (mimic3, mimic4, eicu, omop; see
        medlake.etl), a MEDS dataset (meds; see medlake.interop), EDF/BDF signals (edf; options layout=,
        subjects=; see medlake.signals) or DICOM headers (dicom; options workers=, layout=, labels=; see
        medlake.images); then
        install the dataset's task views, so any DuckDB client sees `<dataset>.<task>` right after a load
        (a reload installs them again). For the EHR and MEDS loaders, rows whose subject or visit does not
        exist are dropped or unlinked and reported in `result.issues` and meta.load_issues; `strict=True`
        makes any such row an InputError (docs/reliability.md)."""
        self.db.for_writing("a load")
        misplaced = sorted(o for o in options if any(o in v for v in LOADER_OPTIONS.values()))
        if misplaced and source not in LOADER_OPTIONS:
            owner = next(s for s, v in LOADER_OPTIONS.items() if misplaced[0] in v)
            raise ParameterError(f"option '{misplaced[0]}' applies to source {owner} only, not {source}")
        if source in LOADER_OPTIONS:
            allowed = LOADER_OPTIONS[source]
            extra = sorted(set(options) - set(allowed)) + (["tables"] if tables is not None else [])
            if extra:
                raise ParameterError(f"option '{extra[0]}' does not apply to source {source} "
                                     f"(its options: {', '.join(allowed)})")
        with self.db.loading(name or DEFAULT_NAMES.get(source, source), source):
            if source == "edf":
                from .signals import load_signals

                result = load_signals(self.db, directory, name=name, show_progress=show_progress, **options)
            elif source == "dicom":
                from .images import load_images

                result = load_images(self.db, directory, name=name, show_progress=show_progress, **options)
            elif source == "meds":
                from .interop import load_meds

                strict = bool(options.pop("strict", False))
                if tables or options:
                    raise ParameterError(f"a MEDS load takes no {'tables' if tables else ', '.join(options)}; "
                                         "it reads every shard under data/")
                result = load_meds(self.db, Path(directory), name=name, show_progress=show_progress, strict=strict)
            else:
                from .etl import load

                result = load(self.db, source, Path(directory), tables=tables, name=name,
                              show_progress=show_progress, **options)
            result.task_views = self.tasks.install(result.dataset)
        return result

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
    def notes(self):
        """Ranked full-text search over the datasets' notes (medlake.notes)."""
        from .notes import Notes

        return Notes(self.db)

    @functools.cached_property
    def features(self):
        """The feature store (medlake.featurestore)."""
        from .featurestore import FeatureStore

        return FeatureStore(self.db, self.tasks)

    def export_meds(self, dataset: str, out: str | os.PathLike, *, subjects_per_shard: int = 10_000,
                    split: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 0, overwrite: bool = False,
                    dataset_name: str | None = None):
        """Write a dataset as a MEDS dataset in folder `out` (data/ shards, metadata/); returns a
        MedsExport. See medlake.interop and docs/meds.md."""
        from .interop import export_meds

        return export_meds(self.db, dataset, out, subjects_per_shard=subjects_per_shard, split=split, seed=seed,
                           overwrite=overwrite, dataset_name=dataset_name)

    def export_labels(self, task: str, dataset: str, out: str | os.PathLike, **params) -> int:
        """Write a task's samples on a dataset as a MEDS label file (parquet); returns the rows written."""
        from .interop import export_labels

        return export_labels(self.db, self.tasks.run(task, dataset=dataset, **params), out)

    def task_from_aces(self, config: str | os.PathLike, out: str | os.PathLike | None = None, *,
                       name: str | None = None, predicates: str | os.PathLike | None = None):
        """Compile an ACES task config into a medlake task file (written to `out` when given) over the
        dataset's MEDS rows; returns an AcesTask (name, sql, spec). See medlake.interop.aces, docs/meds.md."""
        from .interop import compile_aces

        task = compile_aces(config, name=name, predicates=predicates)
        if out is not None:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(task.sql)
        return task

    def export_parquet(self, dataset: str, out: str | os.PathLike, buckets: int = 8, overwrite: bool = False) -> dict:
        """Write a dataset's canonical tables and the code tables as parquet under `out`, events
        in `buckets` hash buckets of subject_id, with manifest.json; returns the manifest (medlake.spark)."""
        from .spark import export_parquet

        return export_parquet(self.db, dataset, out, buckets=buckets, overwrite=overwrite)

    def task(self, name: str, dataset: str, **params):
        """Run a prediction task on a dataset; returns a TaskResult (the short form of lake.tasks.run)."""
        return self.tasks.run(name, dataset=dataset, **params)


def connect(path: str | os.PathLike | None = None, read_only: bool | None = None, threads: int | None = None,
            external_access: bool = True, memory_limit: str | None = None) -> Lake:
    """Open (or create) a lake. `path` defaults to $MEDLAKE_DB, else ./medlake.duckdb.

    By default a lake that exists opens read-only, so other readers (and DuckDB clients) share it; the
    first method that writes reopens it read-write: `load`, `sql(write=True)`, `execute` of a statement
    that is not a query, `codes.load`, `tasks.install`, `features.register/unregister/materialize`. A new
    file (or ':memory:') opens read-write. read_only=True keeps it read-only (writes are refused);
    read_only=False opens it read-write at once (a writer needs the file alone);
    external_access=False has DuckDB itself refuse file and network access on this connection;
    threads and memory_limit ("4GB") bound what DuckDB uses (past the limit it spills beside the lake)."""
    return Lake(path if path is not None else default_db_path(), read_only=read_only, threads=threads,
                external_access=external_access, memory_limit=memory_limit)
