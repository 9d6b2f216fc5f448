"""TaskResult: a task's samples on one dataset, as SQL and as data."""

from __future__ import annotations

import math
from collections import Counter

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from ..database import Database
from ..errors import MedlakeError, ParameterError
from ..sqlfiles import load_sql, render
from .build import literal_query
from .spec import CONTRACT_COLUMNS, TaskSpec


class TaskResult:
    """The samples of one task on one dataset.

    `.sql` is the exact query that produces them (placeholders `$name`, values
    in `.sql_params`); it runs in any DuckDB client opened on the lake file.
    The query runs once, on first use; the samples are kept."""

    def __init__(self, db: Database, spec: TaskSpec, dataset: str, params: dict, tree: exp.Expression,
                 sql_params: dict, split_fractions: dict | None = None):
        self._db = db
        self.spec = spec
        self.name = spec.name
        self.dataset = dataset
        self.params = dict(params)
        self._tree = tree
        self.sql = render(tree)
        self.sql_params = dict(sql_params)
        self.split_fractions = split_fractions
        self._table: pa.Table | None = None

    def __repr__(self) -> str:
        s = self.summary()
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        by_split = self._labels_by_split()
        splits = ", ".join(f"{k} {n:,}" + (f" ({_balance(by_split[k])})" if k in by_split else "")
                           for k, n in _split_order(s.get("splits") or {}))
        return (f"<TaskResult {self.name} on {self.dataset}" + (f" ({params})" if params else "")
                + f": {s['samples']:,} samples of "
                f"{s['subjects']:,} subjects; labels: {_balance(s['labels'])}"
                + (f"; splits: {splits}" if splits else "") + ">")

    def _repr_html_(self) -> str:
        import html

        s = self.summary()
        esc = html.escape
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        head = (f"<b>{esc(self.name)}</b> on <b>{esc(self.dataset)}</b>" + (f" ({esc(params)})" if params else "")
                + ": "
                f"{s['samples']:,} samples of {s['subjects']:,} subjects, {s['visits']:,} visits; "
                f"{esc(s['label_type'])} label")
        # one row per split (and all samples), one column per label class or label statistic
        rows = [(k, n, self._labels_by_split().get(k, {})) for k, n in _split_order(s.get("splits") or {})]
        rows.append(("all", s["samples"], s["labels"]))
        columns = list(dict.fromkeys(c for _, _, labels in rows for c in labels))
        counts = s["label_type"] in ("binary", "multiclass")   # class counts (else label statistics)
        cells = "".join(
            "<tr><td>" + esc(str(k)) + f"</td><td>{n:,}</td>"
            + "".join(f"<td>{esc(_cell(labels.get(c), n if counts else 0))}</td>" for c in columns) + "</tr>"
            for k, n, labels in rows)
        header = "<tr><th>split</th><th>samples</th>" + "".join(f"<th>{esc(str(c))}</th>" for c in columns) + "</tr>"
        return f"<div>{head}<table>{header}{cells}</table></div>"

    def _labels_by_split(self) -> dict[str, dict]:
        """The label summary of each split ({} when the samples are not split)."""
        t = self.to_arrow()
        if "split" not in t.column_names:
            return {}
        return {split: _label_summary(t.filter(pc.equal(t["split"], split))["label"], self.spec)
                for split in sorted(set(t["split"].to_pylist()))}

    @property
    def tree(self) -> exp.Expression:
        """The samples' query as a sqlglot tree (a copy; `$name` placeholders, values in `.sql_params`)."""
        return self._tree.copy()

    def display_sql(self, pretty: bool = True) -> str:
        """The query with parameter values written in, for reading (the run binds them instead)."""
        return render(literal_query(self._tree, self.sql_params), pretty=pretty)

    # -- data -------------------------------------------------------------
    def to_arrow(self) -> pa.Table:
        """The samples as an Arrow table (computed once)."""
        if self._table is None:
            try:
                table = self._db.arrow_sql(self.sql, self.sql_params)
            except duckdb.Error as e:
                where = self.spec.path or self.name
                raise MedlakeError(f"task '{self.name}' failed on dataset '{self.dataset}' ({where}): "
                                   f"{str(e).splitlines()[0]}") from None
            missing = [c for c in (*CONTRACT_COLUMNS, *self.spec.inputs) if c not in table.column_names]
            if missing:
                raise MedlakeError(f"task '{self.name}' ({self.spec.path}) yields no column '{missing[0]}'; "
                                   f"every task yields {', '.join(CONTRACT_COLUMNS)} and its declared inputs")
            self._table = table
        return self._table

    def to_pandas(self):
        """The samples as a pandas DataFrame."""
        return self.to_arrow().to_pandas()

    def to_polars(self):
        """The samples as a polars DataFrame."""
        import polars as pl

        return pl.from_arrow(self.to_arrow())

    def to_ibis(self):
        """The samples as an ibis table on the lake's connection, so they join the lake's
        tables; they are registered in the session only, never stored in the file."""
        from .ibis_bridge import ibis_backend

        tag = "_".join(filter(None, [self.name, self.dataset, "split" if self.split_fractions else ""]))
        name = f"_medlake_task_{tag}"
        self._db.register(name, self.to_arrow())
        return ibis_backend(self._db.connection_for_library()).table(name)

    def __len__(self) -> int:
        return self.to_arrow().num_rows

    def summary(self) -> dict:
        """Samples, subjects, visits, label balance (and split sizes when split). A task run with
        uncertain_order=drop also reports how many samples that left out (dropped_uncertain_order)."""
        t = self.to_arrow()
        out = {
            "task": self.name, "dataset": self.dataset, "params": self.params,
            "samples": t.num_rows,
            "subjects": len(pc.unique(t["subject_id"])) if t.num_rows else 0,
            "visits": len(pc.unique(t["visit_id"])) if t.num_rows else 0,
            "label_type": self.spec.label_type,
            "labels": _label_summary(t["label"], self.spec),
        }
        if self.params.get("uncertain_order") == "drop":
            out["dropped_uncertain_order"] = self._count(uncertain_order="keep") - t.num_rows
        if "split" in t.column_names:
            counts = pc.value_counts(t["split"]).to_pylist()
            out["splits"] = {c["values"]: c["counts"] for c in sorted(counts, key=lambda c: c["values"])}
        return out

    def stat(self, top: int = 10) -> dict:
        """The summary, plus the label balance in each split and, per code input, the codes per sample
        and the `top` codes with the samples that hold them (PyHealth's samples.stat() and more)."""
        t = self.to_arrow()
        out = self.summary()
        if "split" in t.column_names:
            out["labels_by_split"] = self._labels_by_split()
        out["inputs"] = {name: _input_stat(t[name], kind, top) for name, kind in self.spec.inputs.items()
                         if name in t.column_names}
        return out

    def _count(self, **params) -> int:
        """How many samples the same query gives with some parameters bound to other values."""
        try:
            row = self._db.one("tasks/_lib/split.sql", "count_samples", tables={"task_samples": self._tree.subquery()},
                               params={**self.sql_params, **params})
        except duckdb.Error as e:
            where = self.spec.path or self.name
            raise MedlakeError(f"task '{self.name}' failed on dataset '{self.dataset}' ({where}): "
                               f"{str(e).splitlines()[0]}") from None
        return row[0]

    # -- splits -----------------------------------------------------------
    def split(self, train: float = 0.7, val: float = 0.1, test: float = 0.2, seed: int = 0) -> TaskResult:
        """The same samples with a `split` column ('train', 'val' or 'test'), assigned by subject.

        Deterministic for a given seed; every subject's samples share one split."""
        fractions = {"train": train, "val": val, "test": test}
        for k, v in fractions.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ParameterError(f"split fraction {k}={v!r}; expected a number between 0 and 1")
        total = train + val + test
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ParameterError(f"split fractions train={train}, val={val}, test={test} add up to {total}; "
                                 "expected 1")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ParameterError(f"split seed {seed!r}; expected an integer")
        if self.split_fractions:
            raise ParameterError(f"task '{self.name}' is already split")
        wrapper = load_sql("tasks/_lib/split.sql")["split"].tree.copy()
        samples = exp.CTE(this=self._tree.copy(), alias=exp.TableAlias(this=exp.to_identifier("samples")))
        wrapper.args["with_"].set("expressions", [samples, *wrapper.args["with_"].expressions])
        params = {**self.sql_params, "split_seed": seed, "split_train": float(train), "split_val": float(val)}
        return TaskResult(self._db, self.spec, self.dataset, self.params, wrapper, params, fractions)


def parse_split(text: str) -> dict[str, float]:
    """'0.7,0.1,0.2' -> {'train': 0.7, 'val': 0.1, 'test': 0.2} (checked again by TaskResult.split)."""
    try:
        train, val, test = (float(x) for x in text.split(","))
    except ValueError:
        raise ParameterError(f"split {text!r}: expected three fractions TRAIN,VAL,TEST such as 0.7,0.1,0.2") from None
    return {"train": train, "val": val, "test": test}


def _input_stat(column: pa.ChunkedArray, kind: str, top: int) -> dict:
    """Codes per sample (per visit for nested inputs) and the most frequent codes, counted once per sample."""
    rows = column.to_pylist()
    if kind == "series":
        sizes = [len(row or []) for row in rows]
        return {"kind": kind, "mean_per_sample": round(sum(sizes) / len(sizes), 2) if sizes else 0.0}
    if kind not in ("codes", "nested_codes"):
        return {"kind": kind}
    if kind == "nested_codes":
        per_sample = [{c for visit in (row or []) for c in (visit or [])} for row in rows]
        sizes = [len(visit or []) for row in rows for visit in (row or [])]
        size_name = "mean_per_visit"
    else:
        per_sample = [set(row or []) for row in rows]
        sizes = [len(row or []) for row in rows]
        size_name = "mean_per_sample"
    counts = Counter(code for codes in per_sample for code in codes)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    return {"kind": kind, size_name: round(sum(sizes) / len(sizes), 2) if sizes else 0.0,
            "top": [{"code": code, "samples": n} for code, n in ranked]}


def _split_order(splits: dict[str, int]) -> list[tuple[str, int]]:
    """Split sizes as train, val, test, then any other split by name."""
    known = ("train", "val", "test")
    return sorted(splits.items(), key=lambda kv: (known.index(kv[0]) if kv[0] in known else 3, kv[0]))


def _number(v) -> str:
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _balance(labels: dict) -> str:
    """A label summary as text: 'survived 21, died 5' (or 'mean 3.2, ...' for other label types)."""
    return ", ".join(f"{k} {_number(v)}" for k, v in labels.items())


def _cell(v, n: int) -> str:
    """A class count with its share of the split's `n` samples, or (n = 0) a label statistic."""
    if v is None:
        return "0" if n else ""
    if isinstance(v, int) and n:
        return f"{v:,} ({v / n:.0%})"
    return _number(v)


def _label_summary(labels: pa.ChunkedArray, spec: TaskSpec) -> dict:
    kind = spec.label_type
    if kind in ("binary", "multiclass"):
        counts = {c["values"]: c["counts"] for c in pc.value_counts(labels).to_pylist()}
        classes = spec.classes
        return {(classes[k] if classes and isinstance(k, int) and 0 <= k < len(classes) else str(k)): n
                for k, n in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0]))}
    if kind == "multilabel":
        flat = pc.list_flatten(labels)
        sizes = pc.list_value_length(labels)
        return {"distinct_labels": len(pc.unique(flat)) if len(flat) else 0,
                "mean_labels_per_sample": round(pc.mean(sizes).as_py() or 0.0, 4)}
    return {"mean": pc.mean(labels).as_py(), "stddev": pc.stddev(labels).as_py(),
            "min": pc.min(labels).as_py(), "max": pc.max(labels).as_py()}
