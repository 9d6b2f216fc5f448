"""`medlake calibrate --method dirichlet|kcal|conformal` and runs.calibrate on a trained run."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from medlake.cli import main
from medlake.models import SampleSet, runs

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = {"embedding_dim": 8, "hidden_dim": 8}


def triage_table(n: int, seed: int = 0) -> pa.Table:
    """Three classes told (noisily) by marker codes."""
    rng = np.random.default_rng(seed)
    label = rng.choice(["home", "ward", "icu"], n, p=[0.5, 0.3, 0.2])
    marker = {"home": "H", "ward": "W", "icu": "I"}
    codes = [[f"C{int(c)}" for c in rng.integers(0, 30, 4)] + ([marker[y]] if rng.uniform() < 0.7 else [])
             for y in label]
    return pa.table({"sample_id": np.arange(n), "split": rng.choice(["train", "val", "test"], n, p=[0.5, 0.25, 0.25]),
                     "codes": codes, "label": label})


def test_every_method_calibrates_a_multiclass_run(tmp_path):
    samples = SampleSet.build(triage_table(1200), inputs={"codes": "codes"}, label_type="multiclass")
    run = tmp_path / "run"
    runs.train_samples(samples, run, model="mlp", epochs=8, lr=1e-2, n_boot=0, **SMALL)
    for method in ("dirichlet", "kcal"):
        r = runs.calibrate(None, run, method, samples=samples)
        assert r["test_samples"] == samples.splits["test"] and r["fit_samples"] == samples.splits["val"]
        assert r["log_loss_after"] < r["log_loss_before"] + 0.02 and r["state"]["method"] == method
        assert json.loads((run / f"calibration_{method}.json").read_text())["log_loss_after"] == r["log_loss_after"]
    r = runs.calibrate(None, run, "conformal", alpha=0.1, samples=samples)
    # coverage per class, by class name, with the number of test samples of each
    assert set(r["class_coverage"]) == set(r["class_samples"]) == {"home", "ward", "icu"}
    assert sum(r["class_samples"].values()) == samples.splits["test"]


def test_cli_calibrate_with_dirichlet_kcal_and_conformal(demo_lake, tmp_path):
    runner = CliRunner()
    run = tmp_path / "los"
    db = ["--db", demo_lake.path]
    r = runner.invoke(main, ["train", "--task", "los_gt_7d", "--dataset", "mimic3", "--model", "mlp", "--epochs", "2",
                             "--embedding-dim", "8", "--hidden-dim", "8", "--bootstrap", "0", "--quiet", "--out",
                             str(run), *db])
    assert r.exit_code == 0, r.output
    for method in ("dirichlet", "kcal"):
        r = runner.invoke(main, ["calibrate", str(run), "--method", method, *db])
        assert r.exit_code == 0, r.output
        assert "log loss before" in r.output and "ECE after" in r.output
        assert json.loads((run / f"calibration_{method}.json").read_text())["test_samples"] == 18
    assert "kernel bandwidth" in r.output
    r = runner.invoke(main, ["calibrate", str(run), "--method", "conformal", "--alpha", "0.2", *db])
    assert r.exit_code == 0, r.output
    counts = json.loads((run / "calibration_conformal.json").read_text())["class_samples"]
    assert sum(counts.values()) == 18
    assert all(f"coverage of class {k} ({n} samples)" in r.output for k, n in counts.items())
