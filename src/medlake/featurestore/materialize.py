"""Materialized feature views and online reads.

`materialize` writes the view's rows to fs.<name>__v<version> and one row per
entity to fs.<name>__latest: the features as of the entity's last activity in
the dataset (its last event, visit end or birth: `as_of`), computed by the
same point-in-time join as training sets.

Run again after new loads, it recomputes the view, compares it with the
stored rows, and rewrites rows and latest values only for the entities whose
rows or last activity changed. A new version of the view, another dataset, or
full=True rebuilds both tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from sqlglot import exp

from ..database import Database
from ..errors import ParameterError, UnknownNameError, cut
from ..progress import progress
from ..sqlfiles import fill, load_sql
from .pit import ViewPart, point_in_time_query

SQL = "fs/materialize.sql"


def rows_table_name(name: str, version: str) -> str:
    return f"{name}__v{version}"


def latest_table_name(name: str) -> str:
    return f"{name}__latest"


def _statement(name: str, view, tables: dict | None = None) -> exp.Expression:
    """A statement of fs/materialize.sql with its tables and the view's key and time columns filled in."""
    return fill(load_sql(SQL)[name].tree, tables=tables,
                columns={"__key": view.key, "__event_time": view.event_time})


def materialize(store, name: str, dataset: str | None = None, full: bool = False, show_progress: bool = False) -> dict:
    """Materialize one view (its current version) for a dataset; returns what was done."""
    db: Database = store.db
    db.for_writing("materializing a feature view")
    store._ensure_schema()
    view = store.get(name)
    dataset = store.dataset_for(dataset)
    store._record(view)
    part = store.parts([(view, list(view.features))], dataset)[0]
    rows_name, latest_name = rows_table_name(view.name, view.version), latest_table_name(view.name)
    rows_t, latest_t = ("fs", rows_name), ("fs", latest_name)
    previous = db.arrow(SQL, "get_record", params={"name": view.name}).to_pylist()
    previous = previous[0] if previous else None
    datasets = [dataset] + (["vocab"] if view.needs_vocab() else [])
    load_ids = db.load_ids(datasets)
    exists = all(db.table_exists("fs", t) for t in (rows_name, latest_name))
    incremental = (not full and previous is not None and exists and previous["version"] == view.version
                   and previous["dataset"] == dataset)

    def run(name, tables=None, params=None):
        return db.run_sql(_statement(name, view, tables), params)

    with progress(show_progress) as bar, db.transaction():
        step = bar.add_task(f"materialize {view.name}", total=4, detail=f"v{view.version}")
        run("stage_rows", {"__view": part.query.subquery()})
        db.run(SQL, f"last_seen_{view.entity}", schemas={None: dataset})
        bar.advance(step)
        if incremental:
            run("changed_keys", {"target": rows_t, "latest": latest_t})
            changed = run("count_changed")[0][0]
            mode = "incremental" if changed else "unchanged"
            if changed:
                run("delete_changed", {"target": rows_t})
                run("insert_changed", {"target": rows_t})
                run("latest_samples_changed")
                run("delete_changed", {"target": latest_t})
                _write_latest(db, part, "insert_latest", latest_t)
        else:
            mode = "full"
            run("create_rows", {"target": rows_t, "__view": "__fs_new"})
            run("latest_samples_all")
            _write_latest(db, part, "create_latest", latest_t)
            changed = None
        bar.advance(step, 2)
        row_count, _ = run("counts", {"target": rows_t})[0]
        _, entity_count = run("counts", {"target": latest_t})[0]
        if changed is None:
            changed = entity_count
        db.run(SQL, "record", params={
            "name": view.name, "version": view.version, "dataset": dataset,
            "rows_table": f"fs.{rows_name}", "latest_table": f"fs.{latest_name}", "load_ids": load_ids,
            "row_count": row_count, "entity_count": entity_count, "mode": mode, "changed": changed})
        for drop in ("drop_new", "drop_changed", "drop_latest_samples", "drop_last_seen"):
            db.run(SQL, drop)
        bar.advance(step)
    store._online_plans.clear()
    return {"name": view.name, "version": view.version, "dataset": dataset, "mode": mode,
            "changed_entities": changed, "rows": row_count, "entities": entity_count,
            "rows_table": f"fs.{rows_name}", "latest_table": f"fs.{latest_name}", "load_ids": load_ids}


def _write_latest(db: Database, part: ViewPart, statement: str, target: tuple[str, str]) -> None:
    """Features as of each entity's last row, for the entities in __fs_latest_samples."""
    query, params = point_in_time_query("__fs_latest_samples", [part], inclusive=True,
                                        carry={part.view.key: part.view.key, "__index_time": "as_of"})
    # the latest table names columns by feature, not <view>__<feature>
    for select in query.expressions:
        if isinstance(select, exp.Alias) and select.alias.startswith(f"{part.view.name}__"):
            select.set("alias", exp.to_identifier(select.alias[len(part.view.name) + 2:], quoted=True))
    db.run_sql(_statement(statement, part.view, {"target": target, "__features": query.subquery()}), params)


@dataclass
class OnlineIndex:
    """The columns of the latest tables an online read needs, held as Arrow and sorted by entity id.

    Loaded from fs.<view>__latest on first use and again whenever
    fs.materializations changes (in this process or another one)."""

    key: str
    views: list[tuple[str, tuple[str, ...]]]
    stamp: tuple
    tables: list[pa.Table] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)

    def read(self, ids: np.ndarray) -> pa.Table:
        """One row per id (NULLs for ids without a row), by binary search over the sorted ids."""
        columns = {self.key: pa.array(ids, pa.int64())}
        for (name, feats), table, keys in zip(self.views, self.tables, self.keys):
            pos = np.minimum(np.searchsorted(keys, ids), max(len(keys) - 1, 0))
            found = keys[pos] == ids if len(keys) else np.zeros(len(ids), dtype=bool)
            rows = table.take(pa.array(pos, pa.int64(), mask=~found))
            for f in feats:
                columns[f"{name}__{f}"] = rows.column(f)
        return pa.table(columns)


def online(store, features, entity_ids) -> pa.Table:
    """Latest materialized values for entity ids (one row per id, in the order given)."""
    ids = entity_id_array(entity_ids)
    cache_key = features if isinstance(features, str) else tuple(features)
    stamp = tuple(store.db.one(SQL, "materialized_stamp")) if store._ensure_schema() else ()
    index = store._online_plans.get(cache_key)
    if index is None or index.stamp != stamp:
        index = store._online_plans[cache_key] = _online_index(store, features, stamp)
    return index.read(ids)


def entity_id_array(entity_ids) -> np.ndarray:
    """Entity ids as int64; ParameterError naming the first that is not a whole number in BIGINT's range."""
    ids = []
    for i in entity_ids:
        try:
            n = int(i)
        except (TypeError, ValueError):
            raise ParameterError(f"entity id {cut(i)} is not a whole number") from None
        if not -(2**63) <= n < 2**63:
            raise ParameterError(f"entity id {cut(n)} is out of range: ids are BIGINT "
                                 f"(at most {2**63 - 1:,})")
        ids.append(n)
    return np.asarray(ids, dtype=np.int64)


def _online_index(store, features, stamp: tuple) -> OnlineIndex:
    """Check that the views are materialized at their current version and load their latest columns."""
    selection = store.select(features)
    keys = {view.key for view, _ in selection}
    if len(keys) != 1:
        raise ParameterError("online reads take features of one entity (subject or visit) at a time")
    index = OnlineIndex(key=keys.pop(), views=[], stamp=stamp)
    for view, feats in selection:
        record = store.db.arrow(SQL, "get_record", params={"name": view.name}).to_pylist() \
            if store._ensure_schema() else []
        if not record:
            raise UnknownNameError(f"feature view '{view.name}' is not materialized; run "
                                   f"`medlake features materialize {view.name}` first")
        if record[0]["version"] != view.version:
            raise UnknownNameError(f"feature view '{view.name}' is materialized at version {record[0]['version']}, "
                                   f"not {view.version}; materialize it again")
        names = tuple(f.name for f in feats)
        query = _statement("online_columns", view, {"target": ("fs", latest_table_name(view.name))})
        for name in names:
            query = query.select(exp.column(name, quoted=True), copy=False)
        table = store.db.arrow_sql(query)
        index.views.append((view.name, names))
        index.tables.append(table)
        index.keys.append(table.column(view.key).to_numpy())
    return index
