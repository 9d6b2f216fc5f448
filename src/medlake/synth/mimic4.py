"""MIMIC-IV v2.2 layout: hosp/ and icu/ files with the release's column names.

Ages are anchored (anchor_age at anchor_year, shifted years) and each
patient's anchor_year_group says which real years the stays fall in;
admissions in real years from 2016 on are coded in ICD-10 (the equivalent
of the simulated ICD-9 code), earlier ones in ICD-9, as in MIMIC-IV.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import codes, model
from .fields import CAREUNITS, INSURANCE, MARITAL, RACE, Attributes, record_ids
from .mimic3 import formulary_code
from .model import DAY, Hospital
from .writer import dates, floats, ints, numbers_as_text, pick, table, times

ADMISSION_TYPES = ("EW EMER.", "ELECTIVE", "URGENT")
ADMISSION_LOCATIONS = ("EMERGENCY ROOM", "PHYSICIAN REFERRAL", "TRANSFER FROM HOSPITAL")
YEAR_GROUPS = ("2008 - 2010", "2011 - 2013", "2014 - 2016", "2017 - 2019")
CAREUNIT_NAMES = {"MICU": "Medical Intensive Care Unit (MICU)", "SICU": "Surgical Intensive Care Unit (SICU)",
                  "CCU": "Coronary Care Unit (CCU)", "CSRU": "Cardiac Vascular Intensive Care Unit (CVICU)",
                  "TSICU": "Trauma SICU (TSICU)"}
LANGUAGES = ("ENGLISH", "?")


class Mimic4:
    """Tables of one simulated hospital in the MIMIC-IV layout; `files()` yields (file name, chunks)."""

    name = "mimic4"

    def __init__(self, h: Hospital):
        self.h = h
        self.a = Attributes(h)
        rng = model.rng_for(h.seed, 5)
        self.subject_id, self.hadm_id, self.stay_id = record_ids(
            rng, h, subjects=(10_000_000, 20_000_000), admissions=(20_000_000, 30_000_000),
            stays=(30_000_000, 40_000_000))
        self.adm_subject = self.subject_id[h.adm_patient]
        self.activity = h.activity()
        first = np.searchsorted(h.adm_patient, np.arange(h.n_patients))
        self.anchor_year = _year(h.admit[first])
        self.anchor_age = np.minimum(np.floor(h.age[first]).astype(np.int64), 91)
        self.group = rng.integers(0, len(YEAR_GROUPS), h.n_patients)
        real_year = 2008 + 3 * self.group[h.adm_patient] + rng.integers(0, 3, h.n_admissions) \
            + (_year(h.admit) - self.anchor_year[h.adm_patient])
        self.icd10 = real_year >= 2016

    def files(self):
        return [
            ("hosp/patients", self.patients()), ("hosp/admissions", self.admissions()),
            ("icu/icustays", self.icustays()), ("hosp/diagnoses_icd", self.diagnoses()),
            ("hosp/procedures_icd", self.procedures()), ("hosp/prescriptions", self.prescriptions()),
            ("hosp/labevents", self.labevents()), ("hosp/d_icd_diagnoses", self.d_icd(codes.DIAGNOSES)),
            ("hosp/d_icd_procedures", self.d_icd(codes.PROCEDURES)), ("hosp/d_labitems", self.d_labitems()),
        ]

    def patients(self):
        h = self.h
        dead = h.death >= 0
        yield table({
            "subject_id": ints(self.subject_id), "gender": pick(("F", "M"), h.male.astype(np.int64)),
            "anchor_age": ints(self.anchor_age), "anchor_year": ints(self.anchor_year),
            "anchor_year_group": pick(YEAR_GROUPS, self.group), "dod": dates(h.death, ~dead),
        })

    def admissions(self):
        h, a = self.h, self.a
        emergency = h.kind == 0
        p = h.adm_patient
        yield table({
            "subject_id": ints(self.adm_subject), "hadm_id": ints(self.hadm_id),
            "admittime": times(h.admit), "dischtime": times(h.disch), "deathtime": times(h.disch, ~h.died),
            "admission_type": pick(ADMISSION_TYPES, h.kind),
            "admit_provider_id": pick([f"P{i:05d}" for i in range(100)], self.hadm_id % 100),
            "admission_location": pick(ADMISSION_LOCATIONS, h.kind),
            "discharge_location": pick(a.discharge_labels()[:-1] + ["DIED"], a.discharge_index()),
            "insurance": pick(INSURANCE[:3] + ("Other", "Other"), a.insurance[p]),
            "language": pick(LANGUAGES, (a.language[p] > 0).astype(np.int64)),
            "marital_status": pick(MARITAL[:4] + ("DIVORCED",), a.marital[p]),
            "race": pick(RACE[:4] + ("UNKNOWN", "OTHER"), a.race[p]),
            "edregtime": times(h.admit - a.ed_minutes * 60, ~emergency), "edouttime": times(h.admit, ~emergency),
            "hospital_expire_flag": ints(h.died.astype(np.int64)),
        })

    def icustays(self):
        h = self.h
        unit = pick([CAREUNIT_NAMES[u] for u in CAREUNITS], self.a.careunit)
        yield table({
            "subject_id": ints(self.adm_subject[h.icu_adm]), "hadm_id": ints(self.hadm_id[h.icu_adm]),
            "stay_id": ints(self.stay_id), "first_careunit": unit, "last_careunit": unit,
            "intime": times(h.icu_in), "outtime": times(h.icu_out), "los": floats((h.icu_out - h.icu_in) / DAY),
        })

    def _code_columns(self, adm, code, pool):
        ten = self.icd10[adm]
        nine_codes = pa.array([c[0] for c in pool])
        ten_codes = pa.array([c[4] for c in pool])
        icd = pa.array(np.where(ten, np.asarray(ten_codes)[code], np.asarray(nine_codes)[code]))
        return icd, ints(np.where(ten, 10, 9))

    def diagnoses(self):
        h = self.h
        icd, version = self._code_columns(h.dx_adm, h.dx_code, codes.DIAGNOSES)
        yield table({
            "subject_id": ints(self.adm_subject[h.dx_adm]), "hadm_id": ints(self.hadm_id[h.dx_adm]),
            "seq_num": ints(h.dx_seq), "icd_code": icd, "icd_version": version,
        })

    def procedures(self):
        h = self.h
        icd, version = self._code_columns(h.px_adm, h.px_code, codes.PROCEDURES)
        span = (h.disch - h.admit)[h.px_adm]
        day = h.admit[h.px_adm] + (span * ((h.px_seq % 5) / 5.0)).astype(np.int64)
        yield table({
            "subject_id": ints(self.adm_subject[h.px_adm]), "hadm_id": ints(self.hadm_id[h.px_adm]),
            "seq_num": ints(h.px_seq), "chartdate": dates(day), "icd_code": icd, "icd_version": version,
        })

    def prescriptions(self):
        h = self.h
        d = codes.DRUGS
        n_drugs = len(d)
        names = [x[2] for x in d] + ["Sodium Chloride 0.9%  Flush", "NS"]
        pharmacy = 1
        for chunk, adm in model.chunks(h):
            rx = model.prescriptions(h, chunk, adm, self.activity)
            n = len(rx["adm"])
            drug = rx["drug"]
            name = np.where(rx["ndc_zero"], n_drugs, np.where(drug < 0, n_drugs + 1, drug))
            ndc = np.where(rx["ndc_zero"], n_drugs, drug)
            known = np.where(rx["ndc_zero"], -1, drug)
            hour = (pharmacy + np.arange(n)) % 24 * 3600
            empty = pa.nulls(n, pa.string())
            yield table({
                "subject_id": ints(self.adm_subject[rx["adm"]]), "hadm_id": ints(self.hadm_id[rx["adm"]]),
                "pharmacy_id": ints(np.arange(pharmacy, pharmacy + n) * 7 + 1_000_000),
                "poe_id": empty, "poe_seq": empty, "order_provider_id": empty,
                "starttime": times(np.maximum(rx["start"] + hour, h.admit[rx["adm"]])),
                "stoptime": times(rx["end"] + hour),
                "drug_type": pick([x[6] for x in d] + ["MAIN", "BASE"], name), "drug": pick(names, name),
                "formulary_drug_cd": pick([formulary_code(x[2]) for x in d], known),
                "gsn": pick([x[1] for x in d], known), "ndc": pick([x[0] for x in d] + ["0"], ndc),
                "prod_strength": pick([f"{x[5]}{x[4]}" for x in d], known), "form_rx": empty,
                "dose_val_rx": pick([x[5] for x in d], known), "dose_unit_rx": pick([x[4] for x in d], known),
                "form_val_disp": pick([x[5] for x in d], known), "form_unit_disp": pick([x[4] for x in d], known),
                "doses_per_24_hrs": empty, "route": pick([x[3] for x in d] + ["IV", "IV"], name),
            })
            pharmacy += n

    def labevents(self):
        h = self.h
        items = codes.LAB_ITEMS
        low, high = model.reference_range()
        row, specimen = 1, 1
        for chunk, adm in model.chunks(h):
            lab = model.labs(h, chunk, adm, self.activity)
            n = len(lab["adm"])
            item = lab["item"]
            yield table({
                "labevent_id": ints(np.arange(row, row + n)), "subject_id": ints(self.adm_subject[lab["adm"]]),
                "hadm_id": ints(self.hadm_id[lab["adm"]]), "specimen_id": ints(specimen + lab["draw"]),
                "itemid": ints(model.LAB_IDS[item]), "order_provider_id": pa.nulls(n, pa.string()),
                "charttime": times(lab["time"]),
                "storetime": times(lab["time"] + 3600), "value": numbers_as_text(lab["value"]),
                "valuenum": floats(lab["value"]), "valueuom": pick([x[6] for x in items], item),
                "ref_range_lower": floats(low[item]), "ref_range_upper": floats(high[item]),
                "flag": pick(("abnormal",), np.where(lab["abnormal"], 0, -1)),
                "priority": pick(("ROUTINE", "STAT"), (lab["draw"] % 3 == 0).astype(np.int64)),
                "comments": pa.nulls(n, pa.string()),
            })
            row += n
            specimen += int(lab["n_draws"])

    def d_icd(self, pool):
        # the ICD-10 equivalents carry the title of the ICD-9 code they stand for
        nine = [(c[0], 9, c[3]) for c in pool]
        ten = sorted({(c[4], 10, c[3]) for c in pool})
        seen, rows = set(), []
        for r in nine + ten:
            if (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                rows.append(r)
        yield table({"icd_code": pa.array([r[0] for r in rows]), "icd_version": ints([r[1] for r in rows]),
                     "long_title": pa.array([r[2] for r in rows])})

    def d_labitems(self):
        items = codes.LAB_ITEMS
        yield table({"itemid": ints(model.LAB_IDS), "label": pa.array([x[2] for x in items]),
                     "fluid": pa.array([x[3] for x in items]), "category": pa.array([x[4] for x in items])})


def _year(seconds: np.ndarray) -> np.ndarray:
    """Calendar year of each time."""
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
