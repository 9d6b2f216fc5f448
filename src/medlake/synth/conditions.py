"""The conditions the simulated hospital knows, and how each one shows in the record.

A condition is either chronic (the patient has it at every admission; its
chance rises with age) or acute (the principal reason for one admission).
Each one raises the admission's severity by `risk`, which drives in-hospital
death, readmission and later death; writes one of its ICD-9 `codes` as a
diagnosis; draws some drugs whose ATC code starts with one of `drugs`; and
moves some lab values by `labs` (itemid -> shift in standard deviations).
So a model that sees diagnoses, drugs or labs has something real to learn.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Condition:
    """One condition of the simulation (see the module docstring)."""

    name: str
    codes: tuple[str, ...]
    chronic: bool
    prevalence: float          # chronic: at age 65; acute: share of admissions with it as principal reason
    risk: float                # added to the admission's severity
    drugs: tuple[str, ...] = ()
    labs: dict[int, float] = field(default_factory=dict)
    reason: str = ""           # the admitting diagnosis text (ADMISSIONS.DIAGNOSIS)
    frailty: float = 0.4       # chronic: how much the patient's (hidden) frailty raises the chance of having it


CREATININE, BUN, POTASSIUM, BICARBONATE, GLUCOSE = 50912, 51006, 50971, 50882, 50931
WBC, HEMOGLOBIN, HEMATOCRIT, PLATELETS, PT, PTT = 51301, 51222, 51221, 51265, 51274, 51275
LACTATE, PH, PCO2, PO2, BILIRUBIN, ALBUMIN, ALT, AST = 50813, 50820, 50818, 50821, 50885, 50862, 50861, 50878
TROPONIN, CKMB = 51003, 50911

CHRONIC = (
    Condition("heart_failure", ("4280", "42823", "42833"), True, 0.18, 0.5, ("C03", "C09", "C07"),
              {CREATININE: 0.4, BUN: 0.5}),
    Condition("chronic_kidney_disease", ("5859", "40391", "40390"), True, 0.14, 0.45, ("V03AE", "B03BB", "A12AA"),
              {CREATININE: 1.8, BUN: 1.6, POTASSIUM: 0.7, HEMOGLOBIN: -0.7, HEMATOCRIT: -0.7}),
    Condition("copd", ("496", "49121"), True, 0.12, 0.35, ("R03", "R01AX", "A07EA"),
              {PCO2: 1.3, BICARBONATE: 0.9, PH: -0.3}),
    Condition("diabetes", ("25000", "25060", "V5867"), True, 0.25, 0.15, ("A10",),
              {GLUCOSE: 1.6}),
    Condition("cirrhosis", ("5715", "5712", "5723"), True, 0.04, 0.9, ("A06AD11", "B02BA", "A11DA"),
              {BILIRUBIN: 2.0, PT: 1.6, PTT: 0.8, ALBUMIN: -1.5, PLATELETS: -1.4, AST: 1.0, ALT: 0.8}),
    Condition("metastatic_cancer", ("1977", "1983", "1985"), True, 0.05, 1.3, ("A04AA", "N02AA", "H02AB"),
              {HEMOGLOBIN: -0.8, ALBUMIN: -1.0, HEMATOCRIT: -0.8}),
    # frailty made visible: malnutrition, dementia, pressure ulcers, cachexia, do-not-resuscitate status
    Condition("frailty", ("2639", "3310", "70703", "7994", "V4986"), True, 0.06, 0.7, ("A11",),
              {ALBUMIN: -0.8}, frailty=1.6),
)

ACUTE = (
    Condition("sepsis", ("0389", "99592", "99591", "78552"), False, 0.12, 1.3, ("J01", "A07AA09"),
              {LACTATE: 2.0, WBC: 1.8, BICARBONATE: -1.0, PLATELETS: -0.8, PH: -0.9}, "SEPSIS"),
    Condition("respiratory_failure", ("51881",), False, 0.09, 1.1, ("N05CD", "N01AH", "N02AB"),
              {PO2: -1.4, PCO2: 1.2, PH: -1.0, LACTATE: 0.6}, "RESPIRATORY FAILURE"),
    Condition("acute_kidney_injury", ("5849",), False, 0.07, 0.7, ("B05CB", "V03AE"),
              {CREATININE: 2.2, BUN: 1.8, POTASSIUM: 1.0, BICARBONATE: -0.8}, "ACUTE RENAL FAILURE"),
    Condition("intracranial_hemorrhage", ("431", "430"), False, 0.04, 1.5, ("N03", "C02DB", "C07AG"),
              {}, "INTRACRANIAL HEMORRHAGE"),
    Condition("myocardial_infarction", ("41071", "41401"), False, 0.08, 0.6, ("B01AC", "A01AD", "C10", "C01DA"),
              {TROPONIN: 2.8, CKMB: 2.0}, "CHEST PAIN"),
    Condition("pneumonia", ("486", "5070"), False, 0.08, 0.55, ("J01",),
              {WBC: 1.4}, "PNEUMONIA"),
    Condition("gi_bleed", ("5789", "5780"), False, 0.06, 0.5, ("A02BC", "A02BA"),
              {HEMOGLOBIN: -2.0, HEMATOCRIT: -2.0, BUN: 1.0}, "GASTROINTESTINAL BLEED"),
    Condition("cardiac_arrest", ("4275",), False, 0.02, 2.4, ("C01BD",),
              {LACTATE: 2.5, PH: -1.5, POTASSIUM: 0.8}, "CARDIAC ARREST"),
)

# admissions without one of the acute conditions above take one of these reasons
OTHER_REASONS = ("CORONARY ARTERY DISEASE", "ALTERED MENTAL STATUS", "ABDOMINAL PAIN", "FEVER", "SYNCOPE",
                 "CONGESTIVE HEART FAILURE", "HYPOTENSION", "FALL", "STROKE", "BOWEL OBSTRUCTION")

CONDITIONS = CHRONIC + ACUTE
RISK_CODES = frozenset(c for cond in CONDITIONS for c in cond.codes)
