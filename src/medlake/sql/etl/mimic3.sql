/* medlake
description: >
  MIMIC-III raw tables (raw.*) -> canonical subjects, visits, events.
  Visits: admissions (inpatient) and ICU stays (icu, parent = admission).
  Diagnoses and procedures have no time of their own: they take the
  admission's discharge time. Prescriptions without an NDC, or with NDC 0,
  are not events. Codes are stored dotted (see etl/macros.sql).
*/
INSERT INTO subjects
SELECT
    p.subject_id,
    p.dob AS birth_time,
    p.gender AS sex,
    arg_max(a.ethnicity, a.admittime) AS race,
    coalesce(max(a.deathtime), p.dod) AS death_time
FROM raw.patients AS p
LEFT JOIN raw.admissions AS a ON a.subject_id = p.subject_id
GROUP BY p.subject_id, p.dob, p.gender, p.dod
ORDER BY p.subject_id;

INSERT INTO visits
SELECT * FROM (
    SELECT
        a.hadm_id AS visit_id,
        a.subject_id,
        'inpatient' AS kind,
        a.admittime AS start_time,
        a.dischtime AS end_time,
        coalesce(a.hospital_expire_flag = 1, a.deathtime IS NOT NULL) AS died,
        a.discharge_location,
        CAST(NULL AS BIGINT) AS parent_visit_id
    FROM raw.admissions AS a
    UNION ALL
    SELECT
        i.icustay_id,
        i.subject_id,
        'icu',
        i.intime,
        i.outtime,
        coalesce(a.deathtime IS NOT NULL AND a.deathtime <= i.outtime, false),
        NULL,
        i.hadm_id
    FROM raw.icustays AS i
    LEFT JOIN raw.admissions AS a ON a.hadm_id = i.hadm_id
)
ORDER BY subject_id, start_time, visit_id;

INSERT INTO events
SELECT * FROM (
    SELECT d.subject_id, d.hadm_id AS visit_id, a.dischtime AS time, 'ICD9CM' AS vocab, ml_icd9cm(d.icd9_code) AS code,
           CAST(NULL AS DOUBLE) AS numeric_value, CAST(NULL AS VARCHAR) AS text_value, CAST(NULL AS VARCHAR) AS unit,
           CAST(NULL AS TIMESTAMP) AS end_time, 'diagnoses_icd' AS source, d.seq_num AS seq, CAST(NULL AS VARCHAR) AS alt_code
    FROM raw.diagnoses_icd AS d
    JOIN raw.admissions AS a ON a.hadm_id = d.hadm_id
    WHERE ml_icd9cm(d.icd9_code) IS NOT NULL
    UNION ALL
    SELECT pr.subject_id, pr.hadm_id, a.dischtime, 'ICD9PROC', ml_icd9proc(pr.icd9_code),
           NULL, NULL, NULL, NULL, 'procedures_icd', pr.seq_num, NULL
    FROM raw.procedures_icd AS pr
    JOIN raw.admissions AS a ON a.hadm_id = pr.hadm_id
    WHERE ml_icd9proc(pr.icd9_code) IS NOT NULL
    UNION ALL
    SELECT rx.subject_id, rx.hadm_id, rx.startdate, 'NDC', ml_ndc(rx.ndc),
           TRY_CAST(rx.dose_val_rx AS DOUBLE), rx.drug, rx.dose_unit_rx, rx.enddate, 'prescriptions', rx.row_id,
           nullif(trim(rx.gsn), '')
    FROM raw.prescriptions AS rx
    WHERE ml_ndc(rx.ndc) IS NOT NULL
    UNION ALL
    SELECT l.subject_id, l.hadm_id, l.charttime, 'MIMIC3_LAB', CAST(l.itemid AS VARCHAR),
           l.valuenum, CASE WHEN l.valuenum IS NULL THEN l.value END, l.valueuom, NULL, 'labevents', l.row_id, NULL
    FROM raw.labevents AS l
)
ORDER BY subject_id, time, source, seq;
