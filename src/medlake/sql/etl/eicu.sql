/* medlake
description: >
  eICU raw tables (raw.*) -> raw.stays, then canonical subjects, visits, events.
  eICU has no dates: every time is a minute offset from the unit admission.
  Each hospital stay is anchored at a synthetic admission time: 1 January of
  its hospitaldischargeyear at the clock time hospitaladmittime24, moved on by
  whole days past the earlier hospital stays of the same patient in that year
  (ordered by patienthealthsystemstayid), so one patient's stays never overlap.
  A unit stay starts hospitaladmitoffset minutes (a negative number) after it.
  subject_id = first 3 digits of uniquepid * 10,000,000 + the digits after the
  dash. Visit ids: unit stays (icu) keep patientunitstayid; hospital stays
  (inpatient) are 10,000,000,000 + patienthealthsystemstayid. Events carry the
  hospital stay's visit id; the note table goes to notes (available from noteenteredoffset
  when later than noteoffset). docs/etl-eicu-omop.md
  has the table-by-table mapping.
*/
-- name: stays
CREATE TABLE raw.stays AS
WITH hospital_stays AS (
    SELECT
        patienthealthsystemstayid,
        min(uniquepid) AS uniquepid,
        min(hospitaldischargeyear) AS discharge_year,
        coalesce(min(hospitaladmittime24), TIME '00:00:00') AS admit_clock,
        greatest(coalesce(max(hospitaldischargeoffset - hospitaladmitoffset), 0), 0) AS length_minutes
    FROM raw.patient
    GROUP BY patienthealthsystemstayid
),
anchored AS (
    SELECT
        patienthealthsystemstayid,
        length_minutes,
        make_timestamp(discharge_year, 1, 1, hour(admit_clock), minute(admit_clock), second(admit_clock))
            + to_days(CAST(coalesce(sum(ceil(length_minutes / 1440) + 1) OVER (
                PARTITION BY uniquepid, discharge_year ORDER BY patienthealthsystemstayid
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS INTEGER)) AS hospital_admit_time
    FROM hospital_stays
)
SELECT
    p.patientunitstayid,
    p.patienthealthsystemstayid,
    p.uniquepid,
    CAST(split_part(p.uniquepid, '-', 1) AS BIGINT) * 10000000
        + CAST(split_part(p.uniquepid, '-', 2) AS BIGINT) AS subject_id,
    10000000000 + p.patienthealthsystemstayid AS hospital_visit_id,
    p.unitvisitnumber,
    p.hospitaldischargeyear,
    a.hospital_admit_time,
    a.hospital_admit_time + to_minutes(a.length_minutes) AS hospital_discharge_time,
    a.hospital_admit_time - to_minutes(p.hospitaladmitoffset) AS unit_admit_time,
    a.hospital_admit_time - to_minutes(p.hospitaladmitoffset) + to_minutes(p.unitdischargeoffset) AS unit_discharge_time
FROM raw.patient AS p
JOIN anchored AS a ON a.patienthealthsystemstayid = p.patienthealthsystemstayid
ORDER BY subject_id, hospital_admit_time, p.unitvisitnumber;

-- name: subjects
INSERT INTO subjects
SELECT
    s.subject_id,
    arg_min(s.hospital_admit_time - to_years(
        CASE WHEN trim(p.age) = '> 89' THEN 90 ELSE TRY_CAST(p.age AS INTEGER) END), s.unit_admit_time) AS birth_time,
    arg_min(CASE p.gender WHEN 'Male' THEN 'M' WHEN 'Female' THEN 'F' END, s.unit_admit_time) AS sex,
    arg_max(nullif(trim(p.ethnicity), ''), s.unit_admit_time) AS race,
    min(CASE
        WHEN p.hospitaldischargestatus = 'Expired' THEN s.hospital_discharge_time
        WHEN p.unitdischargestatus = 'Expired' THEN s.unit_discharge_time
    END) AS death_time
FROM raw.stays AS s
JOIN raw.patient AS p ON p.patientunitstayid = s.patientunitstayid
GROUP BY s.subject_id
ORDER BY s.subject_id;

-- name: visits
INSERT INTO visits
SELECT * FROM (
    SELECT
        s.hospital_visit_id AS visit_id,
        min(s.subject_id) AS subject_id,
        'inpatient' AS kind,
        min(s.hospital_admit_time) AS start_time,
        max(s.hospital_discharge_time) AS end_time,
        coalesce(bool_or(p.hospitaldischargestatus = 'Expired' OR p.unitdischargestatus = 'Expired'), false) AS died,
        min(nullif(trim(p.hospitaldischargelocation), '')) AS discharge_location,
        CAST(NULL AS BIGINT) AS parent_visit_id
    FROM raw.stays AS s
    JOIN raw.patient AS p ON p.patientunitstayid = s.patientunitstayid
    GROUP BY s.hospital_visit_id
    UNION ALL
    SELECT
        s.patientunitstayid,
        s.subject_id,
        'icu',
        s.unit_admit_time,
        s.unit_discharge_time,
        coalesce(p.unitdischargestatus = 'Expired', false),
        nullif(trim(p.unitdischargelocation), ''),
        s.hospital_visit_id
    FROM raw.stays AS s
    JOIN raw.patient AS p ON p.patientunitstayid = s.patientunitstayid
)
ORDER BY subject_id, start_time, visit_id;

-- name: events
INSERT INTO events
WITH diagnosis_codes AS (
    SELECT
        d.diagnosisid,
        d.patientunitstayid,
        d.diagnosisoffset,
        d.diagnosisstring,
        upper(trim(part)) AS raw_code
    FROM raw.diagnosis AS d, unnest(string_split(d.icd9code, ',')) AS parts(part)
),
classified AS (
    SELECT
        *,
        CASE
            WHEN regexp_matches(raw_code, '^[0-9]') THEN 'ICD9CM'
            WHEN regexp_full_match(raw_code, 'E[0-9]{3}(\.[0-9]?)?') THEN 'ICD9CM'
            WHEN regexp_full_match(raw_code, 'V[0-9]{2}(\.[0-9]{0,2})?') THEN 'ICD9CM'
            ELSE 'ICD10CM'
        END AS vocab
    FROM diagnosis_codes
    WHERE ml_strip_code(raw_code) IS NOT NULL
)
SELECT * FROM (
    SELECT s.subject_id, s.hospital_visit_id AS visit_id, s.unit_admit_time + to_minutes(c.diagnosisoffset) AS time,
           c.vocab, CASE c.vocab WHEN 'ICD9CM' THEN ml_icd9cm(c.raw_code) ELSE ml_icd10cm(c.raw_code) END AS code,
           CAST(NULL AS DOUBLE) AS numeric_value, c.diagnosisstring AS text_value, CAST(NULL AS VARCHAR) AS unit,
           CAST(NULL AS TIMESTAMP) AS end_time, 'diagnosis' AS source, c.diagnosisid AS seq,
           CAST(NULL AS VARCHAR) AS alt_code
    FROM classified AS c
    JOIN raw.stays AS s ON s.patientunitstayid = c.patientunitstayid
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(m.drugstartoffset), 'EICU_DRUG',
           coalesce(nullif(trim(m.drughiclseqno), ''), upper(trim(m.drugname))),
           TRY_CAST(split_part(trim(m.dosage), ' ', 1) AS DOUBLE), m.drugname, NULL,
           s.unit_admit_time + to_minutes(m.drugstopoffset), 'medication', m.medicationid, NULL
    FROM raw.medication AS m
    JOIN raw.stays AS s ON s.patientunitstayid = m.patientunitstayid
    WHERE coalesce(m.drugordercancelled, '') <> 'Yes'
      AND coalesce(nullif(trim(m.drughiclseqno), ''), nullif(trim(m.drugname), '')) IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(t.treatmentoffset), 'EICU_TREATMENT',
           t.treatmentstring, NULL, NULL, NULL, NULL, 'treatment', t.treatmentid, NULL
    FROM raw.treatment AS t
    JOIN raw.stays AS s ON s.patientunitstayid = t.patientunitstayid
    WHERE nullif(trim(t.treatmentstring), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(l.labresultoffset), 'EICU_LAB',
           trim(l.labname), l.labresult, l.labresulttext, l.labmeasurenamesystem, NULL, 'lab', l.labid, NULL
    FROM raw.lab AS l
    JOIN raw.stays AS s ON s.patientunitstayid = l.patientunitstayid
    WHERE nullif(trim(l.labname), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(x.physicalexamoffset),
           'EICU_PHYSICAL_EXAM', x.physicalexampath, TRY_CAST(x.physicalexamtext AS DOUBLE), x.physicalexamtext,
           NULL, NULL, 'physicalexam', x.physicalexamid, NULL
    FROM raw.physicalexam AS x
    JOIN raw.stays AS s ON s.patientunitstayid = x.patientunitstayid
    WHERE nullif(trim(x.physicalexampath), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(a.admitdxenteredoffset),
           'EICU_ADMISSION_DX', a.admitdxpath, NULL, a.admitdxtext, NULL, NULL, 'admissiondx', a.admissiondxid, NULL
    FROM raw.admissiondx AS a
    JOIN raw.stays AS s ON s.patientunitstayid = a.patientunitstayid
    WHERE nullif(trim(a.admitdxpath), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(v.observationoffset), 'EICU_VITAL',
           m.measure.code, m.measure.num, NULL, NULL, NULL, 'vitalperiodic', v.vitalperiodicid, NULL
    FROM raw.vitalperiodic AS v
    JOIN raw.stays AS s ON s.patientunitstayid = v.patientunitstayid,
         unnest([{'code': 'temperature', 'num': v.temperature}, {'code': 'sao2', 'num': v.sao2},
                 {'code': 'heartrate', 'num': v.heartrate}, {'code': 'respiration', 'num': v.respiration},
                 {'code': 'cvp', 'num': v.cvp}, {'code': 'etco2', 'num': v.etco2},
                 {'code': 'systemicsystolic', 'num': v.systemicsystolic},
                 {'code': 'systemicdiastolic', 'num': v.systemicdiastolic},
                 {'code': 'systemicmean', 'num': v.systemicmean}, {'code': 'pasystolic', 'num': v.pasystolic},
                 {'code': 'padiastolic', 'num': v.padiastolic}, {'code': 'pamean', 'num': v.pamean},
                 {'code': 'st1', 'num': v.st1}, {'code': 'st2', 'num': v.st2}, {'code': 'st3', 'num': v.st3},
                 {'code': 'icp', 'num': v.icp}]) AS m(measure)
    WHERE m.measure.num IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(v.observationoffset), 'EICU_VITAL',
           m.measure.code, m.measure.num, NULL, NULL, NULL, 'vitalaperiodic', v.vitalaperiodicid, NULL
    FROM raw.vitalaperiodic AS v
    JOIN raw.stays AS s ON s.patientunitstayid = v.patientunitstayid,
         unnest([{'code': 'noninvasivesystolic', 'num': v.noninvasivesystolic},
                 {'code': 'noninvasivediastolic', 'num': v.noninvasivediastolic},
                 {'code': 'noninvasivemean', 'num': v.noninvasivemean}, {'code': 'paop', 'num': v.paop},
                 {'code': 'cardiacoutput', 'num': v.cardiacoutput}, {'code': 'cardiacinput', 'num': v.cardiacinput},
                 {'code': 'svr', 'num': v.svr}, {'code': 'svri', 'num': v.svri}, {'code': 'pvr', 'num': v.pvr},
                 {'code': 'pvri', 'num': v.pvri}]) AS m(measure)
    WHERE m.measure.num IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(n.nursingchartoffset),
           'EICU_NURSE_CHART', trim(n.nursingchartcelltypevalname), TRY_CAST(n.nursingchartvalue AS DOUBLE),
           CASE WHEN TRY_CAST(n.nursingchartvalue AS DOUBLE) IS NULL THEN n.nursingchartvalue END, NULL, NULL,
           'nursecharting', n.nursingchartid, NULL
    FROM raw.nursecharting AS n
    JOIN raw.stays AS s ON s.patientunitstayid = n.patientunitstayid
    WHERE nullif(trim(n.nursingchartcelltypevalname), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(i.intakeoutputoffset),
           'EICU_INTAKE_OUTPUT', trim(i.cellpath), i.cellvaluenumeric,
           CASE WHEN i.cellvaluenumeric IS NULL THEN i.cellvaluetext END, NULL, NULL, 'intakeoutput',
           i.intakeoutputid, NULL
    FROM raw.intakeoutput AS i
    JOIN raw.stays AS s ON s.patientunitstayid = i.patientunitstayid
    WHERE nullif(trim(i.cellpath), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(m.culturetakenoffset), 'EICU_MICRO',
           coalesce(nullif(trim(m.antibiotic), ''), nullif(trim(m.organism), ''), trim(m.culturesite)), NULL,
           CASE WHEN nullif(trim(m.antibiotic), '') IS NOT NULL THEN nullif(trim(m.sensitivitylevel), '') END,
           NULL, NULL, 'microlab', m.microlabid,
           CASE WHEN nullif(trim(m.antibiotic), '') IS NOT NULL THEN nullif(trim(m.organism), '')
                WHEN nullif(trim(m.organism), '') IS NOT NULL THEN nullif(trim(m.culturesite), '') END
    FROM raw.microlab AS m
    JOIN raw.stays AS s ON s.patientunitstayid = m.patientunitstayid
    WHERE coalesce(nullif(trim(m.antibiotic), ''), nullif(trim(m.organism), ''), nullif(trim(m.culturesite), ''))
          IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(d.infusionoffset), 'EICU_INFUSION',
           trim(d.drugname), TRY_CAST(d.drugrate AS DOUBLE),
           CASE WHEN TRY_CAST(d.drugrate AS DOUBLE) IS NULL THEN nullif(trim(d.drugrate), '') END,
           nullif(regexp_extract(d.drugname, '\(([^()]*)\)\s*$', 1), ''), NULL, 'infusiondrug', d.infusiondrugid,
           NULL
    FROM raw.infusiondrug AS d
    JOIN raw.stays AS s ON s.patientunitstayid = d.patientunitstayid
    WHERE nullif(trim(d.drugname), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(d.drugoffset), 'EICU_ADMISSION_DRUG',
           coalesce(nullif(trim(d.drughiclseqno), ''), upper(trim(d.drugname))), d.drugdosage, d.drugname,
           nullif(trim(d.drugunit), ''), NULL, 'admissiondrug', d.admissiondrugid, NULL
    FROM raw.admissiondrug AS d
    JOIN raw.stays AS s ON s.patientunitstayid = d.patientunitstayid
    WHERE coalesce(nullif(trim(d.drughiclseqno), ''), nullif(trim(d.drugname), '')) IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(a.allergyoffset), 'EICU_ALLERGY',
           coalesce(nullif(trim(a.drughiclseqno), ''), upper(trim(a.allergyname))), NULL, a.allergyname,
           NULL, NULL, 'allergy', a.allergyid, NULL
    FROM raw.allergy AS a
    JOIN raw.stays AS s ON s.patientunitstayid = a.patientunitstayid
    WHERE coalesce(nullif(trim(a.drughiclseqno), ''), nullif(trim(a.allergyname), '')) IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(h.pasthistoryoffset),
           'EICU_PAST_HISTORY', trim(h.pasthistorypath), NULL, h.pasthistoryvaluetext, NULL, NULL, 'pasthistory',
           h.pasthistoryid, NULL
    FROM raw.pasthistory AS h
    JOIN raw.stays AS s ON s.patientunitstayid = h.patientunitstayid
    WHERE nullif(trim(h.pasthistorypath), '') IS NOT NULL
    UNION ALL
    SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(r.respchartoffset), 'EICU_RESP_CHART',
           trim(r.respchartvaluelabel), TRY_CAST(r.respchartvalue AS DOUBLE),
           CASE WHEN TRY_CAST(r.respchartvalue AS DOUBLE) IS NULL THEN r.respchartvalue END, NULL, NULL,
           'respiratorycharting', r.respchartid, NULL
    FROM raw.respiratorycharting AS r
    JOIN raw.stays AS s ON s.patientunitstayid = r.patientunitstayid
    WHERE nullif(trim(r.respchartvaluelabel), '') IS NOT NULL
)
ORDER BY subject_id, time, source, seq;

-- name: notes
INSERT INTO notes
SELECT s.subject_id, s.hospital_visit_id, s.unit_admit_time + to_minutes(n.noteoffset), n.notetype,
       n.notepath || ': ' || n.notetext,
       s.unit_admit_time + to_minutes(greatest(n.noteoffset, n.noteenteredoffset)),
       row_number() OVER (ORDER BY s.subject_id, s.unit_admit_time + to_minutes(n.noteoffset), n.noteid)
FROM raw.note AS n
JOIN raw.stays AS s ON s.patientunitstayid = n.patientunitstayid
WHERE nullif(trim(n.notetext), '') IS NOT NULL
ORDER BY s.subject_id, s.unit_admit_time + to_minutes(n.noteoffset), n.noteid;
