/* medlake
description: >
  eICU's versions of the shared blocks of common.sql (same names, same
  columns, plus a few of its own), put in their place when a task runs on an
  eICU dataset. Visits are ICU unit stays, ordered by hospital stay, then unit
  admission (the unit visit number's order); `died` is the hospital stay's
  outcome (Expired). A unit stay owns the events of its hospital stay timed
  within it: diagnoses, treatments (as procedures) and medications.
*/
-- name: admissions
SELECT
    u.visit_id,
    u.subject_id,
    u.parent_visit_id AS hospital_visit_id,
    u.start_time,
    u.end_time,
    h.died,
    row_number() OVER w AS visit_index,
    lead(u.visit_id) OVER w AS next_visit_id,
    lead(u.start_time) OVER w AS next_start_time,
    lead(u.parent_visit_id) OVER w AS next_hospital_visit_id,
    lead(h.died) OVER w AS next_died
FROM visits AS u
JOIN visits AS h ON h.visit_id = u.parent_visit_id AND h.subject_id = u.subject_id AND h.kind = 'inpatient'
WHERE u.kind = 'icu' AND u.start_time IS NOT NULL
WINDOW w AS (PARTITION BY u.subject_id ORDER BY u.parent_visit_id, u.start_time, u.visit_id);

-- name: visit_codes
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
JOIN admissions AS u ON u.hospital_visit_id = e.visit_id AND u.subject_id = e.subject_id
WHERE e.vocab IN ('ICD9CM', 'ICD10CM', 'EICU_TREATMENT', 'EICU_DRUG')
    AND e.time >= u.start_time AND e.time <= u.end_time
GROUP BY u.visit_id, domain, e.code;
