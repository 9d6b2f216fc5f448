"""Synthetic Sleep-EDF files (read back by mne), their load in the sleep-edf layout, and the sleep_staging task."""

from __future__ import annotations

import datetime as dt
import warnings

import mne
import numpy as np
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import ParameterError
from medlake.synth.edf_writer import Signal, write_edf_plus
from medlake.synth.sleep import LABELS, synthesize_sleep_edf

EPOCHS = 60
STAGE_CODE = {"W": 0, "1": 1, "2": 2, "3": 3, "4": 3, "R": 4}


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(), mne.utils.use_log_level("error"):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def sleep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sleep") / "sleep-edf"
    return out, synthesize_sleep_edf(out, subjects=3, seed=5, epochs=EPOCHS)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """One full-length night, for the signal checks (stage-dependent spectra need many epochs)."""
    out = tmp_path_factory.mktemp("night")
    return out, synthesize_sleep_edf(out, subjects=1, seed=2)


@pytest.fixture(scope="module")
def sleep_lake(tmp_path_factory, sleep_dir):
    out, _ = sleep_dir
    lake = medlake.connect(tmp_path_factory.mktemp("sleeplake") / "lake.duckdb")
    result = lake.load("edf", out, layout="sleep-edf", name="sleep")
    assert result.errors == []
    assert result.task_views == ["sleep.sleep_staging"]
    yield lake
    lake.close()


def test_files_in_the_sleep_edf_layout(sleep_dir):
    out, result = sleep_dir
    assert sorted(p.name for p in out.iterdir()) == [
        "SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf", "SC4011E0-PSG.edf", "SC4011EC-Hypnogram.edf",
        "SC4021E0-PSG.edf", "SC4021EC-Hypnogram.edf"]
    assert all(len(s) == EPOCHS for s in result.stages.values())


def test_mne_reads_the_psg_files(sleep_dir):
    out, _ = sleep_dir
    for psg in sorted(out.glob("*-PSG.edf")):
        raw = _quiet(mne.io.read_raw_edf, psg, preload=False)
        assert raw.ch_names == ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"]
        assert raw.info["sfreq"] == 100.0
        assert raw.n_times == EPOCHS * 3000
        assert len(raw.annotations) == 0  # only time-keeping TALs in the PSG


def test_mne_reads_the_hypnograms_back_to_the_stages(sleep_dir):
    out, result = sleep_dir
    for psg_name, stages in result.stages.items():
        hyp = out / psg_name.replace("E0-PSG", "EC-Hypnogram")
        ann = _quiet(mne.read_annotations, hyp)
        got = []
        for onset, duration, label in zip(ann.onset, ann.duration, ann.description):
            assert onset == 30 * len(got)
            got += [label] * int(duration // 30)
        assert got == [LABELS[s] for s in stages]
        # PSG and hypnogram start together, as in Sleep-EDF
        psg_raw = _quiet(mne.io.read_raw_edf, out / psg_name, preload=False)
        assert ann.orig_time in (None, psg_raw.info["meas_date"])


def test_the_writer_round_trips_through_mne(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-400, 400, 1000)
    y = rng.uniform(-90, 90, 250)
    start = dt.datetime(2001, 2, 3, 4, 5, 6)
    path = tmp_path / "w.edf"
    write_edf_plus(path, [Signal("EEG C3", x, 100.0), Signal("Resp", y, 25.0, unit="mV", physical_min=-100,
                                                                physical_max=100)],
                   start, record_duration=2, annotations=[(1.5, 2.0, "arousal"), (7.25, 0.0, "spike")])
    raw = _quiet(mne.io.read_raw_edf, path, preload=True)
    assert raw.info["meas_date"].replace(tzinfo=None) == start
    assert list(zip(raw.annotations.onset, raw.annotations.duration, raw.annotations.description)) == [
        (1.5, 2.0, "arousal"), (7.25, 0.0, "spike")]
    data = raw.get_data(picks=["EEG C3"])[0] * 1e6  # mne returns volts
    assert np.max(np.abs(data - x)) < 800 / 65535
    assert raw.get_data(picks=["Resp"]).shape == (1, 1000)  # resampled by mne to the highest rate


def _band(x: np.ndarray, lo: float, hi: float) -> float:
    """Share of an epoch's power between lo and hi Hz."""
    spec = np.abs(np.fft.rfft(x - x.mean())) ** 2
    f = np.fft.rfftfreq(len(x), 1 / 100)
    return spec[(f >= lo) & (f < hi)].sum() / spec[(f >= 0.3) & (f < 40)].sum()


def test_signals_depend_on_the_stage(night):
    out, result = night
    (psg_name, stages), = result.stages.items()
    raw = _quiet(mne.io.read_raw_edf, out / psg_name, preload=True)
    fpz, pz, eog = raw.get_data() * 1e6
    epochs = {s: [i for i, x in enumerate(stages) if x == s] for s in "W1234R"}

    def mean(sig, stage, lo, hi):
        return np.mean([_band(sig[i * 3000:(i + 1) * 3000], lo, hi) for i in epochs[stage]])

    assert all(len(v) >= 3 for v in epochs.values()), {k: len(v) for k, v in epochs.items()}
    assert mean(pz, "W", 8, 12) > 2 * max(mean(pz, s, 8, 12) for s in "1234R")      # alpha in W
    assert mean(fpz, "1", 4, 8) > 1.5 * mean(fpz, "W", 4, 8)                        # theta in N1
    assert mean(fpz, "2", 12, 14.5) > 2 * max(mean(fpz, s, 12, 14.5) for s in "134R")  # spindles in N2
    for deep in "34":
        assert mean(fpz, deep, 0.5, 2) > 2 * max(mean(fpz, s, 0.5, 2) for s in "W1R")  # delta in N3/N4
    amp = {s: np.mean([np.ptp(fpz[i * 3000:(i + 1) * 3000]) for i in epochs[s]]) for s in "34"}
    assert amp["4"] > amp["3"]
    eog_sd = {s: np.mean([eog[i * 3000:(i + 1) * 3000].std() for i in epochs[s]]) for s in "W1234R"}
    assert eog_sd["R"] > 2 * max(eog_sd[s] for s in "234")                          # eye movements in REM


def test_same_seed_same_bytes(tmp_path):
    a = synthesize_sleep_edf(tmp_path / "a", subjects=2, seed=9, epochs=12)
    b = synthesize_sleep_edf(tmp_path / "b", subjects=2, seed=9, epochs=12)
    c = synthesize_sleep_edf(tmp_path / "c", subjects=2, seed=10, epochs=12)
    assert [p.read_bytes() for p in a.files] == [p.read_bytes() for p in b.files]
    assert [p.read_bytes() for p in a.files] != [p.read_bytes() for p in c.files]


def test_synth_cli(tmp_path):
    r = CliRunner().invoke(main, ["synth", "sleep-edf", str(tmp_path / "s"), "--subjects", "2", "--seed", "1",
                                  "--silent"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("4 files (2 PSG + hypnogram pairs, ")
    assert len(list((tmp_path / "s").glob("*.edf"))) == 4
    bad = CliRunner().invoke(main, ["synth", "sleep-edf", str(tmp_path / "t"), "--patients", "3"])
    assert bad.exit_code == 2 and "sleep-edf takes --subjects" in bad.stderr
    with pytest.raises(ParameterError):
        synthesize_sleep_edf(tmp_path / "u", subjects=101)


def test_sleep_edf_layout_pairs_psg_and_hypnogram(sleep_lake, sleep_dir):
    out, result = sleep_dir
    recs = sleep_lake.sql("SELECT recording_id, subject_id, relpath, annotation_file FROM sleep.recordings "
                          "ORDER BY recording_id").to_pylist()
    assert [(r["subject_id"], r["relpath"], r["annotation_file"]) for r in recs] == [
        (i, f"SC40{i}1E0-PSG.edf", str((out / f"SC40{i}1EC-Hypnogram.edf").resolve())) for i in range(3)]
    for r in recs:
        ann = _quiet(mne.read_annotations, r["annotation_file"])
        got = sleep_lake.sql("SELECT onset_s, duration_s, label FROM sleep.recording_annotations "
                             "WHERE recording_id = $r AND source = 'hypnogram' ORDER BY onset_s",
                             {"r": r["recording_id"]}).to_pylist()
        assert [(g["onset_s"], g["duration_s"], g["label"]) for g in got] == list(
            zip(ann.onset, ann.duration, ann.description))


def test_lone_hypnogram_is_a_load_error(tmp_path, sleep_dir):
    out, _ = sleep_dir
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "SC4001E0-PSG.edf").write_bytes((out / "SC4001E0-PSG.edf").read_bytes())
    (folder / "SC4001EC-Hypnogram.edf").write_bytes((out / "SC4001EC-Hypnogram.edf").read_bytes())
    (folder / "SC4011EC-Hypnogram.edf").write_bytes((out / "SC4011EC-Hypnogram.edf").read_bytes())
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        result = lake.load("edf", folder, layout="sleep-edf")
        assert result.row_counts["signals.recordings"] == 1
    assert result.errors == [{"path": str(folder / "SC4011EC-Hypnogram.edf"),
                              "reason": "hypnogram without a PSG file (no SC4011*-PSG.edf beside it)"}]


def _expected(stages: list[str], classes: int) -> list[int]:
    code = dict(STAGE_CODE, **({"4": 5} if classes == 6 else {}))
    return [code.get(s) for s in stages]


@pytest.mark.parametrize("classes", [5, 6])
def test_sleep_staging_one_sample_per_scored_epoch(sleep_lake, sleep_dir, classes):
    _, result = sleep_dir
    samples = sleep_lake.task("sleep_staging", dataset="sleep", classes=classes).to_arrow().to_pylist()
    if classes == 5:  # the view the load installed, with the default parameters, gives the same rows
        assert sleep_lake.execute("SELECT * FROM sleep.sleep_staging") == [tuple(s.values()) for s in samples]
    recs = {r["relpath"]: r for r in sleep_lake.sql("SELECT * FROM sleep.recordings").to_pylist()}
    for psg_name, stages in result.stages.items():
        rec = recs[psg_name]
        mine = [s for s in samples if s["recording_id"] == rec["recording_id"]]
        want = [(i, c) for i, c in enumerate(_expected(stages, classes)) if c is not None]
        assert len(mine) == len(want) == sum(s not in ("M", "?") for s in stages)
        assert [(round(s["onset_s"] / 30), s["label"]) for s in mine] == want
        for s in mine:
            assert s["visit_id"] == rec["recording_id"] and s["subject_id"] == rec["subject_id"]
            assert s["index_time"] == rec["start_time"] + dt.timedelta(seconds=s["onset_s"] + 30)
            assert s["duration_s"] == 30.0
            assert s["sample_id"] == f"{rec['recording_id']}-{round(s['onset_s'] / 30)}"
    assert {s["stage"] for s in samples} <= ({"W", "N1", "N2", "N3", "REM"} | ({"N4"} if classes == 6 else set()))


def test_sleep_staging_drops_epochs_past_the_signal(tmp_path, sleep_dir):
    """A hypnogram longer than its PSG (Sleep-EDF's often are): epochs past the signal's end give no sample."""
    out, result = sleep_dir
    folder = tmp_path / "s"
    folder.mkdir()
    stages = result.stages["SC4001E0-PSG.edf"]
    hyp = out / "SC4001EC-Hypnogram.edf"
    start = _quiet(mne.io.read_raw_edf, out / "SC4001E0-PSG.edf").info["meas_date"].replace(tzinfo=None)
    write_edf_plus(folder / "SC4001E0-PSG.edf", [Signal("EEG Fpz-Cz", np.zeros(3000 * 10 + 1500), 100.0)],
                   start, record_duration=15)  # 10.5 epochs of signal
    (folder / hyp.name).write_bytes(hyp.read_bytes())
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        lake.load("edf", folder, layout="sleep-edf")
        got = lake.task("sleep_staging", dataset="signals").to_arrow().column("onset_s").to_pylist()
    assert got == [30.0 * i for i, s in enumerate(stages[:10]) if s not in ("M", "?")]


def test_sleep_staging_refuses_other_datasets(demo_lake):
    with pytest.raises(medlake.errors.UnknownNameError, match="does not support dataset 'mimic3'"):
        demo_lake.task("sleep_staging", dataset="mimic3")


def test_sleep_staging_passes_the_leakage_check(sleep_lake):
    report = sleep_lake.tasks.check("sleep_staging", dataset="sleep", subjects=2)
    assert report.ok and report.compared == report.samples > 0 and not report.dropped


LEAKY = """/* medlake
name: next_stage
label: multiclass
inputs: {next_label: categorical}
*/
SELECT s.*, lead(s.label) OVER (PARTITION BY s.recording_id ORDER BY s.onset_s) AS next_label
FROM (SELECT concat(a.recording_id, '-', a.onset_s) AS sample_id, r.subject_id, r.recording_id AS visit_id,
             r.start_time + to_microseconds(CAST((a.onset_s + 1) * 1e6 AS BIGINT)) AS index_time,
             length(a.label) AS label, a.recording_id, a.onset_s
      FROM recording_annotations AS a JOIN recordings AS r USING (recording_id)) AS s
"""


def test_the_leakage_check_cuts_recordings_at_the_index_time(sleep_lake, tmp_path):
    """A task whose input is the next annotation's label reads the future: the check finds it."""
    path = tmp_path / "next_stage.sql"
    path.write_text(LEAKY)
    with pytest.raises(medlake.errors.LeakageError, match="inputs change when timelines are cut at index_time"):
        sleep_lake.tasks.check(str(path), dataset="sleep", subjects=1)


def test_hypnogram_starting_later_shifts_its_annotations(tmp_path):
    """EDF+ onsets count from their own file's start: a hypnogram that starts 60 s after its PSG moves by 60 s."""
    start = dt.datetime(1991, 3, 4, 22, 30)
    write_edf_plus(tmp_path / "SC4031E0-PSG.edf", [Signal("EEG Fpz-Cz", np.zeros(3000 * 6), 100.0)], start)
    write_edf_plus(tmp_path / "SC4031EJ-Hypnogram.edf", [], start + dt.timedelta(seconds=60),
                   annotations=[(0.0, 60.0, "Sleep stage W"), (60.0, 30.0, "Sleep stage 2")])
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        lake.load("edf", tmp_path, layout="sleep-edf")
        got = lake.execute("SELECT onset_s, duration_s, label FROM signals.recording_annotations ORDER BY onset_s")
        samples = lake.task("sleep_staging", dataset="signals").to_arrow().select(["onset_s", "stage"]).to_pylist()
    assert got == [(60.0, 60.0, "Sleep stage W"), (120.0, 30.0, "Sleep stage 2")]
    assert samples == [{"onset_s": 60.0, "stage": "W"}, {"onset_s": 90.0, "stage": "W"},
                       {"onset_s": 120.0, "stage": "N2"}]
