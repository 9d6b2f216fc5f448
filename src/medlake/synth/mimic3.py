"""MIMIC-III v1.4 layout: the simulated hospital as PATIENTS, ADMISSIONS, ... with the release's column names."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from . import codes, icu, icu_tables, model
from .fields import CAREUNITS, INSURANCE, LANGUAGE, MARITAL, RACE, Attributes, record_ids
from .model import DAY, HOUR, Hospital
from .writer import floats, ints, numbers_as_text, pick, table, times

ADMISSION_TYPES = ("EMERGENCY", "ELECTIVE", "URGENT")
ADMISSION_LOCATIONS = ("EMERGENCY ROOM ADMIT", "PHYS REFERRAL/NORMAL DELI", "TRANSFER FROM HOSP/EXTRAM")
NO_NDC_DRUGS = ("Sodium Chloride 0.9%  Flush", "NS")


class Mimic3:
    """Tables of one simulated hospital in the MIMIC-III layout; `files()` yields (file name, chunks)."""

    name = "mimic3"

    def __init__(self, h: Hospital, full: bool = False):
        self.h = h
        self.full = full
        self.a = Attributes(h)
        rng = model.rng_for(h.seed, 4)
        self.subject_id, self.hadm_id, self.icustay_id = record_ids(
            rng, h, subjects=(2, 100_000), admissions=(100_001, 200_000), stays=(200_001, 300_000))
        self.adm_subject = self.subject_id[h.adm_patient]
        self.activity = h.activity()
        self.carevue = h.icu_in <= model.EPOCH_2100 + 50 * model.YEAR   # per ICU stay: charted in CareVue

    def files(self) -> list[tuple[str, Iterator[pa.Table]]]:
        return [
            ("PATIENTS", self.patients()), ("ADMISSIONS", self.admissions()), ("ICUSTAYS", self.icustays()),
            ("DIAGNOSES_ICD", self.diagnoses()), ("PROCEDURES_ICD", self.procedures()),
            ("PRESCRIPTIONS", self.prescriptions()), ("LABEVENTS", self.labevents()),
            ("D_ICD_DIAGNOSES", self.d_icd(codes.DIAGNOSES)), ("D_ICD_PROCEDURES", self.d_icd(codes.PROCEDURES)),
            ("D_LABITEMS", self.d_labitems()),
        ]

    def record_files(self):
        """The rest of the record (synthesize(full=True))."""
        return [
            ("CHARTEVENTS", self.chartevents()),
            ("INPUTEVENTS_MV", self.inputevents(carevue=False)), ("INPUTEVENTS_CV", self.inputevents(carevue=True)),
            ("OUTPUTEVENTS", self.outputevents()), ("D_ITEMS", self.d_items()),
            ("MICROBIOLOGYEVENTS", self.microbiologyevents()), ("TRANSFERS", self.transfers()),
            ("SERVICES", self.services()), ("NOTEEVENTS", self.noteevents()),
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
            "DBSOURCE": pick(("carevue", "metavision"), (~self.carevue).astype(int)),
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
        for lab, patient, adm in model.all_labs(h, self.activity, outpatient=self.full):
            n = len(lab["item"])
            yield table({
                "ROW_ID": ints(np.arange(row, row + n)), "SUBJECT_ID": ints(self.subject_id[patient]),
                "HADM_ID": ints(self.hadm_id[adm]) if adm is not None else pa.nulls(n, pa.int64()),
                "ITEMID": ints(model.LAB_IDS[lab["item"]]),
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

    # -- the ICU and the rest of the record ------------------------------

    def _stay_keys(self, stay: np.ndarray, row: int) -> dict[str, pa.Array]:
        adm = self.h.icu_adm[stay]
        return {"ROW_ID": ints(np.arange(row, row + len(stay))), "SUBJECT_ID": ints(self.adm_subject[adm]),
                "HADM_ID": ints(self.hadm_id[adm]), "ICUSTAY_ID": ints(self.icustay_id[stay])}

    def chartevents(self):
        h = self.h
        row = 1
        for chunk, stays in icu.stay_chunks(h):
            rows = icu.chart(h, chunk, stays)
            n = len(rows["stay"])
            c = icu_tables.chart_columns(rows, carevue=self.carevue[rows["stay"]])
            yield table({
                **self._stay_keys(rows["stay"], row), "ITEMID": ints(c["itemid"]), "CHARTTIME": times(rows["time"]),
                "STORETIME": times(rows["time"] + 7 * 60), "CGID": ints(14_000 + self.icustay_id[rows["stay"]] % 997),
                "VALUE": c["value"], "VALUENUM": c["valuenum"], "VALUEUOM": c["valueuom"],
                "WARNING": ints(np.zeros(n)), "ERROR": ints(np.zeros(n)), "RESULTSTATUS": pa.nulls(n, pa.string()),
                "STOPPED": pa.nulls(n, pa.string()),
            })
            row += n

    def inputevents(self, carevue: bool):
        h = self.h
        row = 1
        for chunk, stays in icu.stay_chunks(h):
            rows = icu.infusions(h, chunk, stays)
            keep = self.carevue[rows["stay"]] == carevue
            rows = {k: v[keep] for k, v in rows.items()}
            n = len(rows["stay"])
            item = rows["item"]
            ids = ints(np.arange(row, row + n) + 2_000_000)
            keys = self._stay_keys(rows["stay"], row)
            amount_unit = pick([x[4] for x in icu.INFUSIONS], item)
            rate_unit = pick([x[5] for x in icu.INFUSIONS], item)
            if carevue:
                yield table({
                    **keys, "CHARTTIME": times(rows["end"]),
                    "ITEMID": ints(np.array([x[1] for x in icu.INFUSIONS])[item]), "AMOUNT": floats(rows["amount"]),
                    "AMOUNTUOM": amount_unit, "RATE": floats(rows["rate"]), "RATEUOM": rate_unit,
                    "STORETIME": times(rows["end"] + 10 * 60), "CGID": ints(np.full(n, 14_001)), "ORDERID": ids,
                    "LINKORDERID": ids, "STOPPED": pa.nulls(n, pa.string()), "NEWBOTTLE": ints(np.zeros(n)),
                    "ORIGINALAMOUNT": floats(rows["amount"]), "ORIGINALAMOUNTUOM": amount_unit,
                    "ORIGINALROUTE": pick(("Intravenous Infusion", "Intravenous Infusion", "Intravenous Push"), item),
                    "ORIGINALRATE": floats(rows["rate"]), "ORIGINALRATEUOM": rate_unit,
                    "ORIGINALSITE": pa.nulls(n, pa.string()),
                })
            else:
                empty = pa.nulls(n, pa.string())
                yield table({
                    **keys, "STARTTIME": times(rows["start"]), "ENDTIME": times(rows["end"]),
                    "ITEMID": ints(np.array([x[0] for x in icu.INFUSIONS])[item]), "AMOUNT": floats(rows["amount"]),
                    "AMOUNTUOM": amount_unit, "RATE": floats(rows["rate"]), "RATEUOM": rate_unit,
                    "STORETIME": times(rows["end"]), "CGID": ints(np.full(n, 14_001)), "ORDERID": ids,
                    "LINKORDERID": ids, "ORDERCATEGORYNAME": pick(("01-Drips", "02-Drips", "03-IV Fluid Bolus"), item),
                    "SECONDARYORDERCATEGORYNAME": empty,
                    "ORDERCOMPONENTTYPEDESCRIPTION": pick(("Main order parameter",), np.zeros(n, np.int64)),
                    "ORDERCATEGORYDESCRIPTION": pick(("Continuous Med", "Continuous Med", "Bolus"), item),
                    "PATIENTWEIGHT": floats(np.full(n, 80.0)), "TOTALAMOUNT": floats(rows["amount"]),
                    "TOTALAMOUNTUOM": amount_unit, "ISOPENBAG": ints(np.zeros(n)),
                    "CONTINUEINNEXTDEPT": ints(np.zeros(n)), "CANCELREASON": ints(np.zeros(n)),
                    "STATUSDESCRIPTION": pick(("FinishedRunning",), np.zeros(n, np.int64)),
                    "COMMENTS_EDITEDBY": empty, "COMMENTS_CANCELEDBY": empty, "COMMENTS_DATE": empty,
                    "ORIGINALAMOUNT": floats(rows["amount"]), "ORIGINALRATE": floats(rows["rate"]),
                })
            row += n

    def outputevents(self):
        h = self.h
        row = 1
        for chunk, stays in icu.stay_chunks(h):
            rows = icu.outputs(h, chunk, stays)
            n = len(rows["stay"])
            itemid = np.where(self.carevue[rows["stay"]], icu.FOLEY[1], icu.FOLEY[0])
            yield table({
                **self._stay_keys(rows["stay"], row), "CHARTTIME": times(rows["time"]), "ITEMID": ints(itemid),
                "VALUE": floats(rows["value"]), "VALUEUOM": pick(("ml",), np.zeros(n, np.int64)),
                "STORETIME": times(rows["time"] + 10 * 60), "CGID": ints(np.full(n, 14_001)),
                "STOPPED": pa.nulls(n, pa.string()), "NEWBOTTLE": pa.nulls(n, pa.int64()),
                "ISERROR": pa.nulls(n, pa.int64()),
            })
            row += n

    def d_items(self):
        rows = icu_tables.item_rows(carevue=True)
        n = len(rows)
        cv = {int(x) for x in icu.chart_items().cv} | {x[1] for x in icu.INFUSIONS} | {icu.FOLEY[1]}
        yield table({
            "ROW_ID": ints(np.arange(1, n + 1)), "ITEMID": ints([r[0] for r in rows]),
            "LABEL": pa.array([r[1] for r in rows]), "ABBREVIATION": pa.array([r[1] for r in rows]),
            "DBSOURCE": pa.array(["carevue" if r[0] in cv else "metavision" for r in rows]),
            "LINKSTO": pa.array([r[2] for r in rows]), "CATEGORY": pa.array([r[3] for r in rows]),
            "UNITNAME": pa.array([r[4] or None for r in rows]), "PARAM_TYPE": pa.array([r[5] for r in rows]),
            "CONCEPTID": pa.nulls(n, pa.int64()),
        })

    def microbiologyevents(self):
        h = self.h
        row = 1
        for chunk, adm in model.chunks(h):
            m = icu.cultures(h, chunk, adm)
            n = len(m["adm"])
            spec, org, ab = m["specimen"], m["organism"], m["antibiotic"]
            yield table({
                "ROW_ID": ints(np.arange(row, row + n)), "SUBJECT_ID": ints(self.adm_subject[m["adm"]]),
                "HADM_ID": ints(self.hadm_id[m["adm"]]), "CHARTDATE": times(m["time"] - m["time"] % DAY),
                "CHARTTIME": times(m["time"]), "SPEC_ITEMID": ints(np.array([s[0] for s in icu.SPECIMENS])[spec]),
                "SPEC_TYPE_DESC": pick([s[1] for s in icu.SPECIMENS], spec),
                "ORG_ITEMID": ints(np.array([o[0] for o in icu.ORGANISMS])[np.maximum(org, 0)], org < 0),
                "ORG_NAME": pick([o[1] for o in icu.ORGANISMS], org), "ISOLATE_NUM": ints(np.ones(n), org < 0),
                "AB_ITEMID": ints(np.array([a[0] for a in icu.ANTIBIOTICS])[np.maximum(ab, 0)], ab < 0),
                "AB_NAME": pick([a[1] for a in icu.ANTIBIOTICS], ab),
                "DILUTION_TEXT": pa.nulls(n, pa.string()),
                "DILUTION_COMPARISON": pick(("<=", "=", ">="), np.where(ab < 0, -1, np.where(m["resistant"], 2, 1))),
                "DILUTION_VALUE": floats(m["dilution"], ab < 0),
                "INTERPRETATION": pick(("S", "R"), np.where(ab < 0, -1, m["resistant"].astype(np.int64))),
            })
            row += n

    def transfers(self):
        h = self.h
        t = icu.transfers(h, self.a.careunit)
        adm = np.concatenate([t["adm"], np.arange(h.n_admissions)])
        discharge = np.concatenate([np.zeros(len(t["adm"]), bool), np.ones(h.n_admissions, bool)])
        start = np.concatenate([t["start"], h.disch])
        end = np.concatenate([t["end"], h.disch])
        unit = np.concatenate([t["unit"], np.full(h.n_admissions, -1000)])
        order = np.lexsort((discharge, start, adm))
        adm, discharge, start, end, unit = adm[order], discharge[order], start[order], end[order], unit[order]
        n = len(adm)
        first = np.ones(n, dtype=bool)
        first[1:] = adm[1:] != adm[:-1]
        careunit = np.where(discharge, -1, unit)          # >= 0: an ICU care unit; < 0: a ward (no care unit)
        ward = np.where(careunit >= 0, 10 + careunit * 10, np.where(discharge, -1, 50 + (-1 - unit) % 100))
        prev_unit = np.where(first, -1, np.roll(careunit, 1))
        prev_ward = np.where(first, -1, np.roll(ward, 1))
        stay = np.searchsorted(h.icu_adm, adm)              # the ICU stay whose span a care-unit row is
        k = np.minimum(stay, len(h.icu_adm) - 1)
        in_icu = careunit >= 0
        icustay = np.where(in_icu, self.icustay_id[k] if len(k) else 0, 0)
        # an admission with two ICU stays: the care-unit row starting at the second stay's intime is that stay
        second = in_icu & (k + 1 < len(h.icu_adm)) & (h.icu_adm[np.minimum(k + 1, len(h.icu_adm) - 1)] == adm) & \
            (h.icu_in[np.minimum(k + 1, len(h.icu_adm) - 1)] == start)
        icustay = np.where(second, self.icustay_id[np.minimum(k + 1, len(h.icu_adm) - 1)], icustay)
        yield table({
            "ROW_ID": ints(np.arange(1, n + 1)), "SUBJECT_ID": ints(self.adm_subject[adm]),
            "HADM_ID": ints(self.hadm_id[adm]), "ICUSTAY_ID": ints(icustay, ~in_icu),
            "DBSOURCE": pick(("carevue", "metavision"),
                             (h.admit[adm] > model.EPOCH_2100 + 50 * model.YEAR).astype(int)),
            "EVENTTYPE": pick(("admit", "transfer", "discharge"), np.where(discharge, 2, np.where(first, 0, 1))),
            "PREV_CAREUNIT": pick(CAREUNITS, prev_unit), "CURR_CAREUNIT": pick(CAREUNITS, careunit),
            "PREV_WARDID": ints(prev_ward, prev_ward < 0), "CURR_WARDID": ints(ward, ward < 0),
            "INTIME": times(start), "OUTTIME": times(end, discharge),
            "LOS": floats(np.round((end - start) / HOUR, 2), discharge),
        })

    def services(self):
        h = self.h
        s = icu.services(h)
        yield table({
            "ROW_ID": ints(np.arange(1, len(s["adm"]) + 1)), "SUBJECT_ID": ints(self.adm_subject[s["adm"]]),
            "HADM_ID": ints(self.hadm_id[s["adm"]]), "TRANSFERTIME": times(s["time"]),
            "PREV_SERVICE": pick(icu.SERVICES, s["previous"]), "CURR_SERVICE": pick(icu.SERVICES, s["service"]),
        })

    def noteevents(self):
        """Discharge summaries (dated only: CHARTDATE, as in MIMIC-III) and radiology reports (timed)."""
        h, a = self.h, self.a
        m = h.n_admissions
        ds = icu_tables.discharge_text(h, a.reason_labels, a.reason, pick(a.discharge_labels(), a.discharge_index()))
        r = icu.radiology(h)
        n = len(r["adm"])
        adm = np.concatenate([np.arange(m), r["adm"]])
        yield table({
            "ROW_ID": ints(np.arange(1, m + n + 1)), "SUBJECT_ID": ints(self.adm_subject[adm]),
            "HADM_ID": ints(self.hadm_id[adm]),
            "CHARTDATE": times(np.concatenate([h.disch - h.disch % DAY, r["time"] - r["time"] % DAY])),
            "CHARTTIME": times(np.concatenate([np.zeros(m, np.int64), r["time"]]),
                               np.concatenate([np.ones(m, bool), np.zeros(n, bool)])),
            "STORETIME": times(np.concatenate([np.zeros(m, np.int64), r["time"] + 2 * HOUR]),
                               np.concatenate([np.ones(m, bool), np.zeros(n, bool)])),
            "CATEGORY": pick(("Discharge summary", "Radiology"), np.repeat([0, 1], [m, n])),
            "DESCRIPTION": pick(("Report", "CHEST (PORTABLE AP)"), np.repeat([0, 1], [m, n])),
            "CGID": pa.nulls(m + n, pa.int64()), "ISERROR": pa.nulls(m + n, pa.int64()),
            "TEXT": pa.concat_arrays([ds, icu_tables.radiology_text(r["finding"])]),
        })


def formulary_code(drug: str) -> str:
    """A pharmacy formulary code in MIMIC's style: letters of the drug name, upper case."""
    letters = "".join(ch for ch in drug.upper() if ch.isalpha())
    return letters[:6] or "MISC"

