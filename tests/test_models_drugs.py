"""SafeDrug and MICRON: each on a synthetic world only its own mechanism can solve, and on the demos' task."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
import torch
from click.testing import CliRunner

from medlake.cli import main
from medlake.errors import ParameterError
from medlake.models import MICRON, Encoders, SafeDrug, SampleSet, Trainer, load_checkpoint, runs, seed_everything

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NESTED = pa.list_(pa.list_(pa.string()))


def pair_table(n: int, seed: int = 0) -> pa.Table:
    """Each condition Ci of the last visit calls for drug Di; half the patients have both C0 and C1, whose drugs
    D0 and D1 interact."""
    rng = np.random.default_rng(seed)
    visits, label = [], []
    for _ in range(n):
        conds = [[f"C{int(c)}" for c in rng.integers(0, 8, 2)] for _ in range(rng.integers(1, 4))]
        if rng.uniform() < 0.5:
            conds[-1] += ["C0", "C1"]
        visits.append(conds)
        label.append(sorted({f"D{c[1:]}" for c in conds[-1]}))
    return pa.table({"sample_id": np.arange(n), "split": rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2]),
                     "conditions": pa.array(visits, NESTED), "label": pa.array(label, pa.list_(pa.string()))})


def test_safedrug_ddi_controlled_loss_lowers_the_ddi_rate():
    samples = SampleSet.build(pair_table(800), inputs={"conditions": "nested_codes"}, label_type="multilabel")
    classes = samples.encoders.label_encoder.classes
    ddi = np.zeros((len(classes), len(classes)), np.float32)
    ddi[classes.index("D0"), classes.index("D1")] = ddi[classes.index("D1"), classes.index("D0")] = 1
    scores = {}
    for controlled in (True, False):
        seed_everything(0)
        net = SafeDrug(dataset=samples, embedding_dim=16, hidden_dim=16, ddi_adjacency=ddi if controlled else None)
        trainer = Trainer(net, epochs=8, lr=1e-2, seed=0, metric_options={"ddi_adjacency": ddi})
        trainer.fit(samples.stream("train", batch_size=32, shuffle=True))
        scores[controlled] = trainer.evaluate(samples.stream("test"))
    # without control it predicts the interacting pair whenever both conditions are there
    assert scores[False]["jaccard_samples"] > 0.9 and scores[False]["ddi_rate"] > 0.18
    # with it, the rate falls to about the target (0.08), at the price of one drug of the pair
    assert scores[True]["ddi_rate"] < 0.11 and scores[True]["jaccard_samples"] > 0.55


def test_safedrug_loss_switches_on_above_the_target_rate():
    samples = SampleSet.build(pair_table(40), inputs={"conditions": "nested_codes"}, label_type="multilabel")
    k = samples.encoders.output_size
    ddi = np.ones((k, k), np.float32) - np.eye(k, dtype=np.float32)
    net = SafeDrug(dataset=samples, embedding_dim=8, hidden_dim=8, ddi_adjacency=ddi, target_ddi=0.2, kp=0.5)
    label = torch.zeros(4, k)
    base = torch.tensor(0.7)
    below = torch.full((4, k), -3.0)
    below[:, 0] = 3.0                                  # one drug each: no pair, rate 0
    assert net.loss(below, label, base) is base
    above = torch.full((4, k), 3.0)                    # every drug: every pair interacts, rate 1
    assert float(net.ddi_rate(above)) == 1.0
    beta = max(0.0, 1 + (0.2 - 1.0) / 0.5)            # 0: the DDI loss alone
    p = torch.sigmoid(above)
    expected = beta * base + (1 - beta) * ((p @ net.ddi_adj) * p).sum(dim=1).mean() / 2
    assert torch.allclose(net.loss(above, label, base), expected)
    assert SafeDrug(dataset=samples, embedding_dim=8, hidden_dim=8).loss(above, label, base) is base
    with pytest.raises(ParameterError, match="SafeDrug recommends a set of drugs"):
        SafeDrug(dataset=SampleSet.build(pair_table(20).set_column(3, "label", pa.array([1] * 20)),
                                         inputs={"conditions": "nested_codes"}, label_type="binary"))


def change_table(n: int, seed: int = 0) -> pa.Table:
    """Each patient keeps two drugs of their own (B0-B9) at every visit, which no condition tells; each condition
    Ci of a visit adds drug Ei for that visit only. So a visit's drugs are the previous visit's, changed by the
    conditions that came and went."""
    rng = np.random.default_rng(seed)
    visits, history, label = [], [], []
    for _ in range(n):
        own = [f"B{int(b)}" for b in rng.choice(10, 2, replace=False)]
        conds, drugs = [], []
        for _ in range(rng.integers(2, 5)):
            c = [i for i in range(6) if rng.uniform() < 0.4]
            conds.append([f"C{i}" for i in c] + [f"N{int(x)}" for x in rng.integers(0, 10, 2)])
            drugs.append(sorted(own + [f"E{i}" for i in c]))
        visits.append(conds)
        history.append(drugs[:-1] + [[]])
        label.append(drugs[-1])
    return pa.table({"sample_id": np.arange(n), "split": rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2]),
                     "conditions": pa.array(visits, NESTED), "drugs_hist": pa.array(history, NESTED),
                     "label": pa.array(label, pa.list_(pa.string()))})


def test_micron_predicts_the_change_from_the_previous_visit():
    table = change_table(800)
    samples = SampleSet.build(table, inputs={"conditions": "nested_codes", "drugs_hist": "nested_codes"},
                              label_type="multilabel")
    test = samples.stream("test")
    scores, probs = {}, {}
    for history in ("drugs_hist", None):
        seed_everything(0)
        net = MICRON(dataset=samples, embedding_dim=16, hidden_dim=16, history=history)
        trainer = Trainer(net, epochs=8, lr=1e-2, seed=0)
        trainer.fit(samples.stream("train", batch_size=32, shuffle=True))
        pred = trainer.predict(test)
        scores[history], probs[history] = pred.metrics(), pred.probs
    y = pred.y_true.astype(bool)
    # the previous visit's drugs, as label classes, in the stream's row order
    classes = samples.encoders.label_encoder.classes
    history = dict(zip(table.column("sample_id").to_pylist(), table.column("drugs_hist").to_pylist()))
    before = np.zeros_like(y)
    for i, sample in enumerate(test.sample_ids.take(pa.array(pred.rows)).to_pylist()):
        before[i, [classes.index(c) for c in history[sample][-2]]] = True
    changed = before != y
    assert changed.sum() > 200
    copy = ((before & y).sum(1) / np.maximum((before | y).sum(1), 1)).mean()    # Jaccard of copying the last visit
    # the residual turns the previous visit's drugs into this visit's: right on nearly every drug that changed
    assert scores["drugs_hist"]["jaccard_samples"] > 0.95 and copy < 0.7
    assert ((probs["drugs_hist"] >= 0.5) == y)[changed].mean() > 0.95
    # without the previous drugs, the patient's own drugs cannot be told
    assert scores[None]["jaccard_samples"] < 0.65


def test_micron_without_earlier_visits_and_its_training_loss():
    samples = SampleSet.build(change_table(60), inputs={"conditions": "nested_codes", "drugs_hist": "nested_codes"},
                              label_type="multilabel")
    net = MICRON(dataset=samples, embedding_dim=8, hidden_dim=8)
    batch = next(iter(samples.stream("train", batch_size=16)))
    net.train()
    logits = net(batch)
    base = torch.tensor(0.5)
    assert float(net.loss(logits, batch["label"], base).detach()) > 0.5     # reconstruction and earlier-visit terms
    net.eval()
    first = {k: (v[:, :1] if k.startswith("conditions") or k.startswith("drugs_hist") else v)
             for k, v in batch.items()}
    own = net.prescription(net.health(net.embeddings["conditions"](first, "conditions")[0]))[:, 0]
    assert torch.allclose(net(first), own)                          # a first visit: its own prescription
    assert net.loss(net(batch), batch["label"], base) is base       # eval: nothing kept for a loss


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
def test_safedrug_and_micron_train_on_the_demos_drug_recommendation(drug_lake, tmp_path, dataset):
    result = drug_lake.task("drug_recommendation", dataset=dataset)
    n = result.to_arrow().num_rows
    labels = sorted({c for row in result.to_arrow().column("label").to_pylist() for c in row})
    ddi = tmp_path / "ddi.csv"
    ddi.write_text("drug_a,drug_b\n" + "".join(f"{a},{b}\n" for a, b in zip(labels[:6], labels[1:7])))
    for model in ("safedrug", "micron"):
        run = tmp_path / model
        r = CliRunner().invoke(main, ["train", "--db", str(drug_lake.path), "--task", "drug_recommendation",
                                      "--dataset", dataset, "--model", model, "--epochs", "2", "--split",
                                      "0.6,0.2,0.2", "--embedding-dim", "8", "--hidden-dim", "8", "--ddi", str(ddi),
                                      "--bootstrap", "0", "--quiet", "--out", str(run)])
        assert r.exit_code == 0, r.output
        metrics = json.loads((run / "metrics.json").read_text())
        assert sum(metrics["splits"].values()) == n and metrics["samples"] == metrics["splits"]["test"] > 0
        assert {"jaccard_samples", "f1_samples", "ddi_rate"} <= set(metrics["metrics"])
        runs.evaluate(drug_lake, run, n_boot=0)
        assert json.loads((run / "metrics_test.json").read_text())["metrics"] == metrics["metrics"]
        net = load_checkpoint(run / "model.pt", encoders=Encoders.load(run / "encoders.json"))
        assert net.name == model and (model != "safedrug" or net.ddi_adj.sum() == 12)
