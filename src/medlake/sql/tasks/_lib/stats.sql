/* medlake
description: Sizes of a dataset that task timings depend on (benchmarks/tasks.py reports them).
*/
-- name: counts
SELECT
    (SELECT count(*) FROM subjects) AS subjects,
    (SELECT count(*) FROM visits WHERE kind = 'inpatient') AS admissions,
    (SELECT count(*) FROM events) AS events,
    (SELECT count(*) FROM events WHERE ends_with(vocab, '_LAB')) AS lab_events;
