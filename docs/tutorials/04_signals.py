"""Tutorial 4: signals. Sleep-EDF recordings on the timeline, sleep staging as SQL, and a 1-D CNN on the windows.

Run it from the repository's root: `.venv/bin/python docs/tutorials/04_signals.py [WORKDIR]`.
It writes synthetic Sleep-EDF nights (real EDF+ files), loads their headers and hypnograms, checks them
against mne, runs the sleep_staging task and trains a small 1-D CNN that reads the windows from the files.
"""

import sys
import tempfile
from pathlib import Path

import mne
import torch

import medlake
from medlake.models import runs
from medlake.synth.sleep import synthesize_sleep_edf

work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
torch.set_num_threads(1)      # small convolutions on a few cores run faster on one thread

# 1. EDF+ files in the Sleep-EDF layout: <subject><night>E0-PSG.edf with its -Hypnogram.edf (the same loader
#    reads the real Sleep-EDF Expanded release).
synthesize_sleep_edf(work / "sleep-edf", subjects=4, seed=0, epochs=120)

# 2. The headers and annotations go into the lake; the samples stay in the files until a model reads them.
lake = medlake.connect(work / "lake.duckdb")
loaded = lake.load("edf", work / "sleep-edf", layout="sleep-edf", name="sleep")
print(loaded)
print(lake.sql("""
    SELECT r.subject_id, r.start_time, r.duration_s, r.n_channels, count(a.onset_s) AS annotations
    FROM sleep.recordings AS r LEFT JOIN sleep.recording_annotations AS a USING (recording_id)
    GROUP BY ALL ORDER BY r.subject_id
""").to_pandas().to_string(index=False))

# 3. What the lake says of a file is what mne says of it.
one = lake.sql("SELECT recording_id, path FROM sleep.recordings ORDER BY path LIMIT 1").to_pylist()[0]
channels = lake.sql("SELECT label, sfreq FROM sleep.recording_channels "
                    "WHERE recording_id = $id AND type <> 'annotation' ORDER BY label", {"id": one["recording_id"]})
channels = channels.to_pylist()
raw = mne.io.read_raw_edf(one["path"], preload=False, verbose="error")
assert sorted(raw.ch_names) == [c["label"] for c in channels]
assert all(c["sfreq"] == raw.info["sfreq"] for c in channels)
print(f"{Path(one['path']).name}: {len(channels)} channels at {raw.info['sfreq']:.0f} Hz, as mne reads them")

# 4. Sleep staging is a SQL view: one sample per 30 s epoch with a scored stage (W, N1, N2, N3, REM).
samples = lake.task("sleep_staging", "sleep").split(0.6, 0.2, 0.2, seed=0)
print(samples)
per_night = lake.sql("SELECT subject_id, count(*) AS epochs FROM sleep.sleep_staging GROUP BY ALL ORDER BY ALL")
print(per_night.to_pandas().to_string(index=False))

# 5. A 1-D CNN reads each epoch's EEG and EOG window from its file (resampled, standardized) while it trains.
result = runs.train(lake, "sleep_staging", "sleep", work / "run", model="cnn1d", epochs=3, batch_size=32, lr=0.001,
                    n_boot=0, split={"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0})
print(f"cnn1d test accuracy {result['metrics']['accuracy']:.3f}, Cohen's kappa {result['metrics']['cohen_kappa']:.3f}")
assert result["metrics"]["accuracy"] > 0.6
lake.close()
