/* medlake
description: >
  MIMIC-IV raw tables (raw.*) -> canonical subjects, visits, events, notes.
  Birth is January 1st of anchor_year - anchor_age (MIMIC-IV shifts dates per
  patient and gives only an age at an anchor year). Visits: admissions
  (inpatient), ICU stays (icu), stays in one care unit from transfers (ward:
  10,000,000,000 + transfer_id), periods under one service (service:
  20,000,000,000 + the row's rank by subject, time, admission and service,
  ending at the admission's next service or its discharge), all with parent =
  the admission, and ED stays (ed: 30,000,000,000 + stay_id, parent = the
  admission when there is one). Events of the ed module carry the ED visit;
  all others the admission. ICU items are events coded by itemid in a
  vocabulary per d_items.linksto; rows rewritten by a later row are not
  events. Diagnoses, procedures and DRGs take the admission's discharge time
  (none when the admission does not exist: the load's integrity step,
  etl/integrity.sql, reports such rows and removes their visit); their vocabulary follows
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
    UNION ALL
    SELECT
        10000000000 + t.transfer_id,
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
        20000000000 + row_number() OVER (ORDER BY s.subject_id, s.transfertime, s.hadm_id, s.curr_service,
                                                  s.prev_service),
        s.subject_id,
        'service',
        s.transfertime,
        coalesce(lead(s.transfertime) OVER (PARTITION BY s.hadm_id ORDER BY s.transfertime, s.curr_service),
                 a.dischtime),
        coalesce(a.deathtime >= s.transfertime AND a.deathtime <= coalesce(
            lead(s.transfertime) OVER (PARTITION BY s.hadm_id ORDER BY s.transfertime, s.curr_service),
            a.dischtime), false),
        NULL,
        s.hadm_id
    FROM raw.services AS s
    LEFT JOIN raw.admissions AS a ON a.hadm_id = s.hadm_id
    UNION ALL
    SELECT
        30000000000 + e.stay_id,
        e.subject_id,
        'ed',
        e.intime,
        e.outtime,
        coalesce(upper(trim(e.disposition)) = 'EXPIRED', false),
        nullif(trim(e.disposition), ''),
        e.hadm_id
    FROM raw.edstays AS e
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
    LEFT JOIN raw.admissions AS a ON a.hadm_id = d.hadm_id
    WHERE d.icd_version IN (9, 10) AND ml_strip_code(d.icd_code) IS NOT NULL
    UNION ALL
    SELECT pr.subject_id, pr.hadm_id, a.dischtime,
           CASE pr.icd_version WHEN 9 THEN 'ICD9PROC' ELSE 'ICD10PCS' END,
           CASE pr.icd_version WHEN 9 THEN ml_icd9proc(pr.icd_code) ELSE ml_icd10pcs(pr.icd_code) END,
           NULL, NULL, NULL, NULL, 'procedures_icd', pr.seq_num, NULL
    FROM raw.procedures_icd AS pr
    LEFT JOIN raw.admissions AS a ON a.hadm_id = pr.hadm_id
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
    UNION ALL
    SELECT c.subject_id, c.hadm_id, c.charttime, 'MIMIC4_CHART', CAST(c.itemid AS VARCHAR),
           c.valuenum, CASE WHEN c.valuenum IS NULL THEN c.value END, c.valueuom, NULL, 'chartevents',
           c.rowid - (SELECT min(rowid) FROM raw.chartevents) + 1, NULL
    FROM raw.chartevents AS c
    UNION ALL
    SELECT i.subject_id, i.hadm_id, i.starttime, 'MIMIC4_INPUT', CAST(i.itemid AS VARCHAR),
           i.amount, NULL, i.amountuom, i.endtime, 'inputevents', i.orderid, NULL
    FROM raw.inputevents AS i
    WHERE i.statusdescription IS DISTINCT FROM 'Rewritten'
    UNION ALL
    SELECT i.subject_id, i.hadm_id, i.starttime, 'MIMIC4_INGREDIENT', CAST(i.itemid AS VARCHAR),
           i.amount, NULL, i.amountuom, i.endtime, 'ingredientevents', i.orderid, NULL
    FROM raw.ingredientevents AS i
    WHERE i.statusdescription IS DISTINCT FROM 'Rewritten'
    UNION ALL
    SELECT o.subject_id, o.hadm_id, o.charttime, 'MIMIC4_OUTPUT', CAST(o.itemid AS VARCHAR),
           o.value, NULL, o.valueuom, NULL, 'outputevents', NULL, NULL
    FROM raw.outputevents AS o
    UNION ALL
    SELECT p.subject_id, p.hadm_id, p.starttime, 'MIMIC4_PROCEDURE', CAST(p.itemid AS VARCHAR),
           p.value, NULL, p.valueuom, p.endtime, 'procedureevents', p.orderid, NULL
    FROM raw.procedureevents AS p
    WHERE p.statusdescription IS DISTINCT FROM 'Rewritten'
    UNION ALL
    SELECT d.subject_id, d.hadm_id, d.charttime, 'MIMIC4_DATETIME', CAST(d.itemid AS VARCHAR),
           NULL, d.value, d.valueuom, NULL, 'datetimeevents', NULL, NULL
    FROM raw.datetimeevents AS d
    UNION ALL
    SELECT m.subject_id, m.hadm_id, coalesce(m.charttime, m.chartdate), 'MIMIC4_MICRO',
           CAST(coalesce(m.ab_itemid, m.org_itemid, m.test_itemid, m.spec_itemid) AS VARCHAR), m.dilution_value,
           CASE WHEN m.ab_itemid IS NOT NULL THEN m.interpretation
                WHEN m.org_itemid IS NOT NULL THEN m.org_name
                WHEN m.test_itemid IS NOT NULL THEN m.test_name ELSE m.spec_type_desc END,
           NULL, NULL, 'microbiologyevents', m.microevent_id,
           CAST(CASE WHEN m.ab_itemid IS NOT NULL THEN m.org_itemid
                     WHEN m.org_itemid IS NOT NULL THEN coalesce(m.test_itemid, m.spec_itemid)
                     WHEN m.test_itemid IS NOT NULL THEN m.spec_itemid END AS VARCHAR)
    FROM raw.microbiologyevents AS m
    WHERE coalesce(m.ab_itemid, m.org_itemid, m.test_itemid, m.spec_itemid) IS NOT NULL
    UNION ALL
    SELECT e.subject_id, e.hadm_id, e.charttime, 'MIMIC4_EMAR', trim(e.medication),
           NULL, nullif(trim(e.event_txt), ''), NULL, NULL, 'emar', e.emar_seq, NULL
    FROM raw.emar AS e
    WHERE nullif(trim(e.medication), '') IS NOT NULL
    UNION ALL
    SELECT p.subject_id, p.hadm_id, p.starttime, 'MIMIC4_PHARMACY', trim(p.medication),
           NULL, nullif(trim(p.status), ''), NULL, p.stoptime, 'pharmacy', p.pharmacy_id, NULL
    FROM raw.pharmacy AS p
    WHERE nullif(trim(p.medication), '') IS NOT NULL
    UNION ALL
    SELECT o.subject_id, o.hadm_id, o.ordertime, 'MIMIC4_POE', trim(o.order_type),
           NULL, nullif(trim(o.order_subtype), ''), NULL, NULL, 'poe', o.poe_seq, NULL
    FROM raw.poe AS o
    WHERE nullif(trim(o.order_type), '') IS NOT NULL
    UNION ALL
    SELECT o.subject_id, NULL, CAST(o.chartdate AS TIMESTAMP), 'MIMIC4_OMR', trim(o.result_name),
           TRY_CAST(o.result_value AS DOUBLE), CASE WHEN TRY_CAST(o.result_value AS DOUBLE) IS NULL THEN o.result_value END,
           NULL, NULL, 'omr', o.seq_num, NULL
    FROM raw.omr AS o
    WHERE nullif(trim(o.result_name), '') IS NOT NULL
    UNION ALL
    SELECT h.subject_id, h.hadm_id, coalesce(CAST(h.chartdate AS TIMESTAMP), a.dischtime), 'HCPCS',
           upper(trim(h.hcpcs_cd)), NULL, h.short_description, NULL, NULL, 'hcpcsevents', h.seq_num, NULL
    FROM raw.hcpcsevents AS h
    LEFT JOIN raw.admissions AS a ON a.hadm_id = h.hadm_id
    WHERE nullif(trim(h.hcpcs_cd), '') IS NOT NULL
    UNION ALL
    SELECT d.subject_id, d.hadm_id, a.dischtime,
           CASE upper(trim(d.drg_type)) WHEN 'HCFA' THEN 'DRG_HCFA' WHEN 'MS' THEN 'DRG_MS' WHEN 'APR' THEN 'DRG_APR'
                ELSE 'DRG_OTHER' END,
           trim(d.drg_code), d.drg_severity, d.description, NULL, NULL, 'drgcodes', NULL, NULL
    FROM raw.drgcodes AS d
    LEFT JOIN raw.admissions AS a ON a.hadm_id = d.hadm_id
    WHERE nullif(trim(d.drg_code), '') IS NOT NULL
    UNION ALL
    SELECT t.subject_id, t.hadm_id, t.intime, 'MIMIC4_CAREUNIT', coalesce(nullif(trim(t.careunit), ''), 'UNKNOWN'),
           NULL, NULL, NULL, t.outtime, 'transfers', t.transfer_id, NULL
    FROM raw.transfers AS t
    WHERE t.eventtype IS DISTINCT FROM 'discharge'
    UNION ALL
    SELECT s.subject_id, s.hadm_id, s.transfertime, 'MIMIC4_SERVICE', trim(s.curr_service),
           NULL, nullif(trim(s.prev_service), ''), NULL, NULL, 'services', NULL, NULL
    FROM raw.services AS s
    WHERE nullif(trim(s.curr_service), '') IS NOT NULL
    UNION ALL
    SELECT e.subject_id, 30000000000 + e.stay_id, e.intime, 'MIMIC4_ED_TRIAGE', v.measure.code,
           v.measure.num, v.measure.txt, NULL, NULL, 'ed_triage', e.stay_id, NULL
    FROM raw.ed_triage AS t
    JOIN raw.edstays AS e ON e.stay_id = t.stay_id,
         unnest([{'code': 'temperature', 'num': t.temperature, 'txt': NULL},
                 {'code': 'heartrate', 'num': t.heartrate, 'txt': NULL},
                 {'code': 'resprate', 'num': t.resprate, 'txt': NULL},
                 {'code': 'o2sat', 'num': t.o2sat, 'txt': NULL},
                 {'code': 'sbp', 'num': t.sbp, 'txt': NULL},
                 {'code': 'dbp', 'num': t.dbp, 'txt': NULL},
                 {'code': 'pain', 'num': TRY_CAST(t.pain AS DOUBLE),
                  'txt': CASE WHEN TRY_CAST(t.pain AS DOUBLE) IS NULL THEN nullif(trim(t.pain), '') END},
                 {'code': 'acuity', 'num': t.acuity, 'txt': NULL},
                 {'code': 'chiefcomplaint', 'num': NULL, 'txt': nullif(trim(t.chiefcomplaint), '')}]) AS v(measure)
    WHERE v.measure.num IS NOT NULL OR v.measure.txt IS NOT NULL
    UNION ALL
    SELECT s.subject_id, 30000000000 + s.stay_id, s.charttime, 'MIMIC4_ED_VITAL', v.measure.code,
           v.measure.num, v.measure.txt, NULL, NULL, 'ed_vitalsign', s.stay_id, NULL
    FROM raw.ed_vitalsign AS s,
         unnest([{'code': 'temperature', 'num': s.temperature, 'txt': NULL},
                 {'code': 'heartrate', 'num': s.heartrate, 'txt': NULL},
                 {'code': 'resprate', 'num': s.resprate, 'txt': NULL},
                 {'code': 'o2sat', 'num': s.o2sat, 'txt': NULL},
                 {'code': 'sbp', 'num': s.sbp, 'txt': NULL},
                 {'code': 'dbp', 'num': s.dbp, 'txt': NULL},
                 {'code': 'rhythm', 'num': NULL, 'txt': nullif(trim(s.rhythm), '')},
                 {'code': 'pain', 'num': TRY_CAST(s.pain AS DOUBLE),
                  'txt': CASE WHEN TRY_CAST(s.pain AS DOUBLE) IS NULL THEN nullif(trim(s.pain), '') END}])
             AS v(measure)
    WHERE v.measure.num IS NOT NULL OR v.measure.txt IS NOT NULL
    UNION ALL
    SELECT d.subject_id, 30000000000 + d.stay_id, e.outtime,
           CASE d.icd_version WHEN 9 THEN 'ICD9CM' ELSE 'ICD10CM' END,
           CASE d.icd_version WHEN 9 THEN ml_icd9cm(d.icd_code) ELSE ml_icd10cm(d.icd_code) END,
           NULL, d.icd_title, NULL, NULL, 'ed_diagnosis', d.seq_num, NULL
    FROM raw.ed_diagnosis AS d
    JOIN raw.edstays AS e ON e.stay_id = d.stay_id
    WHERE d.icd_version IN (9, 10) AND ml_strip_code(d.icd_code) IS NOT NULL
    UNION ALL
    SELECT m.subject_id, 30000000000 + m.stay_id, m.charttime, 'MIMIC4_ED_MEDRECON', trim(m.name),
           NULL, m.etcdescription, NULL, NULL, 'ed_medrecon', m.etc_rn, nullif(trim(m.gsn), '')
    FROM raw.ed_medrecon AS m
    WHERE nullif(trim(m.name), '') IS NOT NULL
    UNION ALL
    SELECT p.subject_id, 30000000000 + p.stay_id, p.charttime, 'MIMIC4_ED_PYXIS', trim(p.name),
           NULL, NULL, NULL, NULL, 'ed_pyxis', p.med_rn, nullif(trim(p.gsn), '')
    FROM raw.ed_pyxis AS p
    WHERE nullif(trim(p.name), '') IS NOT NULL
)
ORDER BY subject_id, time, source, seq;

INSERT INTO notes
SELECT subject_id, hadm_id, charttime, note_type, text, greatest(charttime, storetime),
       row_number() OVER (ORDER BY subject_id, charttime, note_id)
FROM (
    SELECT subject_id, hadm_id, charttime, storetime, note_type, text, note_id FROM raw.discharge
    UNION ALL
    SELECT subject_id, hadm_id, charttime, storetime, note_type, text, note_id FROM raw.radiology
)
ORDER BY subject_id, charttime, note_id;
