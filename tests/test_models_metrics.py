"""Metrics equal scikit-learn; calibration and conformal sets do what they promise."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from medlake.errors import ParameterError
from medlake.models import (
    ConformalLabel,
    DirichletCalibration,
    HistogramBinning,
    KCal,
    TemperatureScaling,
    bootstrap_ci,
    compute_metrics,
)
from medlake.models.calibration import log_loss, probabilities
from medlake.models.metrics import ddi_rate, expected_calibration_error


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.25), 0, 1)
    got = compute_metrics("binary", y, p)
    pred = (p >= 0.5).astype(int)
    assert got["roc_auc"] == skm.roc_auc_score(y, p)
    assert got["pr_auc"] == skm.average_precision_score(y, p)
    assert got["accuracy"] == skm.accuracy_score(y, pred)
    assert got["balanced_accuracy"] == skm.balanced_accuracy_score(y, pred)
    assert got["f1"] == skm.f1_score(y, pred)
    assert got["precision"] == skm.precision_score(y, pred)
    assert got["recall"] == skm.recall_score(y, pred)
    assert got["cohen_kappa"] == skm.cohen_kappa_score(y, pred)


@pytest.mark.parametrize("seed", [0, 1])
def test_multiclass_metrics_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 400)
    logits = rng.normal(size=(400, 4)) + 1.5 * np.eye(4)[y]
    p = probabilities(logits, "multiclass")
    got = compute_metrics("multiclass", y, p)
    pred = p.argmax(1)
    assert got["accuracy"] == skm.accuracy_score(y, pred)
    for avg in ("macro", "micro", "weighted"):
        assert got[f"f1_{avg}"] == skm.f1_score(y, pred, average=avg)
    assert got["roc_auc_ovr"] == skm.roc_auc_score(y, p, multi_class="ovr")
    assert got["roc_auc_ovo"] == skm.roc_auc_score(y, p, multi_class="ovo")
    assert got["cohen_kappa"] == skm.cohen_kappa_score(y, pred)


def test_multilabel_metrics_equal_sklearn_and_ddi_rate():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, (200, 6))
    y[:, 0] = 1 - y[:, 1]   # every label has both classes
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    got = compute_metrics("multilabel", y, p)
    pred = (p >= 0.5).astype(int)
    for avg in ("micro", "macro", "samples"):
        assert got[f"roc_auc_{avg}"] == skm.roc_auc_score(y, p, average=avg)
        assert got[f"pr_auc_{avg}"] == skm.average_precision_score(y, p, average=avg)
        assert got[f"f1_{avg}"] == skm.f1_score(y, pred, average=avg, zero_division=0)
        assert got[f"jaccard_{avg}"] == skm.jaccard_score(y, pred, average=avg, zero_division=0)
    assert got["hamming_loss"] == skm.hamming_loss(y, pred)
    adj = np.zeros((3, 3))
    adj[0, 2] = 1
    # sample 1: pairs (0,1), (0,2), (1,2): one interacts; sample 2: no pair; sample 3: (0,2) interacts
    assert ddi_rate(np.array([[1, 1, 1], [1, 0, 0], [1, 0, 1]]), adj) == pytest.approx(2 / 4)


def test_ece_by_hand_and_undefined_metrics_are_nan():
    y = np.array([1, 0, 1, 1])
    p = np.array([0.95, 0.05, 0.55, 0.45])
    # bins: 0.05 -> [0,0.1): conf .05 vs 0; .45 -> bin 4: .45 vs 1; .55 -> bin 5: .55 vs 1; .95 -> bin 9: .95 vs 1
    assert expected_calibration_error(y, p) == pytest.approx((0.05 + 0.55 + 0.45 + 0.05) / 4)
    assert np.isnan(compute_metrics("binary", np.ones(5), np.linspace(0, 1, 5))["roc_auc"])
    with pytest.raises(ParameterError):
        compute_metrics("ranking", y, p)


def test_bootstrap_intervals_bracket_the_estimate():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    ci = bootstrap_ci("binary", y, p, n_boot=100, seed=1)
    auc = skm.roc_auc_score(y, p)
    assert ci["roc_auc"][0] < auc < ci["roc_auc"][1]
    assert ci["roc_auc"][1] - ci["roc_auc"][0] < 0.15
    assert ci == bootstrap_ci("binary", y, p, n_boot=100, seed=1)


def _overconfident(n, seed):
    """Labels drawn from true probabilities, logits three times too sharp."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(size=(n, 3)) * 1.2
    p = probabilities(true_logits, "multiclass")
    y = np.array([rng.choice(3, p=row) for row in p])
    return 3.0 * true_logits, y


def test_temperature_scaling_lowers_ece_of_an_overconfident_model():
    logits, y = _overconfident(4000, 0)
    fit, test = slice(0, 2000), slice(2000, 4000)
    ts = TemperatureScaling("multiclass").fit(logits[fit], y[fit])
    assert ts.temperature == pytest.approx(3.0, rel=0.15)
    before = expected_calibration_error(y[test], probabilities(logits[test], "multiclass"))
    after = expected_calibration_error(y[test], ts.transform(logits[test]))
    assert after < before / 2
    # binary: one logit
    rng = np.random.default_rng(1)
    z = rng.normal(size=4000) * 1.5
    yb = (rng.uniform(size=4000) < 1 / (1 + np.exp(-z))).astype(int)
    tb = TemperatureScaling("binary").fit(4 * z[:2000], yb[:2000])
    assert expected_calibration_error(yb[2000:], tb.transform(4 * z[2000:])) < \
        expected_calibration_error(yb[2000:], probabilities(4 * z[2000:], "binary"))


def test_histogram_binning_lowers_ece_and_keeps_rows_normalized():
    logits, y = _overconfident(4000, 2)
    p = probabilities(logits, "multiclass")
    hb = HistogramBinning("multiclass", bins=10).fit(p[:2000], y[:2000])
    out = hb.transform(p[2000:])
    assert np.allclose(out.sum(axis=1), 1.0)
    assert expected_calibration_error(y[2000:], out) < expected_calibration_error(y[2000:], p[2000:])


@pytest.mark.parametrize("alpha", [0.1, 0.2])
def test_conformal_sets_reach_class_conditional_coverage(alpha):
    logits, y = _overconfident(6000, 4)
    p = probabilities(logits / 3.0, "multiclass")
    conformal = ConformalLabel("multiclass", alpha).fit(p[:3000], y[:3000])
    report = conformal.report(p[3000:], y[3000:])
    tolerance = 0.03
    assert report["coverage"] >= 1 - alpha - tolerance
    assert all(c >= 1 - alpha - tolerance for c in report["class_coverage"].values())
    assert 1.0 < report["mean_set_size"] < 3.0
    sets = conformal.predict_sets(p[3000:])
    assert sets.shape == (3000, 3) and sets.dtype == bool


def _miscalibrated_by_class(n, seed):
    """Labels drawn from true probabilities; the model's logits are stretched and shifted class by class
    (class 0 three times too sharp, class 1 too flat and favoured), which no single temperature undoes."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(size=(n, 4)) * 1.5
    p = probabilities(true_logits, "multiclass")
    y = (rng.uniform(size=(n, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
    return true_logits * np.array([3.0, 0.6, 1.5, 2.0]) + np.array([0.0, 1.0, -0.5, 0.3]), y


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("seed", [0, 1])
def test_dirichlet_and_kcal_lower_log_loss_and_ece_of_a_miscalibrated_multiclass_model(seed):
    logits, y = _miscalibrated_by_class(7000, seed)
    p = probabilities(logits, "multiclass")
    fit, test = slice(0, 2000), slice(2000, None)
    before = (log_loss(y[test], p[test], "multiclass"), expected_calibration_error(y[test], p[test]))
    temperature = TemperatureScaling("multiclass").fit(logits[fit], y[fit]).transform(logits[test])
    dirichlet = DirichletCalibration("multiclass").fit(p[fit], y[fit])
    kcal = KCal("multiclass").fit(p[fit], y[fit])
    for cal in (dirichlet, kcal):
        after = cal.transform(p[test])
        assert np.allclose(after.sum(axis=1), 1.0) and after.shape == (5000, 4)
        assert log_loss(y[test], after, "multiclass") < before[0] - 0.2
        assert expected_calibration_error(y[test], after) < before[1] / 2
    # a full linear map of the log-probabilities undoes what one temperature cannot
    assert log_loss(y[test], dirichlet.transform(p[test]), "multiclass") < \
        log_loss(y[test], temperature, "multiclass") - 0.03
    assert dirichlet.state()["method"] == "dirichlet" and kcal.state()["bandwidth"] > 0


@pytest.mark.usefixtures("one_torch_thread")
def test_dirichlet_and_kcal_on_a_binary_label_and_bad_labels():
    rng = np.random.default_rng(3)
    z = rng.normal(size=5000) * 1.5
    y = (rng.uniform(size=5000) < 1 / (1 + np.exp(-z))).astype(int)
    p = probabilities(4 * z - 1, "binary")                        # too sharp, shifted
    for cal in (DirichletCalibration("binary"), KCal("binary")):
        after = cal.fit(p[:2000], y[:2000]).transform(p[2000:])
        assert after.shape == (3000,)
        assert log_loss(y[2000:], after, "binary") < log_loss(y[2000:], p[2000:], "binary") - 0.1
        assert expected_calibration_error(y[2000:], after) < expected_calibration_error(y[2000:], p[2000:]) / 2
    for cls in (DirichletCalibration, KCal):
        with pytest.raises(ParameterError, match="binary or multiclass"):
            cls("multilabel")


def test_label_conformal_sets_cover_every_class_on_20_seeds():
    """LABEL's defining property: for each class k, P(k in set | y = k) >= 1 - alpha, and below
    1 - alpha + 1 / (n_k + 1) for n_k calibration samples of the class. One threshold for all classes (marginal
    split conformal) covers on average but leaves the hard, rare class under-covered."""
    alpha, n_fit, n_test = 0.1, 2000, 20000
    freq, signal = np.array([0.5, 0.35, 0.15]), np.array([3.0, 2.0, 0.5])
    label, marginal, per_seed, fit_counts = [], [], [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        y = rng.choice(3, n_fit + n_test, p=freq)
        p = probabilities(np.eye(3)[y] * signal[y][:, None] + rng.normal(size=(len(y), 3)), "multiclass")
        fit, test = slice(0, n_fit), slice(n_fit, None)
        report = ConformalLabel("multiclass", alpha).fit(p[fit], y[fit]).report(p[test], y[test])
        assert sum(report["class_samples"].values()) == n_test
        per_seed.append([report["class_coverage"][k] for k in range(3)])
        fit_counts.append(np.bincount(y[fit], minlength=3))
        scores = 1 - p[fit][np.arange(n_fit), y[fit]]
        q = np.sort(scores)[int(np.ceil((n_fit + 1) * (1 - alpha))) - 1]
        covered = 1 - p[test][np.arange(n_test), y[test]] <= q
        marginal.append([covered[y[test] == k].mean() for k in range(3)] + [covered.mean()])
        label.append(report["coverage"])
    per_seed, marginal = np.array(per_seed), np.array(marginal)
    upper = 1 - alpha + 1 / (np.array(fit_counts).min(axis=0) + 1)
    assert (per_seed.mean(axis=0) >= 1 - alpha - 0.005).all() and (per_seed.mean(axis=0) <= upper + 0.005).all()
    assert per_seed.min() >= 1 - alpha - 0.05
    assert abs(np.mean(label) - (1 - alpha)) < 0.02
    # marginal conformal: the right coverage overall, far too little for the rare hard class
    assert abs(marginal[:, 3].mean() - (1 - alpha)) < 0.01 and marginal[:, 2].mean() < 1 - alpha - 0.1


def test_conformal_binary_and_bad_alpha():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 8000)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0.01, 0.99)
    report = ConformalLabel("binary", 0.1).fit(p[:4000], y[:4000]).report(p[4000:], y[4000:])
    assert report["coverage"] >= 0.9 - 0.025
    assert all(c >= 0.9 - 0.03 for c in report["class_coverage"].values())
    with pytest.raises(ParameterError, match="alpha"):
        ConformalLabel("binary", 1.5)
    with pytest.raises(ParameterError, match="binary or multiclass"):
        ConformalLabel("multilabel", 0.1).fit(np.zeros((3, 2)), np.zeros((3, 2)))


def test_the_tuned_threshold_maximizes_f1():
    from medlake.models.metrics import best_f1_threshold, binary_metrics

    y = np.array([0, 0, 0, 0, 1, 0, 1, 1])
    p = np.array([0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.6])
    t = best_f1_threshold(y, p)
    f1 = {c: binary_metrics(y, p, c)["f1"] for c in p}
    assert t == 0.35 and f1[t] == max(f1.values()) and f1[t] > binary_metrics(y, p)["f1"]
    assert best_f1_threshold(np.zeros(3), np.array([0.1, 0.2, 0.3])) == 0.5
