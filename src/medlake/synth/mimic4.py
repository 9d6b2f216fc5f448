"""MIMIC-IV v2.2 layout: hosp/ and icu/ files with the release's column names.

Ages are anchored (anchor_age at anchor_year, shifted years) and each
patient's anchor_year_group says which real years the stays fall in;
admissions in real years from 2016 on are coded in ICD-10 (the equivalent
of the simulated ICD-9 code), earlier ones in ICD-9, as in MIMIC-IV.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import codes, icu, icu_tables, model
from .fields import CAREUNITS, INSURANCE, MARITAL, RACE, Attributes, distinct_ids, record_ids
from .mimic3 import formulary_code
from .model import DAY, HOUR, Hospital
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

    def __init__(self, h: Hospital, full: bool = False):
        self.h = h
        self.full = full
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

    def record_files(self):
        """The rest of the record (synthesize(full=True))."""
        return [
            ("icu/chartevents", self.chartevents()), ("icu/inputevents", self.inputevents()),
            ("icu/outputevents", self.outputevents()), ("icu/d_items", self.d_items()),
            ("hosp/microbiologyevents", self.microbiologyevents()), ("hosp/transfers", self.transfers()),
            ("hosp/services", self.services()), ("note/discharge", self.discharge()),
            ("note/radiology", self.radiology()),
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
        low, high = model.reference_range()
        row, specimen = 1, 1
        for lab, patient, adm in model.all_labs(h, self.activity, outpatient=self.full):
            n = len(lab["item"])
            item = lab["item"]
            yield table({
                "labevent_id": ints(np.arange(row, row + n)), "subject_id": ints(self.subject_id[patient]),
                "hadm_id": ints(self.hadm_id[adm]) if adm is not None else pa.nulls(n, pa.int64()),
                "specimen_id": ints(specimen + lab["draw"]),
                "itemid": ints(model.LAB_IDS[item]), "order_provider_id": pa.nulls(n, pa.string()),
                "charttime": times(lab["time"]),
                "storetime": times(lab["time"] + 3600), "value": numbers_as_text(lab["value"]),
                "valuenum": floats(lab["value"]), "valueuom": pick([x[6] for x in codes.LAB_ITEMS], item),
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

    # -- the ICU and the rest of the record ------------------------------

    def _stay_keys(self, stay: np.ndarray) -> dict[str, pa.Array]:
        adm = self.h.icu_adm[stay]
        return {"subject_id": ints(self.adm_subject[adm]), "hadm_id": ints(self.hadm_id[adm]),
                "stay_id": ints(self.stay_id[stay]), "caregiver_id": ints(10_000 + self.stay_id[stay] % 997)}

    def chartevents(self):
        h = self.h
        for chunk, stays in icu.stay_chunks(h):
            rows = icu.chart(h, chunk, stays)
            c = icu_tables.chart_columns(rows)
            yield table({
                **self._stay_keys(rows["stay"]), "charttime": times(rows["time"]),
                "storetime": times(rows["time"] + 7 * 60), "itemid": ints(c["itemid"]), "value": c["value"],
                "valuenum": c["valuenum"], "valueuom": c["valueuom"], "warning": ints(np.zeros(len(rows["stay"]))),
            })

    def inputevents(self):
        h = self.h
        order = 1
        for chunk, stays in icu.stay_chunks(h):
            rows = icu.infusions(h, chunk, stays)
            n = len(rows["stay"])
            item = rows["item"]
            ids = np.arange(order, order + n) + 1_000_000
            empty = pa.nulls(n, pa.string())
            amount_unit = pick([x[4] for x in icu.INFUSIONS], item)
            yield table({
                **self._stay_keys(rows["stay"]), "starttime": times(rows["start"]), "endtime": times(rows["end"]),
                "storetime": times(rows["end"]), "itemid": ints(np.array([x[0] for x in icu.INFUSIONS])[item]),
                "amount": floats(rows["amount"]), "amountuom": amount_unit, "rate": floats(rows["rate"]),
                "rateuom": pick([x[5] for x in icu.INFUSIONS], item), "orderid": ints(ids), "linkorderid": ints(ids),
                "ordercategoryname": pick(("01-Drips", "02-Drips", "03-IV Fluid Bolus"), item),
                "secondaryordercategoryname": empty,
                "ordercomponenttypedescription": pick(("Main order parameter",), np.zeros(n, np.int64)),
                "ordercategorydescription": pick(("Continuous Med", "Continuous Med", "Bolus"), item),
                "patientweight": floats(np.full(n, 80.0)), "totalamount": floats(rows["amount"]),
                "totalamountuom": amount_unit, "isopenbag": ints(np.zeros(n)), "continueinnextdept": ints(np.zeros(n)),
                "statusdescription": pick(("FinishedRunning",), np.zeros(n, np.int64)),
                "originalamount": floats(rows["amount"]), "originalrate": floats(rows["rate"]),
            })
            order += n

    def outputevents(self):
        h = self.h
        for chunk, stays in icu.stay_chunks(h):
            rows = icu.outputs(h, chunk, stays)
            n = len(rows["stay"])
            yield table({
                **self._stay_keys(rows["stay"]), "charttime": times(rows["time"]),
                "storetime": times(rows["time"] + 10 * 60), "itemid": ints(np.full(n, icu.FOLEY[0])),
                "value": floats(rows["value"]), "valueuom": pick(("ml",), np.zeros(n, np.int64)),
            })

    def d_items(self):
        rows = icu_tables.item_rows(carevue=False)
        yield table({
            "itemid": ints([r[0] for r in rows]), "label": pa.array([r[1] for r in rows]),
            "abbreviation": pa.array([r[1] for r in rows]), "linksto": pa.array([r[2] for r in rows]),
            "category": pa.array([r[3] for r in rows]), "unitname": pa.array([r[4] or None for r in rows]),
            "param_type": pa.array([r[5] for r in rows]), "lownormalvalue": floats(np.full(len(rows), np.nan),
                                                                                  np.ones(len(rows), bool)),
            "highnormalvalue": floats(np.full(len(rows), np.nan), np.ones(len(rows), bool)),
        })

    def microbiologyevents(self):
        h = self.h
        row, specimen = 1, 1
        for chunk, adm in model.chunks(h):
            m = icu.cultures(h, chunk, adm)
            n = len(m["adm"])
            spec, org, ab = m["specimen"], m["organism"], m["antibiotic"]
            no_growth = org < 0
            yield table({
                "microevent_id": ints(np.arange(row, row + n)), "subject_id": ints(self.adm_subject[m["adm"]]),
                "hadm_id": ints(self.hadm_id[m["adm"]]), "micro_specimen_id": ints(specimen + m["specimen_no"]),
                "order_provider_id": pa.nulls(n, pa.string()), "chartdate": times(m["time"] - m["time"] % DAY),
                "charttime": times(m["time"]), "spec_itemid": ints(np.array([s[0] for s in icu.SPECIMENS])[spec]),
                "spec_type_desc": pick([s[1] for s in icu.SPECIMENS], spec), "test_seq": ints(np.ones(n)),
                "storedate": times(m["time"] + 2 * DAY - m["time"] % DAY), "storetime": times(m["time"] + 2 * DAY),
                "test_itemid": ints(np.array([s[2] for s in icu.SPECIMENS])[spec]),
                "test_name": pick([s[3] for s in icu.SPECIMENS], spec),
                "org_itemid": ints(np.array([o[0] for o in icu.ORGANISMS])[np.maximum(org, 0)], no_growth),
                "org_name": pick([o[1] for o in icu.ORGANISMS], org), "isolate_num": ints(np.ones(n), no_growth),
                "quantity": pa.nulls(n, pa.string()),
                "ab_itemid": ints(np.array([a[0] for a in icu.ANTIBIOTICS])[np.maximum(ab, 0)], ab < 0),
                "ab_name": pick([a[1] for a in icu.ANTIBIOTICS], ab),
                "dilution_text": pick(("<=0.5", "1", "2", "4", ">=32"), np.where(
                    ab < 0, -1, np.clip(np.log2(np.nan_to_num(m["dilution"], nan=1.0) * 2).astype(np.int64), 0, 4))),
                "dilution_comparison": pick(("<=", "=", ">="), np.where(ab < 0, -1, np.where(m["resistant"], 2, 1))),
                "dilution_value": floats(m["dilution"], ab < 0),
                "interpretation": pick(("S", "R"), np.where(ab < 0, -1, m["resistant"].astype(np.int64))),
                "comments": pick(("No growth.",), np.where(no_growth, 0, -1)),
            })
            row += n
            specimen += int(m["n_specimens"])

    def transfers(self):
        h = self.h
        rng = model.rng_for(h.seed, 17)
        t = icu.transfers(h, self.a.careunit)
        emergency = np.flatnonzero(h.kind == 0)
        # the ED stay of each emergency admission, each care unit, and the discharge
        adm = np.concatenate([emergency, t["adm"], np.arange(h.n_admissions)])
        kind = np.concatenate([np.zeros(len(emergency), np.int64), np.ones(len(t["adm"]), np.int64),
                               np.full(h.n_admissions, 2)])
        start = np.concatenate([h.admit[emergency] - self.a.ed_minutes[emergency] * 60, t["start"], h.disch])
        end = np.concatenate([h.admit[emergency], t["end"], h.disch])
        icu_names = [CAREUNIT_NAMES[u] for u in CAREUNITS]
        labels = ["Emergency Department"] + icu_names + list(icu.WARDS)
        unit = np.concatenate([np.zeros(len(emergency), np.int64),
                               np.where(t["unit"] >= 0, 1 + t["unit"], 1 + len(icu_names) - 1 - t["unit"]),
                               np.full(h.n_admissions, -1)])
        order = np.lexsort((kind, start, adm))
        adm, kind, start, end, unit = adm[order], kind[order], start[order], end[order], unit[order]
        first = np.ones(len(adm), dtype=bool)
        first[1:] = adm[1:] != adm[:-1]
        event = np.where(kind == 0, 0, np.where(kind == 2, 3, np.where(first, 1, 2)))
        yield table({
            "subject_id": ints(self.adm_subject[adm]), "hadm_id": ints(self.hadm_id[adm]),
            "transfer_id": ints(distinct_ids(rng, len(adm), 30_000_000, 40_000_000, ordered=False)),
            "eventtype": pick(("ED", "admit", "transfer", "discharge"), event), "careunit": pick(labels, unit),
            "intime": times(start), "outtime": times(end, kind == 2),
        })

    def services(self):
        h = self.h
        s = icu.services(h)
        yield table({
            "subject_id": ints(self.adm_subject[s["adm"]]), "hadm_id": ints(self.hadm_id[s["adm"]]),
            "transfertime": times(s["time"]), "prev_service": pick(icu.SERVICES, s["previous"]),
            "curr_service": pick(icu.SERVICES, s["service"]),
        })

    def discharge(self):
        h, a = self.h, self.a
        m = h.n_admissions
        text = icu_tables.discharge_text(h, a.reason_labels, a.reason, pick(
            a.discharge_labels()[:-1] + ["DIED"], a.discharge_index()))
        yield table({
            "note_id": _note_ids(self.adm_subject, "DS"),
            "subject_id": ints(self.adm_subject), "hadm_id": ints(self.hadm_id),
            "note_type": pick(("DS",), np.zeros(m, np.int64)), "note_seq": ints(np.ones(m)),
            "charttime": times(h.disch - h.disch % DAY), "storetime": times(h.disch + 5 * HOUR), "text": text,
        })

    def radiology(self):
        h = self.h
        r = icu.radiology(h)
        n = len(r["adm"])
        yield table({
            "note_id": _note_ids(self.adm_subject[r["adm"]], "RR"),
            "subject_id": ints(self.adm_subject[r["adm"]]), "hadm_id": ints(self.hadm_id[r["adm"]]),
            "note_type": pick(("RR",), np.zeros(n, np.int64)), "note_seq": ints(np.ones(n)),
            "charttime": times(r["time"]), "storetime": times(r["time"] + 2 * HOUR),
            "text": icu_tables.radiology_text(r["finding"]),
        })


def _note_ids(subject: np.ndarray, kind: str) -> pa.Array:
    """MIMIC-IV note ids, <subject_id>-<kind>-<n>: n counts the subject's notes of the kind (rows sorted by subject)."""
    n = len(subject)
    start = np.ones(n, dtype=bool)
    start[1:] = subject[1:] != subject[:-1]
    pos = np.arange(n)
    number = pos - np.maximum.accumulate(np.where(start, pos, 0)) + 1
    return pc.binary_join_element_wise(pc.cast(ints(subject), pa.string()), pa.array([f"-{kind}-"] * n),
                                       pc.cast(ints(number), pa.string()), "")


def _year(seconds: np.ndarray) -> np.ndarray:
    """Calendar year of each time."""
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
