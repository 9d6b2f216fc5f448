/* medlake
description: >
  MIMIC-III raw tables (raw.*) -> canonical subjects, visits, events, notes.
  Visits: admissions (inpatient), ICU stays (icu), stays in one care unit or
  ward from TRANSFERS (ward: 10,000,000,000 + row_id) and periods under one
  service from SERVICES (service: 20,000,000,000 + row_id, ending at the next
  service or the discharge); all but admissions have parent = the admission.
  Diagnoses, procedures, DRGs and ICU CPT codes have no time of their own:
  they take the admission's discharge time. Prescriptions without an NDC, or
  with NDC 0, are not events. ICU items (chart, input, output, procedure,
  datetime) are events coded by itemid in a vocabulary per D_ITEMS.linksto;
  rows flagged as errors, and MetaVision rows rewritten by a later row, are
  not events. A billing code naming an admission that does not exist has no
  time; the load's integrity step (etl/integrity.sql) reports it and removes
  its visit. Notes go to notes, available from their storetime, else their
  charttime, else the end of their chartdate (a discharge summary has only a
  date). Codes are stored dotted (etl/macros.sql);
  docs/etl.md has the table-by-table mapping.
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
    UNION ALL
    SELECT
        10000000000 + t.row_id,
        t.subject_id,
        'ward',
        t.intime,
        t.outtime,
        coalesce(a.deathtime >= t.intime AND a.deathtime <= t.outtime, false),
        NULL,
        t.hadm_id
    FROM raw.transfers AS t
    LEFT JOIN raw.admissions AS a ON a.hadm_id = t.hadm_id
    WHERE t.eventtype IS DISTINCT FROM 'discharge'
    UNION ALL
    SELECT
        20000000000 + s.row_id,
        s.subject_id,
        'service',
        s.transfertime,
        coalesce(lead(s.transfertime) OVER (PARTITION BY s.hadm_id ORDER BY s.transfertime, s.row_id), a.dischtime),
        coalesce(a.deathtime >= s.transfertime AND a.deathtime <= coalesce(
            lead(s.transfertime) OVER (PARTITION BY s.hadm_id ORDER BY s.transfertime, s.row_id), a.dischtime), false),
        NULL,
        s.hadm_id
    FROM raw.services AS s
    LEFT JOIN raw.admissions AS a ON a.hadm_id = s.hadm_id
)
ORDER BY subject_id, start_time, visit_id;

INSERT INTO events
SELECT * FROM (
    SELECT d.subject_id, d.hadm_id AS visit_id, a.dischtime AS time, 'ICD9CM' AS vocab, ml_icd9cm(d.icd9_code) AS code,
           CAST(NULL AS DOUBLE) AS numeric_value, CAST(NULL AS VARCHAR) AS text_value, CAST(NULL AS VARCHAR) AS unit,
           CAST(NULL AS TIMESTAMP) AS end_time, 'diagnoses_icd' AS source, d.seq_num AS seq, CAST(NULL AS VARCHAR) AS alt_code
    FROM raw.diagnoses_icd AS d
    LEFT JOIN raw.admissions AS a ON a.hadm_id = d.hadm_id
    WHERE ml_icd9cm(d.icd9_code) IS NOT NULL
    UNION ALL
    SELECT pr.subject_id, pr.hadm_id, a.dischtime, 'ICD9PROC', ml_icd9proc(pr.icd9_code),
           NULL, NULL, NULL, NULL, 'procedures_icd', pr.seq_num, NULL
    FROM raw.procedures_icd AS pr
    LEFT JOIN raw.admissions AS a ON a.hadm_id = pr.hadm_id
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
    UNION ALL
    SELECT c.subject_id, c.hadm_id, c.charttime, 'MIMIC3_CHART', CAST(c.itemid AS VARCHAR),
           c.valuenum, CASE WHEN c.valuenum IS NULL THEN c.value END, c.valueuom, NULL, 'chartevents', c.row_id, NULL
    FROM raw.chartevents AS c
    WHERE c.error IS DISTINCT FROM 1
    UNION ALL
    SELECT i.subject_id, i.hadm_id, i.charttime, 'MIMIC3_INPUT', CAST(i.itemid AS VARCHAR),
           coalesce(i.amount, i.rate), NULL, CASE WHEN i.amount IS NULL THEN i.rateuom ELSE i.amountuom END, NULL,
           'inputevents_cv', i.row_id, NULL
    FROM raw.inputevents_cv AS i
    UNION ALL
    SELECT i.subject_id, i.hadm_id, i.starttime, 'MIMIC3_INPUT', CAST(i.itemid AS VARCHAR),
           i.amount, NULL, i.amountuom, i.endtime, 'inputevents_mv', i.row_id, NULL
    FROM raw.inputevents_mv AS i
    WHERE i.statusdescription IS DISTINCT FROM 'Rewritten'
    UNION ALL
    SELECT o.subject_id, o.hadm_id, o.charttime, 'MIMIC3_OUTPUT', CAST(o.itemid AS VARCHAR),
           o.value, NULL, o.valueuom, NULL, 'outputevents', o.row_id, NULL
    FROM raw.outputevents AS o
    WHERE o.iserror IS DISTINCT FROM 1
    UNION ALL
    SELECT p.subject_id, p.hadm_id, p.starttime, 'MIMIC3_PROCEDURE', CAST(p.itemid AS VARCHAR),
           p.value, NULL, p.valueuom, p.endtime, 'procedureevents_mv', p.row_id, NULL
    FROM raw.procedureevents_mv AS p
    WHERE p.statusdescription IS DISTINCT FROM 'Rewritten'
    UNION ALL
    SELECT d.subject_id, d.hadm_id, d.charttime, 'MIMIC3_DATETIME', CAST(d.itemid AS VARCHAR),
           NULL, d.value, d.valueuom, NULL, 'datetimeevents', d.row_id, NULL
    FROM raw.datetimeevents AS d
    WHERE d.error IS DISTINCT FROM 1
    UNION ALL
    SELECT m.subject_id, m.hadm_id, coalesce(m.charttime, m.chartdate), 'MIMIC3_MICRO',
           CAST(coalesce(m.ab_itemid, m.org_itemid, m.spec_itemid) AS VARCHAR), m.dilution_value,
           CASE WHEN m.ab_itemid IS NOT NULL THEN m.interpretation
                WHEN m.org_itemid IS NOT NULL THEN m.org_name ELSE m.spec_type_desc END,
           NULL, NULL, 'microbiologyevents', m.row_id,
           CAST(CASE WHEN m.ab_itemid IS NOT NULL THEN m.org_itemid
                     WHEN m.org_itemid IS NOT NULL THEN m.spec_itemid END AS VARCHAR)
    FROM raw.microbiologyevents AS m
    WHERE coalesce(m.ab_itemid, m.org_itemid, m.spec_itemid) IS NOT NULL
    UNION ALL
    SELECT t.subject_id, t.hadm_id, t.intime, 'MIMIC3_CAREUNIT', coalesce(nullif(trim(t.curr_careunit), ''), 'WARD'),
           NULL, CAST(t.curr_wardid AS VARCHAR), NULL, t.outtime, 'transfers', t.row_id, NULL
    FROM raw.transfers AS t
    WHERE t.eventtype IS DISTINCT FROM 'discharge'
    UNION ALL
    SELECT s.subject_id, s.hadm_id, s.transfertime, 'MIMIC3_SERVICE', trim(s.curr_service),
           NULL, nullif(trim(s.prev_service), ''), NULL, NULL, 'services', s.row_id, NULL
    FROM raw.services AS s
    WHERE nullif(trim(s.curr_service), '') IS NOT NULL
    UNION ALL
    SELECT c.subject_id, c.hadm_id, coalesce(c.chartdate, a.dischtime), 'CPT4', upper(trim(c.cpt_cd)),
           NULL, c.description, NULL, NULL, 'cptevents', c.row_id, NULL
    FROM raw.cptevents AS c
    LEFT JOIN raw.admissions AS a ON a.hadm_id = c.hadm_id
    WHERE nullif(trim(c.cpt_cd), '') IS NOT NULL
    UNION ALL
    SELECT d.subject_id, d.hadm_id, a.dischtime,
           CASE upper(trim(d.drg_type)) WHEN 'HCFA' THEN 'DRG_HCFA' WHEN 'MS' THEN 'DRG_MS' WHEN 'APR' THEN 'DRG_APR'
                ELSE 'DRG_OTHER' END,
           trim(d.drg_code), d.drg_severity, d.description, NULL, NULL, 'drgcodes', d.row_id, NULL
    FROM raw.drgcodes AS d
    LEFT JOIN raw.admissions AS a ON a.hadm_id = d.hadm_id
    WHERE nullif(trim(d.drg_code), '') IS NOT NULL
)
ORDER BY subject_id, time, source, seq;

INSERT INTO notes
SELECT n.subject_id, n.hadm_id, coalesce(n.charttime, n.chartdate), n.category, n.text,
       greatest(n.storetime, n.charttime, CASE WHEN n.charttime IS NULL THEN n.chartdate + INTERVAL 1 DAY END),
       row_number() OVER (ORDER BY n.subject_id, coalesce(n.charttime, n.chartdate), n.row_id)
FROM raw.noteevents AS n
WHERE n.iserror IS DISTINCT FROM 1
ORDER BY n.subject_id, coalesce(n.charttime, n.chartdate), n.row_id;
