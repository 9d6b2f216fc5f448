/* medlake
description: >
  Adds a `split` column to a task's samples. `samples` is a placeholder CTE
  that medlake.tasks fills with the task query. Subjects are ranked by the MD5
  of "seed:subject_id" (stable across DuckDB versions and engines), and the
  first round(n * train) go to train, the next round(n * (train + val)) - that
  to val, the rest to test; so a subject's samples all share one split.
*/
-- name: split
WITH ranked AS (
    SELECT
        subject_id,
        row_number() OVER (ORDER BY md5(concat(CAST($split_seed AS VARCHAR), ':', subject_id)), subject_id) AS r,
        count(*) OVER () AS n
    FROM (SELECT DISTINCT subject_id FROM samples)
)
SELECT
    s.*,
    CASE
        WHEN k.r <= round(k.n * $split_train) THEN 'train'
        WHEN k.r <= round(k.n * ($split_train + $split_val)) THEN 'val'
        ELSE 'test'
    END AS split
FROM samples AS s
JOIN ranked AS k ON k.subject_id = s.subject_id
ORDER BY s.subject_id, s.index_time, s.sample_id

-- name: count_samples
-- task_samples is filled in with the task's query, run with other parameter values
SELECT count(*) AS n FROM task_samples AS samples;
