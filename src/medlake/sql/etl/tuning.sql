/* medlake
description: >
  Settings and helpers that keep a large load fast and inside its memory:
  the loader caps DuckDB's memory and skips FSST string compression for the
  duration of a load (restoring the user's settings after), and builds `events` one range of subjects at a time
  so each sort fits in memory (see medlake.etl._tuning).
*/
-- name: memory_limit
SELECT current_setting('memory_limit');

-- name: set_memory_limit
SET memory_limit = $limit;

-- name: reset_memory_limit
SET memory_limit TO DEFAULT;

-- name: disabled_compression
SELECT current_setting('disabled_compression_methods');

-- name: set_disabled_compression
SET disabled_compression_methods = $methods;

-- name: insertion_order
SELECT current_setting('preserve_insertion_order');

-- name: set_insertion_order
SET preserve_insertion_order = $keep;

-- name: subject_bounds
SELECT quantile_disc(subject_id, $fractions) FROM subjects;
