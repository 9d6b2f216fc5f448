"""The scikit-learn baselines: the flat table they read, and runs trained, evaluated and calibrated like a network's."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from medlake.cli import main
from medlake.errors import ParameterError
from medlake.models import SampleSet, runs
from medlake.models.baselines import Baseline, baseline_name, design_matrix

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SERIES = pa.list_(pa.struct([("code", pa.string()), ("value", pa.float64()), ("hours", pa.float64())]))


def lab_table(n: int, seed: int = 0) -> pa.Table:
    """Samples whose label follows the mean value of lab X (lab Y is noise), plus drugs and a sex."""
    rng = np.random.default_rng(seed)
    labs, drugs, label = [], [], []
    for _ in range(n):
        risk = rng.normal()
        k = int(rng.integers(1, 6))
        labs.append([{"code": str(rng.choice(["X", "Y"])), "value": float(50 + 10 * risk + rng.normal() * 3),
                      "hours": float(h)} for h in sorted(rng.uniform(0, 48, k))])
        drugs.append([f"D{int(d)}" for d in rng.integers(0, 6, rng.integers(0, 4))])
        xs = [x["value"] for x in labs[-1] if x["code"] == "X"]
        label.append(int((np.mean(xs) if xs else 50.0) + rng.normal() * 2 > 53))
    return pa.table({"sample_id": [f"s{i}" for i in range(n)],
                     "split": rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2]),
                     "labs": pa.array(labs, SERIES), "drugs": pa.array(drugs, pa.list_(pa.string())),
                     "sex": rng.choice(["F", "M"], n), "label": label})


INPUTS = {"labs": "series", "drugs": "codes", "sex": "categorical"}


def test_the_flat_table_holds_counts_and_value_statistics_per_code():
    table = pa.table({
        "sample_id": ["a", "b", "c"],
        "labs": pa.array([[{"code": "X", "value": 1.0, "hours": 0.0}, {"code": "X", "value": 3.0, "hours": 1.0},
                           {"code": "Y", "value": None, "hours": 2.0}],
                          [{"code": "Y", "value": 10.0, "hours": 0.0}, {"code": "Y", "value": 30.0, "hours": 1.0},
                           {"code": "Y", "value": 20.0, "hours": 2.0}],
                          []], SERIES),
        "visits": pa.array([[["P"], ["P", "Q"]], [], [["Q"]]], pa.list_(pa.list_(pa.string()))),
        "sex": ["F", "M", None],
        "age": [30.0, 50.0, None],
        "label": [0, 1, 0],
    })
    samples = SampleSet.build(table, inputs={"labs": "series", "visits": "nested_codes", "sex": "categorical",
                                             "age": "numeric"}, label_type="binary")
    enc = samples.encoders
    x = design_matrix(samples.encoded, enc)
    labs = enc.vocabularies["labs"].codes          # <pad>, <unk>, Y (4 values), X (2)
    visits = enc.vocabularies["visits"].codes
    sexes = enc.vocabularies["sex"].codes
    w = len(labs)
    assert x.shape == (3, 5 * w + len(visits) + len(sexes) + 1)
    scaler = enc.series["labs"]
    x_id, y_id = labs.index("X"), labs.index("Y")
    count, mean, low, high, last = (x[:, k * w:(k + 1) * w] for k in range(5))
    assert count[:, x_id].tolist() == [2, 0, 0] and count[:, y_id].tolist() == [0, 3, 0]   # a missing value: no count
    z = [(v - scaler.mean[y_id]) / scaler.scale[y_id] for v in (10.0, 30.0, 20.0)]
    assert mean[1, y_id] == pytest.approx(np.mean(z), abs=1e-6)
    assert (low[1, y_id], high[1, y_id], last[1, y_id]) == pytest.approx((z[0], z[1], z[2]), abs=1e-6)
    assert mean[0, x_id] == pytest.approx(0.0, abs=1e-6)        # X's values 1 and 3 around their mean 2
    assert last[0, x_id] == pytest.approx(1.0, abs=1e-6)        # (3 - 2) / 1
    assert not x[2, :5 * w].any()                               # no labs at all: zeros
    nested = x[:, 5 * w:5 * w + len(visits)]
    assert nested[0, visits.index("P")] == 2 and nested[0, visits.index("Q")] == 1 and nested[1].sum() == 0
    onehot = x[:, 5 * w + len(visits):-1]
    assert onehot.sum(axis=1).tolist() == [1, 1, 1] and onehot[0, sexes.index("F")] == 1
    assert x[2, -1] == 0.0 and x[0, -1] == pytest.approx(-1.0)   # standardized age; missing -> the mean


@pytest.mark.parametrize("name", ["logistic_regression", "gbm"])
def test_a_baseline_learns_and_writes_a_run_like_a_network(name, tmp_path):
    samples = SampleSet.build(lab_table(600), inputs=INPUTS, label_type="binary")
    run = tmp_path / name
    result = runs.train_samples(samples, run, model=name, n_boot=20)
    assert result["metrics"]["roc_auc"] > 0.85
    assert result["ci95"]["roc_auc"][0] <= result["metrics"]["roc_auc"] <= result["ci95"]["roc_auc"][1]
    for file in ("config.json", "encoders.json", "model.pkl", "metrics.json", "roc.png"):
        assert (run / file).exists(), file
    config = json.loads((run / "config.json").read_text())
    assert config["model"] == name and config["best_epoch"] is None
    if name == "logistic_regression":
        assert config["options"]["C"] in (0.01, 0.1, 1.0)
    assert runs.evaluate(None, run, samples=samples, n_boot=0)["metrics"] == result["metrics"]
    temperature = runs.calibrate(None, run, "temperature", samples=samples)
    assert temperature["state"]["temperature"] > 0 and "ece_after" in temperature
    conformal = runs.calibrate(None, run, "conformal", alpha=0.2, samples=samples)
    assert conformal["test_samples"] == samples.splits["test"]
    predicted = runs.predict(run, lab_table(600), split="test")
    model = Baseline.load(run / "model.pkl", samples.encoders)
    expected = model.estimator.predict_proba(design_matrix(samples.split_rows("test"), samples.encoders))[:, 1]
    assert np.allclose(predicted.column("probability").to_numpy(), expected, atol=1e-9)


def test_baseline_names_and_labels():
    assert baseline_name("LR") == "logistic_regression" and baseline_name("gbm") == "gbm"
    assert baseline_name("transformer") is None
    table = lab_table(60)
    multilabel = table.set_column(table.schema.get_field_index("label"), "label",
                                  pa.array([["a"]] * 60, pa.list_(pa.string())))
    samples = SampleSet.build(multilabel, inputs=INPUTS, label_type="multilabel")
    with pytest.raises(ParameterError, match="not multilabel"):
        runs.train_samples(samples, "unused", model="gbm")


def test_a_multiclass_baseline_gives_probabilities_over_every_class(tmp_path):
    table = lab_table(300)
    label = pa.array([int(i % 3) for i in range(300)])
    samples = SampleSet.build(table.set_column(table.schema.get_field_index("label"), "label", label),
                              inputs=INPUTS, label_type="multiclass")
    result = runs.train_samples(samples, tmp_path / "mc", model="logistic_regression", n_boot=0)
    assert "accuracy" in result["metrics"] and result["monitor"] == "accuracy"
    predicted = runs.predict(tmp_path / "mc", samples.split_rows(None).select(["sample_id"]).append_column(
        "labs", table.column("labs")).append_column("drugs", table.column("drugs")).append_column(
        "sex", table.column("sex")).append_column("label", label))
    probs = np.array(predicted.column("probabilities").to_pylist())
    assert probs.shape == (300, 3) and np.allclose(probs.sum(axis=1), 1.0)


def test_cli_trains_a_baseline_beside_a_network(demo_lake, tmp_path):
    runner = CliRunner()
    db = ["--db", demo_lake.path]
    out = tmp_path / "mlp"
    r = runner.invoke(main, ["train", "--task", "los_gt_7d", "--dataset", "mimic3", "--model", "mlp", "--epochs", "1",
                             "--embedding-dim", "8", "--hidden-dim", "8", "--baseline", "--out", str(out),
                             "--silent", *db])
    assert r.exit_code == 0, r.output
    assert "beside the logistic_regression baseline" in r.output
    metrics = json.loads((out / "metrics.json").read_text())
    baseline = out / "baseline"
    assert metrics["baseline"]["model"] == "logistic_regression"
    assert metrics["baseline"]["metrics"] == json.loads((baseline / "metrics.json").read_text())["metrics"]
    assert (baseline / "model.pkl").exists() and (out / "model.pt").exists()
    # the baseline is a run of its own, on the default feature-store views besides the task's inputs
    config = json.loads((baseline / "config.json").read_text())
    assert config["source"]["features"] == runs.BASELINE_FEATURES
    assert config["source"]["split"] == json.loads((out / "config.json").read_text())["source"]["split"]
    inputs = json.loads((baseline / "encoders.json").read_text())["inputs"]
    assert inputs["demographics__age"] == "numeric" and inputs["lab_stats__creatinine_last_24h"] == "numeric"
    r = runner.invoke(main, ["evaluate", str(baseline), "--split", "val", "--bootstrap", "0", *db])
    assert r.exit_code == 0 and "logistic_regression on val (11 samples)" in r.output, r.output
