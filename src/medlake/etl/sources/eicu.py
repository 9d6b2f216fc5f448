"""eICU Collaborative Research Database v2.0 (and its demo): CSV or CSV.GZ files as released.

eICU has no absolute dates: every time is a minute offset from the unit
admission. sql/etl/eicu.sql anchors each hospital stay at a synthetic
admission time (see docs/etl-eicu-omop.md); subject ids are derived from
`uniquepid`, which this module checks before the canonical tables are built.
"""

from __future__ import annotations

from ...database import Database
from ...errors import InputError
from ..spec import FoundFile, RawTable, Source

ID = "BIGINT"
INT = "INTEGER"
TXT = "VARCHAR"
NUM = "DOUBLE"

# A hospital stay's visit id is this plus patienthealthsystemstayid; a unit stay's is its patientunitstayid.
HOSPITAL_VISIT_OFFSET = 10_000_000_000


def check_patients(db: Database, raw_schema: str, found: list[FoundFile]) -> None:
    """uniquepid must map to a BIGINT one way only, and stay ids must stay below the hospital-stay offset."""
    path = next((f.path for f in found if f.table.name == "patient"), "patient")
    row = db.one("etl/eicu_checks.sql", "bad_patient_row", schemas={"raw": raw_schema},
                 params={"max_id": HOSPITAL_VISIT_OFFSET - 1})
    if row:
        line, column, value, expected = row
        raise InputError("value cannot become an id", path=path, line=line, column=column, value=value,
                         expected=expected)


SOURCE = Source(
    name="eicu",
    description="eICU Collaborative Research Database v2.0 (or the demo)",
    etl_sql="etl/eicu.sql",
    check=check_patients,
    tables=[
        RawTable("patient", ("patient",),
                 {"patientunitstayid": ID, "patienthealthsystemstayid": ID, "uniquepid": TXT,
                  "hospitaladmitoffset": INT, "hospitaldischargeoffset": INT, "hospitaldischargeyear": INT,
                  "unitdischargeoffset": INT, "unitvisitnumber": INT},
                 {"gender": TXT, "age": TXT, "ethnicity": TXT, "hospitalid": ID, "wardid": ID,
                  "apacheadmissiondx": TXT, "admissionheight": NUM, "hospitaladmittime24": "TIME",
                  "hospitaladmitsource": TXT, "hospitaldischargetime24": "TIME", "hospitaldischargelocation": TXT,
                  "hospitaldischargestatus": TXT, "unittype": TXT, "unitadmittime24": "TIME", "unitadmitsource": TXT,
                  "unitstaytype": TXT, "admissionweight": NUM, "dischargeweight": NUM, "unitdischargetime24": "TIME",
                  "unitdischargelocation": TXT, "unitdischargestatus": TXT},
                 primary_key=("patientunitstayid",), always=True,
                 description="one row per unit stay; uniquepid identifies the patient"),
        RawTable("diagnosis", ("diagnosis",),
                 {"diagnosisid": ID, "patientunitstayid": ID, "diagnosisoffset": INT, "icd9code": TXT},
                 {"activeupondischarge": TXT, "diagnosisstring": TXT, "diagnosispriority": TXT},
                 primary_key=("diagnosisid",)),
        RawTable("medication", ("medication",),
                 {"medicationid": ID, "patientunitstayid": ID, "drugstartoffset": INT},
                 {"drugorderoffset": INT, "drugivadmixture": TXT, "drugordercancelled": TXT, "drugname": TXT,
                  "drughiclseqno": TXT, "dosage": TXT, "routeadmin": TXT, "frequency": TXT, "loadingdose": TXT,
                  "prn": TXT, "drugstopoffset": INT, "gtc": TXT},
                 primary_key=("medicationid",)),
        RawTable("treatment", ("treatment",),
                 {"treatmentid": ID, "patientunitstayid": ID, "treatmentoffset": INT, "treatmentstring": TXT},
                 {"activeupondischarge": TXT}, primary_key=("treatmentid",)),
        RawTable("lab", ("lab",),
                 {"labid": ID, "patientunitstayid": ID, "labresultoffset": INT, "labname": TXT},
                 {"labtypeid": INT, "labresult": NUM, "labresulttext": TXT, "labmeasurenamesystem": TXT,
                  "labmeasurenameinterface": TXT, "labresultrevisedoffset": INT},
                 primary_key=("labid",), required=False,
                 description="absent from the demo: then an empty table"),
        RawTable("physicalexam", ("physicalExam",),
                 {"physicalexamid": ID, "patientunitstayid": ID, "physicalexamoffset": INT, "physicalexampath": TXT},
                 {"physicalexamvalue": TXT, "physicalexamtext": TXT}, primary_key=("physicalexamid",)),
        RawTable("admissiondx", ("admissionDx",),
                 {"admissiondxid": ID, "patientunitstayid": ID, "admitdxenteredoffset": INT, "admitdxpath": TXT},
                 {"admitdxname": TXT, "admitdxtext": TXT}, primary_key=("admissiondxid",)),
        RawTable("hospital", ("hospital",), {"hospitalid": ID},
                 {"numbedscategory": TXT, "teachingstatus": TXT, "region": TXT},
                 primary_key=("hospitalid",), required=False),
    ],
)
