"""Writing a training set with a manifest that says exactly what made it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from ..errors import MedlakeError
from ..files import sha256_file
from ..version import __version__
from .view import ttl_seconds


def manifest_path(out: str | Path) -> Path:
    """train.parquet -> train.manifest.json."""
    out = Path(out)
    return out.with_name(out.name[: -len(out.suffix)] if out.suffix else out.name).with_suffix(".manifest.json")


def build_training_set(store, *, out, task, samples, dataset, features, ttl, inclusive, params, show_progress) -> dict:
    """Compute a training set from a task (or any samples), write parquet and the manifest; return the manifest."""
    if (task is None) == (samples is None):
        raise MedlakeError("give either a task name or samples (a table name or parquet file), not both or neither")
    source: dict
    if task is not None:
        if not dataset:
            raise MedlakeError(f"task '{task}' needs a dataset to run on (--dataset NAME; in Python dataset=NAME)")
        result = store.tasks.run(task, dataset=dataset, **params)
        sql_text = getattr(result, "sql", "") or ""
        source = {"task": getattr(result, "name", task), "dataset": dataset,
                  "params": {k: _plain(v) for k, v in dict(getattr(result, "params", params) or {}).items()},
                  "sql_sha256": hashlib.sha256(sql_text.encode()).hexdigest()}
        samples = result
    else:
        source = {"samples": str(samples)}
    table, selection, failed = store.training_set_parts(samples, features=features, ttl=ttl, inclusive=inclusive,
                                                        dataset=dataset, show_progress=show_progress)
    if failed and not selection:
        raise MedlakeError("every feature view failed: " + "; ".join(f"'{n}': {m}" for n, m in failed))
    dataset = store.dataset_for(dataset, samples)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    datasets = [dataset] + (["vocab"] if any(v.needs_vocab() for v, _ in selection) else [])
    load_ids = store.db.load_ids(datasets)
    feature_columns = [f"{v.name}__{f.name}" for v, fs in selection for f in fs]
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "medlake_version": __version__,
        "lake": store.db.path,
        "dataset": dataset,
        "source": source,
        "features": [{"view": v.name, "version": v.version, "kind": v.kind, "entity": v.entity,
                      "features": [f.name for f in fs]} for v, fs in selection],
        "failed_views": [{"view": n, "error": m} for n, m in failed],
        "options": {"ttl_seconds": ttl_seconds(ttl), "inclusive": inclusive},
        "loads": load_ids,
        "rows": {"samples": table.num_rows, "training_set": table.num_rows,
                 "columns": table.num_columns, "feature_columns": len(feature_columns)},
        "out": str(out),
        "parquet_sha256": sha256_file(out),
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest


def _plain(value):
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
