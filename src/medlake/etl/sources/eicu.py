"""eICU Collaborative Research Database v2.0 (and its demo): CSV or CSV.GZ files as released.

eICU has no absolute dates: every time is a minute offset from the unit
admission. sql/etl/eicu.sql anchors each hospital stay at a synthetic
admission time (see docs/etl-eicu-omop.md); subject ids are derived from
`uniquepid`, which this module checks before the canonical tables are built.
"""

from __future__ import annotations

from ...database import Database
from ...errors import InputError
from ..input_errors import physical_line
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
        raise InputError("value cannot become an id", path=path, line=physical_line(path, line), column=column,
                         value=value, expected=expected)


# The charting tables (vitals, nurse and respiratory charting, intake/output: up to 151 M rows each in the full
# release) are not checked for duplicate ids: a key check keeps the file order and costs a sort, and their ids
# only become events.seq.
SOURCE = Source(
    name="eicu",
    description="eICU Collaborative Research Database v2.0 (or the demo)",
    etl_sql="etl/eicu.sql",
    subject_key=("patient", "patientunitstayid"), id_columns=("patientunitstayid", "patienthealthsystemstayid"),
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
        RawTable("vitalperiodic", ("vitalPeriodic",),
                 {"vitalperiodicid": ID, "patientunitstayid": ID, "observationoffset": INT},
                 {"temperature": NUM, "sao2": NUM, "heartrate": NUM, "respiration": NUM, "cvp": NUM, "etco2": NUM,
                  "systemicsystolic": NUM, "systemicdiastolic": NUM, "systemicmean": NUM, "pasystolic": NUM,
                  "padiastolic": NUM, "pamean": NUM, "st1": NUM, "st2": NUM, "st3": NUM, "icp": NUM},
                 required=False, description="absent from the demo"),
        RawTable("vitalaperiodic", ("vitalAperiodic",),
                 {"vitalaperiodicid": ID, "patientunitstayid": ID, "observationoffset": INT},
                 {"noninvasivesystolic": NUM, "noninvasivediastolic": NUM, "noninvasivemean": NUM, "paop": NUM,
                  "cardiacoutput": NUM, "cardiacinput": NUM, "svr": NUM, "svri": NUM, "pvr": NUM, "pvri": NUM},
                 required=False),
        RawTable("nursecharting", ("nurseCharting",),
                 {"nursingchartid": ID, "patientunitstayid": ID, "nursingchartoffset": INT},
                 {"nursingchartentryoffset": INT, "nursingchartcelltypecat": TXT, "nursingchartcelltypevallabel": TXT,
                  "nursingchartcelltypevalname": TXT, "nursingchartvalue": TXT},
                 required=False, description="absent from the demo"),
        RawTable("intakeoutput", ("intakeOutput",),
                 {"intakeoutputid": ID, "patientunitstayid": ID, "intakeoutputoffset": INT},
                 {"intaketotal": NUM, "outputtotal": NUM, "dialysistotal": NUM, "nettotal": NUM,
                  "intakeoutputentryoffset": INT, "cellpath": TXT, "celllabel": TXT, "cellvaluenumeric": NUM,
                  "cellvaluetext": TXT},
                 required=False, description="absent from the demo"),
        RawTable("microlab", ("microLab",), {"microlabid": ID, "patientunitstayid": ID, "culturetakenoffset": INT},
                 {"culturesite": TXT, "organism": TXT, "antibiotic": TXT, "sensitivitylevel": TXT},
                 primary_key=("microlabid",), required=False),
        RawTable("infusiondrug", ("infusionDrug",), {"infusiondrugid": ID, "patientunitstayid": ID,
                                                     "infusionoffset": INT},
                 {"drugname": TXT, "drugrate": TXT, "infusionrate": TXT, "drugamount": TXT, "volumeoffluid": TXT,
                  "patientweight": TXT},
                 primary_key=("infusiondrugid",), required=False),
        RawTable("admissiondrug", ("admissionDrug",), {"admissiondrugid": ID, "patientunitstayid": ID,
                                                       "drugoffset": INT},
                 {"drugenteredoffset": INT, "drugnotetype": TXT, "specialtytype": TXT, "usertype": TXT,
                  "rxincluded": TXT, "writtenineicu": TXT, "drugname": TXT, "drugdosage": NUM, "drugunit": TXT,
                  "drugadmitfrequency": TXT, "drughiclseqno": TXT},
                 primary_key=("admissiondrugid",), required=False),
        RawTable("allergy", ("allergy",), {"allergyid": ID, "patientunitstayid": ID, "allergyoffset": INT},
                 {"allergyenteredoffset": INT, "allergynotetype": TXT, "specialtytype": TXT, "usertype": TXT,
                  "rxincluded": TXT, "writtenineicu": TXT, "drugname": TXT, "allergytype": TXT, "allergyname": TXT,
                  "drughiclseqno": TXT},
                 primary_key=("allergyid",), required=False),
        RawTable("pasthistory", ("pastHistory",), {"pasthistoryid": ID, "patientunitstayid": ID,
                                                   "pasthistoryoffset": INT},
                 {"pasthistoryenteredoffset": INT, "pasthistorynotetype": TXT, "pasthistorypath": TXT,
                  "pasthistoryvalue": TXT, "pasthistoryvaluetext": TXT},
                 primary_key=("pasthistoryid",), required=False),
        RawTable("respiratorycharting", ("respiratoryCharting",),
                 {"respchartid": ID, "patientunitstayid": ID, "respchartoffset": INT},
                 {"respchartentryoffset": INT, "respcharttypecat": TXT, "respchartvaluelabel": TXT,
                  "respchartvalue": TXT},
                 required=False),
        RawTable("note", ("note",), {"noteid": ID, "patientunitstayid": ID, "noteoffset": INT},
                 {"noteenteredoffset": INT, "notetype": TXT, "notepath": TXT, "notevalue": TXT, "notetext": TXT},
                 primary_key=("noteid",), required=False, description="goes to the notes table"),
    ],
)
