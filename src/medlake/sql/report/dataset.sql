/* medlake
description: >
  The distributions the HTML report draws for one dataset (medlake.report).
  Written against canonical table names; qualified to the dataset when run.
*/
-- name: sex
SELECT coalesce(sex, 'unknown') AS sex, count(*) AS subjects FROM subjects GROUP BY ALL ORDER BY subjects DESC, sex;

-- name: age_at_first_visit
-- years from birth to the subject's first visit (subjects with a birth time and a visit)
SELECT date_diff('day', s.birth_time, min(v.start_time)) / 365.25 AS age
FROM subjects AS s
JOIN visits AS v ON v.subject_id = s.subject_id
WHERE s.birth_time IS NOT NULL AND v.start_time IS NOT NULL
GROUP BY s.subject_id, s.birth_time;

-- name: events_per_subject
SELECT s.subject_id, count(e.subject_id) AS events
FROM subjects AS s
LEFT JOIN events AS e ON e.subject_id = s.subject_id
GROUP BY s.subject_id;
