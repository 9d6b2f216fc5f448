/* medlake
description: >
  Templates of the point-in-time join. featurestore/pit.py parses them and
  fills them in as sqlglot trees: __view becomes the feature view's query,
  __samples the samples relation, __key / __event_time the view's entity key
  and event-time columns, __value a feature's value expression, and
  $lookback a bound INTERVAL. Rows count when their time is <= index_time
  (< when the training set is not inclusive) and >= index_time - lookback.
  A window view that names a `visit` column also leaves out the rows of the
  sample's own visit (not_own_visit). A window view joins samples to rows (window_rows, which also computes each
  feature's condition once as a boolean column) and aggregates per sample
  (window_aggregate). A mean is favg (compensated summation): the rows of a
  window reach the aggregate in whatever order DuckDB's threads scan them,
  and a plain avg of the same values can differ in its last bit from one
  order to another.
*/
-- name: view_rows
SELECT __key AS __key, __event_time AS __time, * FROM __view AS __v WHERE __event_time IS NOT NULL;

-- name: window_rows
SELECT s.__row AS __row, s.__index_time AS __index_time, v.*
FROM __samples AS s
JOIN __rows AS v ON v.__key = s.__key AND v.__time <= s.__index_time;

-- name: window_aggregate
SELECT v.__row
FROM __joined AS v
GROUP BY v.__row, v.__index_time;

-- name: latest_join
SELECT s.__row
FROM __samples AS s
ASOF LEFT JOIN __rows AS v ON v.__key = s.__key AND v.__time <= s.__index_time;

-- name: not_own_visit
-- A row of a view with a `visit` column counts only outside the sample's own visit.
SELECT __visit IS DISTINCT FROM s.visit_id;

-- name: not_before
SELECT v.__time >= s.__index_time - $lookback;

-- name: final
SELECT s.__row FROM __samples AS s ORDER BY s.__row;

-- name: agg_count
SELECT count(__value);

-- name: agg_count_rows
SELECT count(*);

-- name: agg_sum
SELECT sum(__value);

-- name: agg_mean
SELECT favg(__value);

-- name: agg_min
SELECT min(__value);

-- name: agg_max
SELECT max(__value);

-- name: agg_last
SELECT arg_max(__value, {'t': v.__time, 'v': __value});

-- name: agg_first
SELECT arg_min(__value, {'t': v.__time, 'v': __value});

-- name: agg_distinct
SELECT nullif(list_sort(list_distinct(list(__value))), []);

-- name: agg_histogram
SELECT histogram(__value);

-- name: agg_days_since
SELECT epoch(s.__index_time - max(v.__time)) / 86400.0;

-- name: agg_years_since
SELECT epoch(s.__index_time - max(v.__time)) / 86400.0 / 365.25;

-- name: latest_within
SELECT CASE WHEN v.__time >= s.__index_time - $lookback THEN __value END;

-- name: zero_if_missing
SELECT coalesce(__value, 0);
