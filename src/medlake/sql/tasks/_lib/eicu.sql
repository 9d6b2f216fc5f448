/* medlake
description: >
  eICU's versions of the shared blocks of common.sql (same names, same
  columns, plus a few of its own), put in their place when a task runs on an
  eICU dataset. Visits are ICU unit stays in the lake's timeline: unit
  admission, then unit discharge, then id (never patienthealthsystemstayid or
  patientunitstayid first). The loader starts each hospital stay in its
  hospitaldischargeyear, so the timeline follows the year across years, and
  inside one hospital stay it follows unitvisitnumber (tests/test_tasks_eicu.py
  checks both on the demo). `died` is the
  hospital stay's outcome (Expired). A unit stay owns the events of its
  hospital stay timed within it: diagnoses, treatments (as procedures) and
  medications.
*/
-- name: admissions
-- next_uncertain: the release cannot say that the next unit stay is the one
-- that follows this one. True when the next unit stay starts before this one's
-- discharge (overlap), or when it belongs to another hospital stay and this
-- hospital stay or that one shares its discharge year with another hospital
-- stay of the patient: eICU gives hospital stays a year and minute offsets
-- only, so stays of one year have no known order (the loader places them by
-- patienthealthsystemstayid, which is not time). A hospital stay's discharge
-- year is the calendar year of its start_time (where the loader puts it).
-- False when there is no next unit stay.
SELECT
    u.visit_id,
    u.subject_id,
    u.hospital_visit_id,
    u.start_time,
    u.end_time,
    u.died,
    u.visit_index,
    u.next_visit_id,
    u.next_start_time,
    u.next_hospital_visit_id,
    u.next_died,
    u.next_visit_id IS NOT NULL AND (
        coalesce(u.next_start_time < u.end_time, false)
        OR (u.next_hospital_visit_id <> u.hospital_visit_id AND NOT (u.year_alone AND u.next_year_alone))
    ) AS next_uncertain
FROM (
    SELECT
        u.visit_id,
        u.subject_id,
        u.parent_visit_id AS hospital_visit_id,
        u.start_time,
        u.end_time,
        h.died,
        h.year_alone,
        row_number() OVER w AS visit_index,
        lead(u.visit_id) OVER w AS next_visit_id,
        lead(u.start_time) OVER w AS next_start_time,
        lead(u.parent_visit_id) OVER w AS next_hospital_visit_id,
        lead(h.died) OVER w AS next_died,
        lead(h.year_alone) OVER w AS next_year_alone
    FROM visits AS u
    JOIN (
        -- hospital stays, and whether each is its patient's only one in its discharge year
        SELECT
            visit_id,
            subject_id,
            died,
            count(*) OVER (PARTITION BY subject_id, year(start_time)) = 1 AS year_alone
        FROM visits
        WHERE kind = 'inpatient'
    ) AS h ON h.visit_id = u.parent_visit_id AND h.subject_id = u.subject_id
    WHERE u.kind = 'icu' AND u.start_time IS NOT NULL
    WINDOW w AS (PARTITION BY u.subject_id ORDER BY u.start_time, u.end_time, u.visit_id)
) AS u;

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
