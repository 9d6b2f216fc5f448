"""The simulated hospital: patients, their admissions, and what happens in them.

Everything is drawn with numpy over whole arrays (one step per admission
number, never per patient). Each admission gets a latent severity from the
patient's age, frailty, chronic conditions and the acute reason for the
stay, plus a random part; severity drives length of stay, in-hospital death
(DEATH_BASE, DEATH_SLOPE), readmission, later death, and how abnormal the
labs are (LAB_SEVERITY), so the labs of the first 48 hours are noisy readings
of what decides death (docs/synth.md gives the AUROC they allow). Prescriptions and lab events are
drawn in fixed-size chunks of admissions, each from its own seeded stream,
so the output is the same for a seed whatever reads it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import codes
from .conditions import ACUTE, CHRONIC, CONDITIONS, RISK_CODES

MINUTE = 60
HOUR = 3_600
DAY = 86_400
YEAR = 365.25 * DAY
EPOCH_2100 = int(np.datetime64("2100-01-01T00:00:00", "s").astype(np.int64))
CHUNK_ADMISSIONS = 2_000           # admissions per prescriptions/labs chunk (fixed: part of determinism)
MEAN_PRESCRIPTIONS = 80.0
MEAN_LABS = 580.0
OUTPATIENT_DRAWS = 18.0           # outpatient blood draws per patient (the whole record only), before overlaps
OUTPATIENT_YEARS = 2.0            # outpatient labs fall from this long before the first admission to after the last

DX_CODES = np.array([d[0] for d in codes.DIAGNOSES])
DX_INDEX = {c: i for i, c in enumerate(DX_CODES)}
PX_CODES = np.array([p[0] for p in codes.PROCEDURES])
LAB_IDS = np.array([x[0] for x in codes.LAB_ITEMS], dtype=np.int64)
VENTILATION = ("9671", "9604")
DEATH_BASE, DEATH_SLOPE = -3.6, 1.7       # in-hospital death: logistic in the admission's severity
LAB_SEVERITY = 0.75                        # how far severity moves the severity labs (standard deviations per unit)


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent generator for one part of the simulation."""
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1.0 - p))


def _weighted(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    """n indexes drawn with the probabilities whose cumulative sums are `cum` (ending in 1)."""
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def _cum(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    c = np.cumsum(w / w.sum())
    c[-1] = 1.0
    return c


def _to_minute(seconds: np.ndarray) -> np.ndarray:
    return (seconds // MINUTE) * MINUTE


@dataclass
class Hospital:
    """The simulated records, as arrays. Times are int64 seconds since 1970 (shifted years 2100-2200).

    Patient arrays are indexed by patient number; admission arrays are
    sorted by (patient, admit time); `adm_patient` points to the patient."""

    seed: int
    # patients
    male: np.ndarray
    birth: np.ndarray
    frailty: np.ndarray
    chronic: np.ndarray           # bool, patients x len(CHRONIC)
    death: np.ndarray             # date of death (midnight) or -1
    # admissions
    adm_patient: np.ndarray
    admit: np.ndarray
    disch: np.ndarray
    died: np.ndarray
    acute: np.ndarray             # index into ACUTE, -1 for none
    severity: np.ndarray
    age: np.ndarray
    kind: np.ndarray              # 0 emergency, 1 elective, 2 urgent
    # ICU stays
    icu_adm: np.ndarray
    icu_in: np.ndarray
    icu_out: np.ndarray
    # diagnoses and procedures (sorted by admission, seq)
    dx_adm: np.ndarray
    dx_seq: np.ndarray
    dx_code: np.ndarray           # index into codes.DIAGNOSES
    px_adm: np.ndarray
    px_seq: np.ndarray
    px_code: np.ndarray           # index into codes.PROCEDURES

    @property
    def n_patients(self) -> int:
        return len(self.male)

    @property
    def n_admissions(self) -> int:
        return len(self.admit)

    def condition_mask(self, adm: slice | np.ndarray) -> np.ndarray:
        """bool, admissions x len(CONDITIONS): the chronic and acute conditions present at each admission."""
        chronic = self.chronic[self.adm_patient[adm]]
        acute = self.acute[adm][:, None] == np.arange(len(ACUTE))[None, :]
        return np.concatenate([chronic, acute], axis=1)

    def activity(self) -> np.ndarray:
        """Relative amount of care per admission (drives prescriptions and labs), mean 1."""
        days = np.clip((self.disch - self.admit) / DAY, 0.5, 60.0)
        f = np.sqrt(days) * (1.0 + 0.1 * np.clip(self.severity, -2, 4))
        return f / f.mean() if len(f) else f


def simulate(n_patients: int, seed: int) -> Hospital:
    """Draw patients and admissions (with ICU stays, diagnoses and procedures)."""
    rng = rng_for(seed, 0)
    n = n_patients
    male = rng.random(n) < 0.56
    age0 = np.clip(rng.normal(64.0, 17.0, n), 18.0, 90.0)
    frailty = rng.normal(0.0, 1.0, n)
    first = EPOCH_2100 + (rng.random(n) * 95 * YEAR).astype(np.int64)
    first = _to_minute(first)
    birth = first - (age0 * YEAR).astype(np.int64)
    birth -= birth % DAY
    chronic = np.empty((n, len(CHRONIC)), dtype=bool)
    for j, c in enumerate(CHRONIC):
        chronic[:, j] = rng.random(n) < _sigmoid(_logit(c.prevalence) + 0.045 * (age0 - 65.0) + c.frailty * frailty)
    chronic_risk = chronic @ np.array([c.risk for c in CHRONIC])
    acute_cum = _cum([c.prevalence for c in ACUTE] + [1.0 - sum(c.prevalence for c in ACUTE)])
    acute_risk = np.array([c.risk for c in ACUTE] + [-0.3])

    parts = []
    active = np.arange(n)
    at = first.copy()
    last_sev = np.zeros(n)
    last_disch = np.zeros(n, dtype=np.int64)
    for k in range(20):
        if len(active) == 0:
            break
        m = len(active)
        admit = at[active]
        acute = _weighted(rng, acute_cum, m)
        acute = np.where(acute == len(ACUTE), -1, acute)
        age = (admit - birth[active]) / YEAR
        sev = (0.6 * frailty[active] + acute_risk[acute] + chronic_risk[active] + 0.025 * (age - 65.0)
               + rng.normal(0.0, 0.6, m) - 0.9)
        los = np.exp(rng.normal(np.log(5.5) + 0.18 * sev, 0.8))
        los = np.clip(los, 0.15, 180.0)
        died = rng.random(m) < _sigmoid(DEATH_BASE + DEATH_SLOPE * sev)
        disch = _to_minute(admit + (los * DAY).astype(np.int64))
        kind = _weighted(rng, _cum([0.76, 0.17, 0.07]), m)
        parts.append((active, admit, disch, died, acute, sev, age, kind, np.full(m, k)))
        last_sev[active] = sev
        last_disch[active] = disch
        # who comes back, and when: sooner and more often when sicker
        n_chronic = chronic[active].sum(axis=1)
        p30 = _sigmoid(-2.4 + 0.55 * sev + 0.25 * n_chronic)
        r = rng.random(m)
        gap_days = np.where(r < p30, 1.0 + rng.random(m) * 29.0, 30.0 + rng.exponential(500.0, m))
        again = ~died & (r < p30 + 0.16)
        at[active] = _to_minute(disch + (gap_days * DAY).astype(np.int64))
        active = active[again]

    cols = [np.concatenate(x) for x in zip(*parts)]
    adm_patient, admit, disch, died, acute, sev, age, kind, number = cols
    order = np.lexsort((number, adm_patient))
    adm_patient, admit, disch, died, acute, sev, age, kind = (
        a[order] for a in (adm_patient, admit, disch, died, acute, sev, age, kind))

    # date of death: in hospital, or after the last discharge for some
    death = np.full(n, -1, dtype=np.int64)
    death[adm_patient[died]] = disch[died] - disch[died] % DAY
    alive = death < 0
    p_later = _sigmoid(-1.0 + 0.6 * last_sev + 0.03 * (age0 - 65.0))
    later = alive & (rng.random(n) < p_later)
    when = last_disch + (rng.exponential(420.0, n) * DAY).astype(np.int64) + DAY
    death[later] = when[later] - when[later] % DAY

    icu = _icu_stays(rng, admit, disch, died, sev)
    dx = _diagnoses(rng, chronic, adm_patient, acute, sev)
    px = _procedures(rng, acute, sev)
    return Hospital(seed, male, birth, frailty, chronic, death, adm_patient, admit, disch, died, acute, sev, age, kind,
                    *icu, *dx, *px)


def _icu_stays(rng, admit, disch, died, sev):
    m = len(admit)
    has = rng.random(m) < _sigmoid(1.1 + 0.8 * sev)
    idx = np.flatnonzero(has)
    span = disch[idx] - admit[idx]
    t_in = admit[idx] + (span * rng.random(len(idx)) * 0.3).astype(np.int64) + rng.integers(0, 3600, len(idx))
    t_in = np.minimum(t_in, disch[idx] - 60)
    frac = np.where(died[idx] & (rng.random(len(idx)) < 0.8), 1.0, 0.2 + 0.8 * rng.random(len(idx)))
    t_out = t_in + ((disch[idx] - t_in) * frac).astype(np.int64)
    # a second stay for some, after the first and inside the admission
    two = (rng.random(len(idx)) < 0.08) & (disch[idx] - t_out > 2 * 3600)
    j = np.flatnonzero(two)
    t_in2 = t_out[j] + ((disch[idx][j] - t_out[j]) * (0.1 + 0.4 * rng.random(len(j)))).astype(np.int64)
    t_out2 = t_in2 + ((disch[idx][j] - t_in2) * (0.3 + 0.7 * rng.random(len(j)))).astype(np.int64)
    adm = np.concatenate([idx, idx[j]])
    t_in_all = np.concatenate([t_in, t_in2])
    t_out_all = np.concatenate([t_out, t_out2])
    order = np.lexsort((t_in_all, adm))
    return adm[order], t_in_all[order], t_out_all[order]


def _dedupe_and_number(adm, order_key, code):
    """Keep each (admission, code) once (its first place), sort by admission then place, number 1.. per admission."""
    o = np.lexsort((order_key, code, adm))
    adm, order_key, code = adm[o], order_key[o], code[o]
    first = np.ones(len(adm), dtype=bool)
    first[1:] = (adm[1:] != adm[:-1]) | (code[1:] != code[:-1])
    adm, order_key, code = adm[first], order_key[first], code[first]
    o = np.lexsort((order_key, adm))
    adm, code = adm[o], code[o]
    start = np.ones(len(adm), dtype=bool)
    start[1:] = adm[1:] != adm[:-1]
    pos = np.arange(len(adm))
    seq = pos - np.maximum.accumulate(np.where(start, pos, 0)) + 1
    return adm, seq.astype(np.int64), code


def _diagnoses(rng, chronic, adm_patient, acute, sev):
    m = len(acute)
    pieces_adm, pieces_key, pieces_code = [], [], []
    # the principal diagnosis: the acute condition
    has = np.flatnonzero(acute >= 0)
    for a, cond in enumerate(ACUTE):
        rows = has[acute[has] == a]
        pick = np.array([DX_INDEX[c] for c in cond.codes])[rng.integers(0, len(cond.codes), len(rows))]
        pieces_adm.append(rows)
        pieces_key.append(np.zeros(len(rows)))
        pieces_code.append(pick)
    # one code for each chronic condition of the patient
    for j, cond in enumerate(CHRONIC):
        rows = np.flatnonzero(chronic[adm_patient, j])
        pick = np.array([DX_INDEX[c] for c in cond.codes])[rng.integers(0, len(cond.codes), len(rows))]
        pieces_adm.append(rows)
        pieces_key.append(1.0 + rng.random(len(rows)) * 6.0)
        pieces_code.append(pick)
    # the rest: common codes that carry no risk of their own
    weights = np.array([0.0 if d[0] in RISK_CODES else float(d[1]) for d in codes.DIAGNOSES])
    count = rng.poisson(7.0 + 0.8 * np.clip(sev, 0, None))
    rows = np.repeat(np.arange(m), count)
    pieces_adm.append(rows)
    pieces_key.append(0.5 + rng.random(len(rows)) * 12.0)
    pieces_code.append(_weighted(rng, _cum(weights), len(rows)))
    return _dedupe_and_number(np.concatenate(pieces_adm), np.concatenate(pieces_key), np.concatenate(pieces_code))


def _procedures(rng, acute, sev):
    m = len(acute)
    weights = np.array([float(p[1]) for p in codes.PROCEDURES])
    count = np.where(rng.random(m) < 0.8, rng.poisson(1.5 + 0.7 * np.clip(sev, 0, None)) + 1, 0)
    rows = np.repeat(np.arange(m), count)
    key = rng.random(len(rows)) * 10.0
    code = _weighted(rng, _cum(weights), len(rows))
    resp = np.flatnonzero(acute == [c.name for c in ACUTE].index("respiratory_failure"))
    vent = np.array([int(np.flatnonzero(c == PX_CODES)[0]) for c in VENTILATION])
    rows = np.concatenate([rows, np.repeat(resp, 2)])
    key = np.concatenate([key, np.tile([-2.0, -1.0], len(resp))])
    code = np.concatenate([code, np.tile(vent, len(resp))])
    return _dedupe_and_number(rows, key, code)


@functools.lru_cache(maxsize=1)
def _drug_pools() -> tuple[np.ndarray, list[np.ndarray]]:
    """Cumulative base weights of the drugs, and for each condition the drugs linked to it."""
    base = _cum([float(d[7]) for d in codes.DRUGS])
    pools = []
    for cond in CONDITIONS:
        pool = np.array([i for i, d in enumerate(codes.DRUGS) if any(d[8].startswith(p) for p in cond.drugs)],
                        dtype=np.int64)
        pools.append(pool)
    return base, pools


def chunks(h: Hospital):
    """(chunk number, admission slice) over all admissions, in fixed-size chunks."""
    for i, start in enumerate(range(0, h.n_admissions, CHUNK_ADMISSIONS)):
        yield i, slice(start, min(start + CHUNK_ADMISSIONS, h.n_admissions))


def patient_chunks(h: Hospital):
    """(chunk number, patient slice) over all patients, CHUNK_ADMISSIONS patients a chunk."""
    for i, start in enumerate(range(0, h.n_patients, CHUNK_ADMISSIONS)):
        yield i, slice(start, min(start + CHUNK_ADMISSIONS, h.n_patients))


def prescriptions(h: Hospital, chunk: int, adm: slice, activity: np.ndarray) -> dict[str, np.ndarray]:
    """Prescriptions of one chunk of admissions: adm (index), drug (index into codes.DRUGS or -1 for
    no NDC), ndc_zero (bool: NDC written as 0), start, end (midnight seconds)."""
    rng = rng_for(h.seed, 1, chunk)
    base, pools = _drug_pools()
    idx = np.arange(adm.start, adm.stop)
    count = rng.poisson(MEAN_PRESCRIPTIONS * activity[idx])
    rows = np.repeat(idx, count)
    n = len(rows)
    drug = _weighted(rng, base, n)
    # about a third of the drugs follow the admission's conditions
    mask = h.condition_mask(rows)
    has_pool = np.array([len(p) > 0 for p in pools])
    mask &= has_pool[None, :]
    linked = (rng.random(n) < 0.35) & mask.any(axis=1)
    which = np.argmax(mask * rng.random(mask.shape), axis=1)
    sizes = np.array([len(p) for p in pools])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(pools)
    pick = flat[np.minimum(offsets[which] + (rng.random(n) * sizes[which]).astype(np.int64),
                           len(flat) - 1)]
    drug = np.where(linked, pick, drug)
    missing = rng.random(n)
    ndc_zero = missing < 0.012
    drug = np.where((missing >= 0.012) & (missing < 0.02), -1, drug)
    admit_day = h.admit[rows] - h.admit[rows] % DAY
    disch_day = h.disch[rows] - h.disch[rows] % DAY
    span = (disch_day - admit_day) // DAY + 1
    start = admit_day + (rng.random(n) * span).astype(np.int64) * DAY
    end = np.minimum(start + rng.integers(0, 5, n) * DAY, disch_day + DAY)
    return {"adm": rows, "drug": drug, "ndc_zero": ndc_zero, "start": start, "end": end}


@functools.lru_cache(maxsize=1)
def _lab_params():
    """Per lab item: inclusion chance per draw, centre, spread, whether log-scaled, decimals, lower bound."""
    items = codes.LAB_ITEMS
    w = np.array([float(x[1]) for x in items])
    include = np.minimum(1.0, 0.97 * w / w.max())
    p05 = np.array([x[7] for x in items], dtype=np.float64)
    p50 = np.array([x[8] for x in items], dtype=np.float64)
    p95 = np.array([x[9] for x in items], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_scaled = (p05 > 0) & ((p95 / p50) > 1.8 * (p50 / p05))
    centre = np.where(log_scaled, np.log(np.where(p50 > 0, p50, 1.0)), p50)
    spread = np.where(log_scaled, (np.log(np.where(p95 > 0, p95, 1.0)) - np.log(np.where(p05 > 0, p05, 1.0))) / 3.29,
                      (p95 - p05) / 3.29)
    spread = np.where(spread > 0, spread, np.maximum(p95, 1.0) / 3.29)
    decimals = np.array([x[10] for x in items], dtype=np.int64)
    floor = np.where(p05 >= 0, 0.0, -np.inf)
    return include, centre, spread, log_scaled, decimals, floor


# labs that move with severity in general (sign: which way is worse)
SEVERITY_LABS = {50813: 1.0, 50912: 0.6, 51006: 0.6, 51301: 0.5, 50882: -0.5, 50862: -0.5, 51265: -0.3, 50820: -0.5}
ABNORMAL_Z = 1.5


@functools.lru_cache(maxsize=1)
def _lab_shifts() -> tuple[np.ndarray, np.ndarray]:
    """Shift of each lab item (in standard deviations) per condition, and its direction under severity."""
    pos = {int(x): i for i, x in enumerate(LAB_IDS)}
    shift = np.zeros((len(CONDITIONS), len(LAB_IDS)))
    for c, cond in enumerate(CONDITIONS):
        for itemid, s in cond.labs.items():
            shift[c, pos[itemid]] = s
    sev_dir = np.zeros(len(LAB_IDS))
    for itemid, s in SEVERITY_LABS.items():
        sev_dir[pos[itemid]] = s
    return shift, sev_dir


def lab_value(z: np.ndarray, item: np.ndarray) -> np.ndarray:
    """Values of lab items (indexes into codes.LAB_ITEMS) at standard scores z."""
    include, centre, spread, log_scaled, decimals, floor = _lab_params()
    raw = centre[item] + z * spread[item]
    value = np.where(log_scaled[item], np.exp(np.minimum(raw, 30.0)), raw)
    return np.maximum(value, floor[item])


def labs(h: Hospital, chunk: int, adm: slice, activity: np.ndarray) -> dict[str, np.ndarray]:
    """Lab events of one chunk of admissions: adm (index), item (index into codes.LAB_ITEMS), time (seconds),
    value (rounded to the item's decimals), abnormal (bool), draw (blood draw number inside the chunk; one
    draw is one specimen), n_draws."""
    rng = rng_for(h.seed, 2, chunk)
    include = _lab_params()[0]
    idx = np.arange(adm.start, adm.stop)
    per_draw = include.sum()
    draws = np.maximum(1, rng.poisson(MEAN_LABS / per_draw * activity[idx]))
    draw_adm = np.repeat(idx, draws)
    span = h.disch[draw_adm] - h.admit[draw_adm]
    draw_time = _to_minute(h.admit[draw_adm] + (rng.random(len(draw_adm)) * span).astype(np.int64))
    # how far each admission's labs sit from the usual: its conditions, and its severity
    shift, sev_dir = _lab_shifts()
    adm_shift = h.condition_mask(adm).astype(np.float64) @ shift
    adm_shift += np.clip(h.severity[adm], -2.0, 5.0)[:, None] * LAB_SEVERITY * sev_dir[None, :]
    return _panels(rng, draw_adm, draw_time, adm_shift, adm.start, "adm")


def _panels(rng: np.random.Generator, owner: np.ndarray, time: np.ndarray, shift: np.ndarray, first: int,
            key: str) -> dict[str, np.ndarray]:
    """The lab rows of blood draws (`owner`: the admission or patient index of each draw, `time` its time):
    each draw is a panel, every item in it with its own chance; a value sits at a standard score of
    N(0, 1) + shift[owner - first, item], rounded to the item's decimals. The owners come back under `key`."""
    include, *_, decimals, _ = _lab_params()
    hit = rng.random((len(owner), len(include))) < include[None, :]
    d, item = np.nonzero(hit)
    rows = owner[d]
    z = rng.normal(0.0, 1.0, len(rows)) + shift[rows - first, item]
    scale = 10.0 ** decimals[item]
    value = np.round(lab_value(z, item) * scale) / scale
    return {key: rows, "item": item, "time": time[d], "value": value, "abnormal": np.abs(z) > ABNORMAL_Z,
            "draw": d, "n_draws": np.int64(len(owner))}


def outpatient_labs(h: Hospital, chunk: int, patients: slice) -> dict[str, np.ndarray]:
    """Outpatient lab events (no admission) of one chunk of patients: patient (index), item, time (seconds),
    value, abnormal, draw, n_draws, as labs() gives them. Draws fall between OUTPATIENT_YEARS before the
    patient's first admission and OUTPATIENT_YEARS after the last (never after death), outside every
    admission and the day either side of it; values follow the patient's chronic conditions only."""
    rng = rng_for(h.seed, 18, chunk)
    idx = np.arange(patients.start, patients.stop)
    first = np.searchsorted(h.adm_patient, idx)
    last = np.searchsorted(h.adm_patient, idx, side="right") - 1
    start = h.admit[first] - int(OUTPATIENT_YEARS * YEAR)
    end = h.disch[last] + int(OUTPATIENT_YEARS * YEAR)
    end = np.where(h.death[idx] >= 0, np.minimum(end, h.death[idx]), end)
    draws = rng.poisson(OUTPATIENT_DRAWS, len(idx))
    draw_patient = np.repeat(idx, draws)
    local = draw_patient - patients.start
    span = np.maximum(end - start, 0)[local]
    draw_time = _to_minute(start[local] + (rng.random(len(draw_patient)) * span).astype(np.int64))
    # the admission starting last before each draw (admissions are sorted by patient and time): is it too close?
    key = h.adm_patient * np.int64(1 << 34) + (h.admit - DAY)
    near = np.searchsorted(key, draw_patient * np.int64(1 << 34) + draw_time, side="right") - 1
    inside = (near >= 0) & (h.adm_patient[np.maximum(near, 0)] == draw_patient) \
        & (draw_time <= h.disch[np.maximum(near, 0)] + DAY)
    draw_patient, draw_time = draw_patient[~inside], draw_time[~inside]
    shift, _ = _lab_shifts()
    patient_shift = h.chronic[idx].astype(np.float64) @ shift[:len(CHRONIC)]
    return _panels(rng, draw_patient, draw_time, patient_shift, patients.start, "patient")


def all_labs(h: Hospital, activity: np.ndarray, outpatient: bool):
    """Every lab chunk as (labs, patient index per row, admission index per row or None): the inpatient
    chunks of labs(), then, when `outpatient`, those of outpatient_labs(), which have no admission."""
    for chunk, adm in chunks(h):
        lab = labs(h, chunk, adm, activity)
        yield lab, h.adm_patient[lab["adm"]], lab["adm"]
    if outpatient:
        for chunk, patients in patient_chunks(h):
            lab = outpatient_labs(h, chunk, patients)
            yield lab, lab["patient"], None


def reference_range() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper reference bounds of each lab item (the values at z = -/+ ABNORMAL_Z)."""
    items = np.arange(len(codes.LAB_ITEMS))
    lo = lab_value(np.full(len(items), -ABNORMAL_Z), items)
    hi = lab_value(np.full(len(items), ABNORMAL_Z), items)
    _, _, _, _, decimals, _ = _lab_params()
    return np.round(lo, decimals.max()), np.round(hi, decimals.max())
