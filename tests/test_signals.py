"""`medlake load edf`: every header field the lake keeps equals what mne reads from the same file."""

from __future__ import annotations

import datetime as dt
import shutil
import warnings

import mne
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import InputError, ParameterError
from medlake.signals.edf import channel_type, read_header
from medlake.signals.layout import subject_from_name

FILES = ["test.bdf", "test.edf", "test_edf_stim_channel.edf", "test_generator.edf", "test_uneven_samp.edf",
         "test_utf8.edf"]


@pytest.fixture(scope="module")
def signals_lake(tmp_path_factory, edf_dir):
    lake = medlake.connect(tmp_path_factory.mktemp("signals") / "lake.duckdb")
    result = lake.load("edf", edf_dir)
    assert result.errors == []
    yield lake
    lake.close()


def _mne(path):
    with warnings.catch_warnings(), mne.utils.use_log_level("error"):
        warnings.simplefilter("ignore")
        read = mne.io.read_raw_bdf if path.suffix == ".bdf" else mne.io.read_raw_edf
        return read(path, preload=False)


def _recording(lake, name):
    rows = lake.sql("SELECT * FROM signals.recordings WHERE relpath = $p", {"p": name}).to_pylist()
    assert len(rows) == 1, name
    return rows[0]


def test_every_file_in_the_folder_is_one_recording(signals_lake):
    names = signals_lake.sql("SELECT relpath FROM signals.recordings ORDER BY recording_id").column(0).to_pylist()
    assert names == FILES


@pytest.mark.parametrize("name", FILES)
def test_recording_equals_mne(signals_lake, edf_dir, name):
    raw = _mne(edf_dir / name)
    rec = _recording(signals_lake, name)
    assert rec["n_channels"] == len(raw.ch_names)
    assert rec["sfreq"] == raw.info["sfreq"]
    assert rec["duration_s"] == pytest.approx(raw.n_times / raw.info["sfreq"])
    assert rec["start_time"] == raw.info["meas_date"].replace(tzinfo=None)
    assert rec["file_size"] == (edf_dir / name).stat().st_size
    assert rec["format"] == {"test.bdf": "BDF", "test.edf": "EDF+C", "test_generator.edf": "EDF+C",
                             "test_utf8.edf": "EDF+C"}.get(name, "EDF")


@pytest.mark.parametrize("name", FILES)
def test_channels_equal_mne(signals_lake, edf_dir, name):
    raw = _mne(edf_dir / name)
    extras = raw._raw_extras[0]  # mne keeps per-channel rates and ranges only here (no public API)
    rec = _recording(signals_lake, name)
    chans = signals_lake.sql("SELECT * FROM signals.recording_channels WHERE recording_id = $r ORDER BY channel",
                             {"r": rec["recording_id"]}).to_pylist()
    signals = [c for c in chans if c["type"] != "annotation"]
    assert [c["label"] for c in signals] == raw.ch_names
    # n_samps covers every header signal, annotation channels included, in header order
    assert [c["samples_per_record"] for c in chans] == [int(n) for n in extras["n_samps"]]
    rates = [float(n) / float(extras["record_length"][0]) for n, c in zip(extras["n_samps"], chans)
             if c["type"] != "annotation"]
    assert [c["sfreq"] for c in signals] == pytest.approx(rates)
    assert max(c["sfreq"] for c in signals) == raw.info["sfreq"]
    assert [c["physical_min"] for c in signals] == pytest.approx(list(extras["physical_min"]))
    assert [c["physical_max"] for c in signals] == pytest.approx(list(extras["physical_max"]))
    assert [c["digital_min"] for c in signals] == [int(x) for x in extras["digital_min"]]
    assert [c["digital_max"] for c in signals] == [int(x) for x in extras["digital_max"]]
    assert sum(c["type"] == "annotation" for c in chans) == (1 if rec["format"].startswith("EDF+") else 0)


def test_uneven_rates_are_kept_per_channel(signals_lake):
    rec = _recording(signals_lake, "test_uneven_samp.edf")
    rates = signals_lake.sql("SELECT sfreq FROM signals.recording_channels WHERE recording_id = $r ORDER BY channel",
                             {"r": rec["recording_id"]}).column(0).to_pylist()
    assert rates == [100.0, 12.8]
    assert rec["sfreq"] == 100.0


@pytest.mark.parametrize("name", FILES)
def test_annotations_equal_mne(signals_lake, edf_dir, name):
    raw = _mne(edf_dir / name)
    rec = _recording(signals_lake, name)
    got = signals_lake.sql("SELECT onset_s, duration_s, label FROM signals.recording_annotations "
                           "WHERE recording_id = $r ORDER BY onset_s, label", {"r": rec["recording_id"]}).to_pylist()
    want = sorted(zip(raw.annotations.onset, raw.annotations.duration, raw.annotations.description),
                  key=lambda a: (a[0], a[2]))
    assert len(got) == len(want)
    assert [g["label"] for g in got] == [w[2] for w in want]
    assert [g["onset_s"] for g in got] == pytest.approx([w[0] for w in want], abs=1e-5)
    assert [g["duration_s"] for g in got] == pytest.approx([w[1] for w in want], abs=1e-5)


def test_canonical_tables_follow_the_recordings(signals_lake):
    one = signals_lake.sql("""
        SELECT count(*) FILTER (WHERE v.visit_id = r.recording_id AND v.subject_id = r.subject_id
                                 AND v.start_time = r.start_time) AS same, count(*) AS n
        FROM signals.recordings r JOIN signals.visits v ON v.visit_id = r.recording_id""").to_pylist()[0]
    assert one == {"same": 6, "n": 6}
    subjects = signals_lake.sql("SELECT count(*) FROM signals.subjects").column(0)[0].as_py()
    assert subjects == signals_lake.sql("SELECT count(DISTINCT subject_id) FROM signals.recordings").column(0)[0].as_py()
    log = signals_lake.sql("SELECT source, status, row_counts['signals.recording_channels'] AS ch FROM meta.loads").to_pylist()
    assert log == [{"source": "edf", "status": "ok", "ch": 254}]


def test_truncated_and_foreign_files_are_skipped_and_recorded(tmp_path, edf_dir):
    folder = tmp_path / "edf"
    folder.mkdir()
    for name in ("test_generator.edf", "test_uneven_samp.edf", "test.bdf"):
        shutil.copy(edf_dir / name, folder / name)
    data = (edf_dir / "test_utf8.edf").read_bytes()
    (folder / "sub").mkdir()
    (folder / "sub" / "cut.edf").write_bytes(data[:-1000])
    (folder / "notes.edf").write_text("not a signal file at all\n" * 20)
    db = tmp_path / "lake.duckdb"
    result = CliRunner().invoke(main, ["load", "edf", str(folder), "--db", str(db), "--silent"])
    assert result.exit_code == 1, result.output
    assert "2 files failed and were skipped; see meta.load_errors (load_id = 1)" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with medlake.connect(db) as lake:
        assert sorted(lake.sql("SELECT relpath FROM signals.recordings").column(0).to_pylist()) == [
            "test.bdf", "test_generator.edf", "test_uneven_samp.edf"]
        errors = lake.sql("SELECT load_id, path, reason FROM meta.load_errors ORDER BY path").to_pylist()
    assert [(e["load_id"], e["path"]) for e in errors] == [(1, str(folder / "notes.edf")),
                                                           (1, str(folder / "sub" / "cut.edf"))]
    assert errors[0]["reason"].startswith("not an EDF/BDF file")
    assert errors[1]["reason"] == (f"truncated: the header promises 698 data records "
                                   f"({len(data):,} bytes), the file has {len(data) - 1000:,} bytes")


def test_subject_map(tmp_path, edf_dir):
    mapping = tmp_path / "subjects.csv"
    mapping.write_text("pattern,subject_id\ntest_u*,7\n*.bdf,9\n*,1\n")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("edf", edf_dir, subjects=mapping, name="eeg")
        got = dict(lake.execute("SELECT relpath, subject_id FROM eeg.recordings"))
    assert got == {"test.bdf": 9, "test.edf": 1, "test_edf_stim_channel.edf": 1, "test_generator.edf": 1,
                   "test_uneven_samp.edf": 7, "test_utf8.edf": 7}


def test_subject_map_that_misses_a_file(tmp_path, edf_dir):
    mapping = tmp_path / "subjects.csv"
    mapping.write_text("pattern,subject_id\n*.edf,3\n")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        result = lake.load("edf", edf_dir, subjects=mapping)
    assert [e["path"] for e in result.errors] == [str(edf_dir / "test.bdf")]
    assert result.errors[0]["reason"].startswith("no row of subjects.csv matches this file")


def test_bad_subject_map_and_options(tmp_path, edf_dir):
    bad = tmp_path / "bad.csv"
    bad.write_text("pattern,subject_id\n*.edf,abc\n")
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        with pytest.raises(InputError, match=r"line 2, column .subject_id.: subject_id is not a 64-bit integer; value .abc."):
            lake.load("edf", edf_dir, subjects=bad)
        with pytest.raises(ParameterError, match="option 'tables' does not apply to source edf"):
            lake.load("edf", edf_dir, tables=["x"])
        with pytest.raises(ParameterError, match="option 'layout' applies to source edf only, not mimic3"):
            lake.load("mimic3", edf_dir, layout="plain")
        with pytest.raises(InputError, match="no .edf or .bdf files"):
            lake.load("edf", tmp_path)
        assert lake.datasets() == []
    result = CliRunner().invoke(main, ["load", "edf", str(edf_dir), "--subjects", str(bad),
                                       "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_subject_rule_from_names():
    assert subject_from_name("SC4012E0-PSG.edf", "sleep-edf") == 1
    assert subject_from_name("ST7241J0-PSG.edf", "sleep-edf") == 1024
    assert subject_from_name("x/sub-012_task-rest_eeg.edf", "plain") == 12
    assert subject_from_name("chb01_03.edf", "plain") == 1
    # no digits: a stable id from the relative path
    assert subject_from_name("a/test.edf", "plain") == subject_from_name("a/test.edf", "plain") != \
        subject_from_name("b/test.edf", "plain")


@pytest.mark.parametrize("label, kind", [
    ("EEG Fpz-Cz", "EEG"), ("EOG horizontal", "EOG"), ("EMG submental", "EMG"), ("EKG", "ECG"), ("ECG II", "ECG"),
    ("Fp1", "EEG"), ("C3-A2", "EEG"), ("Cz-REF", "EEG"), ("EDF Annotations", "annotation"),
    ("Resp oro-nasal", "other"), ("Status", "other"), ("squarewave", "other")])
def test_channel_type_from_label(label, kind):
    assert channel_type(label) == kind


def test_header_reader_alone(edf_dir):
    h = read_header(edf_dir / "test_edf_stim_channel.edf")
    assert (h.format, h.n_records, h.record_duration, len(h.channels)) == ("EDF", 1, 9.59375, 25)
    assert h.start_time == dt.datetime(2015, 6, 2, 10, 41, 57)


def test_impossible_headers_are_load_errors(tmp_path, edf_dir):
    data = bytearray((edf_dir / "test_uneven_samp.edf").read_bytes())
    folder = tmp_path / "e"
    folder.mkdir()
    nan = bytearray(data)
    nan[244:252] = b"nan     "
    (folder / "nan.edf").write_bytes(nan)
    neg = bytearray(data)
    neg[236:244] = b"-5      "
    (folder / "neg.edf").write_bytes(neg)
    (folder / "ok_123456789012345678901234.edf").write_bytes(data)
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        result = lake.load("edf", folder)
        subject = lake.sql("SELECT subject_id FROM signals.recordings").column(0).to_pylist()
    assert [(e["path"].rsplit("/", 1)[-1], e["reason"]) for e in result.errors] == [
        ("nan.edf", "impossible data records: 11 of nan s"), ("neg.edf", "impossible data records: -5 of 10.0 s")]
    assert len(subject) == 1 and 0 <= subject[0] < 2**56  # a 24-digit run is no subject id: hashed


def test_many_skipped_files_are_listed_briefly(tmp_path):
    folder = tmp_path / "e"
    folder.mkdir()
    for i in range(25):
        (folder / f"bad{i:02d}.edf").write_bytes(b"x" * 300)
    db = tmp_path / "l.duckdb"
    r = CliRunner().invoke(main, ["load", "edf", str(folder), "--db", str(db), "--silent"])
    assert r.exit_code == 1
    assert r.stderr.count("skipped ") == 20 and "... and 5 more" in r.stderr
    assert "25 files failed and were skipped" in r.stderr
    with medlake.connect(db) as lake:
        assert lake.execute("SELECT count(*) FROM meta.load_errors") == [(25,)]
        assert lake.execute("SELECT count(*) FROM signals.recordings") == [(0,)]
