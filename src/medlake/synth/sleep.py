"""Synthetic Sleep-EDF recordings: EDF+ PSG files and their hypnograms, in PhysioNet's layout and names.

    from medlake.synth.sleep import synthesize_sleep_edf
    synthesize_sleep_edf("out/", subjects=5, seed=0)

For subject ss (0-based) and night 1 it writes `SC4ss1E0-PSG.edf` (EEG Fpz-Cz,
EEG Pz-Oz, EOG horizontal at 100 Hz, 30 s data records) and
`SC4ss1EC-Hypnogram.edf` (an annotation-only EDF+ file: one annotation per
run of equal stages, 'Sleep stage W', '1', '2', '3', '4', 'R', '?' and
'Movement time', as R&K scored them). The stages follow a night's course
(wake, descent into deep sleep, cycles of about 90 minutes with REM growing
toward the morning, wake at the end) and the signals depend on the stage:
alpha (8-12 Hz) in W, theta in stage 1, spindle bursts (12-14 Hz) and
K-complexes in stage 2, high-amplitude delta (0.5-2 Hz) in stages 3 and 4,
sawtooth waves with rapid eye movements on the EOG in REM, slow rolling eye
movements in stage 1 and blinks in W. The same subjects, epochs and seed give
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from ..progress import Timer, progress
from .edf_writer import Signal, write_edf_plus

SFREQ = 100.0
EPOCH_S = 30
STAGES = ("W", "1", "2", "3", "4", "R", "?", "M")
LABELS = {s: f"Sleep stage {s}" for s in STAGES[:7]} | {"M": "Movement time"}
MAX_SUBJECTS = 100  # two digits in the Sleep-EDF name


@dataclass
class SleepSynthResult:
    """What synthesize_sleep_edf wrote: the files, and the stage of every 30 s epoch per PSG file."""

    directory: Path
    subjects: int
    seed: int
    files: list[Path] = field(default_factory=list)
    stages: dict[str, list[str]] = field(default_factory=dict)   # PSG file name -> stage per epoch
    seconds: float = 0.0


def synthesize_sleep_edf(directory: str | os.PathLike, subjects: int = 10, seed: int = 0,
                         epochs: int | None = None, show_progress: bool = False) -> SleepSynthResult:
    """Write one night per subject in the Sleep-EDF layout into `directory`.

    `epochs` fixes the number of 30 s epochs per night (default: a random
    length of 6 to 8 hours per night)."""
    if not isinstance(subjects, int) or not 1 <= subjects <= MAX_SUBJECTS:
        raise ParameterError(f"subjects must be an integer from 1 to {MAX_SUBJECTS} (Sleep-EDF names hold two "
                             f"digits), got {subjects!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    if epochs is not None and (not isinstance(epochs, int) or epochs < 4):
        raise ParameterError(f"epochs must be an integer of at least 4, got {epochs!r}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    result = SleepSynthResult(out, subjects, seed)
    with progress(show_progress) as bar, Timer() as total:
        job = bar.add_task("synth sleep-edf", total=subjects)
        for s in range(subjects):
            rng = np.random.default_rng([seed, s])
            n = epochs if epochs is not None else int(rng.integers(6 * 120, 8 * 120 + 1))
            stages = hypnogram(n, rng)
            start = dt.datetime(1989, 4, 24) + dt.timedelta(days=int(rng.integers(0, 1500)),
                                                            hours=22, minutes=int(rng.integers(0, 120)))
            psg = out / f"SC4{s:02d}1E0-PSG.edf"
            hyp = out / f"SC4{s:02d}1EC-Hypnogram.edf"
            sex = "M" if rng.random() < 0.5 else "F"
            eeg1, eeg2, eog = signals(stages, rng)
            write_edf_plus(psg, [Signal("EEG Fpz-Cz", eeg1, SFREQ, prefilter="HP:0.5Hz LP:100Hz"),
                                 Signal("EEG Pz-Oz", eeg2, SFREQ, prefilter="HP:0.5Hz LP:100Hz"),
                                 Signal("EOG horizontal", eog, SFREQ, prefilter="HP:0.5Hz LP:100Hz")],
                           start, record_duration=EPOCH_S, patient=f"SC4{s:02d}1 {sex} X X",
                           recording_code=f"SC4{s:02d}1E0")
            write_edf_plus(hyp, [], start, annotations=_runs(stages), patient=f"SC4{s:02d}1 {sex} X X",
                           recording_code=f"SC4{s:02d}1EC")
            result.files += [psg, hyp]
            result.stages[psg.name] = stages
            bar.advance(job)
    result.seconds = total.seconds
    return result


def hypnogram(n: int, rng: np.random.Generator) -> list[str]:
    """A night of `n` epochs: wake, then ~90-minute cycles (deep sleep early, REM late), wake at the end;
    a few movement epochs, and unscored ('?') epochs at the very end."""
    out: list[str] = ["W"] * int(rng.integers(2, max(3, n // 20)))
    cycle = 0
    while len(out) < n:
        deep = max(0.0, 1.0 - 0.3 * cycle)          # deep sleep fades through the night
        rem = min(1.0, 0.3 + 0.25 * cycle)           # REM grows
        plan = [("1", rng.integers(2, 8)), ("2", rng.integers(10, 30)),
                ("3", rng.integers(0, 2 + int(14 * deep))), ("4", rng.integers(0, 2 + int(30 * deep))),
                ("2", rng.integers(4, 15)), ("R", rng.integers(2, 2 + int(30 * rem)))]
        for stage, k in plan:
            out += [stage] * int(k)
        if rng.random() < 0.5:
            out += ["W"] * int(rng.integers(1, 4))
        cycle += 1
    out = out[:n]
    tail = int(rng.integers(1, max(2, n // 30)))
    out[n - tail - 1:] = ["W"] * (tail + 1)
    for i in rng.choice(np.arange(1, n - tail - 1), size=min(3, max(0, n - tail - 2)), replace=False):
        if rng.random() < 0.5:
            out[int(i)] = "M"
    if n > 8:
        unscored = int(rng.integers(1, 3))
        out[n - unscored:] = ["?"] * unscored
    return out


def signals(stages: list[str], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fpz-Cz, Pz-Oz and horizontal EOG in microvolts, 100 Hz, one 30 s epoch per stage."""
    n = int(EPOCH_S * SFREQ)
    t = np.arange(n) / SFREQ
    parts = [[], [], []]
    for stage in stages:
        fpz, pz, eog = (_noise(n, rng, 8.0) for _ in range(3))
        if stage == "W":
            f = rng.uniform(8.5, 11.5)
            alpha = rng.uniform(15, 25) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))
            fpz += 0.5 * alpha
            pz += 1.5 * alpha
            for c in rng.uniform(0, EPOCH_S - 1, size=rng.integers(2, 6)):  # blinks: large, frontal
                blink = 150 * np.exp(-(((t - c) / 0.1) ** 2))
                eog += blink
                fpz += 0.5 * blink
        elif stage == "1":
            f = rng.uniform(4, 7)
            theta = rng.uniform(15, 30) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))
            fpz += theta
            pz += theta
            eog += 60 * np.sin(2 * np.pi * rng.uniform(0.2, 0.4) * t)  # slow rolling eye movements
        elif stage == "2":
            theta = rng.uniform(10, 20) * np.sin(2 * np.pi * rng.uniform(4, 7) * t)
            fpz += theta
            pz += theta
            for c in rng.uniform(1, EPOCH_S - 1, size=rng.integers(2, 5)):  # spindles, 0.5-1.5 s
                width = rng.uniform(0.25, 0.6)
                spindle = 30 * np.exp(-(((t - c) / width) ** 2)) * np.sin(2 * np.pi * rng.uniform(12, 14) * t)
                fpz += spindle
                pz += 0.7 * spindle
            if rng.random() < 0.6:  # a K-complex: a sharp negative then positive wave
                c = rng.uniform(2, EPOCH_S - 2)
                k = -120 * np.exp(-(((t - c) / 0.15) ** 2)) + 60 * np.exp(-(((t - c - 0.4) / 0.25) ** 2))
                fpz += k
                pz += 0.6 * k
        elif stage in ("3", "4"):
            amp = rng.uniform(60, 90) if stage == "3" else rng.uniform(100, 150)
            delta = sum(amp / 2 * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * t + rng.uniform(0, 6.3))
                        for _ in range(2))
            fpz += delta
            pz += 0.8 * delta
        elif stage == "R":
            f = rng.uniform(2, 6)
            saw = rng.uniform(15, 25) * (2 * ((f * t) % 1.0) - 1)   # sawtooth waves
            fpz += saw + 10 * np.sin(2 * np.pi * rng.uniform(4, 7) * t)
            pz += 0.7 * saw
            for c in rng.uniform(0, EPOCH_S - 1, size=rng.integers(3, 9)):  # rapid eye movements: steps
                step = 1 / (1 + np.exp(np.clip(-(t - c) / 0.03, -50, 50)))
                eog += rng.choice([-1, 1]) * 120 * step * np.exp(-np.clip(t - c, 0, None) / 0.6)
        elif stage == "M":
            burst = _noise(n, rng, 120.0)
            fpz += burst
            pz += burst
            eog += burst
        for p, x in zip(parts, (fpz, pz, eog)):
            p.append(np.clip(x, -490, 490))
    return tuple(np.concatenate(p) if p else np.zeros(0) for p in parts)


def _noise(n: int, rng: np.random.Generator, sd: float) -> np.ndarray:
    """Background EEG: white noise smoothed to a falling spectrum."""
    x = rng.normal(0, sd, n + 4)
    return np.convolve(x, np.ones(5) / 5 * 2, mode="valid")[:n]


def _runs(stages: list[str]) -> list[tuple[float, float, str]]:
    """One annotation per run of equal stages: (onset_s, duration_s, label)."""
    out = []
    i = 0
    while i < len(stages):
        j = i
        while j < len(stages) and stages[j] == stages[i]:
            j += 1
        out.append((float(i * EPOCH_S), float((j - i) * EPOCH_S), LABELS[stages[i]]))
        i = j
    return out
