"""Annotations of EDF+/BDF+ files, read with mne (only for files that have an annotation channel)."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path


def read_annotations(path: Path) -> list[tuple[float, float, str]]:
    """(onset_s, duration_s, label) of each annotation, onsets from the file's start, as mne reads them."""
    import mne

    with warnings.catch_warnings(), mne.utils.use_log_level("error"), contextlib.redirect_stdout(None):
        warnings.simplefilter("ignore")
        ann = mne.read_annotations(path)
    return [(float(o), float(d), str(lab)) for o, d, lab in zip(ann.onset, ann.duration, ann.description)]
