"""TCN, StageNet, AdaCare and ConCare: each finds a signal in a synthetic world that needs its own mechanism,
where networks without that mechanism stay near chance."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch

from medlake.models import SampleSet, Trainer, build_model, seed_everything

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SPLIT = [0.6, 0.2, 0.2]


def _table(columns: dict, labels: list, rng) -> pa.Table:
    n = len(labels)
    return pa.table({"sample_id": np.arange(n), "split": rng.choice(["train", "val", "test"], n, p=SPLIT),
                     **columns, "label": pa.array(labels, pa.int64())})


def order_world(n: int, length: int, distances, positive, seed: int = 0) -> pa.Table:
    """Code lists of `length` noise codes holding A once and B once, `d` steps apart (d drawn from `distances`,
    negative: B first); the label is `positive(d)`. Both codes are in every list, away from its edges, so
    neither the bag of codes nor a position next to an edge tells the label."""
    rng = np.random.default_rng(seed)
    codes, labels = [], []
    for _ in range(n):
        d = int(rng.choice(distances))
        seq = [f"N{int(c)}" for c in rng.integers(0, 10, length)]
        start = int(rng.integers(2, length - 2 - abs(d)))
        a, b = (start, start + d) if d > 0 else (start - d, start)
        seq[a], seq[b] = "A", "B"
        codes.append(seq)
        labels.append(int(positive(d)))
    return _table({"codes": codes}, labels, rng)


def gap_world(n: int, seed: int = 0) -> pa.Table:
    """A series of 12 readings of one code, with noise values, starting anywhere in the first 400 hours and
    spanning 16 hours: evenly spaced (label 0), or an hour apart but for one 6-hour gap (label 1). Only the
    time between readings tells the label."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        if label:
            gaps = np.ones(11)
            gaps[rng.integers(1, 10)] = 6.0
        else:
            gaps = np.full(11, 16 / 11)
        hours = rng.uniform(0, 400) + np.concatenate([[0.0], np.cumsum(gaps)])
        rows.append([{"code": "X", "value": float(v), "hours": float(h)}
                     for v, h in zip(rng.normal(size=12), hours)])
        labels.append(label)
    return _table({"labs": rows}, labels, rng)


def trend_world(n: int, noise_codes: int = 8, seed: int = 0) -> pa.Table:
    """Series of lab X's 6 readings among 6 readings of each of `noise_codes` other labs, in random time
    order. X's values are one random sample, sorted rising (label 1) or falling (label 0): mean, spread and
    set of values are the same either way; only the order of X's own readings tells the label."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        x = np.sort(rng.normal(size=6))
        x = x if label else x[::-1]
        codes = rng.permutation(["X"] * 6 + [f"L{k}" for k in range(noise_codes) for _ in range(6)])
        xs = iter(x)
        placed = [(c, float(next(xs)) if c == "X" else float(rng.normal())) for c in codes]
        rows.append([{"code": c, "value": v, "hours": float(h)} for h, (c, v) in enumerate(placed)])
        labels.append(label)
    return _table({"labs": rows}, labels, rng)


def auroc_of(samples: SampleSet, name: str, epochs: int = 6, lr: float = 5e-3, **options) -> float:
    seed_everything(0)
    net = build_model(name, samples, embedding_dim=16, hidden_dim=16, dropout=0.0, **options)
    trainer = Trainer(net, epochs=epochs, lr=lr, seed=0)
    trainer.fit(samples.stream("train", batch_size=32, shuffle=True), samples.stream("val"))
    return trainer.evaluate(samples.stream("test"))["roc_auc"]


def test_tcn_reads_the_order_of_codes_far_apart():
    """A before or after B, 5-9 steps apart: a dilated causal TCN sees both, a kernel-3 CNN (Deepr) and a bag of
    codes (MLP) cannot."""
    samples = SampleSet.build(order_world(600, 16, [-9, -8, -7, -6, -5, 5, 6, 7, 8, 9], lambda d: d > 0),
                              inputs={"codes": "codes"}, label_type="binary", max_len=16)
    net = build_model("tcn", samples)
    assert net.options["levels"] == 4      # receptive field 1 + 2 (2^4 - 1) = 31 >= 16 steps
    assert auroc_of(samples, "tcn") > 0.95
    assert auroc_of(samples, "deepr") < 0.7 and auroc_of(samples, "mlp") < 0.7


def test_tcn_is_causal():
    samples = SampleSet.build(order_world(40, 16, [5], lambda d: True), inputs={"codes": "codes"},
                              label_type="binary")
    encoder = build_model("tcn", samples, embedding_dim=8, hidden_dim=8).eval().sequence_encoders["codes"]
    x = torch.randn(2, 16, 8)
    mask = torch.ones(2, 16, dtype=torch.bool)
    mask[1, 10:] = False
    changed = x.clone()
    changed[1, 10:] = 99.0                   # after row 1's last valid step
    changed[0, 15] = 99.0                    # row 0's last step: its output must change
    a, b = encoder(x, mask), encoder(changed, mask)
    assert torch.allclose(a[1], b[1]) and not torch.allclose(a[0], b[0])


def test_adacare_multi_scale_convolutions_find_a_pair_three_steps_apart():
    """The label is B exactly 3 steps after A (4-7 apart otherwise): AdaCare's dilation-3 causal convolution sees
    the pair; a one-way GRU pooling its last and mean states, a kernel-3 CNN and a bag of codes do not find it in
    the same training, and the default GRU (both ways, attention over its states) gets part of the way."""
    samples = SampleSet.build(order_world(1000, 24, [3, 4, 5, 6, 7], lambda d: d == 3),
                              inputs={"codes": "codes"}, label_type="binary")
    adacare = auroc_of(samples, "adacare", epochs=8, lr=1e-2)
    assert adacare > 0.95
    for other, options in (("rnn", {"pool": "last+mean", "bidirectional": False}), ("deepr", {}), ("mlp", {})):
        assert auroc_of(samples, other, epochs=8, lr=1e-2, **options) < 0.7, other
    assert auroc_of(samples, "rnn", epochs=8, lr=1e-2) < adacare - 0.03


def test_stagenet_reads_the_time_between_events():
    """Only the spacing of readings tells the label: StageNet with its time intervals finds it; the same network
    without them, and a GRU (both seeing hours since admission), do not."""
    samples = SampleSet.build(gap_world(1000), inputs={"labs": "series"}, label_type="binary")
    assert auroc_of(samples, "stagenet", epochs=10, lr=1e-2) > 0.95
    assert auroc_of(samples, "stagenet", epochs=10, lr=1e-2, use_time=False) < 0.7
    assert auroc_of(samples, "rnn", epochs=10, lr=1e-2) < 0.7
    net = build_model("stagenet", samples)
    batch = next(iter(samples.stream("train", batch_size=4)))
    hours = batch["labs_hours"] * samples.encoders.series["labs"].hours_scale
    gaps = torch.expm1(net.intervals(batch, "labs", batch["labs_mask"]))
    assert torch.allclose(gaps[:, 1:], hours.diff(dim=1), atol=1e-3) and torch.all(gaps[:, 0] == 0)


def test_concare_reads_each_lab_as_its_own_channel():
    """Lab X rising or falling, its readings scattered among other labs': ConCare's channel of X finds the
    trend; models that pool values over time (MLP, the linear model) cannot, as mean and spread are equal."""
    samples = SampleSet.build(trend_world(600, noise_codes=4), inputs={"labs": "series"}, label_type="binary")
    assert auroc_of(samples, "concare", heads=2) > 0.95
    assert auroc_of(samples, "mlp") < 0.65 and auroc_of(samples, "linear") < 0.65


def test_concare_channels_and_decov_loss():
    rows = [[{"code": "X", "value": 1.0, "hours": 0.0}, {"code": "Y", "value": 5.0, "hours": 1.0},
             {"code": "X", "value": 2.0, "hours": 2.0}, {"code": "X", "value": 3.0, "hours": 3.0}],
            [{"code": "Y", "value": 7.0, "hours": 0.0}]]
    table = pa.table({"sample_id": [0, 1], "labs": rows, "label": pa.array([1, 0], pa.int64())})
    samples = SampleSet.build(table, inputs={"labs": "series"}, label_type="binary")
    net = build_model("concare", samples, embedding_dim=8, hidden_dim=8, heads=2)
    batch = next(iter(samples.stream(None, batch_size=2)))
    values, present = net.series_channels(batch, "labs")
    vocab = samples.encoders.vocabularies["labs"]
    x, y = vocab.codes.index("X"), vocab.codes.index("Y")
    scaler = samples.encoders.series["labs"]
    expected_x = (torch.tensor([1.0, 2.0, 3.0]) - scaler.mean[x]) / scaler.scale[x]
    assert present.shape == (2, len(vocab), 3)
    assert present[0, x].tolist() == [True, True, True] and torch.allclose(values[0, x], expected_x)
    assert present[0, y].tolist() == [True, False, False] and present[1, y].tolist() == [True, False, False]
    assert not present[1, x].any() and present.sum() == 5
    net.max_readings = 2                     # keeps each code's last two readings
    values, present = net.series_channels(batch, "labs")
    assert present.shape[-1] == 2 and torch.allclose(values[0, x], expected_x[1:])
    net.train()
    net(batch)
    assert net.extra_loss(None) is not None and float(net.extra_loss(None).detach()) >= 0
    assert net.eval().extra_loss(None) is None
