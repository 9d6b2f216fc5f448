"""What happens during the simulated ICU stays: charted vitals, infusions, outputs, cultures, transfers, services
and notes, as arrays the release layouts (mimic3.py, mimic4.py) write out.

Everything is drawn with numpy over whole chunks of ICU stays or admissions,
each chunk from its own seeded stream (as for labs), so the output is the same
for a seed whatever reads it. The values follow the admission's latent
severity and acute condition, and in the last day before a death in the ICU
they drift further (DETERIORATION), so charted vitals carry what decides
in-hospital death and decompensation. Item ids and labels are MIMIC's
(MetaVision ids, which MIMIC-IV keeps; CareVue ids for MIMIC-III's CareVue
stays where the mimic3-benchmarks variables have one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conditions import ACUTE
from .model import HOUR, Hospital, rng_for

CHUNK_STAYS = 500                # ICU stays per chunk (fixed: part of determinism)
CHART_SEVERITY = 0.6             # standard deviations per unit of severity on the vitals
DETERIORATION = 2.5              # extra standard deviations at the hour of a death in the ICU
DETERIORATION_HOURS = 12.0       # ... decaying with this time constant before it
NURSING_PER_HOUR = 25.0          # nursing assessments and alarm settings charted per ICU hour


@dataclass(frozen=True)
class Vital:
    """A charted variable: MetaVision / CareVue item, scale, how often, and how illness moves it."""

    name: str          # the mimic3-benchmarks variable it feeds
    mv: int            # MetaVision / MIMIC-IV itemid
    cv: int            # MIMIC-III CareVue itemid
    label: str
    unit: str
    mean: float
    sd: float
    low: float
    high: float
    every: int         # hours between charts (0: once, at the start of the stay)
    severity: float    # direction and weight of severity (in standard deviations per unit)
    decimals: int = 0
    category: str = "Routine Vital Signs"


VITALS = (
    Vital("Heart Rate", 220045, 211, "Heart Rate", "bpm", 86, 14, 30, 200, 1, 1.0),
    Vital("Systolic blood pressure", 220179, 455, "Non Invasive Blood Pressure systolic", "mmHg",
          122, 18, 50, 230, 1, -1.0),
    Vital("Diastolic blood pressure", 220180, 8441, "Non Invasive Blood Pressure diastolic", "mmHg",
          63, 11, 20, 130, 1, -0.8),
    Vital("Mean blood pressure", 220181, 456, "Non Invasive Blood Pressure mean", "mmHg", 80, 12, 30, 160, 1, -1.0),
    Vital("Respiratory rate", 220210, 618, "Respiratory Rate", "insp/min", 19, 4.5, 4, 50, 1, 1.0,
          category="Respiratory"),
    Vital("Oxygen saturation", 220277, 646, "O2 saturation pulseoxymetry", "%", 97, 2.2, 60, 100, 1, -1.0,
          category="Respiratory"),
    Vital("Temperature", 223761, 678, "Temperature Fahrenheit", "°F", 98.6, 1.0, 93, 106, 4, 0.4, 1),
    Vital("Fraction inspired oxygen", 223835, 3420, "Inspired O2 Fraction", "", 35, 10, 21, 100, 4, 0.9,
          category="Respiratory"),
    Vital("Glucose", 225664, 807, "Glucose finger stick (range 70-100)", "", 135, 35, 40, 600, 6, 0.4,
          category="Labs"),
    Vital("pH", 223830, 780, "PH (Arterial)", "", 7.40, 0.05, 6.8, 7.7, 8, -0.9, 2, category="Labs"),
    Vital("Weight", 226512, 763, "Admission Weight (Kg)", "kg", 80, 18, 35, 200, 0, 0.0, 1, category="General"),
    Vital("Height", 226730, 1394, "Height (cm)", "cm", 170, 10, 140, 205, 0, 0.0, 0, category="General"),
)

# Text-valued scales: (variable, MetaVision id, CareVue id, label, every, options from best to worst, numbers)
GCS = (
    ("Glascow coma scale eye opening", 220739, 184, "GCS - Eye Opening",
     ("Spontaneously", "To Speech", "To Pain", "None"), (4, 3, 2, 1)),
    ("Glascow coma scale verbal response", 223900, 723, "GCS - Verbal Response",
     ("Oriented", "Confused", "Inappropriate Words", "Incomprehensible sounds", "No Response-ETT"), (5, 4, 3, 2, 1)),
    ("Glascow coma scale motor response", 223901, 454, "GCS - Motor Response",
     ("Obeys Commands", "Localizes Pain", "Flex-withdraws", "Abnormal Flexion", "Abnormal extension",
      "No response"), (6, 5, 4, 3, 2, 1)),
)
GCS_EVERY = 4
CAPILLARY_REFILL = ("Capillary refill rate", 223951, 115, "Capillary Refill R", ("Normal <3 secs", "Abnormal >3 secs"))
CAPILLARY_EVERY = 4

# Nursing items charted at random through the stay (the bulk of a real chartevents): id, label, category,
# numeric value (None: text) and the texts it takes
NURSING = (
    (220046, "Heart rate Alarm - High", "Alarms", 120.0, ()),
    (220047, "Heart Rate Alarm - Low", "Alarms", 50.0, ()),
    (223769, "O2 Saturation Pulseoxymetry Alarm - High", "Alarms", 100.0, ()),
    (223770, "O2 Saturation Pulseoxymetry Alarm - Low", "Alarms", 88.0, ()),
    (224161, "Resp Alarm - High", "Alarms", 35.0, ()),
    (224162, "Resp Alarm - Low", "Alarms", 8.0, ()),
    (224641, "Alarms On", "Alarms", None, ("Yes",)),
    (220048, "Heart Rhythm", "Routine Vital Signs", None, ("SR (Sinus Rhythm)", "ST (Sinus Tachycardia)",
                                                           "AF (Atrial Fibrillation)", "SB (Sinus Bradycardia)")),
    (228096, "Richmond-RAS Scale", "Pain/Sedation", None, (
        "0  Alert and calm", "-1 Awakens to voice (eye opening/contact) > 10 sec",
        "-2 Light sedation, briefly awakens to voice (eye opening/contact) < 10 sec")),
    (224054, "Braden Sensory Perception", "Skin - Assessment", None, ("No Impairment", "Sl. Limited", "Very Limited")),
    (224055, "Braden Moisture", "Skin - Assessment", None, ("Rarely Moist", "Occ. Moist", "Moist")),
    (224056, "Braden Activity", "Skin - Assessment", None, ("Bedfast", "Chairfast", "Walks Occasionally")),
    (224057, "Braden Mobility", "Skin - Assessment", None, ("No Limitations", "Slight Limitations", "Very Limited")),
    (224058, "Braden Nutrition", "Skin - Assessment", None, ("Adequate", "Probably Inadequate", "Excellent")),
    (224059, "Braden Friction/Shear", "Skin - Assessment", None, ("No Apparent Problem", "Potential Problem")),
    (224082, "Turn", "Treatments", None, ("Side to Side", "Refused", "Back to left")),
    (224084, "Activity", "Treatments", None, ("Bed", "Chair", "Dangle")),
    (224093, "Position", "Treatments", None, ("Left Side", "Right Side", "Supine", "Sitting")),
    (227969, "Safety Measures", "Restraint/Support Systems", None, ("Bed locked", "Call light within reach",
                                                                     "Siderails up x 2")),
)

# Infusions: (MetaVision id, CareVue id, label, category, amount unit, rate unit, mean amount, for whom)
NOREPINEPHRINE = (221906, 30047, "Norepinephrine", "Medications", "mg", "mcg/kg/min")
PROPOFOL = (222168, 30131, "Propofol", "Medications", "mg", "mcg/kg/min")
SALINE = (225158, 30018, "NaCl 0.9%", "Fluids/Intake", "ml", "mL/hour")
INFUSIONS = (NOREPINEPHRINE, PROPOFOL, SALINE)
FOLEY = (226559, 40055, "Foley", "Output", "ml")

# Cultures: specimen (id, name), the test, organisms (id, name) and antibiotics (id, name)
SPECIMENS = ((70012, "BLOOD CULTURE", 90201, "Blood Culture, Routine"),
             (70079, "URINE", 90039, "URINE CULTURE"),
             (70062, "SPUTUM", 90134, "RESPIRATORY CULTURE"))
ORGANISMS = ((80002, "ESCHERICHIA COLI"), (80023, "STAPH AUREUS COAG +"), (80004, "KLEBSIELLA PNEUMONIAE"),
             (80026, "PSEUDOMONAS AERUGINOSA"), (80053, "ENTEROCOCCUS SP."))
ANTIBIOTICS = ((90015, "VANCOMYCIN"), (90012, "GENTAMICIN"), (90025, "LEVOFLOXACIN"), (90004, "AMPICILLIN"),
               (90016, "CEFTRIAXONE"))

WARDS = ("Medicine", "Med/Surg", "Surgery", "Cardiology", "Neurology", "Transplant")
SERVICES = ("MED", "SURG", "CMED", "NMED", "CSURG", "TRAUM", "OMED")

ACUTE_NAMES = [c.name for c in ACUTE]
# acute condition -> {vital name: shift in standard deviations}
ACUTE_VITALS = {
    "sepsis": {"Heart Rate": 1.2, "Temperature": 1.5, "Systolic blood pressure": -0.9, "Mean blood pressure": -0.9,
               "Respiratory rate": 0.8},
    "respiratory_failure": {"Oxygen saturation": -1.3, "Respiratory rate": 1.3, "Fraction inspired oxygen": 1.8,
                            "pH": -0.8},
    "intracranial_hemorrhage": {"Systolic blood pressure": 1.0, "GCS": 2.0},
    "cardiac_arrest": {"GCS": 2.5, "Mean blood pressure": -1.2, "pH": -1.0},
    "myocardial_infarction": {"Heart Rate": 0.6},
    "gi_bleed": {"Heart Rate": 1.0, "Systolic blood pressure": -0.8},
    "pneumonia": {"Temperature": 1.0, "Oxygen saturation": -0.7, "Respiratory rate": 0.7},
}
GCS_SEVERITY = 0.5               # how far severity lowers the coma scales (in the latent's standard deviations)


def stay_chunks(h: Hospital):
    """(chunk number, ICU stay slice) over all ICU stays, in fixed-size chunks."""
    for i, start in enumerate(range(0, len(h.icu_adm), CHUNK_STAYS)):
        yield i, slice(start, min(start + CHUNK_STAYS, len(h.icu_adm)))


def _grid(h: Hospital, stays: np.ndarray, every: int) -> tuple[np.ndarray, np.ndarray]:
    """(stay, time) of a chart every `every` hours from ICU admission to discharge (once at the start for 0)."""
    span = h.icu_out[stays] - h.icu_in[stays]
    n = np.ones(len(stays), dtype=np.int64) if every == 0 else span // (every * HOUR) + 1
    rows = np.repeat(stays, n)
    start = np.cumsum(n) - n
    k = np.arange(len(rows)) - np.repeat(start, n)
    return rows, h.icu_in[rows] + k * every * HOUR + 5 * 60


def _decline(h: Hospital, stay: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Extra illness in the last day before a death in the ICU (0 elsewhere)."""
    adm = h.icu_adm[stay]
    dies_here = h.died[adm] & (h.icu_out[stay] >= h.disch[adm])
    hours_left = (h.icu_out[stay] - t) / HOUR
    return np.where(dies_here, DETERIORATION * np.exp(-np.maximum(hours_left, 0.0) / DETERIORATION_HOURS), 0.0)


def _acute_shift(h: Hospital, stay: np.ndarray, name: str) -> np.ndarray:
    table = np.zeros(len(ACUTE) + 1)
    for cond, shifts in ACUTE_VITALS.items():
        table[ACUTE_NAMES.index(cond)] = shifts.get(name, 0.0)
    return table[h.acute[h.icu_adm[stay]]]  # index -1 (no acute condition) reads the trailing 0


def chart(h: Hospital, chunk: int, stays: slice) -> dict[str, np.ndarray]:
    """Charted events of one chunk of ICU stays: stay (index), kind (0 vital, 1 GCS, 2 capillary refill,
    3 nursing), item (index into VITALS, GCS, NURSING), time (seconds), value (float, NaN for text),
    text (index into the item's options, -1 for numbers)."""
    rng = rng_for(h.seed, 10, chunk)
    idx = np.arange(stays.start, stays.stop)
    sev = np.clip(h.severity[h.icu_adm[idx]], -2.0, 5.0)
    sev_of = np.zeros(len(h.icu_adm))
    sev_of[idx] = sev
    parts = []
    for i, v in enumerate(VITALS):
        stay, t = _grid(h, idx, v.every)
        z = (v.severity * (CHART_SEVERITY * sev_of[stay] + _decline(h, stay, t)) + _acute_shift(h, stay, v.name)
             + rng.normal(0.0, 1.0, len(stay)))
        value = np.clip(v.mean + v.sd * z, v.low, v.high)
        parts.append((stay, np.zeros(len(stay), np.int64), np.full(len(stay), i), t, np.round(value, v.decimals),
                      np.full(len(stay), -1)))
    for i, (_, _, _, _, options, _) in enumerate(GCS):
        stay, t = _grid(h, idx, GCS_EVERY)
        z = (GCS_SEVERITY * sev_of[stay] + _decline(h, stay, t) + _acute_shift(h, stay, "GCS")
             + rng.normal(0.0, 0.8, len(stay)))
        level = np.clip(np.floor(z * (len(options) - 1) / 3.0), 0, len(options) - 1).astype(np.int64)
        parts.append((stay, np.ones(len(stay), np.int64), np.full(len(stay), i), t, np.full(len(stay), np.nan),
                      level))
    stay, t = _grid(h, idx, CAPILLARY_EVERY)
    z = CHART_SEVERITY * sev_of[stay] + _decline(h, stay, t) + rng.normal(0.0, 1.0, len(stay))
    parts.append((stay, np.full(len(stay), 2), np.zeros(len(stay), np.int64), t, np.full(len(stay), np.nan),
                  (z > 1.5).astype(np.int64)))
    # nursing items: a Poisson number per stay, at uniform times, of uniformly chosen items
    span = h.icu_out[idx] - h.icu_in[idx]
    n = rng.poisson(NURSING_PER_HOUR * span / HOUR)
    stay = np.repeat(idx, n)
    t = h.icu_in[stay] + (rng.random(len(stay)) * (span[stay - stays.start] + 1)).astype(np.int64)
    t -= t % 60
    item = rng.integers(0, len(NURSING), len(stay))
    numeric = np.array([np.nan if x[3] is None else x[3] for x in NURSING])
    n_opt = np.array([max(1, len(x[4])) for x in NURSING])
    text = np.where(np.isnan(numeric[item]), (rng.random(len(stay)) * n_opt[item]).astype(np.int64), -1)
    parts.append((stay, np.full(len(stay), 3), item, t, numeric[item], text))
    stay, kind, item, t, value, text = (np.concatenate(x) for x in zip(*parts))
    order = np.lexsort((item, kind, t, stay))
    return {"stay": stay[order], "kind": kind[order], "item": item[order], "time": t[order],
            "value": value[order], "text": text[order]}


def infusions(h: Hospital, chunk: int, stays: slice) -> dict[str, np.ndarray]:
    """Infusions of one chunk of ICU stays: stay, item (index into INFUSIONS), start, end (seconds), amount,
    rate. Vasopressor when severe (or septic), propofol in respiratory failure, saline boluses for all."""
    rng = rng_for(h.seed, 11, chunk)
    idx = np.arange(stays.start, stays.stop)
    adm = h.icu_adm[idx]
    span = h.icu_out[idx] - h.icu_in[idx]
    sev = h.severity[adm]
    pressor = rng.random(len(idx)) < 1.0 / (1.0 + np.exp(-(1.2 * sev - 1.5 + (h.acute[adm] == 0) * 1.0)))
    sedated = (h.acute[adm] == ACUTE_NAMES.index("respiratory_failure")) | (rng.random(len(idx)) < 0.15)
    parts = []
    for item, who, per_hours in ((0, pressor, 8.0), (1, sedated, 10.0), (2, np.ones(len(idx), bool), 12.0)):
        n = np.where(who, 1 + rng.poisson(span / HOUR / per_hours), 0)
        stay = np.repeat(idx, n)
        start = h.icu_in[stay] + (rng.random(len(stay)) * span[stay - stays.start]).astype(np.int64)
        start -= start % 60
        hours = np.where(item == 2, 0.5 + rng.random(len(stay)), 1.0 + rng.random(len(stay)) * 8.0)
        end = np.minimum(start + (hours * HOUR).astype(np.int64), h.icu_out[stay])
        end = np.maximum(end, start + 60)
        if item == 2:
            amount = np.round(250.0 + 250.0 * rng.integers(0, 4, len(stay)), 0)
            rate = amount / ((end - start) / HOUR)
        else:
            rate = np.round(np.abs(rng.normal(0.1 if item == 0 else 30.0, 0.05 if item == 0 else 10.0, len(stay))), 4)
            amount = rate * 80.0 * (end - start) / 60.0 / 1000.0    # mcg/kg/min for 80 kg over the minutes, in mg
        parts.append((stay, np.full(len(stay), item), start, end, np.round(amount, 4), np.round(rate, 4)))
    stay, item, start, end, amount, rate = (np.concatenate(x) for x in zip(*parts))
    order = np.lexsort((item, start, stay))
    return {"stay": stay[order], "item": item[order], "start": start[order], "end": end[order],
            "amount": amount[order], "rate": rate[order]}


def outputs(h: Hospital, chunk: int, stays: slice) -> dict[str, np.ndarray]:
    """Hourly urine output (Foley) of one chunk of ICU stays: stay, time, value (mL); lower when sicker."""
    rng = rng_for(h.seed, 12, chunk)
    idx = np.arange(stays.start, stays.stop)
    stay, t = _grid(h, idx, 1)
    t = t + HOUR - 5 * 60
    keep = t <= h.icu_out[stay]
    stay, t = stay[keep], t[keep]
    z = CHART_SEVERITY * np.clip(h.severity[h.icu_adm[stay]], -2, 5) + _decline(h, stay, t)
    aki = h.acute[h.icu_adm[stay]] == ACUTE_NAMES.index("acute_kidney_injury")
    value = np.maximum(0.0, np.round(90.0 - 25.0 * z - 40.0 * aki + rng.normal(0.0, 25.0, len(stay))))
    return {"stay": stay, "time": t, "value": value}


def cultures(h: Hospital, chunk: int, adm: slice) -> dict[str, np.ndarray]:
    """Cultures of one chunk of admissions, one row per specimen without growth, per organism, and per
    organism x antibiotic tested: adm, time, specimen, organism (-1 none), antibiotic (-1 none),
    resistant (bool), dilution, isolate (1..), specimen_no (a number per specimen inside the chunk)."""
    rng = rng_for(h.seed, 13, chunk)
    idx = np.arange(adm.start, adm.stop)
    acute = h.acute[idx]
    infected = np.isin(acute, [ACUTE_NAMES.index("sepsis"), ACUTE_NAMES.index("pneumonia")])
    n = rng.poisson(np.where(infected, 3.0, 0.6))
    s_adm = np.repeat(idx, n)
    span = h.disch[s_adm] - h.admit[s_adm]
    time = h.admit[s_adm] + (rng.random(len(s_adm)) * np.minimum(span, 2 * 86_400)).astype(np.int64)
    time -= time % 60
    s_inf = np.repeat(infected, n)
    pneumonia = np.repeat(acute == ACUTE_NAMES.index("pneumonia"), n)
    spec = np.where(pneumonia & (rng.random(len(s_adm)) < 0.5), 2, (rng.random(len(s_adm)) < 0.3).astype(np.int64))
    growth = rng.random(len(s_adm)) < np.where(s_inf, 0.45, 0.08)
    org = np.where(growth, rng.integers(0, len(ORGANISMS), len(s_adm)), -1)
    specimen_no = np.arange(len(s_adm))
    # the specimen rows without growth, then per organism one row per antibiotic tested
    none = org < 0
    grown = np.flatnonzero(~none)
    ab = np.tile(np.arange(len(ANTIBIOTICS)), len(grown))
    g = np.repeat(grown, len(ANTIBIOTICS))
    resistant = rng.random(len(g)) < 0.25
    dilution = np.where(resistant, 32.0, 0.5 * 2.0 ** rng.integers(0, 4, len(g)))
    rows = np.concatenate([np.flatnonzero(none), g])
    ab_all = np.concatenate([np.full(none.sum(), -1), ab])
    res_all = np.concatenate([np.zeros(none.sum(), bool), resistant])
    dil_all = np.concatenate([np.full(none.sum(), np.nan), dilution])
    order = np.lexsort((ab_all, rows))
    rows, ab_all, res_all, dil_all = rows[order], ab_all[order], res_all[order], dil_all[order]
    return {"adm": s_adm[rows], "time": time[rows], "specimen": spec[rows], "organism": org[rows],
            "antibiotic": ab_all, "resistant": res_all, "dilution": dil_all, "specimen_no": specimen_no[rows],
            "n_specimens": np.int64(len(s_adm))}


def transfers(h: Hospital, careunit: np.ndarray) -> dict[str, np.ndarray]:
    """Care-unit stays of every admission: adm, start, end (seconds), unit (index into the ICU care units
    for an ICU stay's span, -1 - ward index for a ward). Wards fill the time outside ICU stays."""
    rng = rng_for(h.seed, 14)
    m = h.n_admissions
    # boundaries: admission, each ICU stay's in and out, discharge; segment k runs from boundary k to k+1
    adm = np.concatenate([np.arange(m), h.icu_adm, h.icu_adm, np.arange(m)])
    t = np.concatenate([h.admit, h.icu_in, h.icu_out, h.disch])
    unit_after = np.concatenate([np.full(m, -1), careunit, np.full(len(careunit), -1), np.full(m, -2)])
    order = np.lexsort((np.concatenate([np.zeros(m), np.ones(2 * len(careunit)), np.full(m, 2)]), t, adm))
    adm, t, unit_after = adm[order], t[order], unit_after[order]
    seg = np.flatnonzero((adm[:-1] == adm[1:]) & (t[1:] > t[:-1]))
    ward = rng.integers(0, len(WARDS), m)
    unit = np.where(unit_after[seg] >= 0, unit_after[seg], -1 - ward[adm[seg]])
    return {"adm": adm[seg], "start": t[seg], "end": t[seg + 1], "unit": unit}


def services(h: Hospital) -> dict[str, np.ndarray]:
    """Services of every admission: adm, time, service (index into SERVICES), previous (-1 for the first).
    One at admission, a second one during the stay for a tenth of admissions."""
    rng = rng_for(h.seed, 15)
    m = h.n_admissions
    surgical = np.isin(h.acute, [ACUTE_NAMES.index("gi_bleed")]) | (h.kind == 1)
    first = np.where(h.acute == ACUTE_NAMES.index("myocardial_infarction"), 2,
                     np.where(h.acute == ACUTE_NAMES.index("intracranial_hemorrhage"), 3,
                              np.where(surgical, 1, 0)))
    second = np.flatnonzero(rng.random(m) < 0.1)
    to = (first[second] + 1 + rng.integers(0, len(SERVICES) - 1, len(second))) % len(SERVICES)
    when = h.admit[second] + ((h.disch[second] - h.admit[second]) * (0.2 + 0.6 * rng.random(len(second)))).astype(
        np.int64)
    when -= when % 60
    adm = np.concatenate([np.arange(m), second])
    time = np.concatenate([h.admit, when])
    service = np.concatenate([first, to])
    previous = np.concatenate([np.full(m, -1), first[second]])
    order = np.lexsort((time, adm))
    return {"adm": adm[order], "time": time[order], "service": service[order], "previous": previous[order]}


# Short notes: the discharge summary of every admission, a chest X-ray report for some
RADIOLOGY_FINDINGS = ("No acute cardiopulmonary process.", "Right lower lobe consolidation concerning for pneumonia.",
                      "Bilateral diffuse opacities consistent with pulmonary edema.",
                      "Endotracheal tube in standard position. Bilateral opacities.")


def radiology(h: Hospital) -> dict[str, np.ndarray]:
    """Chest X-ray reports: adm, time (when written), finding (index into RADIOLOGY_FINDINGS)."""
    rng = rng_for(h.seed, 16)
    m = h.n_admissions
    has = rng.random(m) < np.where(np.isin(h.acute, [ACUTE_NAMES.index("pneumonia"),
                                                     ACUTE_NAMES.index("respiratory_failure")]), 0.9, 0.3)
    adm = np.flatnonzero(has)
    t = h.admit[adm] + ((h.disch[adm] - h.admit[adm]) * rng.random(len(adm)) * 0.5).astype(np.int64)
    t -= t % 60
    acute = h.acute[adm]
    finding = np.where(acute == ACUTE_NAMES.index("pneumonia"), 1,
                       np.where(acute == ACUTE_NAMES.index("respiratory_failure"), 3,
                                np.where(rng.random(len(adm)) < 0.15, 2, 0)))
    return {"adm": adm, "time": t, "finding": finding}


@dataclass(frozen=True)
class ChartItems:
    """The chart items flattened: chart()'s (kind, item) is row offset[kind] + item of these arrays."""

    offset: np.ndarray
    mv: np.ndarray
    cv: np.ndarray
    label: list[str]
    unit: list[str]
    category: list[str]
    numeric: np.ndarray         # bool: a numeric item (else text)
    texts: list[str]            # all texts; an item's options start at text_offset[item]
    text_offset: np.ndarray
    text_number: np.ndarray     # the number a text stands for (GCS), NaN for none


def chart_items() -> ChartItems:
    """Every chart item of the simulation, in chart()'s order (vitals, GCS, capillary refill, nursing)."""
    rows = [(v.mv, v.cv, v.label, v.unit, v.category, True, ()) for v in VITALS]
    rows += [(g[1], g[2], g[3], "", "Neurological", False, tuple(zip(g[4], g[5]))) for g in GCS]
    c = CAPILLARY_REFILL
    rows += [(c[1], c[2], c[3], "", "Cardiovascular (Pulses)", False, tuple((o, np.nan) for o in c[4]))]
    rows += [(x[0], 0, x[1], "", x[2], x[3] is not None, tuple((o, np.nan) for o in x[4])) for x in NURSING]
    texts, numbers, text_offset = [], [], []
    for r in rows:
        text_offset.append(len(texts))
        texts += [o for o, _ in r[6]]
        numbers += [n for _, n in r[6]]
    offset = np.cumsum([0, len(VITALS), len(GCS), 1])
    return ChartItems(offset, np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                      [r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows],
                      np.array([r[5] for r in rows]), texts, np.array(text_offset), np.array(numbers, dtype=float))


DISCHARGE_COURSE = ("Uneventful course on the ward.", "Transferred to the ICU, stabilized and transferred out.",
                    "Transferred to the ICU; despite maximal support the patient expired.",
                    "The patient expired on the ward.")


def course(h: Hospital) -> np.ndarray:
    """Index into DISCHARGE_COURSE for every admission."""
    icu = np.zeros(h.n_admissions, dtype=bool)
    icu[h.icu_adm] = True
    return np.where(h.died, np.where(icu, 2, 3), np.where(icu, 1, 0))


def history_labels() -> list[str]:
    """For each bitmask of the chronic conditions, the text listing them ("none" for 0)."""
    from .conditions import CHRONIC
    names = [c.name.replace("_", " ") for c in CHRONIC]
    out = []
    for mask in range(2 ** len(names)):
        present = [n for j, n in enumerate(names) if mask >> j & 1]
        out.append(", ".join(present) if present else "none")
    return out


def history_index(h: Hospital) -> np.ndarray:
    """Bitmask of the chronic conditions of each admission's patient (index into history_labels())."""
    weights = 2 ** np.arange(h.chronic.shape[1])
    return (h.chronic[h.adm_patient] * weights).sum(axis=1).astype(np.int64)
