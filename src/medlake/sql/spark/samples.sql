/* medlake
description: >
  A task's samples numbered for the point-in-time join on Spark
  (medlake/spark/run.py): __row in the order DuckDB's training sets use
  (the task's order: subject, index time, visit; then sample_id), and
  __index_time. __task is filled in with the task's query; the statement is
  transpiled to Spark SQL like the task.
*/
-- name: numbered
SELECT
    row_number() OVER (ORDER BY subject_id, index_time, visit_id, sample_id) - 1 AS __row,
    index_time AS __index_time,
    *
FROM __task AS t;
