/* medlake
description: >
  Settings and helpers that keep a large load fast and inside its memory:
  the loader caps DuckDB's memory for the duration of a load (restoring the
  user's setting after), and builds `events` one range of subjects at a time
  so each sort fits in memory (see medlake.etl._tuning).
*/
-- name: memory_limit
SELECT current_setting('memory_limit');

-- name: set_memory_limit
SET memory_limit = $limit;

-- name: subject_bounds
SELECT quantile_disc(subject_id, $fractions) FROM subjects;
