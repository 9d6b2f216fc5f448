"""Samples -> integer ids in SQL -> Arrow -> padded tensors, as a torch IterableDataset.

`SampleSet.build(source)` takes a task result, a training set (Arrow or
pandas), or any SQL query on a lake; fetches its rows once as Arrow; builds
the vocabularies from the training split in SQL (stream.sql); and turns every
code into its id inside DuckDB (an ENUM cast of each list), so Python never
loops over events. `SampleSet.stream(split)` is the IterableDataset: each
epoch a seeded permutation is drawn in SQL, split across distributed ranks
and DataLoader workers (each worker uses its own in-memory DuckDB
connection), and list columns, padded once with numpy from their Arrow
offsets, are cut into batches trimmed to each batch's longest list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..errors import InputError, ParameterError
from . import sqlparts
from .tensors import flat_lists, gather_padded, multi_hot, pad_lists, pad_nested
from .vocab import Encoders, LabelEncoder, Vocabulary, check_kinds

BIG = 2**31 - 1      # "no limit" for list slices in SQL


@dataclass
class SourceRows:
    """A source resolved to Arrow rows plus what its columns mean."""

    table: pa.Table
    inputs: dict[str, str]
    label_type: str
    classes: list[str] | None
    describe: dict


def resolve_source(source, lake=None, params: dict | None = None, inputs: dict | None = None,
                   label_type: str | None = None, classes: list | None = None) -> SourceRows:
    """A TaskResult, Arrow table, pandas frame or SQL text (with `lake`) -> SourceRows.

    A task result brings its input kinds and label type from its header;
    other sources need `inputs` ({column: kind}) and `label_type`."""
    describe: dict = {}
    spec = getattr(source, "spec", None)
    if spec is not None and hasattr(source, "to_arrow"):
        table = source.to_arrow()
        label = spec.label if isinstance(spec.label, dict) else vars(spec.label)
        inputs = inputs or dict(spec.inputs)
        label_type = label_type or label.get("type")
        classes = classes or label.get("classes")
        describe = {"task": getattr(source, "name", None), "dataset": getattr(source, "dataset", None)}
    elif isinstance(source, pa.Table):
        table = source
    elif isinstance(source, str):
        if lake is None:
            raise ParameterError("a SQL query needs a lake to run on (pass lake=...)")
        table = lake.sql(source, params)
        describe = {"sql": source}
    elif hasattr(source, "to_arrow") or type(source).__name__ == "DataFrame":
        table = source.to_arrow() if hasattr(source, "to_arrow") else pa.Table.from_pandas(source, preserve_index=False)
    else:
        raise ParameterError(f"cannot stream from {type(source).__name__}; "
                             "expected a task result, an Arrow table, a pandas frame or a SQL query")
    if not inputs:
        raise ParameterError("inputs are unknown: pass inputs={column: kind} (kinds: codes, nested_codes, "
                             "series, numeric, categorical)")
    label_type = label_type or "binary"
    check_kinds(inputs, label_type)
    for col in [*inputs, "label", "sample_id"]:
        if col not in table.column_names:
            raise InputError(f"missing column '{col}' in samples",
                             expected=f"one of the sample columns: {', '.join(table.column_names)}")
    if "split" not in table.column_names:
        # no split column: every row is training data
        split = pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, np.int32)), pa.array(["train"]))
        table = table.append_column("split", split.cast(pa.string()))
    return SourceRows(table, dict(inputs), label_type, list(classes) if classes else None, describe)


def private_connection(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection (one per stream worker)."""
    return duckdb.connect(":memory:", config={"threads": int(threads)} if threads else {})


def build_encoders(con: duckdb.DuckDBPyConnection, rows: SourceRows, min_count: int = 1,
                   train_split: str = "train", max_len: int | None = None,
                   max_visits: int | None = None) -> Encoders:
    """Vocabularies (training split only), numeric scalers and label classes, computed in SQL.

    `con` has the samples registered as `samples`."""
    split = {"split": train_split, "min_count": int(min_count)}
    vocabs, scalers = {}, {}
    count_stmt = {"codes": "count_codes", "nested_codes": "count_nested_codes", "series": "count_series_codes",
                  "categorical": "count_categories"}
    for col, kind in rows.inputs.items():
        if kind in count_stmt:
            codes = sqlparts.query(con, count_stmt[kind], col, split).column("code").to_pylist()
            vocabs[col] = Vocabulary.from_counts(codes)
        elif kind == "numeric":
            mean, std = sqlparts.query(con, "numeric_stats", col, split).to_pylist()[0].values()
            scalers[col] = (float(mean), float(std) if std and std > 0 else 1.0)
    label_encoder = None
    label_is_index = rows.label_type == "multiclass" and pa.types.is_integer(rows.table.schema.field("label").type)
    if label_is_index:
        n = sqlparts.query(con, "label_count", "label").column("n")[0].as_py()
        label_encoder = LabelEncoder([str(c) for c in rows.classes] if rows.classes else [str(i) for i in range(n)])
        if n > len(label_encoder):
            raise InputError("class number in column 'label' out of range", value=n - 1,
                             expected=f"class numbers 0 to {len(label_encoder) - 1}")
    elif rows.label_type in ("multiclass", "multilabel"):
        classes = rows.classes
        if not classes:
            stmt = "label_classes" if rows.label_type == "multiclass" else "label_classes_multilabel"
            classes = sqlparts.query(con, stmt, "label").column("code").to_pylist()
        label_encoder = LabelEncoder([str(c) for c in classes])
    return Encoders(inputs=rows.inputs, label="label", label_type=rows.label_type, vocabularies=vocabs,
                    scalers=scalers, label_encoder=label_encoder, label_is_index=label_is_index,
                    max_len=max_len, max_visits=max_visits)


def encode_rows(con: duckdb.DuckDBPyConnection, table: pa.Table, enc: Encoders) -> pa.Table:
    """Samples -> a table of ids and floats (one column per input, series as three), in row order."""
    con.register("samples", table)
    limits = {"max_len": enc.max_len or BIG, "max_visits": enc.max_visits or BIG}
    cols: dict[str, pa.Array] = {"sample_id": table.column("sample_id"), "split": table.column("split")}

    def with_enum(codes_table: pa.Table):
        con.register("vocab_codes", codes_table)
        con.execute(sqlparts.statement("make_code_enum"))

    for col, kind in enc.inputs.items():
        if kind in ("codes", "nested_codes", "series", "categorical"):
            with_enum(enc.vocabularies[col].id_table())
        if kind == "codes":
            cols[col] = sqlparts.query(con, "encode_codes", col, limits).column("ids")
        elif kind == "nested_codes":
            cols[col] = sqlparts.query(con, "encode_nested_codes", col, limits).column("ids")
        elif kind == "series":
            out = sqlparts.query(con, "encode_series", col, limits)
            cols[col] = out.column("ids")
            cols[col + "_value"], cols[col + "_hours"] = out.column("vals"), out.column("hours")
        elif kind == "categorical":
            cols[col] = sqlparts.query(con, "encode_category", col).column("ids")
        elif kind == "numeric":
            mean, scale = enc.scalers[col]
            cols[col] = sqlparts.query(con, "encode_numeric", col, {"mean": mean, "scale": scale}).column("vals")
    if enc.label_type in ("binary", "regression"):
        cols["label"] = sqlparts.query(con, "encode_label_float", "label").column("vals")
    elif enc.label_is_index:
        cols["label"] = sqlparts.query(con, "encode_label_index", "label").column("ids")
    else:
        with_enum(enc.label_encoder.id_table())
        stmt = "encode_label_class" if enc.label_type == "multiclass" else "encode_label_set"
        cols["label"] = sqlparts.query(con, stmt, "label").column("ids")
    con.unregister("samples")
    label = cols["label"]
    missing = label.null_count if enc.label_type in ("binary", "regression") else \
        (pc.sum(pc.equal(label, -1)).as_py() or 0) if enc.label_type == "multiclass" else 0
    if missing:
        raise InputError(f"{missing} samples have no usable label (null, or a class outside "
                         f"{enc.label_encoder.classes if enc.label_encoder else 'the label type'})",
                         expected="a label on every sample")
    return pa.table(cols)


def arrow_arrays(table: pa.Table, enc: Encoders, skip: tuple = ()) -> dict[str, np.ndarray]:
    """Encoded Arrow rows -> padded numpy arrays and masks (padded to the longest row of the table).

    Columns named in `skip` are left out (the stream gathers those itself)."""
    out: dict[str, np.ndarray] = {}
    for col, kind in enc.inputs.items():
        if col in skip:
            continue
        if kind == "codes":
            out[col], out[col + "_mask"] = pad_lists(table.column(col))
        elif kind == "nested_codes":
            out[col], out[col + "_mask"], out[col + "_visits"] = pad_nested(table.column(col))
        elif kind == "series":
            out[col], out[col + "_mask"] = pad_lists(table.column(col))
            out[col + "_value"] = pad_lists(table.column(col + "_value"), np.float32)[0]
            out[col + "_hours"] = pad_lists(table.column(col + "_hours"), np.float32)[0]
        elif kind == "categorical":
            out[col] = table.column(col).to_numpy().astype(np.int64)
        else:
            out[col] = table.column(col).to_numpy().astype(np.float32)
    label = table.column("label")
    if enc.label_type == "multilabel":
        out["label"] = multi_hot(label, len(enc.label_encoder))
    elif enc.label_type == "multiclass":
        out["label"] = label.to_numpy().astype(np.int64)
    else:
        out["label"] = label.fill_null(float("nan")).to_numpy().astype(np.float32)
    return out


def _width(mask: np.ndarray, axis) -> int:
    """How far along the last axis any row of `mask` reaches (at least 1)."""
    reach = mask.any(axis=axis)
    return int(np.flatnonzero(reach)[-1]) + 1 if reach.any() else 1


def slice_batch(arrays: dict[str, np.ndarray], enc: Encoders, start: int, stop: int) -> dict[str, torch.Tensor]:
    """Rows start:stop of padded arrays as tensors, padding trimmed to these rows' longest list."""
    batch: dict[str, torch.Tensor] = {}
    for col, kind in enc.inputs.items():
        if kind in ("codes", "series"):
            mask = arrays[col + "_mask"][start:stop]
            w = _width(mask, 0)
            names = [col, col + "_mask"] + ([col + "_value", col + "_hours"] if kind == "series" else [])
            for name in names:
                batch[name] = torch.from_numpy(np.ascontiguousarray(arrays[name][start:stop, :w]))
        elif kind == "nested_codes":
            visits = arrays[col + "_visits"][start:stop]
            v = _width(visits, 0)
            mask = arrays[col + "_mask"][start:stop, :v]
            c = _width(mask, (0, 1))
            batch[col] = torch.from_numpy(np.ascontiguousarray(arrays[col][start:stop, :v, :c]))
            batch[col + "_mask"] = torch.from_numpy(np.ascontiguousarray(mask[:, :, :c]))
            batch[col + "_visits"] = torch.from_numpy(np.ascontiguousarray(visits[:, :v]))
        else:
            batch[col] = torch.from_numpy(arrays[col][start:stop])
    batch["label"] = torch.from_numpy(arrays["label"][start:stop])
    return batch


def arrow_batch(table: pa.Table, enc: Encoders) -> dict[str, torch.Tensor]:
    """One Arrow slice of encoded rows -> a dict of tensors (see SampleStream)."""
    return slice_batch(arrow_arrays(table, enc), enc, 0, table.num_rows)


class ListSource:
    """One list column of a stream, ready to hand out padded rows."""

    MAX_PADDING = 3.0     # pre-pad when the padded matrix holds at most this many cells per value

    def __init__(self, column, dtype):
        offsets, values = flat_lists(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
        self.dtype = dtype
        self.lengths = np.diff(offsets)
        width = max(int(self.lengths.max(initial=0)), 1)
        if len(self.lengths) * width <= self.MAX_PADDING * max(len(values), 1) + len(self.lengths):
            self.padded = np.zeros((len(self.lengths), width), dtype=values.dtype)
            self.padded[np.arange(width) < self.lengths[:, None]] = values
            self.offsets = self.values = None
        else:
            self.padded = None
            self.offsets, self.values = offsets, values

    def rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(padded [B, C], mask [B, C]) of the given rows, C = the longest of them (at least 1)."""
        if self.padded is None:
            return gather_padded(self.offsets, self.values, rows, self.dtype)
        lengths = self.lengths[rows]
        width = max(int(lengths.max(initial=0)), 1)
        return self.padded[rows, :width].astype(self.dtype), np.arange(width) < lengths[:, None]


class SampleSet:
    """Encoded samples of every split, with the encoders that made them."""

    def __init__(self, encoded: pa.Table, encoders: Encoders, describe: dict | None = None):
        self.encoded = encoded
        self.encoders = encoders
        self.describe = describe or {}

    @classmethod
    def build(cls, source, *, lake=None, params: dict | None = None, inputs: dict | None = None,
              label_type: str | None = None, classes: list | None = None, encoders: Encoders | None = None,
              min_count: int = 1, max_len: int | None = None, max_visits: int | None = None,
              train_split: str = "train", threads: int | None = None) -> "SampleSet":
        """Fetch a source's rows, build (or reuse) the encoders and encode every row in SQL.

        Pass `encoders` (e.g. `Encoders.load(run/'encoders.json')`) to map codes exactly as
        an earlier training run did."""
        if encoders is not None:
            inputs, label_type = inputs or encoders.inputs, label_type or encoders.label_type
        rows = resolve_source(source, lake, params, inputs, label_type, classes)
        con = private_connection(threads)
        try:
            if encoders is None:
                con.register("samples", rows.table)
                encoders = build_encoders(con, rows, min_count, train_split, max_len, max_visits)
                con.unregister("samples")
                if all(len(v) == 2 for v in encoders.vocabularies.values()) and encoders.vocabularies:
                    raise InputError(f"no codes in columns {', '.join(encoders.vocabularies)} of the "
                                     f"'{train_split}' split to build a vocabulary from",
                                     expected="a training split with codes")
            encoded = encode_rows(con, rows.table, encoders)
        finally:
            con.close()
        return cls(encoded, encoders, rows.describe)

    @property
    def splits(self) -> dict[str, int]:
        """Row count per split."""
        counts = self.encoded.group_by("split").aggregate([("split", "count")]).to_pylist()
        return {r["split"]: r["split_count"] for r in counts}

    def stream(self, split: str | None = "train", batch_size: int = 64, shuffle: bool = False, seed: int = 0,
               drop_last: bool = False, rank: int | None = None, world_size: int | None = None) -> "SampleStream":
        """An IterableDataset over one split (None: every row)."""
        table = self.encoded
        if split is not None:
            con = private_connection()
            con.register("samples", table)
            table = sqlparts.query(con, "split_rows", params={"split": split})
            con.close()
        return SampleStream(table, self.encoders, batch_size=batch_size, shuffle=shuffle, seed=seed,
                            drop_last=drop_last, rank=rank, world_size=world_size)


class SampleStream(IterableDataset):
    """Batches of tensors from encoded rows.

    Each batch is a dict: `label`; `row` (position in this stream's table, see
    `sample_ids`); for a `codes` column C: C [B, L] ids and C_mask; `nested_codes`:
    C [B, V, L], C_mask [B, V, L], C_visits [B, V]; `series`: C ids, C_value,
    C_hours, C_mask [B, L]; `numeric`: C [B] (standardized); `categorical`: C [B] ids.
    """

    def __init__(self, table: pa.Table, encoders: Encoders, batch_size: int = 64, shuffle: bool = False,
                 seed: int = 0, drop_last: bool = False, rank: int | None = None, world_size: int | None = None):
        super().__init__()
        if batch_size < 1:
            raise ParameterError(f"batch_size must be at least 1, got {batch_size}")
        if rank is None and torch.distributed.is_available() and torch.distributed.is_initialized():
            rank, world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
        self.rank, self.world_size = rank or 0, world_size or 1
        if not 0 <= self.rank < self.world_size:
            raise ParameterError(f"rank must lie in [0, world_size), got rank {self.rank} of {self.world_size}")
        self.table = table.combine_chunks()
        self.encoders = encoders
        self.batch_size, self.shuffle, self.seed, self.drop_last = batch_size, shuffle, seed, drop_last
        self.epoch = 0
        self.chunk_batches = max(1, 8192 // batch_size)
        # flat lists (codes, series) leave Arrow once: padded to the longest row when that costs
        # little memory (a chunk is then a row gather), else kept as offsets + values
        self.flat: dict[str, ListSource] = {}
        for col, kind in encoders.inputs.items():
            if kind in ("codes", "series"):
                self.flat[col] = ListSource(self.table.column(col), np.int64)
            if kind == "series":
                self.flat[col + "_value"] = ListSource(self.table.column(col + "_value"), np.float32)
                self.flat[col + "_hours"] = ListSource(self.table.column(col + "_hours"), np.float32)
        self.rest = self.table.drop_columns(list(self.flat))
        self.index = pa.table({"sample_row": pa.array(np.arange(table.num_rows, dtype=np.int64)),
                               "sample_id": table.column("sample_id")})

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose permutation the next iteration uses."""
        self.epoch = int(epoch)

    @property
    def sample_ids(self) -> pa.Array:
        """Sample ids by row (`batch['row']` indexes this)."""
        return self.table.column("sample_id")

    @property
    def rank_rows(self) -> int:
        """Rows this rank sees per epoch (before drop_last)."""
        n = self.table.num_rows
        return n // self.world_size + (1 if self.rank < n % self.world_size else 0)

    def __len__(self) -> int:
        n = self.rank_rows
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def epoch_rows(self, worker: int = 0, num_workers: int = 1) -> np.ndarray:
        """Row numbers this rank and worker read this epoch, in order (drawn in SQL)."""
        con = private_connection(threads=1)
        try:
            con.register("sample_index", self.index)
            params = {"shuffle": self.shuffle, "seed": self.seed, "epoch": self.epoch, "world_size": self.world_size,
                      "rank": self.rank, "drop_last": self.drop_last, "batch_size": self.batch_size,
                      "num_workers": num_workers, "worker": worker}
            return sqlparts.query(con, "epoch_rows", params=params).column("sample_row").to_numpy()
        finally:
            con.close()

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        rows = self.epoch_rows(worker, workers)
        # rows for several batches are taken and padded at once, then cut into batches
        chunk = self.batch_size * self.chunk_batches
        for first in range(0, len(rows), chunk):
            take = rows[first:first + chunk]
            arrays = self.chunk_arrays(take)
            for start in range(0, len(take), self.batch_size):
                stop = min(start + self.batch_size, len(take))
                batch = slice_batch(arrays, self.encoders, start, stop)
                batch["row"] = torch.from_numpy(take[start:stop].astype(np.int64))
                yield batch

    def chunk_arrays(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Padded numpy arrays of the given rows (the longest row of the chunk sets the width)."""
        arrays = arrow_arrays(self.rest.take(pa.array(rows)), self.encoders, skip=tuple(self.flat))
        for name, source in self.flat.items():
            padded, mask = source.rows(rows)
            arrays[name] = padded
            if name in self.encoders.inputs:
                arrays[name + "_mask"] = mask
        return arrays

    def loader(self, num_workers: int = 0, pin_memory: bool | None = None, **kwargs) -> DataLoader:
        """A DataLoader over this stream (batches are made here, so batch_size=None there)."""
        if pin_memory is None:
            pin_memory = torch.cuda.is_available()
        return DataLoader(self, batch_size=None, num_workers=num_workers, pin_memory=pin_memory, **kwargs)
