"""A window of a recording as a [channels, samples] array: what the models' stream reads per sample.

mne opens the file (`read_raw_edf` / `read_raw_bdf`, preload=False) and reads
only the window's data records; the window is resampled to the target rate
(scipy's polyphase filter) when the file's rate differs. `WindowReader` keeps
the last few opened files (a small LRU cache), so consecutive windows of one
recording open it once; each process (DataLoader worker) has its own reader.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import SampleReadError

CACHE_FILES = 8


class WindowReader:
    """Reads windows of EDF/BDF files, keeping up to `cache_files` files open."""

    def __init__(self, cache_files: int = CACHE_FILES):
        self.cache_files = max(1, int(cache_files))
        self._open: OrderedDict[tuple[str, tuple[str, ...]], object] = OrderedDict()

    def __getstate__(self) -> dict:
        # open files stay in the process that opened them; a worker opens its own
        return {"cache_files": self.cache_files, "_open": OrderedDict()}

    def _raw(self, path: str, channels: tuple[str, ...]):
        key = (path, channels)
        raw = self._open.get(key)
        if raw is not None:
            self._open.move_to_end(key)
            return raw
        import mne

        reader = mne.io.read_raw_bdf if path.lower().endswith(".bdf") else mne.io.read_raw_edf
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = reader(path, include=list(channels), preload=False, verbose="error")
        except Exception as e:  # mne raises many kinds on a broken file; the sample names it
            raise SampleReadError(f"cannot open the recording ({type(e).__name__}: {_first_line(e)})",
                                  path=path) from None
        missing = [c for c in channels if c not in raw.ch_names]
        if missing:
            raise SampleReadError(f"no channel {', '.join(map(repr, missing))} in the recording", path=path,
                                  expected=f"one of {', '.join(raw.ch_names)}")
        self._open[key] = raw
        while len(self._open) > self.cache_files:
            self._open.popitem(last=False)
        return raw

    def read(self, path: str, channels: list[str] | tuple[str, ...], onset_s: float, duration_s: float,
             sfreq: float) -> np.ndarray:
        """float32 [len(channels), round(duration_s * sfreq)] in the file's physical units (mne: volts for
        µV/mV/V channels), from onset_s seconds after the recording's start."""
        channels = tuple(channels)
        raw = self._raw(str(path), channels)
        native = float(raw.info["sfreq"])
        start = int(round(onset_s * native))
        stop = start + int(round(duration_s * native))
        if start < 0 or stop > raw.n_times:
            raise SampleReadError(f"window {onset_s:g} s + {duration_s:g} s lies outside the recording "
                                  f"({raw.n_times / native:g} s)", path=path)
        try:
            data = raw.get_data(picks=list(channels), start=start, stop=stop)
        except Exception as e:
            raise SampleReadError(f"cannot read samples {start}-{stop} ({type(e).__name__}: {_first_line(e)})",
                                  path=path) from None
        return resample(data, native, sfreq, int(round(duration_s * sfreq)))


def resample(data: np.ndarray, native: float, target: float, n: int) -> np.ndarray:
    """[C, T] at `native` Hz -> float32 [C, n] at `target` Hz (polyphase filtering; exact lengths)."""
    if native != target:
        from scipy.signal import resample_poly

        ratio = Fraction(target / native).limit_denominator(1000)
        data = resample_poly(data, ratio.numerator, ratio.denominator, axis=1)
    if data.shape[1] < n:
        data = np.pad(data, ((0, 0), (0, n - data.shape[1])), mode="edge")
    return np.ascontiguousarray(data[:, :n], dtype=np.float32)


def default_channels(path: str | Path) -> list[str]:
    """The EEG and EOG channels of a recording (by read_header's channel types), else all its signals."""
    from .edf import read_header

    signals = read_header(path).signals
    chosen = [c.label for c in signals if c.type in ("EEG", "EOG")]
    return chosen or [c.label for c in signals]


def _first_line(e: Exception) -> str:
    text = str(e)
    return text.splitlines()[0] if text else "no message"
