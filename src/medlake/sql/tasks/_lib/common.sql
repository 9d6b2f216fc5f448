/* medlake
description: >
  Building blocks shared by the task files. Each named statement is a SELECT
  over canonical tables; a task that mentions one of these names as a table
  gets it prepended as a CTE (with the blocks it needs in turn), so every task
  query stays one self-contained SELECT. Order matters: a block may use only
  blocks defined above it. A source whose visits differ overrides blocks of
  the same name in _lib/<source>.sql (eicu.sql, omop.sql).
*/
-- name: admissions
-- Hospital admissions of each subject in the lake's timeline (admit time, then
-- discharge time, then id; never id first), with what the next admission looks
-- like. next_uncertain: the next admission starts before this one's discharge
-- (the two overlap), so it is not a stay that follows this one; false when there
-- is no next admission or this one has no discharge time.
SELECT
    v.visit_id,
    v.subject_id,
    v.start_time,
    v.end_time,
    v.died,
    row_number() OVER w AS visit_index,
    lead(v.visit_id) OVER w AS next_visit_id,
    lead(v.start_time) OVER w AS next_start_time,
    lead(v.died) OVER w AS next_died,
    coalesce(lead(v.start_time) OVER w < v.end_time, false) AS next_uncertain
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
    list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), lambda x: x.code) AS codes
FROM visit_codes
GROUP BY visit_id, domain;

-- name: visit_inputs
-- One row per admission: its code lists and whether it is valid (conditions,
-- procedures and drugs all non-empty). array_length, not len: len also measures
-- strings, so other dialects could not tell which one is meant.
SELECT
    a.*,
    coalesce(c.conditions, CAST([] AS VARCHAR[])) AS conditions,
    coalesce(c.procedures, CAST([] AS VARCHAR[])) AS procedures,
    coalesce(c.drugs, CAST([] AS VARCHAR[])) AS drugs,
    coalesce(array_length(c.conditions) > 0 AND array_length(c.procedures) > 0 AND array_length(c.drugs) > 0,
             false) AS valid
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

-- name: meds_events
-- The dataset as MEDS rows (docs/meds.md): codes VOCAB//CODE (a code of vocabulary
-- MEDS alone); subjects give MEDS_BIRTH, MEDS_DEATH and static (time-less) SEX//x
-- and RACE//x rows; a visit gives VISIT//<KIND>//START at its start and
-- VISIT//<KIND>//END at its end (numeric_value 1 when the subject died during the
-- visit, 0 when not; text_value the discharge location). vocab and vcode are the
-- lake's vocabulary and code; tie_rank and seq order the rows of one time (static
-- facts, birth, visit starts, events in their lake order, visit ends, death).
SELECT subject_id, CAST(NULL AS TIMESTAMP) AS time, 'SEX//' || sex AS code, CAST(NULL AS FLOAT) AS numeric_value,
       CAST(NULL AS VARCHAR) AS text_value, CAST(NULL AS VARCHAR) AS unit, CAST(NULL AS BIGINT) AS visit_id,
       CAST(NULL AS BIGINT) AS parent_visit_id, CAST(NULL AS TIMESTAMP) AS end_time,
       'SEX' AS vocab, sex AS vcode, 0 AS tie_rank, CAST(NULL AS BIGINT) AS seq
FROM subjects WHERE sex IS NOT NULL
UNION ALL
SELECT subject_id, NULL, 'RACE//' || race, NULL, NULL, NULL, NULL, NULL, NULL, 'RACE', race, 1, NULL
FROM subjects WHERE race IS NOT NULL
UNION ALL
SELECT subject_id, birth_time, 'MEDS_BIRTH', NULL, NULL, NULL, NULL, NULL, NULL, 'MEDS', 'MEDS_BIRTH', 2, NULL
FROM subjects WHERE birth_time IS NOT NULL
UNION ALL
SELECT subject_id, start_time, 'VISIT//' || upper(kind) || '//START', NULL, NULL, NULL, visit_id, parent_visit_id,
       NULL, 'VISIT', upper(kind) || '//START', 3, NULL
FROM visits WHERE start_time IS NOT NULL
UNION ALL
SELECT subject_id, time, CASE WHEN vocab = 'MEDS' THEN code ELSE vocab || '//' || code END, CAST(numeric_value AS FLOAT),
       text_value, unit, visit_id, NULL, end_time, vocab, code, 4, seq
FROM events
UNION ALL
SELECT subject_id, end_time, 'VISIT//' || upper(kind) || '//END', CASE WHEN died THEN 1 WHEN NOT died THEN 0 END,
       discharge_location, NULL, visit_id,
       parent_visit_id, NULL, 'VISIT', upper(kind) || '//END', 5, NULL
FROM visits WHERE end_time IS NOT NULL
UNION ALL
SELECT subject_id, death_time, 'MEDS_DEATH', NULL, NULL, NULL, NULL, NULL, NULL, 'MEDS', 'MEDS_DEATH', 6, NULL
FROM subjects WHERE death_time IS NOT NULL;

-- name: image_finding_values
-- One row per (image file, finding) of an images dataset with labels (medlake load dicom --layout):
-- ChestX-ray14 labels match an image by its key (file name without extension), CheXpert labels
-- by the image's subject and study (every image of the study shares them). value: 1, 0 or -1.
-- An image is its (path, image_key): one row per file, and the leakage check's copies of a file
-- differ by key. (finding_name, not finding: a task parameter may be called finding.)
SELECT i.path, i.image_key, l.finding AS finding_name, l.value
FROM images AS i
JOIN image_labels AS l ON l.image_key = i.image_key
UNION ALL
SELECT i.path, i.image_key, l.finding AS finding_name, l.value
FROM images AS i
JOIN image_labels AS l ON l.image_key IS NULL AND l.subject_id = i.subject_id AND l.study_id = i.study_id
