"""The tutorials in docs/tutorials/ run as written, so the docs cannot rot."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ROOT

TUTORIALS = ROOT / "docs" / "tutorials"


def run_tutorial(name: str, *args) -> str:
    done = subprocess.run([sys.executable, str(TUTORIALS / name), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_tutorial_is_run_here():
    assert sorted(p.name for p in TUTORIALS.glob("*.py")) == [
        "01_ehr_prediction.py", "02_code_systems.py", "03_feature_store.py", "04_signals.py", "05_images.py",
        "06_calibration.py", "07_scaling_out.py", "08_coming_from_pyhealth.py"]


def test_ehr_prediction(tmp_path):
    out = run_tutorial("01_ehr_prediction.py", tmp_path)
    assert "<LoadResult loaded mimic3 from mimic3" in out and "<TaskResult in_hospital_mortality_48h" in out


def test_code_systems(codes_dir):
    out = run_tutorial("02_code_systems.py", codes_dir)
    assert "Congestive heart failure, unspecified" in out and "I50.9" in out


@pytest.mark.usefixtures("mimic3_dir")
def test_feature_store(mimic3_dir):
    out = run_tutorial("03_feature_store.py", mimic3_dir)
    assert "<FeatureStore: 5 views" in out and "demographics__age" in out


def test_signals(tmp_path):
    out = run_tutorial("04_signals.py", tmp_path)
    assert "<SignalsLoadResult loaded sleep from edf" in out and "3 channels at 100 Hz, as mne reads them" in out
    assert "<TaskResult sleep_staging on sleep (classes=5): 467 samples of 4 subjects" in out
    assert "cnn1d test accuracy" in out


def test_images(tmp_path):
    out = run_tutorial("05_images.py", tmp_path)
    assert "<ImagesLoadResult loaded cxr from dicom" in out and "240 images, 3,360 image_labels" in out
    assert "<TaskResult cxr_classification on cxr (uncertain=negative, view=any): 240 samples of 97 subjects" in out
    assert "cnn2d test macro AUROC" in out


def test_calibration(tmp_path):
    out = run_tutorial("06_calibration.py", tmp_path)
    assert "temperature: ECE on test" in out and "['calibration_test_temperature.png']" in out
    assert "conformal, target coverage 0.80: coverage" in out
    assert (tmp_path / "run" / "calibration_test_histogram.png").exists() and (tmp_path / "run" / "roc.png").exists()


def test_scaling_out(mimic4_dir, tmp_path):
    out = run_tutorial("07_scaling_out.py", mimic4_dir, tmp_path)
    assert "events: {'mimic4': 301971, 'mimic4_meds': 301971}" in out
    assert "<TaskResult ihm48 on mimic4: 220 samples of 99 subjects; labels: 0 211, 1 9>" in out
    assert "exported: subjects 100, visits 1,649, events 301,971" in out
    assert "readmission on Spark: 108 samples, the same as DuckDB's: True" in out


def test_coming_from_pyhealth(mimic3_dir, codes_dir):
    out = run_tutorial("08_coming_from_pyhealth.py", mimic3_dir, codes_dir)
    assert "<TaskResult mortality on mimic3 (uncertain_order=drop): 26 samples of 12 subjects" in out
    assert "anchor=admission: {'not readmitted': 24, 'readmitted': 2}" in out
    assert "anchor=discharge: {'not readmitted': 19, 'readmitted': 7}" in out
    assert "15 prescriptions start after their admission's discharge" in out
