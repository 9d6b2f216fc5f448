"""The one door to DuckDB: every statement medlake runs goes through a `Database`.

A Database owns one DuckDB connection. It runs the named statements of the
packaged SQL files (filled in by `sqlfiles.fill`) and the trees the stages
build (task queries, point-in-time joins), returning rows, a single row or
Arrow; it holds transactions, session-only Arrow relations and the load log
(meta.loads, meta.datasets: sql/lake/load_log.sql), which every loader writes
through `record_load`. It imports only duckdb, pyarrow and sqlfiles, so every
stage can depend on it and none needs the `Lake` facade.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from .errors import InputError, LakeInUseError, MedlakeError, OutOfMemoryError, ParameterError, UnknownNameError
from .sqlfiles import params_used, render, statement_sql

LOAD_LOG_SQL = "lake/load_log.sql"
INFO_SQL = "lake/info.sql"
TRANSACTION_SQL = "lake/transaction.sql"

Sql = str | exp.Expression
_DATASET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED_SCHEMAS = {"meta", "vocab", "fs", "main", "information_schema", "pg_catalog", "temp"}


@dataclass
class LoadRecord:
    """One load, as the load log keeps it (meta.loads)."""

    dataset: str                        # the schema written, e.g. mimic3, or vocab for the code tables
    source: str                         # the loader: mimic3, mimic4, eicu, omop, codes, ...
    directory: str | None
    files: list[dict]                   # {path, size, sha256[, utf8_bom]} per file read (medlake.files.file_facts)
    row_counts: dict[str, int]          # rows written per table
    started_at: dt.datetime
    version: str
    options: dict = field(default_factory=dict)
    finished_at: dt.datetime | None = None


def load_repr(kind: str, result, note: str = "") -> str:
    """The short repr every load result shares: `<Kind loaded|replaced DATASET from SOURCE (load N, S s): counts>`."""
    own = {k.split(".", 1)[1]: v for k, v in result.row_counts.items() if k.startswith(f"{result.dataset}.")}
    sizes = ", ".join(f"{v:,} {k}" for k, v in own.items())
    verb = "replaced" if result.replaced else "loaded"
    return (f"<{kind} {verb} {result.dataset} from {result.source} "
            f"(load {result.load_id}, {result.seconds:.1f} s): {sizes}{note}>")


class Database:
    """One DuckDB connection and everything that runs on it."""

    def __init__(self, path: str | os.PathLike = ":memory:", read_only: bool = False, threads: int | None = None,
                 external_access: bool = True, memory_limit: str | None = None, write_on_demand: bool = False):
        """Open (or create) the file; `external_access=False` has DuckDB refuse every file and
        network access but the lake's own files (read_csv, COPY, ATTACH, INSTALL, ...) for this connection.
        `threads` and `memory_limit` ("2GB", "500MiB") bound what DuckDB uses; past the memory limit it
        spills to DuckDB's temp directory, `<lake>.tmp/` beside the lake file. With `write_on_demand`, a
        read-only connection is reopened read-write by the first `for_writing()`."""
        self.path = str(path)
        self.read_only = read_only
        self.memory_limit = memory_limit
        self.write_on_demand = write_on_demand
        self._config: dict = {"threads": int(threads)} if threads else {}
        if memory_limit:
            self._config["memory_limit"] = str(memory_limit)
        if not external_access:
            self._config["enable_external_access"] = False
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise UnknownNameError(f"no lake at '{self.path}'; create one with `medlake load` "
                                   "(or medlake.connect(path) in Python)")
        if not read_only and self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)   # a new lake's folder, as the CLI's outputs
        self._con = self._open(read_only)
        self._in_transaction = False

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(self.path, read_only=read_only, config=self._config)
        except duckdb.Error as e:
            text, config = str(e).lower(), self._config
            if ("memory_limit" in config and "memory" in text) or ("threads" in config and "thread" in text):
                raise ParameterError(f"{first_line(e)}; expected --memory-limit like 2GB or 500MiB and "
                                     "--threads a whole number of at least 1") from None
            raise _open_error(self.path, read_only, e) from None

    def for_writing(self, what: str) -> bool:
        """Make sure this connection may write before `what` (a phrase: "a load") does. A read-only
        connection opened with `write_on_demand` is reopened read-write and prepared (True is returned);
        one opened read-only on purpose raises ParameterError."""
        if not self.read_only:
            return False
        if not self.write_on_demand:
            raise ParameterError(f"the lake '{self.path}' is open read-only and {what} writes to it; "
                                 "open it with medlake.connect(path, read_only=False) or a command that writes")
        if self._in_transaction:
            raise ParameterError(f"{what} cannot reopen the lake for writing inside a transaction")
        self._con.close()
        self._con = self._open(read_only=False)
        self.read_only = False
        self.prepare_for_writing()
        return True

    def prepare_for_writing(self) -> None:
        """On a read-write connection: the meta schema exists, and the space a killed load took is given back."""
        self.run("lake/meta.sql")
        if self.interrupted_load():
            self.recover_from_interrupted_load()

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"Database({self.path!r}, {mode})"

    # -- named statements of the packaged SQL files ------------------------
    def run(self, relpath: str | Path, name: str | None = None, *, params: dict | None = None, **fills) -> list[tuple]:
        """Run a SQL file's statements (or one named statement) in order, filled in by
        `sqlfiles.fill` (schemas=, tables=, columns=); returns the rows of the last one.
        A str names a packaged file (src/medlake/sql), a Path any file."""
        rows: list[tuple] = []
        for text in statement_sql(relpath, name, **fills):
            rows = self.run_sql(text, params)
        return rows

    def one(self, relpath: str | Path, name: str, *, params: dict | None = None, **fills) -> tuple | None:
        """The first row of one named statement (None when it has none)."""
        return self.one_sql(statement_sql(relpath, name, **fills)[0], params)

    def arrow(self, relpath: str | Path, name: str, *, params: dict | None = None, **fills) -> pa.Table:
        """The result of one named statement as Arrow."""
        return self.arrow_sql(statement_sql(relpath, name, **fills)[0], params)

    # -- statements the stages build as trees -------------------------------
    def run_sql(self, sql: Sql, params: dict | None = None) -> list[tuple]:
        """Run one statement (text or sqlglot tree) with bound parameters; returns its rows."""
        text = _text(sql)
        used = params_used(text, params)
        with _out_of_memory_said_plainly():
            cur = self._con.execute(text, used) if used else self._con.execute(text)
            return cur.fetchall() if cur.description else []

    def one_sql(self, sql: Sql, params: dict | None = None) -> tuple | None:
        """The first row of one statement (None when it has none).

        The whole result is read: DuckDB 2 refuses further work on a connection whose
        last result was left half-read."""
        rows = self.run_sql(sql, params)
        return rows[0] if rows else None

    def arrow_sql(self, sql: Sql, params: dict | None = None) -> pa.Table:
        """One statement's rows as Arrow (an empty table for a statement without rows).

        Results go through a relation (`con.sql`) rather than a cursor: since DuckDB 2.0
        Arrow from a cursor makes an extra copy of every row."""
        text = _text(sql)
        with _out_of_memory_said_plainly():
            rel = self._con.sql(text, params=params_used(text, params))
            return rel.to_arrow_table() if rel is not None else pa.table({})

    def arrow_batches(self, sql: Sql, params: dict | None = None, batch_size: int = 1_000_000):
        """One statement's rows as an Arrow record batch reader (streamed, not held whole)."""
        text = _text(sql)
        return self._con.sql(text, params=params_used(text, params)).to_arrow_reader(batch_size)

    # -- session state --------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """BEGIN ... COMMIT, or ROLLBACK on any error; nested uses join the outer one."""
        if self._in_transaction:
            yield self
            return
        self.run(TRANSACTION_SQL, "begin")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self._in_transaction = False
            self.run(TRANSACTION_SQL, "rollback")
            raise
        self._in_transaction = False
        self.run(TRANSACTION_SQL, "commit")

    @contextlib.contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[str]:
        """An Arrow table visible to statements as relation `name` for the block (never stored)."""
        self._con.register(name, table)
        try:
            yield name
        finally:
            with contextlib.suppress(duckdb.Error):
                self._con.unregister(name)

    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table visible as relation `name` until `unregister` or close (never stored)."""
        self._con.register(name, table)

    def unregister(self, name: str) -> None:
        """Forget a relation `register` made."""
        self._con.unregister(name)

    def connection_for_library(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for libraries that take one (ibis). medlake's own
        statements never use it: they go through run / one / arrow."""
        return self._con

    # -- the lake's catalog ----------------------------------------------------
    def catalog(self) -> str:
        """DuckDB's name for the file's catalog (its stem)."""
        return self.one(INFO_SQL, "catalog")[0]

    def datasets(self) -> list[str]:
        """Names of the loaded datasets (one schema each)."""
        return [r["dataset"] for r in self.dataset_rows()]

    def dataset_rows(self) -> list[dict]:
        """One row per loaded dataset: dataset, source, load_id, loaded_at (none in a file
        medlake never wrote to, opened read-only: it has no load log)."""
        if not self.has_load_log():
            return []
        return self.arrow(INFO_SQL, "datasets").to_pylist()

    def has_load_log(self) -> bool:
        """Whether the file has medlake's load log (meta.loads, meta.datasets); a lake opened
        read-write always has it, a plain DuckDB file opened read-only may not."""
        return self.table_exists("meta", "datasets") and self.table_exists("meta", "loads")

    def require_dataset(self, dataset: str) -> str:
        """Return the dataset's schema name, or raise UnknownNameError listing what is loaded."""
        loaded = self.datasets()
        if dataset not in loaded:
            have = ", ".join(loaded) or "none"
            raise UnknownNameError(f"unknown dataset '{dataset}' (loaded: {have}); load it with `medlake load`")
        return dataset

    def source_of(self, dataset: str) -> str:
        """The loader a dataset came from (mimic3, eicu, ...)."""
        self.require_dataset(dataset)
        return next(r["source"] for r in self.dataset_rows() if r["dataset"] == dataset)

    def check_dataset_name(self, dataset: str) -> str:
        """Return `dataset` (lower-cased) if it can name a dataset schema, else raise InputError."""
        dataset = dataset.lower()
        if not _DATASET_NAME.match(dataset) or dataset in RESERVED_SCHEMAS or dataset.endswith("_raw"):
            raise InputError("bad dataset name", value=dataset,
                             expected="lower-case letters, digits and _, not ending in _raw, not meta/vocab/fs")
        if dataset == self.catalog():
            raise InputError("dataset name equals the lake file's name", value=dataset,
                             expected=f"another name (--name) or another file name than '{Path(self.path).name}': "
                                      "DuckDB cannot tell a schema from a catalog of the same name")
        return dataset

    def schema_exists(self, schema: str) -> bool:
        """Whether a schema of that name exists in the lake."""
        return bool(self.one(INFO_SQL, "schema_exists", params={"schema": schema})[0])

    def table_exists(self, schema: str, table: str) -> bool:
        """Whether schema.table exists in the lake."""
        return bool(self.one(INFO_SQL, "table_exists", params={"schema": schema, "table": table})[0])

    # -- interrupted loads --------------------------------------------------------
    @property
    def _marker(self) -> Path | None:
        return None if self.path == ":memory:" else Path(self.path).with_name(Path(self.path).name + ".loading")

    @contextlib.contextmanager
    def loading(self, dataset: str, source: str) -> Iterator[None]:
        """Mark the lake as being loaded for the block: a marker file beside it, removed when the block ends
        (committed or rolled back). A marker found on opening means a load was killed."""
        marker = self._marker
        if marker is not None:
            marker.write_text(json.dumps({"dataset": dataset, "source": source, "pid": os.getpid(),
                                          "started_at": dt.datetime.now().isoformat(timespec="seconds")}))
        try:
            yield
        finally:
            if marker is not None:
                marker.unlink(missing_ok=True)

    def interrupted_load(self) -> dict | None:
        """What the marker of a killed load says (dataset, source, pid, started_at), or None."""
        marker = self._marker
        if marker is None or not marker.exists():
            return None
        try:
            return json.loads(marker.read_text())
        except (OSError, ValueError):
            return {"dataset": "?", "source": "?", "pid": None, "started_at": None}

    def recover_from_interrupted_load(self) -> None:
        """Give the file back the space the killed load took (it shrinks to its committed contents) and
        remove the marker. A bare CHECKPOINT leaves the file's length as it is; one after a write (a table
        made and dropped) truncates the unused tail."""
        self.run(INFO_SQL, "scratch_table")
        self.run(INFO_SQL, "drop_scratch_table")
        self.run(INFO_SQL, "checkpoint")
        self._marker.unlink(missing_ok=True)

    # -- the load log ------------------------------------------------------------
    def record_load(self, record: LoadRecord, *, dataset_loaded: bool = True) -> int:
        """Write one load to meta.loads (earlier loads of the same dataset become 'replaced')
        and, for a dataset, meta.datasets; returns its load id. Call inside the load's transaction."""
        finished = record.finished_at or dt.datetime.now()
        load_id = self.one(LOAD_LOG_SQL, "next_load_id")[0]
        self.run(LOAD_LOG_SQL, "mark_replaced", params={"dataset": record.dataset})
        self.run(LOAD_LOG_SQL, "record_load", params={
            "load_id": load_id, "dataset": record.dataset, "source": record.source, "directory": record.directory,
            "files": [{"path": f["path"], "size": f["size"], "sha256": f["sha256"],
                       "utf8_bom": bool(f.get("utf8_bom"))} for f in record.files],
            "table_names": list(record.row_counts),
            "table_rows": list(record.row_counts.values()), "started_at": record.started_at,
            "finished_at": finished, "version": record.version, "options": json.dumps(record.options, default=str),
        })
        if dataset_loaded:
            self.record_dataset(record.dataset, record.source, load_id, finished)
        return load_id

    def record_errors(self, load_id: int, errors: list[dict]) -> None:
        """Write the files a load skipped ({path, reason} each) to meta.load_errors under its load id.
        Call inside the load's transaction, after `record_load`."""
        if not errors:
            return
        table = pa.table({"path": [str(e["path"]) for e in errors], "reason": [str(e["reason"]) for e in errors]})
        with self.registered("load_errors_staged", table):
            self.run(LOAD_LOG_SQL, "record_errors", params={"load_id": load_id})

    def load_errors(self, load_id: int) -> list[dict]:
        """The files load `load_id` skipped, with the reason ({path, reason} each)."""
        return self.arrow(LOAD_LOG_SQL, "load_errors", params={"load_id": load_id}).to_pylist()

    def record_issues(self, load_id: int, issues: list[dict]) -> None:
        """Write the integrity issues of a load (etl.integrity.LoadIssue.as_row each) to meta.load_issues.
        Call inside the load's transaction, after `record_load`."""
        if not issues:
            return
        columns = ("table_name", "source", "column_name", "reason", "action", "rows", "example")
        table = pa.table({c: [i[c] for i in issues] for c in columns})
        with self.registered("load_issues_staged", table):
            self.run(LOAD_LOG_SQL, "record_issues", params={"load_id": load_id})

    def load_issues(self, load_id: int) -> list[dict]:
        """The integrity issues of load `load_id` (table_name, source, column_name, reason, action, rows, example)."""
        if not self.table_exists("meta", "load_issues"):
            return []
        return self.arrow(LOAD_LOG_SQL, "load_issues", params={"load_id": load_id}).to_pylist()

    def record_dataset(self, dataset: str, source: str, load_id: int, loaded_at: dt.datetime) -> None:
        """Name a schema as a loaded dataset in meta.datasets (what `record_load` does for loaders)."""
        self.run(LOAD_LOG_SQL, "record_dataset",
                 params={"dataset": dataset, "source": source, "load_id": load_id, "loaded_at": loaded_at})

    def load_ids(self, datasets: list[str]) -> list[int]:
        """The current load id of each named dataset (vocab for the code tables), for manifests."""
        return [r[0] for r in self.run(LOAD_LOG_SQL, "current_loads", params={"datasets": datasets})]


def _open_error(path: str, read_only: bool, error: duckdb.Error) -> MedlakeError:
    """DuckDB's refusal to open a file, said in medlake's terms: who holds it and what to do."""
    text = str(error)
    held = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", text)
    if held:
        program, pid = held.group(1), int(held.group(2))
        mode = "read-only" if read_only else "for writing"
        return LakeInUseError(
            f"cannot open lake '{path}' {mode}: process {pid} ({program}) holds it; wait for that process to "
            f"finish or close its lake, then try again (readers may share a lake; a writer needs it alone)", pid=pid)
    if not read_only and os.path.exists(path) and not os.access(path, os.W_OK):
        return MedlakeError(f"cannot open lake '{path}' for writing: the file is read-only; "
                            "commands that only read (info, sql, tasks list, features list/show/get) still work")
    return MedlakeError(f"cannot open lake '{path}': {text.splitlines()[0]}")


def _text(sql: Sql) -> str:
    return render(sql) if isinstance(sql, exp.Expression) else sql


@contextlib.contextmanager
def _out_of_memory_said_plainly():
    """DuckDB's out-of-memory error as an OutOfMemoryError that says what to do (never blamed on an input)."""
    try:
        yield
    except duckdb.OutOfMemoryException as e:
        raise OutOfMemoryError(f"DuckDB ran out of memory ({first_line(e)}); give it more with --memory-limit "
                               "(medlake.connect(..., memory_limit='4GB')), fewer --threads, or free disk "
                               "for it to spill to") from None


def first_line(e: Exception) -> str:
    """The first line of an exception's message."""
    return str(e).strip().splitlines()[0]
