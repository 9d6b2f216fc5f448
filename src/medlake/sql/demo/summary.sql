/* medlake
description: >
  The numbers `make demo` prints about one loaded dataset. Written against
  canonical table names; the demo qualifies them to the dataset's schema.
*/
-- name: counts
SELECT
    (SELECT count(*) FROM subjects) AS subjects,
    (SELECT count(*) FROM visits WHERE kind = 'inpatient') AS admissions,
    (SELECT count(*) FROM visits WHERE kind = 'icu') AS icu_stays,
    (SELECT count(*) FROM visits WHERE kind = 'inpatient' AND died) AS deaths_in_hospital,
    (SELECT count(*) FROM subjects WHERE death_time IS NOT NULL) AS deaths_any_time,
    (SELECT count(*) FROM events) AS events;

-- name: events_by_vocab
SELECT
    vocab,
    count(*) AS events,
    count(DISTINCT code) AS codes,
    count(DISTINCT visit_id) AS visits
FROM events
GROUP BY vocab
ORDER BY events DESC, vocab;

-- name: events_in_order
SELECT subject_id, time, source, seq, code FROM events;
