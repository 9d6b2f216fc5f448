"""Field values both MIMIC layouts share: distinct ids and the categorical columns of admissions."""

from __future__ import annotations

import numpy as np

from .conditions import ACUTE, OTHER_REASONS
from .model import Hospital, rng_for

INSURANCE = ("Medicare", "Private", "Medicaid", "Government", "Self Pay")
INSURANCE_W = (0.48, 0.38, 0.10, 0.03, 0.01)
MARITAL = ("MARRIED", "SINGLE", "WIDOWED", "DIVORCED", "SEPARATED")
MARITAL_W = (0.46, 0.29, 0.13, 0.08, 0.04)
RACE = ("WHITE", "BLACK/AFRICAN AMERICAN", "HISPANIC OR LATINO", "ASIAN", "UNKNOWN/NOT SPECIFIED", "OTHER")
RACE_W = (0.70, 0.10, 0.04, 0.03, 0.09, 0.04)
LANGUAGE = ("ENGL", "SPAN", "RUSS", "PTUN", "CANT")
LANGUAGE_W = (0.88, 0.05, 0.03, 0.02, 0.02)
DISCHARGE = ("HOME", "HOME HEALTH CARE", "SNF", "REHAB/DISTINCT PART HOSP", "LONG TERM CARE HOSPITAL")
DISCHARGE_W = (0.38, 0.27, 0.2, 0.1, 0.05)
DEAD = "DEAD/EXPIRED"
CAREUNITS = ("MICU", "SICU", "CCU", "CSRU", "TSICU")
CAREUNITS_W = (0.38, 0.17, 0.16, 0.18, 0.11)


def choose(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    """n indexes drawn with the given weights."""
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=n, p=w / w.sum())


def distinct_ids(rng: np.random.Generator, n: int, low: int, high: int, ordered: bool) -> np.ndarray:
    """n distinct ids in [low, high), in increasing order or shuffled; past the range they continue from high."""
    if n <= high - low:
        ids = low + rng.choice(high - low, size=n, replace=False)
    else:
        ids = low + rng.permutation(n)
    return np.sort(ids) if ordered else ids


def record_ids(rng: np.random.Generator, h: Hospital, subjects: tuple[int, int], admissions: tuple[int, int],
               stays: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subject ids (increasing), admission and ICU stay ids (shuffled), each drawn from its [low, high) range.

    ICU stay ids must not meet admission ids (both become visit ids), so they
    start above the largest admission id even when admissions outgrow their range."""
    subject_id = distinct_ids(rng, h.n_patients, *subjects, ordered=True)
    hadm_id = distinct_ids(rng, h.n_admissions, *admissions, ordered=False)
    low = max(stays[0], int(hadm_id.max()) + 1)
    stay_id = distinct_ids(rng, len(h.icu_adm), low, max(low, stays[1]), ordered=False)
    return subject_id, hadm_id, stay_id


def reason_text(h: Hospital, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Labels and per-admission index of the admitting diagnosis text."""
    labels = [c.reason for c in ACUTE] + list(OTHER_REASONS)
    other = len(ACUTE) + rng.integers(0, len(OTHER_REASONS), h.n_admissions)
    return labels, np.where(h.acute >= 0, h.acute, other)


class Attributes:
    """The categorical columns of patients and admissions, drawn once per hospital."""

    def __init__(self, h: Hospital):
        rng = rng_for(h.seed, 3)
        n, m = h.n_patients, h.n_admissions
        self.race = choose(rng, RACE_W, n)
        self.language = choose(rng, LANGUAGE_W, n)
        self.marital = choose(rng, MARITAL_W, n)
        self.insurance = choose(rng, INSURANCE_W, n)
        first_age = h.age[np.searchsorted(h.adm_patient, np.arange(n))]  # every patient has an admission
        self.insurance = np.where(first_age >= 65, 0, self.insurance)
        self.discharge = np.where(h.died, -1, choose(rng, DISCHARGE_W, m))
        self.reason_labels, self.reason = reason_text(h, rng)
        self.careunit = choose(rng, CAREUNITS_W, len(h.icu_adm))
        self.ed_minutes = rng.integers(60, 600, m)
        self.rng = rng

    def discharge_labels(self) -> list[str]:
        return list(DISCHARGE) + [DEAD]

    def discharge_index(self) -> np.ndarray:
        return np.where(self.discharge < 0, len(DISCHARGE), self.discharge)
