"""MIMIC-IV v2.x (and its demo): hosp/ and icu/ CSV or CSV.GZ files, in their subfolders or flat."""

from __future__ import annotations

from ...database import Database
from ...errors import InputError
from ..spec import FoundFile, RawTable, Source

ID = "BIGINT"
TS = "TIMESTAMP"
TXT = "VARCHAR"
INT = "INTEGER"


def check_icd_versions(db: Database, raw_schema: str, found: list[FoundFile]) -> None:
    """icd_version picks the code system of a diagnosis or procedure, so it must be 9 or 10 on every row."""
    row = db.one("etl/mimic4_checks.sql", "bad_icd_version", schemas={"raw": raw_schema})
    if row:
        table, line, value = row
        path = next((f.path for f in found if f.table.name == table), table)
        raise InputError("unknown ICD version", path=path, line=line, column="icd_version", value=value or "",
                         expected="9 (ICD-9) or 10 (ICD-10)")


SOURCE = Source(
    name="mimic4",
    description="MIMIC-IV Clinical Database v2.x (or the demo): hosp and icu modules",
    etl_sql="etl/mimic4.sql",
    check=check_icd_versions,
    tables=[
        RawTable("patients", ("patients",),
                 {"subject_id": ID, "gender": TXT, "anchor_age": INT, "anchor_year": INT},
                 {"anchor_year_group": TXT, "dod": "DATE"},
                 primary_key=("subject_id",), always=True),
        RawTable("admissions", ("admissions",),
                 {"subject_id": ID, "hadm_id": ID, "admittime": TS, "dischtime": TS},
                 {"deathtime": TS, "admission_type": TXT, "admission_location": TXT, "discharge_location": TXT,
                  "insurance": TXT, "language": TXT, "marital_status": TXT, "race": TXT, "edregtime": TS,
                  "edouttime": TS, "hospital_expire_flag": INT},
                 primary_key=("hadm_id",), always=True),
        RawTable("icustays", ("icustays",),
                 {"subject_id": ID, "hadm_id": ID, "stay_id": ID, "intime": TS, "outtime": TS},
                 {"first_careunit": TXT, "last_careunit": TXT, "los": "DOUBLE"},
                 primary_key=("stay_id",)),
        RawTable("diagnoses_icd", ("diagnoses_icd",),
                 {"subject_id": ID, "hadm_id": ID, "seq_num": INT, "icd_code": TXT, "icd_version": INT},
                 line_checks=True),
        RawTable("procedures_icd", ("procedures_icd",),
                 {"subject_id": ID, "hadm_id": ID, "seq_num": INT, "icd_code": TXT, "icd_version": INT},
                 {"chartdate": "DATE"}, line_checks=True),
        RawTable("prescriptions", ("prescriptions",),
                 {"subject_id": ID, "hadm_id": ID, "starttime": TS, "ndc": TXT},
                 {"pharmacy_id": ID, "stoptime": TS, "drug_type": TXT, "drug": TXT, "gsn": TXT,
                  "dose_val_rx": TXT, "dose_unit_rx": TXT, "route": TXT}),
        RawTable("labevents", ("labevents",),
                 {"subject_id": ID, "itemid": ID, "charttime": TS},
                 {"labevent_id": ID, "hadm_id": ID, "specimen_id": ID, "value": TXT, "valuenum": "DOUBLE",
                  "valueuom": TXT, "flag": TXT}),
        RawTable("d_icd_diagnoses", ("d_icd_diagnoses",), {"icd_code": TXT, "icd_version": INT},
                 {"long_title": TXT}, required=False),
        RawTable("d_icd_procedures", ("d_icd_procedures",), {"icd_code": TXT, "icd_version": INT},
                 {"long_title": TXT}, required=False),
        RawTable("d_labitems", ("d_labitems",), {"itemid": ID},
                 {"label": TXT, "fluid": TXT, "category": TXT},
                 primary_key=("itemid",), required=False),
    ],
)
