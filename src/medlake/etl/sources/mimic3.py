"""MIMIC-III v1.4 (and its demo): CSV or CSV.GZ files, upper- or lower-case names."""

from __future__ import annotations

from ..spec import RawTable, Source

ID = "BIGINT"
TS = "TIMESTAMP"
TXT = "VARCHAR"

SOURCE = Source(
    name="mimic3",
    description="MIMIC-III Clinical Database v1.4 (or the demo)",
    etl_sql="etl/mimic3.sql",
    tables=[
        RawTable("patients", ("PATIENTS",), {"subject_id": ID, "gender": TXT, "dob": TS},
                 {"row_id": ID, "dod": TS, "dod_hosp": TS, "dod_ssn": TS, "expire_flag": "INTEGER"},
                 primary_key=("subject_id",), always=True),
        RawTable("admissions", ("ADMISSIONS",),
                 {"subject_id": ID, "hadm_id": ID, "admittime": TS, "dischtime": TS},
                 {"row_id": ID, "deathtime": TS, "admission_type": TXT, "admission_location": TXT,
                  "discharge_location": TXT, "insurance": TXT, "ethnicity": TXT, "edregtime": TS, "edouttime": TS,
                  "diagnosis": TXT, "hospital_expire_flag": "INTEGER"},
                 primary_key=("hadm_id",), always=True),
        RawTable("icustays", ("ICUSTAYS",),
                 {"subject_id": ID, "hadm_id": ID, "icustay_id": ID, "intime": TS, "outtime": TS},
                 {"row_id": ID, "first_careunit": TXT, "last_careunit": TXT, "los": "DOUBLE"},
                 primary_key=("icustay_id",)),
        RawTable("diagnoses_icd", ("DIAGNOSES_ICD",),
                 {"subject_id": ID, "hadm_id": ID, "seq_num": "INTEGER", "icd9_code": TXT}, {"row_id": ID}),
        RawTable("procedures_icd", ("PROCEDURES_ICD",),
                 {"subject_id": ID, "hadm_id": ID, "seq_num": "INTEGER", "icd9_code": TXT}, {"row_id": ID}),
        RawTable("prescriptions", ("PRESCRIPTIONS",),
                 {"subject_id": ID, "hadm_id": ID, "startdate": TS, "ndc": TXT},
                 {"row_id": ID, "icustay_id": ID, "enddate": TS, "drug_type": TXT, "drug": TXT, "gsn": TXT,
                  "dose_val_rx": TXT, "dose_unit_rx": TXT, "route": TXT}),
        RawTable("labevents", ("LABEVENTS",),
                 {"subject_id": ID, "itemid": ID, "charttime": TS},
                 {"row_id": ID, "hadm_id": ID, "value": TXT, "valuenum": "DOUBLE", "valueuom": TXT, "flag": TXT}),
        RawTable("d_icd_diagnoses", ("D_ICD_DIAGNOSES",), {"icd9_code": TXT},
                 {"row_id": ID, "short_title": TXT, "long_title": TXT}, required=False),
        RawTable("d_icd_procedures", ("D_ICD_PROCEDURES",), {"icd9_code": TXT},
                 {"row_id": ID, "short_title": TXT, "long_title": TXT}, required=False),
        RawTable("d_labitems", ("D_LABITEMS",), {"itemid": ID},
                 {"row_id": ID, "label": TXT, "fluid": TXT, "category": TXT, "loinc_code": TXT},
                 primary_key=("itemid",), required=False),
    ],
)
