/* medlake
description: >
  Building blocks shared by the task files. Each named statement is a SELECT
  over canonical tables; a task that mentions one of these names as a table
  gets it prepended as a CTE (with the blocks it needs in turn), so every task
  query stays one self-contained SELECT. Order matters: a block may use only
  blocks defined above it.
*/
-- name: admissions
-- Hospital admissions of each subject in chronological order (admit time, then
-- discharge time, then id), with what the next admission looks like.
SELECT
    v.visit_id,
    v.subject_id,
    v.start_time,
    v.end_time,
    v.died,
    row_number() OVER w AS visit_index,
    lead(v.visit_id) OVER w AS next_visit_id,
    lead(v.start_time) OVER w AS next_start_time,
    lead(v.died) OVER w AS next_died
FROM visits AS v
WHERE v.kind = 'inpatient' AND v.start_time IS NOT NULL
WINDOW w AS (PARTITION BY v.subject_id ORDER BY v.start_time, v.end_time, v.visit_id);

-- name: visit_codes
-- Distinct codes of each admission known by its discharge, by domain, with the
-- moment each was first seen: time, then its order inside the source record,
-- packed into one sortable number (microseconds * 2^40 + seq; seq < 2^40),
-- which groups and sorts much faster than a (time, seq) struct.
SELECT
    e.visit_id,
    CASE
        WHEN e.vocab IN ('ICD9CM', 'ICD10CM') THEN 'conditions'
        WHEN e.vocab IN ('ICD9PROC', 'ICD10PCS') THEN 'procedures'
        ELSE 'drugs'
    END AS domain,
    e.code,
    min(epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0)) AS first_seen
FROM events AS e
JOIN admissions AS a ON a.visit_id = e.visit_id AND a.subject_id = e.subject_id
WHERE list_contains(['ICD9CM', 'ICD10CM', 'ICD9PROC', 'ICD10PCS', 'NDC'], e.vocab) AND e.time <= a.end_time
GROUP BY e.visit_id, domain, e.code;

-- name: visit_code_lists
-- Each admission's codes of one domain as a list in first-seen order (ties by
-- code). Sorting a list of structs is much faster than an ordered aggregate.
SELECT
    visit_id,
    domain,
    list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), x -> x.code) AS codes
FROM visit_codes
GROUP BY visit_id, domain;

-- name: visit_inputs
-- One row per admission: its code lists and whether it is valid (conditions,
-- procedures and drugs all non-empty).
SELECT
    a.*,
    coalesce(c.conditions, CAST([] AS VARCHAR[])) AS conditions,
    coalesce(c.procedures, CAST([] AS VARCHAR[])) AS procedures,
    coalesce(c.drugs, CAST([] AS VARCHAR[])) AS drugs,
    coalesce(len(c.conditions) > 0 AND len(c.procedures) > 0 AND len(c.drugs) > 0, false) AS valid
FROM admissions AS a
LEFT JOIN (
    SELECT
        visit_id,
        any_value(codes) FILTER (WHERE domain = 'conditions') AS conditions,
        any_value(codes) FILTER (WHERE domain = 'procedures') AS procedures,
        any_value(codes) FILTER (WHERE domain = 'drugs') AS drugs
    FROM visit_code_lists
    GROUP BY visit_id
) AS c ON c.visit_id = a.visit_id;

-- name: unit_stays
-- eICU: ICU unit stays of each subject ordered by hospital stay, then unit
-- admission (the unit visit number's order), with what the next unit stay
-- looks like; `died` is the stay's hospital discharge status (Expired).
SELECT
    u.visit_id,
    u.subject_id,
    u.parent_visit_id AS hospital_visit_id,
    u.start_time,
    u.end_time,
    h.died,
    row_number() OVER w AS visit_index,
    lead(u.visit_id) OVER w AS next_visit_id,
    lead(u.parent_visit_id) OVER w AS next_hospital_visit_id,
    lead(h.died) OVER w AS next_died
FROM visits AS u
JOIN visits AS h ON h.visit_id = u.parent_visit_id AND h.subject_id = u.subject_id AND h.kind = 'inpatient'
WHERE u.kind = 'icu' AND u.start_time IS NOT NULL
WINDOW w AS (PARTITION BY u.subject_id ORDER BY u.parent_visit_id, u.start_time, u.visit_id);

-- name: unit_stay_codes
-- eICU: distinct codes charted during each unit stay (events carry the
-- hospital stay's id, so a unit stay owns those timed within it): diagnoses,
-- treatments (as procedures) and medications (HICL code, else drug name).
SELECT
    u.visit_id,
    CASE
        WHEN e.vocab IN ('ICD9CM', 'ICD10CM') THEN 'conditions'
        WHEN e.vocab = 'EICU_TREATMENT' THEN 'procedures'
        ELSE 'drugs'
    END AS domain,
    e.code,
    min(epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0)) AS first_seen
FROM events AS e
JOIN unit_stays AS u ON u.hospital_visit_id = e.visit_id AND u.subject_id = e.subject_id
WHERE e.vocab IN ('ICD9CM', 'ICD10CM', 'EICU_TREATMENT', 'EICU_DRUG')
    AND e.time >= u.start_time AND e.time <= u.end_time
GROUP BY u.visit_id, domain, e.code;

-- name: unit_stay_code_lists
-- eICU: each unit stay's codes of one domain in first-seen order.
SELECT
    visit_id,
    domain,
    list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), x -> x.code) AS codes
FROM unit_stay_codes
GROUP BY visit_id, domain;

-- name: unit_stay_inputs
-- eICU: one row per unit stay with its code lists and validity.
SELECT
    u.*,
    coalesce(c.conditions, CAST([] AS VARCHAR[])) AS conditions,
    coalesce(c.procedures, CAST([] AS VARCHAR[])) AS procedures,
    coalesce(c.drugs, CAST([] AS VARCHAR[])) AS drugs,
    coalesce(len(c.conditions) > 0 AND len(c.procedures) > 0 AND len(c.drugs) > 0, false) AS valid
FROM unit_stays AS u
LEFT JOIN (
    SELECT
        visit_id,
        any_value(codes) FILTER (WHERE domain = 'conditions') AS conditions,
        any_value(codes) FILTER (WHERE domain = 'procedures') AS procedures,
        any_value(codes) FILTER (WHERE domain = 'drugs') AS drugs
    FROM unit_stay_code_lists
    GROUP BY visit_id
) AS c ON c.visit_id = u.visit_id;

-- name: omop_visits
-- OMOP: every visit of visit_occurrence (any kind) of each subject in
-- chronological order (start, then end, then id), with the next visit's id,
-- start and end (mortality compares the subject's death with that end).
SELECT
    v.visit_id,
    v.subject_id,
    v.kind,
    v.start_time,
    v.end_time,
    row_number() OVER w AS visit_index,
    lead(v.visit_id) OVER w AS next_visit_id,
    lead(v.start_time) OVER w AS next_start_time,
    lead(v.end_time) OVER w AS next_end_time
FROM visits AS v
WHERE v.start_time IS NOT NULL
WINDOW w AS (PARTITION BY v.subject_id ORDER BY v.start_time, v.end_time, v.visit_id);

-- name: omop_visit_codes
-- OMOP: distinct concept codes of each visit known by its end, by the CDM table
-- they come from (condition_occurrence, procedure_occurrence, drug_exposure),
-- with the moment each was first seen (time, then record id, packed as in
-- visit_codes).
SELECT
    e.visit_id,
    CASE e.source
        WHEN 'condition_occurrence' THEN 'conditions'
        WHEN 'procedure_occurrence' THEN 'procedures'
        ELSE 'drugs'
    END AS domain,
    e.code,
    min(epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0)) AS first_seen
FROM events AS e
JOIN omop_visits AS v ON v.visit_id = e.visit_id AND v.subject_id = e.subject_id
WHERE e.source IN ('condition_occurrence', 'procedure_occurrence', 'drug_exposure') AND e.time <= v.end_time
GROUP BY e.visit_id, domain, e.code;

-- name: omop_visit_code_lists
-- OMOP: each visit's codes of one domain in first-seen order (ties by code).
SELECT
    visit_id,
    domain,
    list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), x -> x.code) AS codes
FROM omop_visit_codes
GROUP BY visit_id, domain;

-- name: omop_visit_inputs
-- OMOP: one row per visit with its code lists and validity (conditions,
-- procedures and drugs all non-empty).
SELECT
    v.*,
    coalesce(c.conditions, CAST([] AS VARCHAR[])) AS conditions,
    coalesce(c.procedures, CAST([] AS VARCHAR[])) AS procedures,
    coalesce(c.drugs, CAST([] AS VARCHAR[])) AS drugs,
    coalesce(len(c.conditions) > 0 AND len(c.procedures) > 0 AND len(c.drugs) > 0, false) AS valid
FROM omop_visits AS v
LEFT JOIN (
    SELECT
        visit_id,
        any_value(codes) FILTER (WHERE domain = 'conditions') AS conditions,
        any_value(codes) FILTER (WHERE domain = 'procedures') AS procedures,
        any_value(codes) FILTER (WHERE domain = 'drugs') AS drugs
    FROM omop_visit_code_lists
    GROUP BY visit_id
) AS c ON c.visit_id = v.visit_id;
