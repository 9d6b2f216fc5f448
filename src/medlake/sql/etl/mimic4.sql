/* medlake
description: >
  MIMIC-IV raw tables (raw.*) -> canonical subjects, visits, events.
  Birth is January 1st of anchor_year - anchor_age (MIMIC-IV shifts dates per
  patient and gives only an age at an anchor year). Visits: admissions
  (inpatient) and ICU stays (icu, parent = admission). Diagnoses and
  procedures take the admission's discharge time; their vocabulary follows
  icd_version (9 or 10; the loader rejects any other value before this runs,
  see etl/mimic4_checks.sql). Prescriptions are NDC events at starttime; rows
  without an NDC, or with NDC 0, are not events; the first GSN of the row goes
  to alt_code. seq is seq_num for diagnoses and
  procedures, labevent_id for labs, and the row's position in the file
  (1-based) for prescriptions, which have no row id; rowid is taken relative to
  the table's first rowid because it starts at a large offset inside the load's
  transaction. Codes are stored dotted (etl/macros.sql).
*/
INSERT INTO subjects
SELECT
    p.subject_id,
    make_timestamp(p.anchor_year - p.anchor_age, 1, 1, 0, 0, 0) AS birth_time,
    p.gender AS sex,
    arg_max(a.race, a.admittime) AS race,
    coalesce(max(a.deathtime), CAST(p.dod AS TIMESTAMP)) AS death_time
FROM raw.patients AS p
LEFT JOIN raw.admissions AS a ON a.subject_id = p.subject_id
GROUP BY p.subject_id, p.anchor_year, p.anchor_age, p.gender, p.dod
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
        i.stay_id,
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
    SELECT d.subject_id, d.hadm_id AS visit_id, a.dischtime AS time,
           CASE d.icd_version WHEN 9 THEN 'ICD9CM' ELSE 'ICD10CM' END AS vocab,
           CASE d.icd_version WHEN 9 THEN ml_icd9cm(d.icd_code) ELSE ml_icd10cm(d.icd_code) END AS code,
           CAST(NULL AS DOUBLE) AS numeric_value, CAST(NULL AS VARCHAR) AS text_value, CAST(NULL AS VARCHAR) AS unit,
           CAST(NULL AS TIMESTAMP) AS end_time, 'diagnoses_icd' AS source, d.seq_num AS seq,
           CAST(NULL AS VARCHAR) AS alt_code
    FROM raw.diagnoses_icd AS d
    JOIN raw.admissions AS a ON a.hadm_id = d.hadm_id
    WHERE d.icd_version IN (9, 10) AND ml_strip_code(d.icd_code) IS NOT NULL
    UNION ALL
    SELECT pr.subject_id, pr.hadm_id, a.dischtime,
           CASE pr.icd_version WHEN 9 THEN 'ICD9PROC' ELSE 'ICD10PCS' END,
           CASE pr.icd_version WHEN 9 THEN ml_icd9proc(pr.icd_code) ELSE ml_icd10pcs(pr.icd_code) END,
           NULL, NULL, NULL, NULL, 'procedures_icd', pr.seq_num, NULL
    FROM raw.procedures_icd AS pr
    JOIN raw.admissions AS a ON a.hadm_id = pr.hadm_id
    WHERE pr.icd_version IN (9, 10) AND ml_strip_code(pr.icd_code) IS NOT NULL
    UNION ALL
    SELECT rx.subject_id, rx.hadm_id, rx.starttime, 'NDC', ml_ndc(rx.ndc),
           TRY_CAST(rx.dose_val_rx AS DOUBLE), rx.drug, rx.dose_unit_rx, rx.stoptime, 'prescriptions',
           rx.rowid - (SELECT min(rowid) FROM raw.prescriptions) + 1,
           nullif(split_part(trim(rx.gsn), ' ', 1), '')
    FROM raw.prescriptions AS rx
    WHERE ml_ndc(rx.ndc) IS NOT NULL
    UNION ALL
    SELECT l.subject_id, l.hadm_id, l.charttime, 'MIMIC4_LAB', CAST(l.itemid AS VARCHAR),
           l.valuenum, CASE WHEN l.valuenum IS NULL THEN l.value END, l.valueuom, NULL, 'labevents',
           coalesce(l.labevent_id, l.rowid - (SELECT min(rowid) FROM raw.labevents) + 1), NULL
    FROM raw.labevents AS l
)
ORDER BY subject_id, time, source, seq;
