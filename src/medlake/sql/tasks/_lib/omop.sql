/* medlake
description: >
  OMOP's versions of the shared blocks of common.sql (same names, same
  columns, plus a few of its own), put in their place when a task runs on an
  OMOP dataset. Visits are every visit_occurrence row (any kind) in the lake's
  timeline (start, then end, then id; never visit_occurrence_id first); the
  next visit is uncertain (next_uncertain) when it starts before this visit
  ends. A visit "ends in death" when the subject's death is on or before its
  end. A visit's codes are the concepts of the condition_occurrence,
  procedure_occurrence and drug_exposure records linked to it and known by
  its end.
*/
-- name: admissions
SELECT
    v.visit_id,
    v.subject_id,
    v.kind,
    v.start_time,
    v.end_time,
    coalesce(s.death_time <= v.end_time, false) AS died,
    row_number() OVER w AS visit_index,
    lead(v.visit_id) OVER w AS next_visit_id,
    lead(v.start_time) OVER w AS next_start_time,
    lead(v.end_time) OVER w AS next_end_time,
    s.death_time <= lead(v.end_time) OVER w AS next_died,
    coalesce(lead(v.start_time) OVER w < v.end_time, false) AS next_uncertain
FROM visits AS v
LEFT JOIN subjects AS s ON s.subject_id = v.subject_id
WHERE v.start_time IS NOT NULL
WINDOW w AS (PARTITION BY v.subject_id ORDER BY v.start_time, v.end_time, v.visit_id);

-- name: visit_codes
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
JOIN admissions AS v ON v.visit_id = e.visit_id AND v.subject_id = e.subject_id
WHERE e.source IN ('condition_occurrence', 'procedure_occurrence', 'drug_exposure') AND e.time <= v.end_time
GROUP BY e.visit_id, domain, e.code;
