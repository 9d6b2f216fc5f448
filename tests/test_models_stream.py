"""The sample stream: vocabularies from the training split, ids in SQL, padding round trips, epochs and shards."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch

from medlake.errors import InputError, ParameterError
from medlake.models import Encoders, SampleSet
from medlake.models.tensors import pad_lists, pad_nested, unpad, unpad_nested

pytestmark = pytest.mark.usefixtures("one_torch_thread")


INPUTS = {"conditions": "codes", "visits": "nested_codes", "labs": "series", "age": "numeric", "sex": "categorical"}


def make_table(n: int = 60, seed: int = 0) -> pa.Table:
    """Rows with every input kind, empty lists and empty visits included, and a fixed split pattern."""
    rng = np.random.default_rng(seed)
    conditions = [[f"C{int(c)}" for c in rng.integers(0, 12, rng.integers(0, 6))] for _ in range(n)]
    visits = [[[f"P{int(c)}" for c in rng.integers(0, 8, rng.integers(0, 4))] for _ in range(rng.integers(0, 4))]
              for _ in range(n)]
    labs = [[{"code": f"L{int(c)}", "value": float(v), "hours": float(h)}
             for c, v, h in zip(rng.integers(0, 3, k), rng.normal(size=k), rng.uniform(0, 48, k))]
            for k in rng.integers(0, 5, n)]
    split = np.array(["train", "train", "train", "val", "test"] * (n // 5 + 1))[:n]
    return pa.table({
        "sample_id": [f"s{i}" for i in range(n)],
        "split": split,
        "conditions": pa.array(conditions, pa.list_(pa.string())),
        "visits": pa.array(visits, pa.list_(pa.list_(pa.string()))),
        "labs": pa.array(labs, pa.list_(pa.struct([("code", pa.string()), ("value", pa.float64()),
                                                   ("hours", pa.float64())]))),
        "age": pa.array(rng.uniform(20, 90, n)),
        "sex": pa.array(rng.choice(["F", "M"], n)),
        "label": pa.array(rng.integers(0, 2, n)),
    })


def decode_rows(samples: SampleSet, split: str):
    """Every row of a split streamed in order, decoded back to codes, keyed by sample id."""
    stream = samples.stream(split, batch_size=7)
    enc = samples.encoders
    out = {}
    for batch in stream:
        ids = stream.sample_ids.take(pa.array(batch["row"].numpy())).to_pylist()
        cond = unpad(batch["conditions"].numpy(), batch["conditions_mask"].numpy())
        nested = unpad_nested(batch["visits"].numpy(), batch["visits_mask"].numpy(), batch["visits_visits"].numpy())
        labs = unpad(batch["labs"].numpy(), batch["labs_mask"].numpy())
        values = unpad(batch["labs_value"].numpy(), batch["labs_mask"].numpy())
        for i, sid in enumerate(ids):
            out[sid] = {
                "conditions": list(enc.vocabularies["conditions"].decode_ids(np.array(cond[i], dtype=int))),
                "visits": [list(enc.vocabularies["visits"].decode_ids(np.array(v, dtype=int))) for v in nested[i]],
                "labs": list(enc.vocabularies["labs"].decode_ids(np.array(labs[i], dtype=int))),
                "lab_values": [float(v) for v in values[i]],
                "sex": enc.vocabularies["sex"].codes[int(batch["sex"][i])],
            }
    return out


def test_decode_encode_round_trips_every_kind():
    table = make_table()
    samples = SampleSet.build(table, inputs=INPUTS, label_type="binary")
    decoded = decode_rows(samples, "train")
    rows = {r["sample_id"]: r for r in table.to_pylist() if r["split"] == "train"}
    assert set(decoded) == set(rows) and len(rows) == 36
    for sid, row in rows.items():
        got = decoded[sid]
        assert got["conditions"] == row["conditions"]
        assert got["visits"] == row["visits"]
        assert got["labs"] == [x["code"] for x in row["labs"]]
        scaler = samples.encoders.series["labs"]
        ids = [samples.encoders.vocabularies["labs"].codes.index(x["code"]) for x in row["labs"]]
        values = [(x["value"] - scaler.mean[i]) / scaler.scale[i] for x, i in zip(row["labs"], ids)]
        assert got["lab_values"] == pytest.approx(values, rel=1e-5, abs=1e-6)
        assert got["sex"] == row["sex"]


def series_table(values, split=None, codes=None, hours=None) -> pa.Table:
    """One sample per list of lab values (None: no value), all code L unless `codes` says otherwise."""
    codes = codes or [["L"] * len(v) for v in values]
    hours = hours or [[float(h) for h in range(len(v))] for v in values]
    labs = [[{"code": c, "value": x, "hours": h} for c, x, h in zip(cs, vs, hs)]
            for cs, vs, hs in zip(codes, values, hours)]
    columns = {"sample_id": [f"s{i}" for i in range(len(values))],
               "labs": pa.array(labs, pa.list_(pa.struct([("code", pa.string()), ("value", pa.float64()),
                                                          ("hours", pa.float64())]))),
               "label": [i % 2 for i in range(len(values))]}
    if split:
        columns["split"] = split
    return pa.table(columns)


def test_series_values_are_standardized_per_code_from_the_training_split(tmp_path):
    # code A has values around 100 (train: 90, 110), code B around 1 (train: 0, 2); test rows don't count
    table = series_table([[90.0, 0.0], [110.0, 2.0], [1000.0, 50.0]], split=["train", "train", "test"],
                         codes=[["A", "B"], ["A", "B"], ["A", "B"]], hours=[[0.0, 10.0], [20.0, 40.0], [5.0, 5.0]])
    samples = SampleSet.build(table, inputs={"labs": "series"}, label_type="binary")
    enc = samples.encoders
    scaler = enc.series["labs"]
    vocab = enc.vocabularies["labs"].codes
    assert scaler.mean[vocab.index("A")] == pytest.approx(100.0) and scaler.scale[vocab.index("A")] == pytest.approx(10.0)
    assert scaler.mean[vocab.index("B")] == pytest.approx(1.0) and scaler.scale[vocab.index("B")] == pytest.approx(1.0)
    # <unk> takes the column's overall statistics (train values 0, 2, 90, 110)
    assert scaler.mean[1] == pytest.approx(50.5)
    assert scaler.hours_scale == pytest.approx(np.quantile([0.0, 10.0, 20.0, 40.0], 0.95))
    batch = next(iter(samples.stream("train", batch_size=8)))
    np.testing.assert_allclose(batch["labs_value"].numpy(), [[-1.0, -1.0], [1.0, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(batch["labs_hours"].numpy(), np.array([[0.0, 10.0], [20.0, 40.0]]) / scaler.hours_scale,
                               rtol=1e-6)
    test = next(iter(samples.stream("test")))
    np.testing.assert_allclose(test["labs_value"].numpy(), [[10.0, 10.0]])   # 90 and 49 spreads out: clipped at 10
    # saved and loaded encoders give the same tensors
    loaded = Encoders.load(enc.save(tmp_path / "encoders.json"))
    assert loaded.series["labs"] == scaler
    again = SampleSet.build(table, encoders=loaded)
    assert next(iter(again.stream("train", batch_size=8)))["labs_value"].tolist() == batch["labs_value"].tolist()


def test_missing_series_values_are_flagged_not_zero():
    table = series_table([[1.0, None, 3.0], [None], [5.0]])
    samples = SampleSet.build(table, inputs={"labs": "series"}, label_type="binary")
    assert samples.encoders.series["labs"].mean[2] == pytest.approx(3.0)    # the missing value is left out
    batch = next(iter(samples.stream(None, batch_size=8)))
    assert batch["labs_value_mask"].dtype == torch.bool
    assert batch["labs_value_mask"].tolist() == [[True, False, True], [False, False, False], [True, False, False]]
    assert batch["labs_mask"].tolist() == [[True, True, True], [True, False, False], [True, False, False]]
    assert batch["labs_value"][0, 1].item() == 0.0 and batch["labs_value"][1, 0].item() == 0.0
    from medlake.models.nets.base import series_channels
    channels = series_channels(batch, "labs")
    assert channels.shape == (3, 3, 3)
    assert channels[0, :, 2].tolist() == [0.0, 1.0, 0.0]       # third channel: the value is missing


def test_padding_shapes_and_masks():
    ids, mask = pad_lists(pa.array([[3, 4], [], [5, 6, 7]], pa.list_(pa.int32())))
    assert ids.tolist() == [[3, 4, 0], [0, 0, 0], [5, 6, 7]]
    assert mask.tolist() == [[True, True, False], [False, False, False], [True, True, True]]
    ids, mask, visits = pad_nested(pa.array([[[2], [], [3, 4]], []], pa.list_(pa.list_(pa.int32()))))
    assert ids.shape == (2, 3, 2)
    assert ids[0].tolist() == [[2, 0], [0, 0], [3, 4]]
    assert visits.tolist() == [[True, True, True], [False, False, False]]
    assert unpad_nested(ids, mask, visits) == [[[2], [], [3, 4]], []]


def test_vocabulary_comes_from_the_training_split_only():
    table = pa.table({
        "sample_id": [1, 2, 3, 4],
        "split": ["train", "train", "train", "test"],
        "codes": [["A", "B"], ["A"], ["A", "C"], ["Z", "A"]],
        "label": [0, 1, 0, 1],
    })
    samples = SampleSet.build(table, inputs={"codes": "codes"}, label_type="binary")
    # <pad>, <unk>, then by training frequency (A: 3), then by code (B, C)
    assert samples.encoders.vocabularies["codes"].codes == ["<pad>", "<unk>", "A", "B", "C"]
    batch = next(iter(samples.stream("test")))
    assert batch["codes"].tolist() == [[1, 2]]           # Z never appears in training: <unk>
    rare = SampleSet.build(table, inputs={"codes": "codes"}, label_type="binary", min_count=2)
    assert rare.encoders.vocabularies["codes"].codes == ["<pad>", "<unk>", "A"]
    batch = next(iter(rare.stream("train")))
    assert batch["codes"].tolist() == [[2, 1], [2, 0], [2, 1]]


def test_max_len_keeps_the_last_codes():
    table = pa.table({"sample_id": [1], "codes": [["A", "B", "C", "D"]], "label": [1]})
    samples = SampleSet.build(table, inputs={"codes": "codes"}, label_type="binary", max_len=2)
    batch = next(iter(samples.stream("train")))
    vocab = samples.encoders.vocabularies["codes"]
    assert list(vocab.decode_ids(batch["codes"][0].numpy())) == ["C", "D"]


def test_encoders_saved_beside_a_model_map_codes_identically(tmp_path):
    table = make_table()
    samples = SampleSet.build(table, inputs=INPUTS, label_type="binary")
    path = samples.encoders.save(tmp_path / "encoders.json")
    again = SampleSet.build(make_table(seed=1), encoders=Encoders.load(path))
    assert again.encoders.vocabularies["conditions"].codes == samples.encoders.vocabularies["conditions"].codes
    other = make_table(seed=1).to_pylist()[0]
    first = next(iter(again.stream(None, batch_size=1)))
    vocab = samples.encoders.vocabularies["conditions"].codes
    expected = [vocab.index(c) if c in vocab else 1 for c in other["conditions"]] or [0]
    assert first["conditions"][0].tolist()[: max(len(other["conditions"]), 1)] == expected


def test_multiclass_and_multilabel_labels():
    table = pa.table({"sample_id": [1, 2, 3], "codes": [["A"], ["B"], ["A"]],
                      "label": [["x", "z"], [], ["y"]]})
    samples = SampleSet.build(table, inputs={"codes": "codes"}, label_type="multilabel")
    assert samples.encoders.label_encoder.classes == ["x", "y", "z"]
    batch = next(iter(samples.stream("train")))
    assert batch["label"].tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0]]
    table = pa.table({"sample_id": [1, 2, 3], "codes": [["A"], ["B"], ["A"]], "label": [2, 0, 1]})
    samples = SampleSet.build(table, inputs={"codes": "codes"}, label_type="multiclass", classes=["a", "b", "c"])
    assert samples.encoders.output_size == 3
    assert next(iter(samples.stream("train")))["label"].tolist() == [2, 0, 1]
    table = pa.table({"sample_id": [1, 2], "codes": [["A"], ["B"]], "label": ["low", "high"]})
    samples = SampleSet.build(table, inputs={"codes": "codes"}, label_type="multiclass")
    assert samples.encoders.label_encoder.classes == ["high", "low"]
    assert next(iter(samples.stream("train")))["label"].tolist() == [1, 0]


def _ids_of(stream, loader) -> list[str]:
    out = []
    for batch in loader:
        out += stream.sample_ids.take(pa.array(batch["row"].numpy())).to_pylist()
    return out


@pytest.mark.parametrize("workers", [0, 2])
def test_every_sample_once_per_epoch_across_ranks_and_workers(workers):
    samples = SampleSet.build(make_table(n=103), inputs=INPUTS, label_type="binary")
    seen = []
    for rank in range(3):
        stream = samples.stream(None, batch_size=4, shuffle=True, seed=7, rank=rank, world_size=3)
        stream.set_epoch(1)
        ids = _ids_of(stream, stream.loader(num_workers=workers))
        assert len(ids) == stream.rank_rows == (35 if rank < 1 else 34)
        assert len(stream) == 9
        seen += ids
    assert sorted(seen) == sorted(f"s{i}" for i in range(103))


def test_forked_workers_after_the_stream_was_read_in_process():
    # reading in-process opens the stream's DuckDB connection; it is closed before a
    # fork, because a forked worker that opened its own would hang releasing the inherited one
    samples = SampleSet.build(make_table(n=50), inputs=INPUTS, label_type="binary")
    stream = samples.stream(None, batch_size=4, shuffle=True)
    in_process = _ids_of(stream, stream)
    assert stream._con is not None
    forked = _ids_of(stream, stream.loader(num_workers=2, multiprocessing_context="fork", timeout=60))
    assert stream._con is None
    assert in_process == _ids_of(stream, stream)
    assert sorted(in_process) == sorted(forked) == sorted(f"s{i}" for i in range(50))


def test_permutation_is_seeded_per_epoch_and_drop_last():
    samples = SampleSet.build(make_table(n=50), inputs=INPUTS, label_type="binary")
    stream = samples.stream(None, batch_size=8, shuffle=True, seed=3)
    stream.set_epoch(0)
    a = _ids_of(stream, stream)
    b = _ids_of(stream, stream)
    stream.set_epoch(1)
    c = _ids_of(stream, stream)
    assert a == b and a != c and sorted(a) == sorted(c)
    plain = samples.stream(None, batch_size=8)
    assert _ids_of(plain, plain) == [f"s{i}" for i in range(50)]
    dropping = samples.stream(None, batch_size=8, drop_last=True, shuffle=True)
    sizes = [len(b["label"]) for b in dropping]
    assert sizes == [8] * 6 and len(dropping) == 6


def test_batches_are_tensors_with_the_documented_shapes():
    samples = SampleSet.build(make_table(), inputs=INPUTS, label_type="binary")
    batch = next(iter(samples.stream("train", batch_size=5)))
    assert batch["conditions"].dtype == torch.int64 and batch["conditions"].shape[0] == 5
    assert batch["visits"].dim() == 3 and batch["visits_visits"].dim() == 2
    assert batch["labs_value"].dtype == torch.float32 and batch["labs_hours"].shape == batch["labs"].shape
    assert batch["age"].shape == (5,) and batch["label"].dtype == torch.float32
    # numeric inputs are standardized with the training split's mean and spread
    train_ages = np.array([r["age"] for r in make_table().to_pylist() if r["split"] == "train"])
    mean, scale = samples.encoders.scalers["age"]
    assert mean == pytest.approx(train_ages.mean()) and scale == pytest.approx(train_ages.std())


def test_bad_inputs_are_named():
    table = pa.table({"sample_id": [1], "codes": [["A"]], "label": [1]})
    with pytest.raises(InputError, match="missing column 'drugs' in samples"):
        SampleSet.build(table, inputs={"drugs": "codes"}, label_type="binary")
    with pytest.raises(InputError, match="unknown kind of input 'codes'.*'pictures'"):
        SampleSet.build(table, inputs={"codes": "pictures"}, label_type="binary")
    with pytest.raises(ParameterError, match="inputs are unknown"):
        SampleSet.build(table)
    samples = SampleSet.build(table, inputs={"codes": "codes"}, label_type="binary")
    with pytest.raises(ParameterError, match="rank must lie"):
        samples.stream(None, rank=2, world_size=2)


def test_stream_from_a_sql_query_on_a_lake(fresh_lake):
    table = make_table(n=20)
    fresh_lake.db.register("my_samples", table)
    samples = SampleSet.build("SELECT * FROM my_samples WHERE split = 'train'", lake=fresh_lake,
                              inputs={"conditions": "codes"}, label_type="binary")
    assert samples.splits == {"train": 12}


def test_prepadded_and_gathered_lists_give_the_same_batches(monkeypatch):
    from medlake.models.stream import ListSource

    samples = SampleSet.build(make_table(n=40), inputs=INPUTS, label_type="binary")
    prepadded = list(samples.stream(None, batch_size=6, shuffle=True))
    monkeypatch.setattr(ListSource, "MAX_PADDING", 0.0)
    stream = samples.stream(None, batch_size=6, shuffle=True)
    assert all(src.padded is None for src in stream.flat.values())
    gathered = list(stream)
    assert len(prepadded) == len(gathered) == 7
    for a, b in zip(prepadded, gathered):
        assert a.keys() == b.keys()
        for k in a:
            assert torch.equal(a[k], b[k]), k


def test_samples_without_a_label_are_refused():
    table = pa.table({"sample_id": [1, 2], "codes": [["A"], ["B"]], "label": pa.array([1, None], pa.int64())})
    with pytest.raises(InputError, match="1 samples have no usable label"):
        SampleSet.build(table, inputs={"codes": "codes"}, label_type="binary")
    table = pa.table({"sample_id": [1, 2], "codes": [["A"], ["B"]], "label": ["a", "zz"]})
    with pytest.raises(InputError, match=r"1 samples have no usable label.*\['a', 'b'\]"):
        SampleSet.build(table, inputs={"codes": "codes"}, label_type="multiclass", classes=["a", "b"])


def test_encoders_without_series_scaling_are_refused(tmp_path):
    table = series_table([[1.0], [2.0]])
    samples = SampleSet.build(table, inputs={"labs": "series"}, label_type="binary")
    old = samples.encoders.to_dict()
    del old["series"]
    with pytest.raises(InputError, match="no value scaling for series input 'labs'"):
        SampleSet.build(table, encoders=Encoders.from_dict(old))
