"""Signal windows and images as tensors: read lazily by the stream, equal to mne's and pydicom's own reading,
unreadable files named (or skipped and counted), and CNNs that learn the synthetic sleep stages."""

from __future__ import annotations

import json
import warnings

import mne
import numpy as np
import pydicom
import pytest
import torch
from click.testing import CliRunner
from pydicom.pixels import apply_modality_lut, apply_voi_lut

import medlake
from medlake.cli import main
from medlake.errors import ParameterError, SampleReadError
from medlake.images.pixels import read_pixels
from medlake.models import SampleSet
from medlake.models.nets import build_model
from medlake.signals.window import WindowReader
from medlake.synth.sleep import synthesize_sleep_edf

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CHANNELS = ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"]
STAGE_CODE = {"W": 0, "1": 1, "2": 2, "3": 3, "4": 3, "R": 4}


def _mne(path, **kwargs):
    with warnings.catch_warnings(), mne.utils.use_log_level("error"):
        warnings.simplefilter("ignore")
        reader = mne.io.read_raw_bdf if str(path).endswith(".bdf") else mne.io.read_raw_edf
        return reader(path, preload=False, **kwargs)


@pytest.fixture(scope="module")
def sleep(tmp_path_factory):
    """Five synthetic nights of 80 epochs, loaded: (lake path, folder, stages per PSG file)."""
    folder = tmp_path_factory.mktemp("sleep5")
    synth = synthesize_sleep_edf(folder, subjects=5, seed=3, epochs=80)
    path = tmp_path_factory.mktemp("sleep5lake") / "lake.duckdb"
    with medlake.connect(path) as lake:
        lake.load("edf", folder, layout="sleep-edf", name="sleep")
    return path, folder, synth.stages


def _sleep_samples(path) -> SampleSet:
    with medlake.connect(path, read_only=True) as lake:
        return SampleSet.build(lake.task("sleep_staging", dataset="sleep").split(0.6, 0.2, 0.2))


def test_a_window_is_mnes_data(sleep, edf_dir):
    _, folder, _ = sleep
    psg = folder / "SC4001E0-PSG.edf"
    got = WindowReader().read(psg, CHANNELS, 60.0, 30.0, 100.0)
    want = _mne(psg).get_data(picks=CHANNELS, start=6000, stop=9000)
    assert got.shape == (3, 3000) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)
    for name in ("test.edf", "test.bdf"):
        raw = _mne(edf_dir / name)
        picks = raw.ch_names[:2]
        rate = raw.info["sfreq"]
        got = WindowReader().read(edf_dir / name, picks, 0.25, 0.5, rate)
        want = raw.get_data(picks=picks, start=int(rate / 4), stop=int(rate / 4) + int(rate / 2))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


def test_a_window_resampled_keeps_its_length_and_content(sleep):
    _, folder, _ = sleep
    psg = folder / "SC4001E0-PSG.edf"
    full = WindowReader().read(psg, CHANNELS[:1], 0.0, 30.0, 100.0)[0]
    half = WindowReader().read(psg, CHANNELS[:1], 0.0, 30.0, 50.0)[0]
    assert half.shape == (1500,)
    # a 2:1 polyphase resample keeps the signal below 25 Hz: the decimated original is close to it
    assert np.corrcoef(half[10:-10], full[::2][10:-10])[0, 1] > 0.9


def test_window_errors_name_the_file(sleep):
    _, folder, _ = sleep
    psg = folder / "SC4001E0-PSG.edf"
    with pytest.raises(SampleReadError, match=r"SC4001E0-PSG\.edf: no channel 'EEG C3'"):
        WindowReader().read(psg, ["EEG C3"], 0.0, 30.0, 100.0)
    with pytest.raises(SampleReadError, match=r"SC4001E0-PSG\.edf: window 2400 s \+ 30 s lies outside the recording"):
        WindowReader().read(psg, CHANNELS, 2400.0, 30.0, 100.0)


def test_the_stream_reads_each_epochs_window(sleep):
    path, folder, stages = sleep
    samples = _sleep_samples(path)
    lazy = samples.encoders.lazy["signal"]
    assert lazy["channels"] == CHANNELS and lazy["sfreq"] == 100.0 and lazy["seconds"] == 30.0
    stream = samples.stream("test", batch_size=16)
    table = stream.table
    batch = next(iter(stream))
    assert batch["signal"].shape == (16, 3, 3000) and batch["signal"].dtype == torch.float32
    row = int(batch["row"][3])
    window = table.column("signal")[row].as_py()
    raw = _mne(window["path"]).get_data(picks=CHANNELS)
    start = int(window["onset_s"] * 100)
    want = (raw[:, start:start + 3000] - np.array(lazy["mean"])[:, None]) / np.array(lazy["std"])[:, None]
    np.testing.assert_allclose(batch["signal"][3].numpy(), want, rtol=1e-4, atol=1e-4)
    name = window["path"].rsplit("/", 1)[-1]
    assert int(batch["label"][3]) == STAGE_CODE[stages[name][round(window["onset_s"] / 30)]]


def test_cnn1d_learns_the_synthetic_stages(sleep, tmp_path):
    """`medlake train --model cnn1d` on 3 training nights: accuracy on an unseen night above 0.8, far above
    the majority class."""
    path, _, _ = sleep
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--db", str(path), "--task", "sleep_staging", "--dataset", "sleep",
                                       "--model", "cnn1d", "--epochs", "4", "--batch-size", "32", "--bootstrap", "0", "--split",
                                       "0.6,0.2,0.2", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    with medlake.connect(path, read_only=True) as lake:
        labels = lake.task("sleep_staging", dataset="sleep").split(0.6, 0.2, 0.2).to_arrow().to_pandas()
    test = labels[labels.split == "test"]
    assert metrics["samples"] == len(test) > 60
    majority = test.label.value_counts(normalize=True).max()
    assert metrics["metrics"]["accuracy"] > max(0.8, majority + 0.3)
    assert json.loads((out / "config.json").read_text())["model"] == "cnn1d"
    # the run reloads (checkpoint, encoders with the signal's channels and scaling) and scores the same
    again = CliRunner().invoke(main, ["evaluate", str(out), "--db", str(path), "--bootstrap", "0"])
    assert again.exit_code == 0, again.output
    reloaded = json.loads((out / "metrics_test.json").read_text())
    assert reloaded["metrics"]["accuracy"] == pytest.approx(metrics["metrics"]["accuracy"], abs=1e-9)


def test_networks_without_a_file_encoder_say_which_to_use(sleep):
    samples = _sleep_samples(sleep[0])
    with pytest.raises(ParameterError, match="the transformer network reads no signal input; use cnn1d"):
        build_model("transformer", samples)


# -- images -------------------------------------------------------------------------------------------------

def test_pixels_are_pydicoms_after_the_luts(dicom_dir):
    for name in ("CT_small.dcm", "MR_small.dcm", "cxr_nih_sample.dcm"):
        ds = pydicom.dcmread(dicom_dir / name)
        want = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds).astype(np.float64)
        want = (want - want.min()) / (want.max() - want.min())
        got = read_pixels(str(dicom_dir / name))
        assert got.shape == ds.pixel_array.shape
        np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("name, reason", [
    ("MR_truncated.dcm", r"pixels unreadable \(ValueError: The number of bytes of pixel data is less than expected"),
    ("badVR.dcm", r"pixels unreadable \(ValueError: invalid literal for int\(\)"),
    ("rtplan.dcm", "no pixel data"),
])
def test_unreadable_pixels_name_the_file(dicom_dir, name, reason):
    with pytest.raises(SampleReadError, match=f"{name}: {reason}"):
        read_pixels(str(dicom_dir / name))


@pytest.fixture(scope="module")
def image_samples(tmp_path_factory, dicom_dir):
    """Every image file of the shared DICOM folder as a sample of an `image` input (label: it is an MR)."""
    lake = medlake.connect(tmp_path_factory.mktemp("img") / "lake.duckdb")
    lake.load("dicom", dicom_dir, workers=1)
    query = ("SELECT sop_instance_uid || ':' || path AS sample_id, path AS image, "
             "CAST(modality = 'MR' AS INTEGER) AS label FROM images.images WHERE \"rows\" IS NOT NULL ORDER BY path")
    samples = SampleSet.build(query, lake=lake, inputs={"image": "image"}, label_type="binary",
                              lazy_options={"image_size": 32})
    yield samples
    lake.close()


def test_the_stream_stops_on_an_unreadable_image_naming_it(image_samples):
    with pytest.raises(SampleReadError, match=r"MR_truncated\.dcm: pixels unreadable"):
        list(image_samples.stream(None, batch_size=64))


def test_the_stream_skips_unreadable_images_with_a_count(image_samples):
    stream = image_samples.stream(None, batch_size=4, skip_unreadable=True)
    batches = list(stream)
    rows = torch.cat([b["row"] for b in batches])
    paths = image_samples.encoded.column("image").to_pylist()
    assert sorted(p.rsplit("/", 1)[-1] for p in (paths[i] for i in rows.tolist())) == sorted(
        p.rsplit("/", 1)[-1] for p in paths if not p.endswith(("MR_truncated.dcm", "badVR.dcm")))
    assert sorted(s["path"].rsplit("/", 1)[-1] for s in stream.skipped) == ["MR_truncated.dcm", "badVR.dcm"]
    for b in batches:
        assert b["image"].shape == (len(b["row"]), 1, 32, 32) and len(b["label"]) == len(b["row"])
        assert float(b["image"].min()) >= 0.0 and float(b["image"].max()) <= 1.0
