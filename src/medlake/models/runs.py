"""Training runs on disk: `train`, `evaluate` and `calibrate` (what `medlake train|evaluate|calibrate` call).

A run directory holds config.json (how the samples and the network were
made), encoders.json (vocabularies and label classes), model.pt (the best
checkpoint; model.pkl for a scikit-learn baseline), history.json,
metrics.json (test metrics with bootstrap intervals) and roc.png /
calibration.png (test split). `evaluate` adds metrics_<split>.json, roc_<split>.png and
calibration_<split>.png; `calibrate` adds calibration_<method>.json and
calibration_<split>_<method>.png (reliability before and after on the reporting split).
Neither overwrites what training wrote.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import InputError, ParameterError
from .baselines import Baseline, baseline_name, fit_baseline
from .calibration import ConformalLabel, DirichletCalibration, HistogramBinning, KCal, TemperatureScaling, log_loss
from .metrics import bootstrap_ci, compute_metrics, expected_calibration_error
from .nets import build_model, ddi_matrix, model_class
from .plots import reliability, write_curves
from .stream import SampleSet
from .trainer import Trainer, load_checkpoint, seed_everything, write_json
from .vocab import Encoders

CALIBRATION_METHODS = ("temperature", "histogram", "conformal", "dirichlet", "kcal")
# feature-store views a baseline reads besides the task's own inputs when none are named
BASELINE_FEATURES = ["demographics", "lab_stats", "prior_utilization"]


def feature_kinds(table: pa.Table, columns: list[str]) -> dict[str, str]:
    """Input kinds of feature columns from their Arrow types: numbers are numeric, text categorical,
    lists of text codes; anything else is an InputError naming the column."""
    kinds = {}
    for name in columns:
        t = table.schema.field(name).type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_decimal(t):
            kinds[name] = "numeric"
        elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
            kinds[name] = "categorical"
        elif pa.types.is_list(t) and pa.types.is_string(t.value_type):
            kinds[name] = "codes"
        else:
            raise InputError(f"feature column '{name}' has type {t}, which no network input takes",
                             expected="numbers, text or lists of text (pick features as view.feature)")
    return kinds


def _task_samples(lake, task: str, dataset: str, task_params: dict | None, split: dict, encoders=None,
                  features: list[str] | None = None, **build) -> SampleSet:
    result = lake.task(task, dataset=dataset, **(task_params or {})).split(**split)
    if not features:
        return SampleSet.build(result, encoders=encoders, **build)
    table = lake.features.training_set(result, features=features)
    added = [c for c in table.column_names if c not in result.to_arrow().column_names]
    inputs = {**result.spec.inputs, **feature_kinds(table, added)}
    return SampleSet.build(table, inputs=inputs, label_type=result.spec.label_type, classes=result.spec.classes,
                           encoders=encoders, **build)


def _ddi(lake, ddi: str | None, encoders: Encoders):
    if not ddi:
        return None
    from .ddi import read_ddi_pairs

    if encoders.label_type != "multilabel":
        raise ParameterError(f"a DDI table applies to drug recommendation (a multilabel label), "
                             f"not to a {encoders.label_type} label")
    return ddi_matrix(read_ddi_pairs(lake, ddi), encoders.label_encoder.classes)


SMALL_SPLIT = 30  # fewer samples than this make a split's metrics unreliable


def small_data_warnings(samples: SampleSet) -> list[str]:
    """What a user should know before trusting a run's numbers: splits under 30 samples, and splits of a
    binary or multiclass label that hold one class only (ROC and PR curves cannot be computed there)."""
    out = []
    table = samples.encoded
    classified = samples.encoders.label_type in ("binary", "multiclass")
    for split, n in sorted(samples.splits.items()):
        if n < SMALL_SPLIT:
            out.append(f"split '{split}' holds {n} samples (fewer than {SMALL_SPLIT}): its metrics are unreliable; "
                       "use more data or other split fractions (e.g. --split 0.6,0.2,0.2)")
        if classified and n:
            labels = table.filter(pa.compute.equal(table["split"], split))["label"]
            if len(pa.compute.unique(labels)) < 2:
                out.append(f"split '{split}' holds one class only: ROC AUC, PR AUC and their curves cannot be "
                           "computed on it (they are reported as n/a)")
    return out


def train(lake, task: str, dataset: str, out: str | Path, *, model: str = "transformer", epochs: int = 5,
          task_params: dict | None = None, split: dict | None = None, features: list[str] | None = None,
          ddi: str | None = None, min_count: int = 1, max_len: int | None = None, show_progress: bool = False,
          baseline: bool = False, lazy_options: dict | None = None, **options) -> dict:
    """Run a task, split it by subject, train a network (or a baseline) and write the run directory;
    returns the metrics.

    `features` (feature-store views or view.feature names) join the samples as of
    their index time and become numeric, categorical or code inputs; a baseline
    (`logistic_regression`, `gbm`) reads BASELINE_FEATURES when none are named.
    `baseline=True` also trains the logistic-regression baseline on the same
    split into `out/baseline` and adds its test metrics under "baseline".
    `lazy_options` (signal_channels, signal_rate, image_size) choose how signal
    and image inputs are read (SampleSet.build)."""
    split = split or {"train": 0.7, "val": 0.1, "test": 0.2, "seed": 0}
    if baseline_name(model) and features is None:
        features = list(BASELINE_FEATURES)
    samples = _task_samples(lake, task, dataset, task_params, split, features=features, min_count=min_count,
                            max_len=max_len, lazy_options=lazy_options)
    source = {"task": task, "dataset": dataset, "task_params": task_params or {}, "split": split,
              "features": features or []}
    ddi_adj = _ddi(lake, ddi, samples.encoders)
    result = train_samples(samples, out, model=model, epochs=epochs, source=source, ddi_adjacency=ddi_adj,
                           ddi=ddi, show_progress=show_progress, **options)
    if baseline:
        keep = {k: options[k] for k in ("seed", "monitor", "n_boot") if k in options}
        result["baseline"] = train(lake, task, dataset, Path(out) / "baseline", model="logistic_regression",
                                   task_params=task_params, split=split, min_count=min_count, **keep)
        write_json(Path(out) / "metrics.json", result)
    return result


def train_samples(samples: SampleSet, out: str | Path, *, model: str = "transformer", epochs: int = 5,
                  batch_size: int = 64, lr: float = 1e-3, weight_decay: float = 0.0, optimizer: str = "adam",
                  patience: int | None = None, monitor: str | None = None, seed: int = 0,
                  embedding_dim: int = 64, hidden_dim: int = 64, dropout: float = 0.1, device: str | None = None,
                  n_boot: int = 200, source: dict | None = None, ddi_adjacency=None, ddi: str | None = None,
                  show_progress: bool = False, skip_unreadable: bool = False) -> dict:
    """Train on a SampleSet's train split (validating on val), test on test, and write the run directory.

    `skip_unreadable`: samples whose signal or image file cannot be read are left out (their
    count is `unreadable_samples` in the result) instead of stopping the run."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    splits = samples.splits
    if not splits.get("train"):
        raise InputError("no training samples (column 'split')", expected="rows with split = 'train'")
    seed_everything(seed)
    if baseline_name(model):
        return _train_baseline(samples, out, baseline_name(model), seed=seed, monitor=monitor, n_boot=n_boot,
                               source=source)
    net_options = {"embedding_dim": embedding_dim, "hidden_dim": hidden_dim, "dropout": dropout}
    if ddi_adjacency is not None and "ddi_adjacency" in inspect.signature(model_class(model)).parameters:
        net_options["ddi_adjacency"] = ddi_adjacency    # the networks that learn from it; every one reports it
    net = build_model(model, samples, **net_options)
    metric_options = {"ddi_adjacency": ddi_adjacency} if ddi_adjacency is not None else {}
    trainer = Trainer(net, epochs=epochs, optimizer=optimizer, lr=lr, weight_decay=weight_decay, monitor=monitor,
                      patience=patience, checkpoint_dir=out, seed=seed, device=device,
                      metric_options=metric_options, quiet=not show_progress)
    val = samples.stream("val", batch_size=batch_size, skip_unreadable=skip_unreadable) if splits.get("val") else None
    train_stream = samples.stream("train", batch_size=batch_size, shuffle=True, seed=seed,
                                  skip_unreadable=skip_unreadable)
    history = trainer.fit(train_stream, val)
    samples.encoders.save(out / "encoders.json")
    config = {"source": source, "model": model, "options": net.options | {"ddi": ddi}, "epochs": epochs,
              "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay, "optimizer": optimizer,
              "seed": seed, "monitor": trainer.monitor, "best_epoch": trainer.best_epoch, "splits": splits}
    config["options"].pop("ddi_adjacency", None)
    write_json(out / "config.json", config)
    write_json(out / "history.json", history)
    if ddi_adjacency is not None:
        np.save(out / "ddi.npy", ddi_adjacency)
    result = {"run": str(out), "model": model, "best_epoch": trainer.best_epoch, "monitor": trainer.monitor,
              "best_score": trainer.best_score, "splits": splits, "warnings": small_data_warnings(samples)}
    skipped = train_stream.skipped + (val.skipped if val is not None else [])
    test_split = "test" if splits.get("test") else None
    if test_split:
        result.update(_evaluate_on(trainer, samples, test_split, out, batch_size, n_boot, metric_options,
                                   skip_unreadable, skipped))
    if skipped:
        result["unreadable_samples"] = len({s["sample_id"] for s in skipped})
        result["warnings"].append(f"{result['unreadable_samples']} samples left out: their files cannot be read "
                                  f"(first: {skipped[0]['reason']})")
    write_json(out / "metrics.json", result)
    return result


def _train_baseline(samples: SampleSet, out: Path, name: str, *, seed: int, monitor: str | None, n_boot: int,
                    source: dict | None) -> dict:
    """Fit a scikit-learn baseline and write the same run directory a network's training writes."""
    model, chosen = fit_baseline(name, samples, seed=seed, monitor=monitor)
    splits = samples.splits
    samples.encoders.save(out / "encoders.json")
    model.save(out / "model.pkl")
    config = {"source": source, "model": name, "options": model.options | {"features": chosen["features"]},
              "batch_size": 256, "seed": seed, "monitor": chosen["monitor"], "best_epoch": None, "splits": splits}
    write_json(out / "config.json", config)
    write_json(out / "history.json", [])
    result = {"run": str(out), "model": name, "best_epoch": None, "monitor": chosen["monitor"],
              "best_score": chosen["best_score"], "splits": splits, "warnings": small_data_warnings(samples)}
    if splits.get("test"):
        result.update(_evaluate_on(model, samples, "test", out, 256, n_boot, {}))
    write_json(out / "metrics.json", result)
    return result


def _predictor(model, device: str | None = None, **options):
    """What predicts a stream: a baseline itself, or a Trainer around a network."""
    return model if isinstance(model, Baseline) else Trainer(model, device=device, **options)


def _evaluate_on(trainer: Trainer | Baseline, samples: SampleSet, split: str, out: Path, batch_size: int, n_boot: int,
                 metric_options: dict, skip_unreadable: bool = False, skipped: list | None = None,
                 suffix: str = "") -> dict:
    """Metrics, bootstrap intervals and curves (roc<suffix>.png, calibration<suffix>.png) on one split;
    samples whose files cannot be read are added to `skipped` when `skip_unreadable`."""
    stream = samples.stream(split, batch_size=batch_size, skip_unreadable=skip_unreadable)
    pred = trainer.predict(stream)
    if skipped is not None:
        skipped += stream.skipped
    probs = pred.probs
    metrics = compute_metrics(pred.label_type, pred.y_true, probs, **metric_options)
    ci = bootstrap_ci(pred.label_type, pred.y_true, probs, n_boot=n_boot, **metric_options) if n_boot else {}
    plots = write_curves(out, pred.y_true, probs, pred.label_type, title=f"({split})", suffix=suffix)
    return {"split": split, "samples": int(len(pred.y_true)), "metrics": metrics,
            "ci95": {k: list(v) for k, v in ci.items()}, "plots": [p.name for p in plots]}


def open_run(run_dir: str | Path, lake=None, samples: SampleSet | None = None):
    """(config, samples, network) of a run directory; the samples are rebuilt with the run's encoders."""
    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if not config_path.exists():
        raise InputError("not a training run (no config.json)", path=run_dir,
                         expected="a directory written by `medlake train --out`")
    config = json.loads(config_path.read_text())
    encoders = Encoders.load(run_dir / "encoders.json")
    if samples is None:
        source = config.get("source")
        if not source or lake is None:
            raise ParameterError(f"run {run_dir} was trained on samples given in Python; pass samples= to reuse it")
        samples = _task_samples(lake, source["task"], source["dataset"], source["task_params"], source["split"],
                                encoders=encoders, features=source.get("features"))
    elif samples.encoders.to_dict() != encoders.to_dict():
        raise ParameterError(f"these samples were encoded differently from run {run_dir}; build them with "
                             f"SampleSet.build(source, encoders=Encoders.load('{run_dir / 'encoders.json'}'))")
    return config, samples, _load_model(run_dir, encoders)


def _load_model(run_dir: Path, encoders: Encoders):
    """A run's network (model.pt) or scikit-learn baseline (model.pkl)."""
    if (run_dir / "model.pkl").exists():
        return Baseline.load(run_dir / "model.pkl", encoders)
    return load_checkpoint(run_dir / "model.pt", encoders=encoders)


def _metric_options(run_dir: Path) -> dict:
    path = run_dir / "ddi.npy"
    return {"ddi_adjacency": np.load(path)} if path.exists() else {}


def evaluate(lake, run_dir: str | Path, split: str = "test", n_boot: int = 200, samples: SampleSet | None = None,
             device: str | None = None, show_progress: bool = False) -> dict:
    """Metrics (with bootstrap intervals) of a trained run on one split; writes metrics_<split>.json,
    roc_<split>.png and calibration_<split>.png."""
    run_dir = Path(run_dir)
    config, samples, net = open_run(run_dir, lake, samples)
    if not samples.splits.get(split):
        raise InputError(f"no samples in split '{split}'",
                         expected=f"one of: {', '.join(samples.splits)}")
    options = _metric_options(run_dir)
    trainer = _predictor(net, device, metric_options=options, quiet=not show_progress)
    result = {"run": str(run_dir), "model": config["model"],
              **_evaluate_on(trainer, samples, split, run_dir, config["batch_size"], n_boot, options,
                             suffix=f"_{split}")}
    write_json(run_dir / f"metrics_{split}.json", result)
    return result


def predict(run_dir: str | Path, source, lake=None, split: str | None = None, device: str | None = None,
            **source_options) -> pa.Table:
    """Predictions of a trained run on new samples (any SampleSet source), encoded with the run's encoders.

    Returns sample_id plus `probability` (binary), `probabilities` and `predicted`
    class (multiclass), `probabilities` and the `predicted` set at 0.5 (multilabel), or
    `prediction` (regression)."""
    run_dir = Path(run_dir)
    encoders = Encoders.load(run_dir / "encoders.json")
    samples = SampleSet.build(source, lake=lake, encoders=encoders, **source_options)
    stream = samples.stream(split, batch_size=256)
    pred = _predictor(_load_model(run_dir, encoders), device).predict(stream)
    out = {"sample_id": stream.sample_ids.take(pa.array(pred.rows))}
    probs = pred.probs
    kind = encoders.label_type
    if kind == "binary":
        out["probability"] = pa.array(probs)
    elif kind == "regression":
        out["prediction"] = pa.array(probs)
    else:
        classes = np.asarray(encoders.label_encoder.classes, dtype=object)
        out["probabilities"] = pa.array(list(probs))
        if kind == "multiclass":
            out["predicted"] = pa.array(classes[probs.argmax(axis=1)].tolist())
        else:
            out["predicted"] = pa.array([classes[row >= 0.5].tolist() for row in probs], pa.list_(pa.string()))
    return pa.table(out)


def calibrate(lake, run_dir: str | Path, method: str = "temperature", alpha: float = 0.1, bins: int = 15,
              fit_split: str = "val", test_split: str = "test", samples: SampleSet | None = None,
              device: str | None = None) -> dict:
    """Fit a calibration method on one split's predictions and report it on another.

    temperature / histogram / dirichlet / kcal: ECE, log loss (binary and multiclass) and
    metrics before and after, and the reliability curves (calibration_<test_split>_<method>.png);
    conformal: coverage (overall and per class, keyed by class name) and mean set size at
    level 1 - alpha. Writes calibration_<method>.json."""
    if method not in CALIBRATION_METHODS:
        raise ParameterError(f"unknown calibration method '{method}' (expected {', '.join(CALIBRATION_METHODS)})")
    run_dir = Path(run_dir)
    config, samples, net = open_run(run_dir, lake, samples)
    for s in (fit_split, test_split):
        if not samples.splits.get(s):
            raise InputError(f"no samples in split '{s}'",
                             expected=f"one of: {', '.join(samples.splits)}")
    trainer = _predictor(net, device)
    fit = trainer.predict(samples.stream(fit_split, batch_size=config["batch_size"]))
    test = trainer.predict(samples.stream(test_split, batch_size=config["batch_size"]))
    label_type = fit.label_type
    result = {"run": str(run_dir), "method": method, "fit_split": fit_split, "test_split": test_split,
              "fit_samples": int(len(fit.y_true)), "test_samples": int(len(test.y_true))}
    if method == "conformal":
        conformal = ConformalLabel(label_type, alpha).fit(fit.probs, fit.y_true)
        report = conformal.report(test.probs, test.y_true)
        names = samples.encoders.label_encoder.classes if label_type == "multiclass" else ["0", "1"]
        for key in ("class_coverage", "class_samples"):
            report[key] = {str(names[k]): v for k, v in report[key].items()}
        result.update(report)
        result["state"] = conformal.state()
    else:
        if label_type == "regression":
            raise ParameterError("calibration needs a classification label, not regression")
        if method == "temperature":
            cal = TemperatureScaling(label_type).fit(fit.logits, fit.y_true)
            after = cal.transform(test.logits)
        else:
            methods = {"histogram": lambda: HistogramBinning(label_type, bins), "kcal": lambda: KCal(label_type),
                       "dirichlet": lambda: DirichletCalibration(label_type)}
            cal = methods[method]().fit(fit.probs, fit.y_true)
            after = cal.transform(test.probs)
        result["state"] = cal.state()
        if label_type in ("binary", "multiclass"):
            result["ece_before"] = expected_calibration_error(test.y_true, test.probs)
            result["ece_after"] = expected_calibration_error(test.y_true, after)
            result["log_loss_before"] = log_loss(test.y_true, test.probs, label_type)
            result["log_loss_after"] = log_loss(test.y_true, after, label_type)
        result["reliability_before"] = reliability(test.y_true, test.probs, label_type)
        result["reliability_after"] = reliability(test.y_true, after, label_type)
        result["metrics_before"] = compute_metrics(label_type, test.y_true, test.probs)
        result["metrics_after"] = compute_metrics(label_type, test.y_true, after)
        plots = write_curves(run_dir, test.y_true, test.probs, label_type, title=f"({test_split}, {method})",
                             calibrated=after, suffix=f"_{test_split}_{method}")
        result["plots"] = [p.name for p in plots]
    write_json(run_dir / f"calibration_{method}.json", result)
    return result


__all__ = ["train", "train_samples", "evaluate", "predict", "calibrate", "open_run", "CALIBRATION_METHODS",
           "BASELINE_FEATURES"]
