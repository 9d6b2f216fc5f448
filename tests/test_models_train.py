"""The model zoo, the trainer, run directories and `medlake train|evaluate|calibrate`."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch
from click.testing import CliRunner

from medlake.cli import main
from medlake.errors import InputError, ParameterError
from medlake.models import (
    GAMENet,
    SampleSet,
    SampleStream,
    Trainer,
    Transformer,
    build_model,
    load_checkpoint,
    runs,
    save_checkpoint,
    seed_everything,
)
from medlake.models.nets import MODELS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SMALL = {"embedding_dim": 8, "hidden_dim": 8}


def code_table(n: int, label_type: str = "binary", seed: int = 0) -> pa.Table:
    """Random code lists and visits; the label is decided by which marker codes a sample holds."""
    rng = np.random.default_rng(seed)
    codes = [[f"C{int(c)}" for c in rng.choice(40, rng.integers(1, 9), replace=False)] for _ in range(n)]
    visits = [[[f"V{int(c)}" for c in rng.integers(0, 10, rng.integers(1, 4))] for _ in range(rng.integers(1, 4))]
              for _ in range(n)]
    if label_type == "binary":
        label = pa.array([int("C7" in c) for c in codes])
    elif label_type == "multiclass":
        label = pa.array([0 if "C7" in c else 1 if "C8" in c else 2 for c in codes])
    else:
        label = pa.array([[f"D{int(x[1:]) % 5}" for x in c[:3]] for c in codes], pa.list_(pa.string()))
    split = rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2])
    return pa.table({"sample_id": np.arange(n), "split": split, "codes": codes,
                     "visits": pa.array(visits, pa.list_(pa.list_(pa.string()))),
                     "age": rng.uniform(20, 90, n), "label": label})


INPUTS = {"codes": "codes", "visits": "nested_codes", "age": "numeric"}


@pytest.fixture(scope="module")
def binary_samples():
    return SampleSet.build(code_table(500), inputs=INPUTS, label_type="binary")


def test_a_model_learns_a_label_that_depends_on_a_code(binary_samples):
    seed_everything(0)
    net = Transformer(dataset=binary_samples, embedding_dim=16, hidden_dim=16, heads=2, layers=1)
    trainer = Trainer(net, epochs=6, lr=5e-3, seed=0)
    trainer.fit(binary_samples.stream("train", batch_size=32, shuffle=True), binary_samples.stream("val"))
    metrics = trainer.evaluate(binary_samples.stream("test"))
    assert metrics["roc_auc"] > 0.9
    assert trainer.history[-1]["train_loss"] < trainer.history[0]["train_loss"]


@pytest.mark.parametrize("label_type", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("name", ["linear", "mlp", "rnn", "lstm", "transformer", "retain", "deepr", "tcn", "stagenet",
                                  "adacare", "concare"])
def test_every_model_for_every_label_type(name, label_type):
    samples = SampleSet.build(code_table(40, label_type), inputs=INPUTS, label_type=label_type)
    net = build_model(name, samples, **SMALL, **({"heads": 2} if name == "transformer" else {}))
    batch = next(iter(samples.stream("train", batch_size=16)))
    out = net(batch)
    k = samples.encoders.output_size
    assert out.shape == ((16,) if label_type == "binary" else (16, k))
    assert k == {"binary": 1, "multiclass": 3, "multilabel": 5}[label_type]
    Trainer(net, epochs=1).fit(samples.stream("train", batch_size=16))


def test_model_names():
    assert set(MODELS) == {"linear", "mlp", "rnn", "transformer", "retain", "deepr", "gamenet", "cnn1d", "cnn2d",
                           "tcn", "stagenet", "adacare", "concare", "safedrug", "micron"}
    with pytest.raises(Exception, match="unknown model 'resnet'"):
        build_model("resnet", None)


def test_gamenet_with_a_ddi_penalty(tmp_path):
    samples = SampleSet.build(code_table(120, "multilabel"), inputs={"visits": "nested_codes"},
                              label_type="multilabel")
    ddi = np.zeros((5, 5), np.float32)
    ddi[0, 1] = ddi[1, 0] = 1
    seed_everything(0)
    net = GAMENet(dataset=samples, ddi_adjacency=ddi, **SMALL)
    batch = next(iter(samples.stream("train", batch_size=8)))
    assert float(net.extra_loss(net(batch)).detach()) > 0
    result = runs.train_samples(samples, tmp_path / "run", model="gamenet", epochs=2, ddi_adjacency=ddi,
                                n_boot=0, **SMALL)
    assert "ddi_rate" in result["metrics"] and 0 <= result["metrics"]["ddi_rate"] <= 1
    again = runs.evaluate(None, tmp_path / "run", samples=samples, n_boot=0)
    assert again["metrics"] == result["metrics"]
    predicted = runs.predict(tmp_path / "run", code_table(120, "multilabel"))
    assert predicted.num_rows == 120 and predicted.schema.field("predicted").type == pa.list_(pa.string())
    assert all(set(p) <= {"D0", "D1", "D2", "D3", "D4"} for p in predicted.column("predicted").to_pylist())
    plain = GAMENet(dataset=samples, **SMALL)
    assert plain.extra_loss(plain(batch)) is None
    with pytest.raises(ParameterError, match="multilabel"):
        GAMENet(dataset=SampleSet.build(code_table(20), inputs=INPUTS, label_type="binary"))


def regimen_table(n: int, seed: int = 0) -> pa.Table:
    """Patients on a stable regimen: every earlier visit has the same drug group, which is also the label.

    Drugs come in four groups of three (D0-D2, D3-D5, ...); the conditions are noise,
    so only the drug history tells the label."""
    rng = np.random.default_rng(seed)
    visits, history, label = [], [], []
    for _ in range(n):
        v = int(rng.integers(2, 5))
        group = int(rng.integers(0, 4))
        drugs = [f"D{3 * group + j}" for j in range(3)]
        visits.append([[f"C{int(c)}" for c in rng.integers(0, 20, rng.integers(1, 4))] for _ in range(v)])
        history.append([drugs] * (v - 1) + [[]])
        label.append(drugs)
    nested = pa.list_(pa.list_(pa.string()))
    return pa.table({"sample_id": np.arange(n), "split": rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2]),
                     "conditions": pa.array(visits, nested), "drugs_hist": pa.array(history, nested),
                     "label": pa.array(label, pa.list_(pa.string()))})


def test_gamenet_reads_earlier_visits_drugs_from_its_dynamic_memory():
    table = regimen_table(600)
    scores = {}
    for inputs in ({"conditions": "nested_codes", "drugs_hist": "nested_codes"}, {"conditions": "nested_codes"}):
        samples = SampleSet.build(table, inputs=inputs, label_type="multilabel")
        seed_everything(0)
        net = GAMENet(dataset=samples, embedding_dim=8, hidden_dim=8)
        # the history is read as drug sets, never embedded
        assert "drugs_hist" not in net.embeddings and net.history == ("drugs_hist" if "drugs_hist" in inputs else None)
        trainer = Trainer(net, epochs=5, lr=1e-2, seed=0)
        trainer.fit(samples.stream("train", batch_size=32, shuffle=True))
        scores[len(inputs)] = trainer.evaluate(samples.stream("test"))["roc_auc_macro"]
    assert scores[2] > 0.95 and scores[1] < 0.7


def test_gamenet_memory_reads_earlier_visits_only():
    samples = SampleSet.build(regimen_table(40), inputs={"conditions": "nested_codes", "drugs_hist": "nested_codes"},
                              label_type="multilabel")
    net = GAMENet(dataset=samples, **SMALL).eval()
    batch = next(iter(samples.stream("train", batch_size=16)))
    current = batch["conditions_visits"].sum(dim=1) - 1
    sets = net.history_sets(batch)
    rows = torch.arange(16)
    assert torch.equal(sets[rows, current - 1], batch["label"])      # the last earlier visit's drugs
    assert sets[rows, current].sum() == 0                             # the current visit's drugs are unknown
    before = net(batch)
    # drugs written into the current visit's history change nothing
    changed = {k: v.clone() for k, v in batch.items()}
    changed["drugs_hist"][rows, current, 0] = 2
    changed["drugs_hist_mask"][rows, current, 0] = True
    assert torch.allclose(net(changed), before)
    # the same drugs in an earlier visit do
    changed = {k: v.clone() for k, v in batch.items()}
    changed["drugs_hist"][rows, 0, 0] = 2
    changed["drugs_hist_mask"][rows, 0, 0] = True
    changed["drugs_hist"][rows, 0, 1:] = 0
    changed["drugs_hist_mask"][rows, 0, 1:] = False
    assert not torch.allclose(net(changed), before)
    with pytest.raises(ParameterError, match="nested_codes"):
        GAMENet(dataset=SampleSet.build(code_table(40, "multilabel"), inputs=INPUTS, label_type="multilabel"))


def test_gamenet_trains_on_the_drug_recommendation_task(drug_lake, tmp_path):
    run = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--db", str(drug_lake.path), "--task", "drug_recommendation",
                                       "--dataset", "mimic3", "--model", "gamenet", "--epochs", "2", "--split",
                                       "0.6,0.2,0.2", "--embedding-dim", "8", "--hidden-dim", "8", "--bootstrap", "0", "--silent",
                                       "--out", str(run)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    n = drug_lake.task("drug_recommendation", dataset="mimic3").to_arrow().num_rows
    assert sum(metrics["splits"].values()) == n and metrics["samples"] == metrics["splits"]["test"] > 0
    assert {"jaccard_samples", "f1_samples", "pr_auc_samples"} <= set(metrics["metrics"])
    runs.evaluate(drug_lake, run, n_boot=0)
    assert json.loads((run / "metrics_test.json").read_text())["metrics"] == metrics["metrics"]
    config = json.loads((run / "config.json").read_text())
    assert config["options"]["history"] == "drugs_hist"


def test_checkpoint_round_trip_and_run_directory(tmp_path, binary_samples):
    result = runs.train_samples(binary_samples, tmp_path / "run", model="mlp", epochs=2, n_boot=20, **SMALL)
    run = tmp_path / "run"
    for name in ("config.json", "encoders.json", "model.pt", "history.json", "metrics.json"):
        assert (run / name).exists(), name
    assert set(json.loads((run / "metrics.json").read_text())["metrics"]) >= {"roc_auc", "pr_auc", "ece"}
    assert result["ci95"]["roc_auc"][0] <= result["metrics"]["roc_auc"] <= result["ci95"]["roc_auc"][1]
    _, samples, net = runs.open_run(run, samples=binary_samples)
    first = next(iter(binary_samples.stream("test", batch_size=50)))
    reloaded = load_checkpoint(run / "model.pt", encoders=samples.encoders)
    assert torch.equal(net(first), reloaded(first))
    trained = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.iterdir()}
    assert {"roc.png", "calibration.png"} <= set(trained) and result["plots"] == ["roc.png", "calibration.png"]
    evaluated = runs.evaluate(None, run, samples=binary_samples, n_boot=0)
    assert evaluated["metrics"] == result["metrics"]
    assert evaluated["plots"] == ["roc_test.png", "calibration_test.png"]
    assert runs.evaluate(None, run, "val", samples=binary_samples, n_boot=0)["plots"] == [
        "roc_val.png", "calibration_val.png"]
    temp = runs.calibrate(None, run, "temperature", samples=binary_samples)
    assert temp["state"]["temperature"] > 0 and "ece_after" in temp
    assert temp["plots"] == ["calibration_test_temperature.png"]
    assert runs.calibrate(None, run, "histogram", samples=binary_samples)["plots"] == [
        "calibration_test_histogram.png"]
    conformal = runs.calibrate(None, run, "conformal", alpha=0.2, samples=binary_samples)
    assert conformal["test_samples"] == binary_samples.splits["test"]
    assert (run / "calibration_conformal.json").exists()
    # evaluate and calibrate add files of their own; nothing training wrote changes
    assert {name: (run / name).stat().st_mtime_ns for name in trained} == {n: t for n, (t, _) in trained.items()}
    assert all((run / name).read_bytes() == data for name, (_, data) in trained.items())
    assert {p.name for p in run.iterdir()} - set(trained) == {
        "metrics_test.json", "roc_test.png", "calibration_test.png", "metrics_val.json", "roc_val.png",
        "calibration_val.png", "calibration_temperature.json", "calibration_test_temperature.png",
        "calibration_histogram.json", "calibration_test_histogram.png", "calibration_conformal.json"}
    other = SampleSet.build(code_table(100, seed=9), inputs=INPUTS, label_type="binary")
    with pytest.raises(ParameterError, match="encoded differently"):
        runs.evaluate(None, run, samples=other)
    same_codes = SampleSet.build(code_table(100, seed=9), encoders=samples.encoders)
    assert runs.evaluate(None, run, samples=same_codes, n_boot=0)["samples"] == same_codes.splits["test"]
    predictions = runs.predict(run, code_table(100, seed=9), split="test")
    assert predictions.column_names == ["sample_id", "probability"]
    assert predictions.num_rows == same_codes.splits["test"]
    expected = torch.sigmoid(net(next(iter(same_codes.stream("test", batch_size=100))))).detach().numpy()
    assert np.allclose(predictions.column("probability").to_numpy(), expected, atol=1e-6)


def test_early_stopping_and_seeded_runs(binary_samples):
    def history(**kwargs):
        seed_everything(1)
        net = build_model("mlp", binary_samples, **SMALL)
        trainer = Trainer(net, epochs=8, seed=1, **kwargs)
        return trainer.fit(binary_samples.stream("train", batch_size=32, shuffle=True), binary_samples.stream("val"))

    # nothing changes with lr 0, so the first epoch stays best and patience 1 stops after two more
    assert len(history(lr=0.0, patience=1)) == 3
    a, b = history(lr=1e-2, patience=None), history(lr=1e-2, patience=None)
    assert all(r["train_seconds"] > 0 and r["train_samples_per_s"] > 0 for r in a)
    timing = ("train_seconds", "train_samples_per_s")   # the only part a seed does not fix
    a, b = ([{k: v for k, v in r.items() if k not in timing} for r in h] for h in (a, b))
    assert a == b and len(a) == 8
    with pytest.raises(ParameterError, match="cannot monitor 'f2'"):
        history(monitor="f2")


def test_cli_train_evaluate_calibrate(demo_lake, tmp_path):
    runner = CliRunner()
    out = tmp_path / "runs" / "mort"
    db = ["--db", demo_lake.path]
    r = runner.invoke(main, ["train", "--task", "los_gt_7d", "--dataset", "mimic3", "--model", "rnn",
                             "--epochs", "2", "--embedding-dim", "8", "--hidden-dim", "8", "--out", str(out),
                             "--silent", *db])
    assert r.exit_code == 0, r.output
    assert "run written to" in r.output and "roc_auc" in r.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["splits"] == {"train": 78, "val": 11, "test": 18}
    assert metrics["warnings"][0].startswith("split 'test' holds 18 samples (fewer than 30)")
    assert "warning: split 'val' holds 11 samples (fewer than 30): its metrics are unreliable" in r.output
    encoders = json.loads((out / "encoders.json").read_text())
    assert encoders["vocabularies"]["conditions"][:2] == ["<pad>", "<unk>"]
    r = runner.invoke(main, ["evaluate", str(out), "--split", "val", "--bootstrap", "10", *db])
    assert r.exit_code == 0, r.output
    assert "on val (11 samples)" in r.output and f"written to {out}: metrics_val.json" in r.output
    r = runner.invoke(main, ["calibrate", str(out), "--method", "conformal", "--alpha", "0.1", *db])
    assert r.exit_code == 0, r.output
    assert "target coverage" in r.output and "0.900" in r.output
    r = runner.invoke(main, ["calibrate", str(out), "--method", "temperature", *db])
    assert r.exit_code == 0, r.output
    assert "ECE before" in r.output and "reliability on the test split" in r.output
    assert f"written to {out}: calibration_temperature.json, calibration_test_temperature.png" in r.output
    assert json.loads((out / "calibration_temperature.json").read_text())["test_samples"] == 18
    r = runner.invoke(main, ["evaluate", str(tmp_path / "nothing"), *db])
    assert r.exit_code == 2 and "not a training run" in r.output


def test_regression_label(tmp_path):
    table = code_table(120)
    hours = pa.array([float(len(c)) * 2.0 for c in table.column("codes").to_pylist()])
    table = table.set_column(table.schema.get_field_index("label"), "label", hours)
    samples = SampleSet.build(table, inputs=INPUTS, label_type="regression")
    result = runs.train_samples(samples, tmp_path / "reg", model="mlp", epochs=2, n_boot=0, **SMALL)
    assert set(result["metrics"]) == {"mse", "mae", "r2"} and result["monitor"] == "mse"
    with pytest.raises(ParameterError, match="classification"):
        runs.calibrate(None, tmp_path / "reg", "temperature", samples=samples)


def test_training_with_feature_store_columns(demo_lake, tmp_path):
    result = runs.train(demo_lake, "los_gt_7d", "mimic3", tmp_path / "feat", model="mlp", epochs=1,
                        features=["demographics"], n_boot=0, **SMALL)
    encoders = json.loads((tmp_path / "feat" / "encoders.json").read_text())
    assert encoders["inputs"] == {"conditions": "codes", "procedures": "codes", "drugs": "codes",
                                  "demographics__age": "numeric", "demographics__sex": "categorical"}
    assert sorted(encoders["vocabularies"]["demographics__sex"]) == ["<pad>", "<unk>", "F", "M"]
    again = runs.evaluate(demo_lake, tmp_path / "feat", n_boot=0)
    assert again["metrics"] == result["metrics"] and again["samples"] == 18
    table = pa.table({"x": pa.array([{"a": 1}], pa.map_(pa.string(), pa.int64()))})
    with pytest.raises(InputError, match="feature column 'x' has type map"):
        runs.feature_kinds(table, ["x"])


def test_an_undefined_monitor_falls_back_on_the_validation_loss(binary_samples):
    seed_everything(0)
    net = build_model("mlp", binary_samples, **SMALL)
    table = binary_samples.stream("val").table
    negatives = table.filter(pc.equal(table.column("label"), 0.0))
    val = SampleStream(negatives, binary_samples.encoders)     # one class only: AUROC is undefined
    trainer = Trainer(net, epochs=3, lr=1e-2)
    history = trainer.fit(binary_samples.stream("train", shuffle=True), val)
    assert all(np.isnan(r["val_roc_auc"]) and r["monitor_fallback"] == "val_loss" for r in history)
    losses = [r["val_loss"] for r in history]
    assert trainer.best_epoch == int(np.argmin(losses)) and trainer.best_score == -min(losses)


def test_a_split_of_one_class_is_said_and_its_metrics_are_not_a_number(demo_lake, tmp_path):
    """The 100-patient demo's mortality task gives a 3-sample test split of survivors: say so, print n/a."""
    r = CliRunner().invoke(main, ["train", "--task", "mortality", "--dataset", "mimic3", "--model", "mlp",
                                  "--epochs", "1", "--embedding-dim", "8", "--hidden-dim", "8",
                                  "--out", str(tmp_path / "run"), "--quiet", "--db", demo_lake.path])
    assert r.exit_code == 0, r.output
    assert "warning: split 'test' holds 3 samples (fewer than 30)" in r.output
    assert "warning: split 'test' holds one class only: ROC AUC, PR AUC and their curves cannot be computed" in r.output
    assert [line for line in r.output.splitlines() if line.startswith("│ roc_auc")][0].split("│")[2].strip() == "n/a"


def test_what_a_repl_shows_of_samples_and_training(binary_samples, capsys):
    splits = binary_samples.splits
    positive = sum(int("C7" in c) for c in code_table(500).column("codes").to_pylist()) / 500
    assert repr(binary_samples) == (
        f"<SampleSet: 500 samples (train {splits['train']}, val {splits['val']}, test {splits['test']}); "
        f"binary label ({positive:.1%} positive); inputs codes (codes, 42 ids), visits (nested_codes, 12 ids), "
        "age (numeric)>")
    assert repr(binary_samples.encoders) == (
        "<Encoders: binary label; inputs codes (codes), visits (nested_codes), age (numeric)>")
    assert repr(binary_samples.encoders.vocabularies["visits"]).startswith("<Vocabulary: 12 ids (V")

    def fit(**kwargs):
        seed_everything(0)
        trainer = Trainer(build_model("mlp", binary_samples, **SMALL), epochs=2, lr=1e-2, device="cpu", **kwargs)
        before = repr(trainer)
        history = trainer.fit(binary_samples.stream("train", batch_size=32), binary_samples.stream("val"))
        return trainer, before, history, capsys.readouterr().err

    trainer, before, history, shown = fit()
    assert before == "<Trainer mlp on cpu: adam lr 0.01, 2 epochs, monitor roc_auc (max); not fitted>"
    best = trainer.best_epoch
    assert repr(trainer) == (f"<Trainer mlp on cpu: adam lr 0.01, 2 epochs, monitor roc_auc (max); best epoch "
                             f"{best + 1} of 2 (roc_auc {history[best]['val_roc_auc']:.4f})>")
    # one line per epoch with the train loss and the monitored validation metric, then the bar
    lines = [line for line in shown.splitlines() if line.startswith("epoch ")]
    assert lines == [f"epoch {r['epoch'] + 1}/2, train loss {r['train_loss']:.4f}, val loss {r['val_loss']:.4f}, "
                     f"val roc_auc {r['val_roc_auc']:.4f}" + (" (best)" if r["epoch"] <= best else "")
                     for r in history]
    assert "training" in shown and "━" in shown
    assert fit(quiet=True)[3] == ""


# networks of signal and image inputs train in tests/test_signal_tensors.py, SafeDrug and MICRON on the demos
# in tests/test_models_drugs.py
OTHER_TESTS = {"cnn1d", "cnn2d", "safedrug", "micron"}
DEMO_SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0}


@pytest.fixture(scope="module")
def demo_samples(drug_lake):
    """The demos' samples, built once per task and dataset: in-hospital mortality at 48 h (labs as a series,
    drugs), and drug recommendation (visit sequences) for GAMENet."""
    cache = {}

    def get(task: str, dataset: str) -> SampleSet:
        if (task, dataset) not in cache:
            features = runs.BASELINE_FEATURES if task == "in_hospital_mortality_48h" else None
            cache[task, dataset] = runs._task_samples(drug_lake, task, dataset, None, DEMO_SPLIT, max_len=64,
                                                      features=features)
        return cache[task, dataset]
    return get


@pytest.mark.parametrize("dataset", ["mimic3", "mimic4"])
@pytest.mark.parametrize("name", [*sorted(set(MODELS) - OTHER_TESTS), "logistic_regression", "gbm"])
def test_every_model_trains_on_the_real_demos(drug_lake, demo_samples, tmp_path, name, dataset):
    """One epoch of every model on the MIMIC-III and MIMIC-IV demos, from the lake's task to test metrics and
    back from the run directory: in-hospital mortality at 48 h (labs as a series, drugs, the feature views),
    drug recommendation for GAMENet."""
    task = "drug_recommendation" if name == "gamenet" else "in_hospital_mortality_48h"
    samples = demo_samples(task, dataset)
    n = drug_lake.task(task, dataset=dataset).to_arrow().num_rows
    assert sum(samples.splits.values()) == n and samples.splits["test"] > 0
    options = {} if name in ("logistic_regression", "gbm") else {"epochs": 1, **SMALL}
    result = runs.train_samples(samples, tmp_path / "run", model=name, n_boot=0, **options)
    assert result["samples"] == samples.splits["test"]
    metric = "jaccard_samples" if name == "gamenet" else "pr_auc"
    assert 0 <= result["metrics"][metric] <= 1
    again = runs.evaluate(None, tmp_path / "run", samples=samples, n_boot=0)["metrics"]
    assert again == pytest.approx(result["metrics"], nan_ok=True)


def test_rnn_reads_both_ways_pools_attention_and_mean_input_and_older_checkpoints_load(binary_samples, tmp_path):
    net = build_model("rnn", binary_samples, **SMALL).eval()
    assert net.options["pool"] == "last+attention" and net.options["bidirectional"]
    assert build_model("transformer", binary_samples).options["norm_first"]
    batch = next(iter(binary_samples.stream("test", batch_size=8)))
    x, mask = net.embeddings["codes"](batch, "codes")
    encoder = net.sequence_encoders["codes"]
    lengths = mask.sum(1)
    # a row's states after its end must not count: compare with the row alone, unpadded, by hand
    row = int(torch.argmin(lengths))
    alone = x[row:row + 1, :lengths[row]]
    states, h = encoder.rnn(alone)                     # [1, n, 2H]; h: [2, 1, H] (forward, backward)
    assert torch.allclose(states[0, -1, :8], h[0, 0]) and torch.allclose(states[0, 0, 8:], h[1, 0])
    weights = torch.softmax(encoder.score(states).squeeze(-1), dim=1)
    pooled = (weights.unsqueeze(-1) * states).sum(1)
    expected = encoder.proj(torch.cat([h[0], h[1], pooled, alone.mean(1)], dim=1))
    assert torch.allclose(encoder(x, mask)[row], expected[0], atol=1e-5)
    # the older pool, one direction, still builds; an unknown pool is refused
    older = build_model("rnn", binary_samples, **SMALL, pool="last+mean", bidirectional=False).eval()
    enc = older.sequence_encoders["codes"]
    states, h = enc.rnn(alone)
    expected = enc.proj(torch.cat([h[-1], states.mean(1), alone.mean(1)], dim=1))
    assert torch.allclose(enc(x, mask)[row], expected[0], atol=1e-5)
    with pytest.raises(ParameterError, match=r"pool must be one of last, last\+mean, last\+attention; got 'max'"):
        build_model("rnn", binary_samples, pool="max")
    # checkpoints written before `pool`, `bidirectional` and `norm_first` existed rebuild the older networks:
    # (options of the network, the keys its checkpoint lacks)
    for name, old, missing in (("rnn", {"pool": "last", "bidirectional": False}, ["pool", "bidirectional"]),
                               ("rnn", {"pool": "last+mean", "bidirectional": False}, ["bidirectional"]),
                               ("transformer", {"norm_first": False}, ["norm_first"])):
        path = save_checkpoint(build_model(name, binary_samples, **SMALL, **old), tmp_path / f"{name}.pt")
        ckpt = torch.load(path, weights_only=False)
        for key in missing:
            del ckpt["options"][key]
        torch.save(ckpt, path)
        loaded = load_checkpoint(path, encoders=binary_samples.encoders)
        assert {k: loaded.options[k] for k in old} == old
