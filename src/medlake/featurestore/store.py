"""FeatureStore (`lake.features`): the registry of views and the training-set entry point."""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..database import Database
from ..errors import MedlakeError, ParameterError, SqlFileError, UnknownNameError
from ..progress import progress
from ..samples import samples_table
from ..sqlfiles import SQL_ROOT, qualify
from .pit import ViewPart, point_in_time_query
from .view import ENTITY_KEYS, FeatureView, parse_duration

REGISTRY = "fs/registry.sql"
MATERIALIZE = "fs/materialize.sql"
SAMPLES_RELATION = "__fs_samples"


@functools.lru_cache(maxsize=1)
def builtin_views() -> dict[str, FeatureView]:
    """The feature views shipped in src/medlake/sql/features/, by name."""
    views = {}
    for path in sorted((SQL_ROOT / "features").glob("*.sql")):
        view = FeatureView.from_file(path)
        views[view.name] = view
    return views


class FeatureStore:
    """Feature views, point-in-time training sets, materialization and online reads for one lake."""

    def __init__(self, db: Database, tasks=None):
        self.db = db
        self.tasks = tasks  # a tasks.Tasks, for training sets named by task
        self._session: dict[str, FeatureView] = {}
        self._parsed_rows: dict[tuple[str, str], FeatureView] = {}
        self._online_plans: dict = {}
        self._schema_ready = False

    def __repr__(self) -> str:
        views = sorted(self.views())
        return f"<FeatureStore: {len(views)} views ({', '.join(views)})>"

    # -- registry -------------------------------------------------------
    def _ensure_schema(self) -> bool:
        """Create schema fs if the lake is writable; True when the registry tables exist."""
        if not self._schema_ready:
            if not self.db.read_only:
                self.db.run("fs/schema.sql")
            self._schema_ready = bool(self.db.one(REGISTRY, "fs_ready")[0])
        return self._schema_ready

    def _registered_newest(self) -> dict[str, FeatureView]:
        if not self._ensure_schema():
            return {}
        return {r["name"]: self._parsed(r) for r in self.db.arrow(REGISTRY, "newest").to_pylist()}

    def _parsed(self, row: dict) -> FeatureView:
        """A registry row as a FeatureView, parsed once per (name, version)."""
        key = (row["name"], row["version"])
        if key not in self._parsed_rows:
            try:
                self._parsed_rows[key] = _from_row(row)
            except SqlFileError as e:  # registered before the check it now fails was in place
                raise SqlFileError(f"registered feature view '{key[0]}' version {key[1]}",
                                   f"{e.message}; remove it with "
                                   f"`medlake features unregister {key[0]} --version {key[1]}`") from None
        return self._parsed_rows[key]

    def views(self) -> dict[str, FeatureView]:
        """The current definition of every view: registered ones, then built-ins, then this session's."""
        return {**self._registered_newest(), **builtin_views(), **self._session}

    def list(self) -> list[dict]:
        """Every current feature view: name, entity, kind, version, features, description."""
        out = []
        for name, v in sorted(self.views().items()):
            out.append({"name": name, "entity": v.entity, "kind": v.kind, "version": v.version,
                        "ttl": v.spec()["ttl"], "features": [f.name for f in v.features],
                        "description": v.description})
        return out

    def register(self, view: FeatureView | str | Path) -> str:
        """Add a view (object or .sql path) to this store and the registry; returns its version."""
        if not isinstance(view, FeatureView):
            view = FeatureView.from_file(view)
        self._session[view.name] = view
        self._online_plans.clear()
        self._record(view)
        return view.version

    def _record(self, view: FeatureView) -> None:
        if self.db.read_only and not self.db.write_on_demand:
            return  # a lake opened with read_only=True: the view is known to this handle only
        self.db.for_writing("registering a feature view")
        if not self._ensure_schema():
            return
        spec = view.spec()
        self.db.run(REGISTRY, "register", params={
            "name": view.name, "version": view.version, "entity": view.entity, "kind": view.kind,
            "spec": json.dumps(spec), "sql": view.sql, "source_tables": view.source_tables()})

    def unregister(self, name: str, version: str | None = None) -> dict:
        """Remove a registered view (every version, or one) from the registry, with the tables
        materialized from the removed versions; returns {name, versions, dropped_tables}."""
        self.db.for_writing("unregistering a feature view")
        registered = [v["version"] for v in self.versions(name)]
        if not registered:
            if name in builtin_views():
                raise ParameterError(f"feature view '{name}' is built in (src/medlake/sql/features); "
                                     "only registered views can be unregistered")
            if name in self._session:
                del self._session[name]
                return {"name": name, "versions": [], "dropped_tables": []}
            raise UnknownNameError(f"no feature view '{name}' is registered (registered: "
                                   f"{', '.join(sorted(self._registered_newest())) or 'none'})")
        if version is not None and version not in registered:
            raise UnknownNameError(f"feature view '{name}' has no version '{version}' "
                                   f"(versions: {', '.join(registered)})")
        removed = registered if version is None else [version]
        from .materialize import latest_table_name, rows_table_name

        dropped = []
        with self.db.transaction():
            record = self.db.one(MATERIALIZE, "get_record", params={"name": name})
            tables = [rows_table_name(name, v) for v in removed]
            if record is not None and record[1] in removed:
                tables.append(latest_table_name(name))
                self.db.run(REGISTRY, "forget_materialization", params={"name": name})
            for table in tables:
                if self.db.table_exists("fs", table):
                    self.db.run(REGISTRY, "drop_table", tables={"target": ("fs", table)})
                    dropped.append(f"fs.{table}")
            self.db.run(REGISTRY, "unregister", params={"name": name, "versions": removed})
        if name in self._session and self._session[name].version in removed:
            del self._session[name]
        self._parsed_rows = {k: v for k, v in self._parsed_rows.items() if k[0] != name}
        self._online_plans.clear()
        return {"name": name, "versions": removed, "dropped_tables": dropped}

    def get(self, name: str, version: str | None = None, views: dict | None = None) -> FeatureView:
        """A view by name: its current definition, or the registered `version`."""
        views = self.views() if views is None else views
        current = views.get(name)
        if version is None or (current is not None and current.version == version):
            if current is None:
                raise UnknownNameError(f"unknown feature view '{name}' (known: {', '.join(sorted(views))})")
            return current
        rows = self.db.arrow(REGISTRY, "one_version", params={"name": name, "version": version}).to_pylist() \
            if self._ensure_schema() else []
        if not rows:
            known = ", ".join(v["version"] for v in self.versions(name)) or "none registered"
            raise UnknownNameError(f"feature view '{name}' has no version '{version}' (versions: {known})")
        return self._parsed(rows[0])

    def versions(self, name: str) -> list[dict]:
        """Registered versions of a view, oldest first: version, created_at, source_tables."""
        if not self._ensure_schema():
            return []
        rows = self.db.arrow(REGISTRY, "versions", params={"name": name}).to_pylist()
        return [{"version": r["version"], "created_at": r["created_at"], "source_tables": r["source_tables"]}
                for r in rows]

    # -- choosing features ----------------------------------------------
    def select(self, features: list[str] | str | None, columns: list[str] | None = None) -> list[tuple]:
        """Resolve feature names to [(view, [Feature, ...]), ...] in the order asked.

        Items are 'view', 'view.feature', 'view@version' or 'view@version.feature'.
        None means every current view whose entity key is among `columns` and whose
        tables are all in the lake (views over code tables need them loaded)."""
        if features is None:
            return [(v, list(v.features)) for _, v in sorted(self.views().items())
                    if (columns is None or v.key in columns) and self._missing_table(v) is None]
        if isinstance(features, str):
            features = [f.strip() for f in features.split(",") if f.strip()]
        chosen: dict[tuple[str, str], tuple] = {}
        views = self.views()
        for item in features:
            head, _, feature = item.partition(".")
            name, _, version = head.partition("@")
            view = self.get(name, version or None, views)
            entry = chosen.setdefault((view.name, view.version), (view, []))
            picked = [view.feature(feature)] if feature else list(view.features)
            entry[1].extend(f for f in picked if f not in entry[1])
        return list(chosen.values())

    def _missing_table(self, view: FeatureView) -> str | None:
        """The first schema-qualified table (e.g. vocab.maps) a view reads that the lake lacks."""
        for table in view.source_tables():
            schema, _, name = table.partition(".")
            if name and not self.db.table_exists(schema, name):
                return table
        return None

    def _check_vocab(self, view: FeatureView) -> None:
        table = self._missing_table(view)
        if table:
            raise UnknownNameError(f"feature view '{view.name}' reads {table}, which is not in the lake; "
                                   "load the code tables first (lake.codes.load() or `medlake codes load`)")

    def parts(self, selection: list[tuple], dataset: str) -> list[ViewPart]:
        """Qualify each chosen view's query to a dataset (and check the code tables it needs)."""
        parts = []
        for view, feats in selection:
            self._check_vocab(view)
            parts.append(ViewPart(view, qualify(view.tree, {None: dataset}), feats))
        return parts

    def dataset_for(self, dataset: str | None, samples=None) -> str:
        """The dataset a training set reads: given, the task result's, or the only one loaded."""
        dataset = dataset or getattr(samples, "dataset", None)
        if dataset:
            return self.db.require_dataset(dataset)
        loaded = self.db.datasets()
        if len(loaded) == 1:
            return loaded[0]
        raise ParameterError("say which dataset the features come from (--dataset NAME; in Python dataset=NAME); "
                             f"loaded: {', '.join(loaded) or 'none'}")

    # -- training sets --------------------------------------------------
    def training_set(self, samples, features: list[str] | str | None = None, ttl=None, inclusive: bool = True,
                     dataset: str | None = None, show_progress: bool = False) -> pa.Table:
        """Join features to samples as of each sample's index_time; one row per sample.

        `samples` is a task result, a pyarrow Table, a pandas/polars frame or a
        table name, with index_time and subject_id (and visit_id for visit
        views). Only rows with time <= index_time (< when inclusive=False) and
        within the TTL count. Returns the samples' columns plus one column per
        feature named <view>__<feature>.

        With `features` None (every view that fits), a view whose query fails is
        left out with a warning naming it and the others still join; a view named
        in `features` that fails raises MedlakeError naming it."""
        table, _, failed = self.training_set_parts(samples, features, ttl=ttl, inclusive=inclusive,
                                                   dataset=dataset, show_progress=show_progress)
        for name, message in failed:
            warnings.warn(f"feature view '{name}' failed and was left out: {message}", stacklevel=2)
        return table

    def training_set_parts(self, samples, features=None, ttl=None, inclusive: bool = True,
                           dataset: str | None = None, show_progress: bool = False):
        """`training_set`, plus the views that went in ([(view, [Feature, ...])]) and those left
        out because their query failed ([(name, message)], only when `features` is None)."""
        table = samples_table(self.db, samples)
        dataset = self.dataset_for(dataset, samples)
        selection = self.select(features, table.column_names)
        for view, _ in selection:
            if view.key not in table.column_names:
                raise ParameterError(f"feature view '{view.name}' needs column '{view.key}' in the samples "
                                     f"(they have: {', '.join(table.column_names)})")
        if "index_time" not in table.column_names:
            raise ParameterError(f"samples need an index_time column (they have: {', '.join(table.column_names)})")
        for view, _ in selection:
            self._record(view)
        failed: list[tuple[str, str]] | None = [] if features is None else None
        with progress(show_progress) as bar:
            task = bar.add_task("features", total=None, detail=f"{table.num_rows:,} samples")
            values = self.compute(table, self.parts(selection, dataset), ttl=ttl, inclusive=inclusive, failed=failed)
            bar.update(task, total=1, completed=1)
        clash = sorted(set(values.column_names) & set(table.column_names))
        if clash:
            raise ParameterError(f"samples already have columns named like features: {', '.join(clash)}")
        for name in values.column_names:
            table = table.append_column(name, values.column(name))
        failed = failed or []
        left_out = {name for name, _ in failed}
        return table, [(v, fs) for v, fs in selection if v.name not in left_out], failed

    def compute(self, samples: pa.Table, parts: list[ViewPart], ttl=None, inclusive: bool = True,
                failed: list | None = None) -> pa.Table:
        """Feature values for an Arrow table of samples, in its row order (no sample columns).

        Each view is one point-in-time query, run in turn: DuckDB then holds
        one view's join and aggregates at a time, which keeps memory low. A view
        whose query fails raises MedlakeError naming it, or, when `failed` is a
        list, is appended to it as (name, message) and left out."""
        ttl = parse_duration(ttl, "ttl")
        keys = {"__row": pa.array(np.arange(samples.num_rows, dtype=np.int64))}
        for key in ENTITY_KEYS.values():
            if key in samples.column_names:
                keys[key] = _as(samples.column(key), pa.int64(), key)
        keys["__index_time"] = _as(samples.column("index_time"), pa.timestamp("us"), "index_time")
        columns: dict[str, pa.ChunkedArray] = {}
        with self.db.registered(SAMPLES_RELATION, pa.table(keys)):
            for part in parts:
                query, params = point_in_time_query(SAMPLES_RELATION, [part], inclusive=inclusive, ttl=ttl,
                                                    sample_visits="visit_id" in keys)
                try:
                    out = self.db.arrow_sql(query, params)
                except duckdb.Error as e:
                    message = str(e).splitlines()[0]
                    if failed is None:
                        raise MedlakeError(f"computing the features of view '{part.view.name}' failed: "
                                           f"{message}") from None
                    failed.append((part.view.name, message))
                    continue
                for name in out.column_names[1:]:
                    if name in columns:
                        raise ParameterError(f"two versions of view '{part.view.name}' in one training set "
                                             f"would both give column '{name}'")
                    columns[name] = out.column(name)
        return pa.table(columns) if columns else pa.table({})

    def build(self, *, out: str | Path, task: str | None = None, samples=None, dataset: str | None = None,
              features: list[str] | str | None = None, ttl=None, inclusive: bool = True,
              params: dict | None = None, show_progress: bool = False) -> dict:
        """Write a training set as parquet plus a manifest (<out>.manifest.json); returns the manifest."""
        from .manifest import build_training_set

        return build_training_set(self, out=out, task=task, samples=samples, dataset=dataset, features=features,
                                  ttl=ttl, inclusive=inclusive, params=params or {}, show_progress=show_progress)

    # -- materialization and online reads --------------------------------
    def materialize(self, name: str, dataset: str | None = None, full: bool = False,
                    show_progress: bool = False) -> dict:
        """Write fs.<name>__v<version> and fs.<name>__latest; after new loads only changed entities are redone."""
        from .materialize import materialize

        return materialize(self, name, dataset=dataset, full=full, show_progress=show_progress)

    def online(self, features: list[str] | str, entity_ids) -> pa.Table:
        """Latest values of 'view.feature' (or whole views) for a list of entity ids, in the order given."""
        from .materialize import online

        return online(self, features, entity_ids)


def _from_row(row: dict) -> FeatureView:
    spec = json.loads(row["spec"]) if isinstance(row["spec"], str) else row["spec"]
    return FeatureView.from_spec(spec, row["sql"])


def _as(column: pa.ChunkedArray, typ: pa.DataType, name: str) -> pa.ChunkedArray:
    if column.type == typ:
        return column
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        raise ParameterError(f"samples column '{name}' has time zone {column.type.tz}; "
                             "expected a TIMESTAMP without time zone, as in the lake")
    try:
        return pc.cast(column, typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ParameterError(f"samples column '{name}' of type {column.type} cannot be read as {typ}: {e}") from None
