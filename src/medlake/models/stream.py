"""Samples -> integer ids in SQL -> Arrow -> padded tensors, as a torch IterableDataset.

`SampleSet.build(source)` takes a task result, a training set (Arrow or
pandas), or any SQL query on a lake; fetches its rows once as Arrow; builds
the vocabularies from the training split in SQL (stream.sql); and turns every
code into its id inside DuckDB (an ENUM cast of each list), so Python never
loops over events. `SampleSet.stream(split)` is the IterableDataset: each
epoch a seeded permutation is drawn in SQL and dealt out to distributed
ranks and DataLoader workers (each process uses its own in-memory DuckDB
connection). List columns are padded once from their Arrow offsets into
tensors; each epoch gathers the rows of several batches with one
`index_select` and cuts them into batches trimmed to each batch's longest list.
"""

from __future__ import annotations

import logging
import math
import os
import weakref
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..database import Database
from ..errors import InputError, ParameterError
from ..samples import samples_table
from ..sqlfiles import load_sql
from .lazy import LAZY_KINDS, LazyInputs, image_options, signal_options
from .tensors import flat_lists, gather_padded, multi_hot, pad_nested
from .vocab import Encoders, LabelEncoder, SeriesScaler, Vocabulary, check_kinds

BIG = 2**31 - 1      # "no limit" for list slices in SQL

# Streams holding an open DuckDB connection. They close it before the process forks
# (DataLoader workers): with duckdb 2.0.1, a forked child that has opened a connection
# of its own hangs when it then releases one it inherited.
_streams_with_connections: weakref.WeakSet = weakref.WeakSet()


def _close_stream_connections() -> None:
    for stream in list(_streams_with_connections):
        stream.close()


os.register_at_fork(before=_close_stream_connections)


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
    """Samples (read as medlake.samples describes: a TaskResult, Arrow, pandas, a .parquet
    path, a query or table name of `lake`) -> SourceRows.

    A task result brings its input kinds and label type from its header;
    other sources need `inputs` ({column: kind}) and `label_type`."""
    describe: dict = {}
    spec = getattr(source, "spec", None)
    if spec is not None and hasattr(source, "to_arrow"):
        label = spec.label if isinstance(spec.label, dict) else vars(spec.label)
        inputs = inputs or dict(spec.inputs)
        label_type = label_type or label.get("type")
        classes = classes or label.get("classes")
        describe = {"task": getattr(source, "name", None), "dataset": getattr(source, "dataset", None)}
    elif isinstance(source, str):
        describe = {"sql": source}
    table = samples_table(lake.db if lake is not None else None, source, params)
    if not inputs:
        raise ParameterError("inputs are unknown: pass inputs={column: kind} (kinds: codes, nested_codes, "
                             "series, numeric, categorical, signal, image)")
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


def private_connection(threads: int | None = None) -> Database:
    """An in-memory DuckDB of the stream's own (never the lake's), with `threads` threads."""
    return Database(":memory:", threads=int(threads) if threads else None)


STREAM_SQL = "models/stream.sql"
PLACEHOLDER = "source_column"


def _query(db: Database, name: str, column: str | None = None, params: dict | None = None) -> pa.Table:
    """Run a named statement of sql/models/stream.sql, its `source_column` filled in with `column`."""
    _parse_stream_sql()
    return db.arrow(STREAM_SQL, name, columns={PLACEHOLDER: column} if column else None, params=params)


def _parse_stream_sql() -> None:
    # CREATE TYPE ... AS ENUM is beyond sqlglot's grammar; it keeps that statement as
    # text (a Command) and logs a warning, which users need not see.
    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        load_sql(STREAM_SQL)
    finally:
        log.setLevel(level)


def build_encoders(con: Database, rows: SourceRows, min_count: int = 1,
                   train_split: str = "train", max_len: int | None = None,
                   max_visits: int | None = None, lazy_options: dict | None = None) -> Encoders:
    """Vocabularies (training split only), numeric scalers and label classes, computed in SQL;
    how signal and image inputs are read (models.lazy; `lazy_options`: signal_channels,
    signal_rate, image_size).

    `con` has the samples registered as `samples`."""
    split = {"split": train_split, "min_count": int(min_count)}
    vocabs, scalers, series, lazy = {}, {}, {}, {}
    lazy_options = lazy_options or {}
    count_stmt = {"codes": "count_codes", "nested_codes": "count_nested_codes", "series": "count_series_codes",
                  "categorical": "count_categories"}
    for col, kind in rows.inputs.items():
        if kind in count_stmt:
            codes = _query(con, count_stmt[kind], col, split).column("code").to_pylist()
            vocabs[col] = Vocabulary.from_counts(codes)
            if kind == "series":
                series[col] = series_scaler(con, col, vocabs[col], train_split)
        elif kind == "numeric":
            mean, std = _query(con, "numeric_stats", col, split).to_pylist()[0].values()
            scalers[col] = (float(mean), float(std) if std and std > 0 else 1.0)
        elif kind == "signal":
            lazy[col] = signal_options(rows.table, col, train_split, lazy_options.get("signal_channels"),
                                       lazy_options.get("signal_rate"))
        elif kind == "image":
            lazy[col] = image_options(lazy_options.get("image_size"))
    label_encoder = None
    label_is_index = rows.label_type == "multiclass" and pa.types.is_integer(rows.table.schema.field("label").type)
    if label_is_index:
        n = _query(con, "label_count", "label").column("n")[0].as_py()
        label_encoder = LabelEncoder([str(c) for c in rows.classes] if rows.classes else [str(i) for i in range(n)])
        if n > len(label_encoder):
            raise InputError("class number in column 'label' out of range", value=n - 1,
                             expected=f"class numbers 0 to {len(label_encoder) - 1}")
    elif rows.label_type in ("multiclass", "multilabel"):
        classes = rows.classes
        if not classes:
            stmt = "label_classes" if rows.label_type == "multiclass" else "label_classes_multilabel"
            classes = _query(con, stmt, "label").column("code").to_pylist()
        label_encoder = LabelEncoder([str(c) for c in classes])
    return Encoders(inputs=rows.inputs, label="label", label_type=rows.label_type, vocabularies=vocabs,
                    scalers=scalers, series=series, label_encoder=label_encoder, label_is_index=label_is_index,
                    max_len=max_len, max_visits=max_visits, lazy=lazy)


def series_scaler(con: Database, col: str, vocab: Vocabulary, train_split: str = "train") -> SeriesScaler:
    """Per-code mean and spread of a series column's values, and its hours scale, from the training split.

    The statistics are computed in SQL (series_value_stats) and laid out in
    vocabulary order; codes with no value in training take the column's
    overall statistics, and a spread of 0 (or none) becomes 1."""
    stats = _query(con, "series_value_stats", col, {"split": train_split}).to_pylist()
    overall = next((r for r in stats if r["code"] is None), None)

    def usable(row):
        mean = row["mean"] if row and row["n"] else 0.0
        std = row["std"] if row and row["n"] and row["std"] else 0.0
        return float(mean), float(std) if std > 0 else 1.0

    default = usable(overall)
    by_code = {r["code"]: usable(r) for r in stats if r["code"] is not None and r["n"]}
    pairs = [by_code.get(code, default) for code in vocab.codes]
    pairs[0] = pairs[1] = default              # <pad>, <unk>
    hours = _query(con, "series_hours_scale", col, {"split": train_split}).column("scale")[0].as_py()
    return SeriesScaler([m for m, _ in pairs], [s for _, s in pairs], float(hours) if hours and hours > 0 else 1.0)


def encode_rows(con: Database, table: pa.Table, enc: Encoders) -> pa.Table:
    """Samples -> a table of ids and floats (one column per input, series as three), in row order."""
    con.register("samples", table)
    limits = {"max_len": enc.max_len or BIG, "max_visits": enc.max_visits or BIG}
    cols: dict[str, pa.Array] = {"sample_id": table.column("sample_id"), "split": table.column("split")}

    def with_enum(codes_table: pa.Table):
        con.register("vocab_codes", codes_table)
        _parse_stream_sql()     # with saved encoders this may be the file's first statement: parse it quietly
        con.run(STREAM_SQL, "make_code_enum")

    for col, kind in enc.inputs.items():
        if kind in ("codes", "nested_codes", "series", "categorical"):
            with_enum(enc.vocabularies[col].id_table())
        if kind == "codes":
            cols[col] = _query(con, "encode_codes", col, limits).column("ids")
        elif kind == "nested_codes":
            cols[col] = _query(con, "encode_nested_codes", col, limits).column("ids")
        elif kind == "series":
            if col not in enc.series:
                raise InputError(f"the encoders have no value scaling for series input '{col}' (written by an "
                                 "older medlake)", expected="encoders built by SampleSet.build: train the run again")
            out = _query(con, "encode_series", col, {**limits, **enc.series[col].params()})
            cols[col] = out.column("ids")
            cols[col + "_value"], cols[col + "_hours"] = out.column("vals"), out.column("hours")
            cols[col + "_value_mask"] = out.column("known")
        elif kind == "categorical":
            cols[col] = _query(con, "encode_category", col).column("ids")
        elif kind == "numeric":
            mean, scale = enc.scalers[col]
            cols[col] = _query(con, "encode_numeric", col, {"mean": mean, "scale": scale}).column("vals")
        elif kind in LAZY_KINDS:
            cols[col] = table.column(col)      # where to read it; the stream reads it per batch
    if enc.label_type in ("binary", "regression"):
        cols["label"] = _query(con, "encode_label_float", "label").column("vals")
    elif enc.label_is_index:
        cols["label"] = _query(con, "encode_label_index", "label").column("ids")
    else:
        with_enum(enc.label_encoder.id_table())
        stmt = "encode_label_class" if enc.label_type == "multiclass" else "encode_label_set"
        cols["label"] = _query(con, stmt, "label").column("ids")
    con.unregister("samples")
    label = cols["label"]
    missing = label.null_count if enc.label_type in ("binary", "regression") else \
        (pc.sum(pc.equal(label, -1)).as_py() or 0) if enc.label_type == "multiclass" else 0
    if missing:
        raise InputError(f"{missing} samples have no usable label (null, or a class outside "
                         f"{enc.label_encoder.classes if enc.label_encoder else 'the label type'})",
                         expected="a label on every sample")
    return pa.table(cols)


def arrow_arrays(table: pa.Table, enc: Encoders, columns) -> dict[str, np.ndarray]:
    """Named columns of encoded Arrow rows -> numpy arrays: scalar inputs, nested lists, or "label".

    Nested lists are padded to the longest row of the table, with masks (flat
    lists go through ListSource instead)."""
    out: dict[str, np.ndarray] = {}
    for col in columns:
        kind = enc.inputs.get(col) if col != "label" else "label"
        if kind == "nested_codes":
            out[col], out[col + "_mask"], out[col + "_visits"] = pad_nested(table.column(col))
        elif kind == "categorical":
            out[col] = table.column(col).to_numpy().astype(np.int64)
        elif kind == "numeric":
            out[col] = table.column(col).to_numpy().astype(np.float32)
        elif enc.label_type == "multilabel":
            out[col] = multi_hot(table.column(col), len(enc.label_encoder))
        elif enc.label_type == "multiclass":
            out[col] = table.column(col).to_numpy().astype(np.int64)
        else:
            out[col] = table.column(col).fill_null(float("nan")).to_numpy().astype(np.float32)
    return out


def _width(mask: np.ndarray, axis) -> int:
    """How far along the last axis any row of `mask` reaches (at least 1)."""
    reach = mask.any(axis=axis)
    return int(np.flatnonzero(reach)[-1]) + 1 if reach.any() else 1


def nested_batch(arrays: dict[str, np.ndarray], col: str, start: int, stop: int) -> dict[str, torch.Tensor]:
    """Rows start:stop of a padded nested column as tensors, trimmed to these rows' longest visit list and list."""
    visits = arrays[col + "_visits"][start:stop]
    v = _width(visits, 0)
    mask = arrays[col + "_mask"][start:stop, :v]
    c = _width(mask, (0, 1))
    return {col: torch.from_numpy(np.ascontiguousarray(arrays[col][start:stop, :v, :c])),
            col + "_mask": torch.from_numpy(np.ascontiguousarray(mask[:, :, :c])),
            col + "_visits": torch.from_numpy(np.ascontiguousarray(visits[:, :v]))}


def batch_maxima(lengths: torch.Tensor, batch_size: int) -> list[int]:
    """The longest list (at least 1) of each consecutive run of `batch_size` rows, in one reduction."""
    n = len(lengths)
    batches = -(-n // batch_size)
    padded = torch.cat([lengths, lengths.new_zeros(batches * batch_size - n)])
    return padded.view(batches, batch_size).amax(1).clamp_(min=1).tolist()


class ListSource:
    """One list column of a stream as a torch tensor, ready to hand out padded rows.

    The column is padded once to its longest row when that costs little memory
    (a chunk is then one `index_select`); otherwise it is kept as Arrow offsets
    and values, and the chosen rows are gathered flat and padded."""

    MAX_PADDING = 3.0     # pre-pad when the padded matrix holds at most this many cells per value

    def __init__(self, column, dtype):
        offsets, values = flat_lists(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
        self.dtype = dtype
        lengths = np.diff(offsets)
        self.lengths = torch.from_numpy(lengths)
        width = max(int(lengths.max(initial=0)), 1)
        if len(lengths) * width <= self.MAX_PADDING * max(len(values), 1) + len(lengths):
            padded = np.zeros((len(lengths), width), dtype=dtype)
            padded[np.arange(width) < lengths[:, None]] = values
            self.padded = torch.from_numpy(padded)
            self.offsets = self.values = None
        else:
            self.padded = None
            self.offsets, self.values = offsets, values

    def take(self, rows: torch.Tensor, width: int) -> torch.Tensor:
        """Padded [len(rows), width] of the given rows; `width` is the longest of them (at least 1)."""
        if self.padded is None:
            return torch.from_numpy(gather_padded(self.offsets, self.values, rows.numpy(), self.dtype)[0])
        return self.padded[:, :width].index_select(0, rows)


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
              train_split: str = "train", threads: int | None = None, lazy_options: dict | None = None) -> SampleSet:
        """Fetch a source's rows, build (or reuse) the encoders and encode every row in SQL.

        Pass `encoders` (e.g. `Encoders.load(run/'encoders.json')`) to map codes exactly as
        an earlier training run did. `lazy_options` choose how signal and image inputs are
        read: signal_channels (labels), signal_rate (Hz), image_size (pixels)."""
        if encoders is not None:
            inputs, label_type = inputs or encoders.inputs, label_type or encoders.label_type
        rows = resolve_source(source, lake, params, inputs, label_type, classes)
        con = private_connection(threads)
        try:
            if encoders is None:
                con.register("samples", rows.table)
                encoders = build_encoders(con, rows, min_count, train_split, max_len, max_visits, lazy_options)
                con.unregister("samples")
                if all(len(v) == 2 for v in encoders.vocabularies.values()) and encoders.vocabularies:
                    raise InputError(f"no codes in columns {', '.join(encoders.vocabularies)} of the "
                                     f"'{train_split}' split to build a vocabulary from",
                                     expected="a training split with codes")
            encoded = encode_rows(con, rows.table, encoders)
        finally:
            con.close()
        return cls(encoded, encoders, rows.describe)

    def __repr__(self) -> str:
        splits = self.splits
        order = sorted(splits, key=lambda k: (("train", "val", "test") + (k,)).index(k))
        sizes = ", ".join(f"{k} {splits[k]:,}" for k in order)
        enc = self.encoders
        label = f"{enc.label_type} label"
        if enc.label_type == "binary" and self.encoded.num_rows:
            label += f" ({pc.mean(self.encoded['label']).as_py():.1%} positive)"
        elif enc.label_encoder is not None:
            label += f" ({len(enc.label_encoder)} classes)"
        inputs = ", ".join(f"{name} ({kind}, {len(enc.vocabularies[name]):,} ids)" if name in enc.vocabularies
                           else f"{name} ({kind})" for name, kind in enc.inputs.items())
        return f"<SampleSet: {self.encoded.num_rows:,} samples ({sizes or 'no split'}); {label}; inputs {inputs}>"

    @property
    def splits(self) -> dict[str, int]:
        """Row count per split."""
        counts = self.encoded.group_by("split").aggregate([("split", "count")]).to_pylist()
        return {r["split"]: r["split_count"] for r in counts}

    def split_rows(self, split: str | None) -> pa.Table:
        """The encoded rows of one split (None: every row), in their order."""
        if split is None:
            return self.encoded
        con = private_connection()
        try:
            con.register("samples", self.encoded)
            return _query(con, "split_rows", params={"split": split})
        finally:
            con.close()

    def stream(self, split: str | None = "train", batch_size: int = 64, shuffle: bool = False, seed: int = 0,
               drop_last: bool = False, rank: int | None = None, world_size: int | None = None,
               skip_unreadable: bool = False) -> SampleStream:
        """An IterableDataset over one split (None: every row).

        `skip_unreadable`: a sample whose signal or image file cannot be read leaves its
        batch and is counted in `stream.skipped` (otherwise SampleReadError names the file)."""
        return SampleStream(self.split_rows(split), self.encoders, batch_size=batch_size, shuffle=shuffle, seed=seed,
                            drop_last=drop_last, rank=rank, world_size=world_size, skip_unreadable=skip_unreadable)


class SampleStream(IterableDataset):
    """Batches of tensors from encoded rows.

    Each batch is a dict: `label`; `row` (position in this stream's table, see
    `sample_ids`); for a `codes` column C: C [B, L] ids and C_mask; `nested_codes`:
    C [B, V, L], C_mask [B, V, L], C_visits [B, V]; `series`: C ids, C_value (standardized
    per code), C_hours (scaled), C_value_mask (the value is present), C_mask [B, L];
    `numeric`: C [B] (standardized); `categorical`: C [B] ids; `signal`: C [B, channels, samples];
    `image`: C [B, 1, size, size] (both read from their files per batch, see models.lazy). With
    `skip_unreadable`, a sample whose file cannot be read leaves its batch (which may then be
    smaller, or not come at all) and is listed in `skipped`.
    """

    def __init__(self, table: pa.Table, encoders: Encoders, batch_size: int = 64, shuffle: bool = False,
                 seed: int = 0, drop_last: bool = False, rank: int | None = None, world_size: int | None = None,
                 skip_unreadable: bool = False):
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
        # flat lists (codes, series) leave Arrow once, as tensors (see ListSource); so do
        # scalar inputs and labels. Nested lists and multilabel sets are padded per chunk.
        self.flat: dict[str, ListSource] = {}
        self.list_parts: dict[str, list[str]] = {}      # a codes or series input -> its list columns
        for col, kind in encoders.inputs.items():
            if kind in ("codes", "series"):
                self.flat[col] = ListSource(self.table.column(col), np.int64)
                self.list_parts[col] = [col]
            if kind == "series":
                for part in (col + "_value", col + "_hours"):
                    self.flat[part] = ListSource(self.table.column(part), np.float32)
                    self.list_parts[col].append(part)
                part = col + "_value_mask"
                self.flat[part] = ListSource(self.table.column(part), np.bool_)
                self.list_parts[col].append(part)
        per_chunk = [col for col, kind in encoders.inputs.items() if kind == "nested_codes"]
        whole = [col for col, kind in encoders.inputs.items() if kind in ("numeric", "categorical")]
        (per_chunk if encoders.label_type == "multilabel" else whole).append("label")
        self.dense = {name: torch.from_numpy(array)
                      for name, array in arrow_arrays(self.table, encoders, whole).items()}
        self.per_chunk = self.table.select(per_chunk) if per_chunk else None
        longest = [int(src.lengths.max()) for src in self.flat.values() if len(src.lengths)]
        self.positions = torch.arange(max([1, *longest]))    # mask = positions < length
        self.index = pa.table({"sample_row": pa.array(np.arange(table.num_rows, dtype=np.int64)),
                               "sample_id": table.column("sample_id")})
        self.lazy = LazyInputs(self.table, encoders, skip_unreadable)
        self._con: Database | None = None

    @property
    def skipped(self) -> list[dict]:
        """{sample_id, path, reason} of each sample this process left out as unreadable (once per epoch met)."""
        return self.lazy.skipped

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
        """Row numbers this rank and worker read this epoch, in order.

        The permutation is drawn in SQL (epoch_order); ranks take every
        world_size-th row of it, drop_last trims each rank to whole batches, and
        workers take turns by batch."""
        params = {"shuffle": self.shuffle, "seed": self.seed, "epoch": self.epoch}
        order = _query(self._connection(), "epoch_order", params=params).column("sample_row").to_numpy()
        rows = order[self.rank::self.world_size]
        if self.drop_last:
            rows = rows[:len(rows) // self.batch_size * self.batch_size]
        batch_number = np.arange(len(rows)) // self.batch_size
        return rows[batch_number % num_workers == worker]

    def _connection(self) -> Database:
        """This stream's private connection, with the row index registered (opened on first use)."""
        if self._con is None:
            self._con = private_connection(threads=1)
            self._con.register("sample_index", self.index)
            _streams_with_connections.add(self)
        return self._con

    def close(self) -> None:
        """Close this stream's DuckDB connection (it opens again when needed)."""
        con, self._con = self._con, None
        if con is not None:
            con.close()

    def __getstate__(self) -> dict:
        # a DuckDB connection does not travel to spawned DataLoader workers; they open their own
        return {**self.__dict__, "_con": None}

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        rows = torch.from_numpy(self.epoch_rows(worker, workers))
        # rows for several batches are gathered at once, then cut into batches
        chunk = self.batch_size * self.chunk_batches
        for first in range(0, len(rows), chunk):
            yield from self.chunk_batches_of(rows[first:first + chunk])

    def chunk_batches_of(self, rows: torch.Tensor):
        """The batches of consecutive `rows`: each list padded to its batch's longest row."""
        size = self.batch_size
        lengths = {col: self.flat[col].lengths.index_select(0, rows) for col in self.list_parts}
        widths = {col: batch_maxima(n, size) for col, n in lengths.items()}
        lists = {part: self.flat[part].take(rows, max(widths[col], default=1))
                 for col, parts in self.list_parts.items() for part in parts}
        dense = {name: values.index_select(0, rows) for name, values in self.dense.items()}
        arrays = {}
        if self.per_chunk is not None:
            chunk = self.per_chunk.take(pa.array(rows.numpy()))
            arrays = arrow_arrays(chunk, self.encoders, self.per_chunk.column_names)
        for number, start in enumerate(range(0, len(rows), size)):
            stop = min(start + size, len(rows))
            batch: dict[str, torch.Tensor] = {}
            for col, kind in self.encoders.inputs.items():
                if kind in ("codes", "series"):
                    width = widths[col][number]
                    batch[col] = lists[col][start:stop, :width].contiguous()
                    batch[col + "_mask"] = self.positions[:width] < lengths[col][start:stop, None]
                    for part in self.list_parts[col][1:]:
                        batch[part] = lists[part][start:stop, :width].contiguous()
                elif kind == "nested_codes":
                    batch.update(nested_batch(arrays, col, start, stop))
                elif kind not in LAZY_KINDS:
                    batch[col] = dense[col][start:stop]
            batch["label"] = dense["label"][start:stop] if "label" in dense else \
                torch.from_numpy(arrays["label"][start:stop])
            batch["row"] = rows[start:stop]
            if self.lazy:
                tensors, keep = self.lazy.read(rows[start:stop].numpy())
                if not keep.all():
                    if not keep.any():
                        continue
                    mask = torch.from_numpy(keep)
                    batch = {name: t[mask] for name, t in batch.items()}
                batch.update(tensors)
            yield batch

    def loader(self, num_workers: int = 0, pin_memory: bool | None = None, **kwargs) -> DataLoader:
        """A DataLoader over this stream (batches are made here, so batch_size=None there)."""
        if pin_memory is None:
            pin_memory = torch.cuda.is_available()
        return DataLoader(self, batch_size=None, num_workers=num_workers, pin_memory=pin_memory, **kwargs)
