"""MIMIC-III v1.4 layout: the simulated hospital as PATIENTS, ADMISSIONS, ... with the release's column names."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from . import codes, model
from .fields import CAREUNITS, INSURANCE, LANGUAGE, MARITAL, RACE, Attributes, record_ids
from .model import DAY, Hospital
from .writer import floats, ints, numbers_as_text, pick, table, times

ADMISSION_TYPES = ("EMERGENCY", "ELECTIVE", "URGENT")
ADMISSION_LOCATIONS = ("EMERGENCY ROOM ADMIT", "PHYS REFERRAL/NORMAL DELI", "TRANSFER FROM HOSP/EXTRAM")
NO_NDC_DRUGS = ("Sodium Chloride 0.9%  Flush", "NS")


class Mimic3:
    """Tables of one simulated hospital in the MIMIC-III layout; `files()` yields (file name, chunks)."""

    name = "mimic3"

    def __init__(self, h: Hospital):
        self.h = h
        self.a = Attributes(h)
        rng = model.rng_for(h.seed, 4)
        self.subject_id, self.hadm_id, self.icustay_id = record_ids(
            rng, h, subjects=(2, 100_000), admissions=(100_001, 200_000), stays=(200_001, 300_000))
        self.adm_subject = self.subject_id[h.adm_patient]
        self.activity = h.activity()

    def files(self) -> list[tuple[str, Iterator[pa.Table]]]:
        return [
            ("PATIENTS", self.patients()), ("ADMISSIONS", self.admissions()), ("ICUSTAYS", self.icustays()),
            ("DIAGNOSES_ICD", self.diagnoses()), ("PROCEDURES_ICD", self.procedures()),
            ("PRESCRIPTIONS", self.prescriptions()), ("LABEVENTS", self.labevents()),
            ("D_ICD_DIAGNOSES", self.d_icd(codes.DIAGNOSES)), ("D_ICD_PROCEDURES", self.d_icd(codes.PROCEDURES)),
            ("D_LABITEMS", self.d_labitems()),
        ]

    def patients(self):
        h = self.h
        n = h.n_patients
        dead = h.death >= 0
        in_hosp = np.zeros(n, dtype=bool)
        in_hosp[h.adm_patient[h.died]] = True
        ssn_known = dead & (~in_hosp | (self.a.rng.random(n) < 0.6))
        yield table({
            "ROW_ID": ints(np.arange(1, n + 1)), "SUBJECT_ID": ints(self.subject_id),
            "GENDER": pick(("F", "M"), h.male.astype(np.int64)), "DOB": times(h.birth),
            "DOD": times(h.death, ~dead), "DOD_HOSP": times(h.death, ~in_hosp), "DOD_SSN": times(h.death, ~ssn_known),
            "EXPIRE_FLAG": ints(dead.astype(np.int64)),
        })

    def admissions(self):
        h, a = self.h, self.a
        m = h.n_admissions
        emergency = h.kind == 0
        p = h.adm_patient
        yield table({
            "ROW_ID": ints(np.arange(1, m + 1)), "SUBJECT_ID": ints(self.adm_subject), "HADM_ID": ints(self.hadm_id),
            "ADMITTIME": times(h.admit), "DISCHTIME": times(h.disch), "DEATHTIME": times(h.disch, ~h.died),
            "ADMISSION_TYPE": pick(ADMISSION_TYPES, h.kind), "ADMISSION_LOCATION": pick(ADMISSION_LOCATIONS, h.kind),
            "DISCHARGE_LOCATION": pick(a.discharge_labels(), a.discharge_index()),
            "INSURANCE": pick(INSURANCE, a.insurance[p]), "LANGUAGE": pick(LANGUAGE, a.language[p]),
            "RELIGION": pick(("CATHOLIC", "PROTESTANT QUAKER", "NOT SPECIFIED", "JEWISH"), p % 4),
            "MARITAL_STATUS": pick(MARITAL, a.marital[p]), "ETHNICITY": pick(RACE, a.race[p]),
            "EDREGTIME": times(h.admit - a.ed_minutes * 60, ~emergency), "EDOUTTIME": times(h.admit, ~emergency),
            "DIAGNOSIS": pick(a.reason_labels, a.reason), "HOSPITAL_EXPIRE_FLAG": ints(h.died.astype(np.int64)),
            "HAS_CHARTEVENTS_DATA": ints(np.ones(m, dtype=np.int64)),
        })

    def icustays(self):
        h = self.h
        k = len(h.icu_adm)
        unit = pick(CAREUNITS, self.a.careunit)
        ward = 10 + self.a.careunit * 10 + (self.icustay_id % 7)
        yield table({
            "ROW_ID": ints(np.arange(1, k + 1)), "SUBJECT_ID": ints(self.adm_subject[h.icu_adm]),
            "HADM_ID": ints(self.hadm_id[h.icu_adm]), "ICUSTAY_ID": ints(self.icustay_id),
            "DBSOURCE": pick(("carevue", "metavision"), (h.icu_in > model.EPOCH_2100 + 50 * model.YEAR).astype(int)),
            "FIRST_CAREUNIT": unit, "LAST_CAREUNIT": unit, "FIRST_WARDID": ints(ward), "LAST_WARDID": ints(ward),
            "INTIME": times(h.icu_in), "OUTTIME": times(h.icu_out),
            "LOS": floats(np.round((h.icu_out - h.icu_in) / DAY, 4)),
        })

    def _coded(self, adm, seq, code, pool):
        yield table({
            "ROW_ID": ints(np.arange(1, len(adm) + 1)), "SUBJECT_ID": ints(self.adm_subject[adm]),
            "HADM_ID": ints(self.hadm_id[adm]), "SEQ_NUM": ints(seq), "ICD9_CODE": pick([c[0] for c in pool], code),
        })

    def diagnoses(self):
        h = self.h
        return self._coded(h.dx_adm, h.dx_seq, h.dx_code, codes.DIAGNOSES)

    def procedures(self):
        h = self.h
        return self._coded(h.px_adm, h.px_seq, h.px_code, codes.PROCEDURES)

    def prescriptions(self):
        h = self.h
        d = codes.DRUGS
        n_drugs = len(d)
        names = [x[2] for x in d] + list(NO_NDC_DRUGS)
        ndcs = [x[0] for x in d] + ["0"]
        row = 1
        for chunk, adm in model.chunks(h):
            rx = model.prescriptions(h, chunk, adm, self.activity)
            n = len(rx["adm"])
            drug = rx["drug"]
            name = np.where(rx["ndc_zero"], n_drugs, np.where(drug < 0, n_drugs + 1, drug))
            ndc = np.where(rx["ndc_zero"], n_drugs, drug)
            known = np.where(rx["ndc_zero"], -1, drug)
            yield table({
                "ROW_ID": ints(np.arange(row, row + n)), "SUBJECT_ID": ints(self.adm_subject[rx["adm"]]),
                "HADM_ID": ints(self.hadm_id[rx["adm"]]), "ICUSTAY_ID": ints(np.zeros(n), np.ones(n, dtype=bool)),
                "STARTDATE": times(rx["start"]), "ENDDATE": times(rx["end"]),
                "DRUG_TYPE": pick([x[6] for x in d] + ["MAIN", "BASE"], name),
                "DRUG": pick(names, name), "DRUG_NAME_POE": pick(names, name), "DRUG_NAME_GENERIC": pick(names, name),
                "FORMULARY_DRUG_CD": pick([formulary_code(x[2]) for x in d], known),
                "GSN": pick([x[1] for x in d], known), "NDC": pick(ndcs, ndc),
                "PROD_STRENGTH": pick([f"{x[5]}{x[4]}" for x in d], known),
                "DOSE_VAL_RX": pick([x[5] for x in d], known), "DOSE_UNIT_RX": pick([x[4] for x in d], known),
                "FORM_VAL_DISP": pick([x[5] for x in d], known), "FORM_UNIT_DISP": pick([x[4] for x in d], known),
                "ROUTE": pick([x[3] for x in d] + ["IV", "IV"], name),
            })
            row += n

    def labevents(self):
        h = self.h
        items = codes.LAB_ITEMS
        row = 1
        for chunk, adm in model.chunks(h):
            lab = model.labs(h, chunk, adm, self.activity)
            n = len(lab["adm"])
            yield table({
                "ROW_ID": ints(np.arange(row, row + n)), "SUBJECT_ID": ints(self.adm_subject[lab["adm"]]),
                "HADM_ID": ints(self.hadm_id[lab["adm"]]), "ITEMID": ints(model.LAB_IDS[lab["item"]]),
                "CHARTTIME": times(lab["time"]), "VALUE": numbers_as_text(lab["value"]),
                "VALUENUM": floats(lab["value"]), "VALUEUOM": pick([x[6] for x in items], lab["item"]),
                "FLAG": pick(("abnormal",), np.where(lab["abnormal"], 0, -1)),
            })
            row += n

    def d_icd(self, pool):
        yield table({
            "ROW_ID": ints(np.arange(1, len(pool) + 1)), "ICD9_CODE": pa.array([c[0] for c in pool]),
            "SHORT_TITLE": pa.array([c[2] for c in pool]), "LONG_TITLE": pa.array([c[3] for c in pool]),
        })

    def d_labitems(self):
        items = codes.LAB_ITEMS
        yield table({
            "ROW_ID": ints(np.arange(1, len(items) + 1)), "ITEMID": ints(model.LAB_IDS),
            "LABEL": pa.array([x[2] for x in items]), "FLUID": pa.array([x[3] for x in items]),
            "CATEGORY": pa.array([x[4] for x in items]), "LOINC_CODE": pa.array([x[5] or None for x in items]),
        })


def formulary_code(drug: str) -> str:
    """A pharmacy formulary code in MIMIC's style: letters of the drug name, upper case."""
    letters = "".join(ch for ch in drug.upper() if ch.isalpha())
    return letters[:6] or "MISC"

