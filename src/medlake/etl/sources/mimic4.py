"""MIMIC-IV v2.x (and its demo): hosp/, icu/, and when present note/ and ed/ CSV or CSV.GZ files, in their
subfolders or flat.

Every table of those modules with clinical facts is known here; the ones a
release or a module may lack (icu/chartevents, emar_detail, the note and ed
modules, the dictionaries) are optional. docs/etl.md maps each table to the
canonical tables.
"""

from __future__ import annotations

from ...database import Database
from ...errors import InputError
from ..input_errors import physical_line
from ..spec import FoundFile, RawTable, Source

ID = "BIGINT"
TS = "TIMESTAMP"
TXT = "VARCHAR"
INT = "INTEGER"
NUM = "DOUBLE"

# ED stays are visits of their own: ED stay_id plus this (ICU stays keep stay_id, from the same range)
ED_VISIT_OFFSET = 30_000_000_000


def check_icd_versions(db: Database, raw_schema: str, found: list[FoundFile]) -> None:
    """icd_version picks the code system of a diagnosis or procedure, so it must be 9 or 10 on every row."""
    row = db.one("etl/mimic4_checks.sql", "bad_icd_version", schemas={"raw": raw_schema})
    if row:
        table, line, value = row
        path = next((f.path for f in found if f.table.name == table), table)
        raise InputError("unknown ICD version", path=path, line=physical_line(path, line), column="icd_version",
                         value=value or "", expected="9 (ICD-9) or 10 (ICD-10)")


# Event tables are not checked for duplicate ids (emar and poe hold tens of millions of rows; a key check keeps
# the file order and costs a sort); transfers is, because transfer_id becomes a visit id.
SOURCE = Source(
    name="mimic4",
    description="MIMIC-IV Clinical Database v2.x (or the demo): hosp and icu modules",
    etl_sql="etl/mimic4.sql",
    subject_key=("patients", "subject_id"), id_columns=("subject_id", "hadm_id", "stay_id"),
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
        RawTable("d_items", ("d_items",), {"itemid": ID},
                 {"label": TXT, "abbreviation": TXT, "linksto": TXT, "category": TXT, "unitname": TXT,
                  "param_type": TXT, "lownormalvalue": NUM, "highnormalvalue": NUM},
                 primary_key=("itemid",), required=False),
        RawTable("d_hcpcs", ("d_hcpcs",), {"code": TXT},
                 {"category": INT, "long_description": TXT, "short_description": TXT}, required=False),
        RawTable("chartevents", ("chartevents",), {"subject_id": ID, "itemid": ID, "charttime": TS},
                 {"hadm_id": ID, "stay_id": ID, "caregiver_id": ID, "storetime": TS, "value": TXT, "valuenum": NUM,
                  "valueuom": TXT, "warning": INT},
                 required=False, description="not in the demo"),
        RawTable("inputevents", ("inputevents",), {"subject_id": ID, "itemid": ID, "starttime": TS},
                 {"hadm_id": ID, "stay_id": ID, "caregiver_id": ID, "endtime": TS, "storetime": TS, "amount": NUM,
                  "amountuom": TXT, "rate": NUM, "rateuom": TXT, "orderid": ID, "linkorderid": ID,
                  "ordercategoryname": TXT, "secondaryordercategoryname": TXT,
                  "ordercomponenttypedescription": TXT, "ordercategorydescription": TXT, "patientweight": NUM,
                  "totalamount": NUM, "totalamountuom": TXT, "isopenbag": INT, "continueinnextdept": INT,
                  "statusdescription": TXT, "originalamount": NUM, "originalrate": NUM},
                 required=False),
        RawTable("ingredientevents", ("ingredientevents",), {"subject_id": ID, "itemid": ID, "starttime": TS},
                 {"hadm_id": ID, "stay_id": ID, "caregiver_id": ID, "endtime": TS, "storetime": TS, "amount": NUM,
                  "amountuom": TXT, "rate": NUM, "rateuom": TXT, "orderid": ID, "linkorderid": ID,
                  "statusdescription": TXT, "originalamount": NUM, "originalrate": NUM},
                 required=False),
        RawTable("outputevents", ("outputevents",), {"subject_id": ID, "itemid": ID, "charttime": TS},
                 {"hadm_id": ID, "stay_id": ID, "caregiver_id": ID, "storetime": TS, "value": NUM, "valueuom": TXT},
                 required=False),
        RawTable("procedureevents", ("procedureevents",), {"subject_id": ID, "itemid": ID, "starttime": TS},
                 {"hadm_id": ID, "stay_id": ID, "caregiver_id": ID, "endtime": TS, "storetime": TS, "value": NUM,
                  "valueuom": TXT, "location": TXT, "locationcategory": TXT, "orderid": ID, "linkorderid": ID,
                  "ordercategoryname": TXT, "ordercategorydescription": TXT, "patientweight": NUM,
                  "isopenbag": INT, "continueinnextdept": INT, "statusdescription": TXT, "originalamount": NUM,
                  "originalrate": NUM},
                 required=False),
        RawTable("datetimeevents", ("datetimeevents",), {"subject_id": ID, "itemid": ID, "charttime": TS},
                 {"hadm_id": ID, "stay_id": ID, "caregiver_id": ID, "storetime": TS, "value": TXT, "valueuom": TXT,
                  "warning": INT},
                 required=False),
        RawTable("microbiologyevents", ("microbiologyevents",),
                 {"microevent_id": ID, "subject_id": ID, "chartdate": TS},
                 {"hadm_id": ID, "micro_specimen_id": ID, "order_provider_id": TXT, "charttime": TS,
                  "spec_itemid": ID, "spec_type_desc": TXT, "test_seq": INT, "storedate": TS, "storetime": TS,
                  "test_itemid": ID, "test_name": TXT, "org_itemid": ID, "org_name": TXT, "isolate_num": INT,
                  "quantity": TXT, "ab_itemid": ID, "ab_name": TXT, "dilution_text": TXT, "dilution_comparison": TXT,
                  "dilution_value": NUM, "interpretation": TXT, "comments": TXT},
                 required=False),
        RawTable("emar", ("emar",), {"subject_id": ID, "emar_id": TXT, "emar_seq": ID, "charttime": TS},
                 {"hadm_id": ID, "poe_id": TXT, "pharmacy_id": ID, "enter_provider_id": TXT, "medication": TXT,
                  "event_txt": TXT, "scheduletime": TS, "storetime": TS},
                 required=False),
        RawTable("emar_detail", ("emar_detail",), {"subject_id": ID, "emar_id": TXT, "emar_seq": ID},
                 {"parent_field_ordinal": TXT, "administration_type": TXT, "pharmacy_id": ID, "dose_due": TXT,
                  "dose_due_unit": TXT, "dose_given": TXT, "dose_given_unit": TXT, "product_code": TXT,
                  "product_description": TXT, "route": TXT, "infusion_rate": TXT, "infusion_rate_unit": TXT},
                 required=False, description="staged only: the details of eMAR rows stay in the raw schema"),
        RawTable("pharmacy", ("pharmacy",), {"subject_id": ID, "pharmacy_id": ID, "starttime": TS},
                 {"hadm_id": ID, "poe_id": TXT, "stoptime": TS, "medication": TXT, "proc_type": TXT, "status": TXT,
                  "entertime": TS, "verifiedtime": TS, "route": TXT, "frequency": TXT, "disp_sched": TXT,
                  "infusion_type": TXT, "sliding_scale": TXT, "lockout_interval": TXT, "basal_rate": NUM,
                  "one_hr_max": TXT, "doses_per_24_hrs": NUM, "duration": NUM, "duration_interval": TXT,
                  "expiration_value": NUM, "expiration_unit": TXT, "expirationdate": TS, "dispensation": TXT,
                  "fill_quantity": TXT},
                 required=False),
        RawTable("poe", ("poe",), {"poe_id": TXT, "poe_seq": ID, "subject_id": ID, "ordertime": TS, "order_type": TXT},
                 {"hadm_id": ID, "order_subtype": TXT, "transaction_type": TXT, "discontinue_of_poe_id": TXT,
                  "discontinued_by_poe_id": TXT, "order_provider_id": TXT, "order_status": TXT},
                 required=False),
        RawTable("omr", ("omr",), {"subject_id": ID, "chartdate": "DATE", "seq_num": INT, "result_name": TXT},
                 {"result_value": TXT}, required=False),
        RawTable("hcpcsevents", ("hcpcsevents",), {"subject_id": ID, "hadm_id": ID, "hcpcs_cd": TXT},
                 {"chartdate": "DATE", "seq_num": INT, "short_description": TXT}, required=False),
        RawTable("drgcodes", ("drgcodes",), {"subject_id": ID, "hadm_id": ID, "drg_type": TXT, "drg_code": TXT},
                 {"description": TXT, "drg_severity": INT, "drg_mortality": INT}, required=False),
        RawTable("transfers", ("transfers",), {"subject_id": ID, "transfer_id": ID, "eventtype": TXT},
                 {"hadm_id": ID, "careunit": TXT, "intime": TS, "outtime": TS},
                 primary_key=("transfer_id",), required=False),
        RawTable("services", ("services",), {"subject_id": ID, "hadm_id": ID, "transfertime": TS,
                                              "curr_service": TXT},
                 {"prev_service": TXT}, required=False),
        RawTable("discharge", ("note/discharge", "discharge"), {"note_id": TXT, "subject_id": ID, "text": TXT},
                 {"hadm_id": ID, "note_type": TXT, "note_seq": INT, "charttime": TS, "storetime": TS},
                 primary_key=("note_id",), required=False, description="note module: goes to the notes table"),
        RawTable("radiology", ("note/radiology", "radiology"), {"note_id": TXT, "subject_id": ID, "text": TXT},
                 {"hadm_id": ID, "note_type": TXT, "note_seq": INT, "charttime": TS, "storetime": TS},
                 primary_key=("note_id",), required=False, description="note module: goes to the notes table"),
        RawTable("edstays", ("ed/edstays", "edstays"), {"subject_id": ID, "stay_id": ID, "intime": TS},
                 {"hadm_id": ID, "outtime": TS, "gender": TXT, "race": TXT, "arrival_transport": TXT,
                  "disposition": TXT},
                 primary_key=("stay_id",), required=False, description="ed module"),
        RawTable("ed_triage", ("ed/triage", "triage"), {"subject_id": ID, "stay_id": ID},
                 {"temperature": NUM, "heartrate": NUM, "resprate": NUM, "o2sat": NUM, "sbp": NUM, "dbp": NUM,
                  "pain": TXT, "acuity": NUM, "chiefcomplaint": TXT},
                 required=False, description="ed module"),
        RawTable("ed_vitalsign", ("ed/vitalsign", "vitalsign"), {"subject_id": ID, "stay_id": ID, "charttime": TS},
                 {"temperature": NUM, "heartrate": NUM, "resprate": NUM, "o2sat": NUM, "sbp": NUM, "dbp": NUM,
                  "rhythm": TXT, "pain": TXT},
                 required=False, description="ed module"),
        RawTable("ed_diagnosis", ("ed/diagnosis",), {"subject_id": ID, "stay_id": ID, "icd_code": TXT,
                                                     "icd_version": INT},
                 {"seq_num": INT, "icd_title": TXT}, required=False, line_checks=True, description="ed module"),
        RawTable("ed_medrecon", ("ed/medrecon", "medrecon"), {"subject_id": ID, "stay_id": ID, "name": TXT},
                 {"charttime": TS, "gsn": TXT, "ndc": TXT, "etc_rn": INT, "etccode": TXT, "etcdescription": TXT},
                 required=False, description="ed module"),
        RawTable("ed_pyxis", ("ed/pyxis", "pyxis"), {"subject_id": ID, "stay_id": ID, "name": TXT},
                 {"charttime": TS, "med_rn": INT, "gsn": TXT, "gsn_rn": INT},
                 required=False, description="ed module"),
    ],
)
