/* medlake
description: >
  Settings that keep a large load fast and inside its memory (medlake.etl.settings):
  the loader caps DuckDB's memory, skips FSST string compression and keeps
  insertion order for the duration of a load, then restores the user's
  settings; `subject_bounds` cuts subjects into ranges so that the events sort
  fits in memory (medlake.etl.canonical).
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
