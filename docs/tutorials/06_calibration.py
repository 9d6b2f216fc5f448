"""Tutorial 6: calibration and conformal prediction sets on a trained run.

Run it from the repository's root: `.venv/bin/python docs/tutorials/06_calibration.py [WORKDIR]`.
It trains a small model on a synthetic hospital, then makes its probabilities honest (temperature
scaling, histogram binning) and turns them into prediction sets with guaranteed coverage (conformal).
The command line does the same: `medlake calibrate RUN --method temperature|histogram|conformal`.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

import medlake
from medlake.models import ConformalLabel, TemperatureScaling, Trainer, runs
from medlake.models.metrics import expected_calibration_error
from medlake.synth import synthesize

work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
synthesize("mimic3", work / "raw", patients=600, seed=3)
lake = medlake.connect(work / "lake.duckdb")
lake.load("mimic3", work / "raw")

# 1. A trained run. Calibration is fitted on the validation split, so give it a real one.
task = "in_hospital_mortality_48h"
split = {"train": 0.5, "val": 0.25, "test": 0.25, "seed": 0}
run = work / "run"
trained = runs.train(lake, task, "mimic3", run, model="mlp", epochs=3, split=split, n_boot=0)
print(f"test roc_auc {trained['metrics']['roc_auc']:.3f}, ECE {trained['metrics']['ece']:.3f}")

# 2. Temperature scaling divides the logits by one number T fitted on the validation split: the
#    ranking (ROC AUC) stays, the probabilities move towards what is observed. Histogram binning
#    replaces each probability by the observed death rate of its bin.
temperature = runs.calibrate(lake, run, "temperature")
histogram = runs.calibrate(lake, run, "histogram", bins=10)
for r in (temperature, histogram):
    print(f"{r['method']:>11}: ECE on {r['test_split']} {r['ece_before']:.3f} -> {r['ece_after']:.3f}; "
          f"pictures {r['plots']}")
assert temperature["state"]["temperature"] > 0
assert temperature["metrics_after"]["roc_auc"] == temperature["metrics_before"]["roc_auc"]

# 3. Conformal sets (LABEL, class-conditional): each sample gets the set of labels that cannot be
#    ruled out at level alpha; each class's true label is in its set for at least 1 - alpha of the
#    samples of that class (on average over draws of the validation split).
conformal = runs.calibrate(lake, run, "conformal", alpha=0.2)
print(f"conformal, target coverage 0.80: coverage {conformal['coverage']:.3f}, per class "
      f"{ {k: round(v, 3) for k, v in conformal['class_coverage'].items()} }, "
      f"mean set size {conformal['mean_set_size']:.2f}")
assert 0.6 <= conformal["coverage"] <= 1.0 and 1.0 <= conformal["mean_set_size"] <= 2.0

# Nothing the training wrote was touched: each method wrote files of its own.
print(sorted(p.name for p in run.iterdir() if p.name.startswith("calibration")))

# 4. The same by hand, on the predictions: what to do inside your own training loop.
config, samples, net = runs.open_run(run, lake)
trainer = Trainer(net, quiet=True)
val = trainer.predict(samples.stream("val"))
test = trainer.predict(samples.stream("test"))
scaler = TemperatureScaling("binary").fit(val.logits, val.y_true)
after = scaler.transform(test.logits)
assert np.isclose(expected_calibration_error(test.y_true, after), temperature["ece_after"])

sets = ConformalLabel("binary", alpha=0.2).fit(val.probs, val.y_true).predict_sets(test.probs)
classes = lake.task(task, "mimic3").spec.classes          # ['survived', 'died']
for p, s, y in list(zip(test.probs, sets, test.y_true))[:5]:
    print(f"p(died) {p:.2f}  set {[classes[k] for k in np.flatnonzero(s)]}  truth {classes[int(y)]}")
assert sets.shape == (len(test.y_true), 2)
lake.close()
