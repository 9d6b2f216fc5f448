"""`medlake explain`: attributions of one prediction, mapped to codes and titles; the causal code ranks first."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest
import torch
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import InputError, ParameterError
from medlake.models import SampleSet, build_model, runs
from medlake.models.explain import explain

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def causal_table(n: int, seed: int = 0) -> pa.Table:
    """Random codes C0-C39 and an age; the label is 1 exactly when C7 is among the codes."""
    rng = np.random.default_rng(seed)
    codes = [[f"C{int(c)}" for c in rng.choice(40, rng.integers(3, 10), replace=False)] for _ in range(n)]
    return pa.table({"sample_id": np.arange(n), "split": rng.choice(["train", "val", "test"], n, p=[0.6, 0.2, 0.2]),
                     "codes": codes, "age": rng.uniform(20, 90, n), "label": [int("C7" in c) for c in codes]})


@pytest.fixture(scope="module")
def causal(tmp_path_factory):
    table = causal_table(800)
    samples = SampleSet.build(table, inputs={"codes": "codes", "age": "numeric"}, label_type="binary")
    out = tmp_path_factory.mktemp("explain")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)           # as the one_torch_thread fixture, which a module fixture cannot use
    try:
        for model in ("retain", "transformer"):
            runs.train_samples(samples, out / model, model=model, epochs=6, lr=5e-3, n_boot=0, embedding_dim=16,
                               hidden_dim=16)
    finally:
        torch.set_num_threads(threads)
    positives = [r["sample_id"] for r in table.to_pylist() if r["split"] == "test" and r["label"] == 1][:5]
    return samples, out, positives


@pytest.mark.parametrize("model", ["retain", "transformer"])
@pytest.mark.parametrize("method", ["integrated_gradients", "attention"])
def test_the_causal_code_ranks_first(causal, model, method):
    samples, out, positives = causal
    for sample in positives:
        r = explain(None, out / model, sample, method=method, samples=samples, top=None)
        codes = r["codes"].to_pylist()
        assert codes[0]["code"] == "C7" and codes[0]["attribution"] > 0, (sample, codes[:3])
        assert r["label"] == "1" and r["target"] == "1" and 0 < r["prediction"] < 1
        # every code of the sample once, plus the age for Integrated Gradients
        held = samples.encoded.filter(pa.compute.equal(samples.encoded["sample_id"], sample))["codes"][0].as_py()
        own = samples.encoders.vocabularies["codes"].decode_ids(np.array(held)).tolist()
        assert sorted(c["code"] for c in codes) == sorted(own + (["age"] if method != "attention" else []))
        assert all(c["positions"] == 1 for c in codes)
        if method == "integrated_gradients":
            # completeness: the attributions add up to the logit's change from the all-zero baseline
            assert r["delta"] < 0.1


def test_explain_refuses_what_it_cannot_explain(causal, tmp_path):
    samples, out, positives = causal
    with pytest.raises(InputError, match="no sample '99999' among this run's 800 samples"):
        explain(None, out / "retain", 99999, samples=samples)
    with pytest.raises(ParameterError, match="one output"):
        explain(None, out / "retain", positives[0], samples=samples, target="1")
    runs.train_samples(samples, tmp_path / "mlp", model="mlp", epochs=1, n_boot=0, embedding_dim=8, hidden_dim=8)
    with pytest.raises(ParameterError, match="no attention of its own"):
        explain(None, tmp_path / "mlp", positives[0], samples=samples, method="attention")
    assert explain(None, tmp_path / "mlp", positives[0], samples=samples, top=3)["codes"].num_rows == 3


def test_the_gru_attention_is_a_distribution_over_the_sample_codes(causal, tmp_path):
    samples, out, positives = causal
    runs.train_samples(samples, tmp_path / "rnn", model="rnn", epochs=1, n_boot=0, embedding_dim=8, hidden_dim=8)
    r = explain(None, tmp_path / "rnn", positives[0], samples=samples, method="attention", top=None)
    codes = r["codes"].to_pylist()
    held = samples.encoded.filter(pa.compute.equal(samples.encoded["sample_id"], positives[0]))["codes"][0].as_py()
    assert len(codes) == len(held) and all(c["attribution"] >= 0 for c in codes)
    assert sum(c["attribution"] for c in codes) == pytest.approx(1.0, abs=1e-5)
    older = build_model("rnn", samples, embedding_dim=8, hidden_dim=8, pool="last+mean")
    with pytest.raises(ParameterError, match="pool='last\\+mean' has no attention"):
        older.sequence_encoders["codes"].attention(torch.zeros(1, 3, 8), torch.ones(1, 3, dtype=torch.bool))


@pytest.fixture(scope="module")
def titled_lake(demo_lake, tmp_path_factory, codes_dir):
    """A copy of the demo lake with ICD-9 titles (and the MIMIC item dictionaries) in its code tables."""
    demo_lake.execute("CHECKPOINT")
    path = tmp_path_factory.mktemp("titled") / "lake.duckdb"
    shutil.copyfile(demo_lake.path, path)
    lake = medlake.connect(path)
    lake.codes.load(codes_dir, only=["icd9cm_titles", "icd9proc_titles"])
    lake.close()
    return path


def test_cli_explain_prints_codes_with_their_titles(titled_lake, tmp_path):
    runner = CliRunner()
    run, db = tmp_path / "run", ["--db", str(titled_lake)]
    r = runner.invoke(main, ["train", "--task", "los_gt_7d", "--dataset", "mimic3", "--model", "retain", "--epochs", "1",
                             "--embedding-dim", "8", "--hidden-dim", "8", "--bootstrap", "0", "--quiet", "--out",
                             str(run), *db])
    assert r.exit_code == 0, r.output
    lake = medlake.connect(titled_lake)
    sample = lake.task("los_gt_7d", dataset="mimic3").to_arrow().to_pylist()[0]
    known = set(json.loads((run / "encoders.json").read_text())["vocabularies"]["conditions"])
    seen = [c for c in sample["conditions"] if c in known]        # the others are <unk> to the network
    expected = dict(zip(seen, lake.codes.lookup("ICD9CM", seen).column("name").to_pylist()))
    if len(seen) < len(sample["conditions"]):
        expected["<unk>"] = None
    lake.close()
    r = runner.invoke(main, ["explain", str(run), "--sample", str(sample["sample_id"]), "--top", "50",
                             "--format", "json", *db])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    conditions = {row["code"]: row["title"] for row in rows if row["input"] == "conditions"}
    assert conditions == expected and sum(t is not None for t in conditions.values()) >= len(expected) / 2
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    assert sorted(abs(row["attribution"]) for row in rows) == [abs(row["attribution"]) for row in rows][::-1]
    r = runner.invoke(main, ["explain", str(run), "--sample", str(sample["sample_id"]), "--method", "attention",
                             "--top", "3", *db])
    assert r.exit_code == 0, r.output
    assert f"sample {sample['sample_id']} (" in r.output and "top contributing codes" in r.output
    r = runner.invoke(main, ["explain", str(run), "--sample", "nope", *db])
    assert r.exit_code == 2 and "no sample 'nope' among this run's 107 samples" in r.output


def test_a_multiclass_target_is_the_predicted_class_or_the_one_named(tmp_path):
    table = causal_table(300)
    label = pa.array(["stay" if "C7" in c else "home" if "C8" in c else "ward" for c in table["codes"].to_pylist()])
    table = table.set_column(table.schema.get_field_index("label"), "label", label)
    samples = SampleSet.build(table, inputs={"codes": "codes", "age": "numeric"}, label_type="multiclass")
    runs.train_samples(samples, tmp_path / "run", model="mlp", epochs=1, n_boot=0, embedding_dim=8, hidden_dim=8)
    sample = table["sample_id"][0].as_py()
    r = explain(None, tmp_path / "run", sample, samples=samples)
    assert r["label"] == label[0].as_py() and r["target"] in {"stay", "home", "ward"}
    named = explain(None, tmp_path / "run", sample, samples=samples, target="home")
    assert named["target"] == "home" and 0 < named["prediction"] < 1
    with pytest.raises(ParameterError, match="unknown target class 'icu'"):
        explain(None, tmp_path / "run", sample, samples=samples, target="icu")
