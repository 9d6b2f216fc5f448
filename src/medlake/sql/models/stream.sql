/* medlake
description: >
  Samples -> integer ids, run on the private in-memory DuckDB connection of a
  medlake.models stream, where the samples are registered as the Arrow table
  `samples`, a vocabulary as `vocab_codes` (id, code) and the stream's row
  index as `sample_index`. `source_column` is a placeholder that
  medlake.models.sqlparts replaces with the real, quoted column name; values
  (split names, seeds, sizes) are bound parameters.
*/
-- name: split_rows
SELECT * FROM samples WHERE split = $split;

-- name: count_codes
SELECT code, count(*) AS n
FROM (SELECT unnest(source_column) AS code FROM samples WHERE split = $split)
WHERE code IS NOT NULL
GROUP BY code
HAVING count(*) >= $min_count
ORDER BY n DESC, code;

-- name: count_nested_codes
SELECT code, count(*) AS n
FROM (SELECT unnest(flatten(source_column)) AS code FROM samples WHERE split = $split)
WHERE code IS NOT NULL
GROUP BY code
HAVING count(*) >= $min_count
ORDER BY n DESC, code;

-- name: count_series_codes
SELECT code, count(*) AS n
FROM (SELECT unnest(list_transform(source_column, lambda s: s.code)) AS code FROM samples WHERE split = $split)
WHERE code IS NOT NULL
GROUP BY code
HAVING count(*) >= $min_count
ORDER BY n DESC, code;

-- name: count_categories
SELECT CAST(source_column AS VARCHAR) AS code, count(*) AS n
FROM samples
WHERE split = $split AND source_column IS NOT NULL
GROUP BY code
HAVING count(*) >= $min_count
ORDER BY n DESC, code;

-- name: numeric_stats
SELECT coalesce(avg(CAST(source_column AS DOUBLE)), 0) AS mean,
       coalesce(stddev_pop(CAST(source_column AS DOUBLE)), 0) AS std
FROM samples WHERE split = $split;

-- name: label_classes
SELECT DISTINCT CAST(source_column AS VARCHAR) AS code FROM samples WHERE source_column IS NOT NULL ORDER BY code;

-- name: label_count
SELECT coalesce(max(CAST(source_column AS BIGINT)), -1) + 1 AS n FROM samples;

-- name: label_classes_multilabel
SELECT DISTINCT code FROM (SELECT unnest(source_column) AS code FROM samples) WHERE code IS NOT NULL ORDER BY code;

-- name: make_code_enum
CREATE OR REPLACE TYPE code_enum AS ENUM (SELECT code FROM vocab_codes ORDER BY id);

-- name: encode_codes
SELECT coalesce(list_transform(TRY_CAST(source_column AS code_enum[]), lambda e: coalesce(CAST(enum_code(e) AS INTEGER), 1)), [])[-$max_len:] AS ids
FROM samples;

-- name: encode_nested_codes
SELECT list_transform(
         coalesce(TRY_CAST(source_column AS code_enum[][]), [])[-$max_visits:],
         lambda v: coalesce(list_transform(v, lambda e: coalesce(CAST(enum_code(e) AS INTEGER), 1)), [])[-$max_len:]
       ) AS ids
FROM samples;

-- name: series_value_stats
-- Mean and spread of each code's numeric values in the training split (NULL
-- values left out), and the same over every code of the column (code NULL).
SELECT code, avg(value) AS mean, stddev_pop(value) AS std, count(value) AS n
FROM (SELECT s.code AS code, CAST(s.value AS DOUBLE) AS value
      FROM (SELECT unnest(source_column) AS s FROM samples WHERE split = $split))
GROUP BY GROUPING SETS ((code), ())
ORDER BY code NULLS FIRST;

-- name: series_hours_scale
-- The 95th percentile of |hours| in the training split: the stream divides hours by it.
SELECT quantile_cont(abs(CAST(s.hours AS DOUBLE)), 0.95) AS scale
FROM (SELECT unnest(source_column) AS s FROM samples WHERE split = $split);

-- name: encode_series
-- Each element's code id; its value standardized with its code's training mean
-- and spread ($means[id + 1], $scales[id + 1]: lists in vocabulary order) and
-- clipped to +-$clip, 0 when the value is missing; hours divided by
-- $hours_scale; and whether the value is present.
SELECT ids[-$max_len:] AS ids,
       list_transform(items, lambda s, i: CAST(CASE WHEN s.value IS NULL THEN 0
           ELSE greatest(-$clip, least($clip, (CAST(s.value AS DOUBLE) - $means[ids[i] + 1]) / $scales[ids[i] + 1]))
           END AS FLOAT))[-$max_len:] AS vals,
       list_transform(items, lambda s: CAST(coalesce(CAST(s.hours AS DOUBLE), 0) / $hours_scale AS FLOAT))[-$max_len:]
           AS hours,
       list_transform(items, lambda s: s.value IS NOT NULL)[-$max_len:] AS known
FROM (SELECT items, list_transform(items, lambda s: coalesce(CAST(enum_code(TRY_CAST(s.code AS code_enum)) AS INTEGER), 1)) AS ids
      FROM (SELECT coalesce(source_column, []) AS items FROM samples));

-- name: encode_category
SELECT coalesce(CAST(enum_code(TRY_CAST(CAST(source_column AS VARCHAR) AS code_enum)) AS INTEGER), 1) AS ids FROM samples;

-- name: encode_numeric
SELECT CAST(coalesce((CAST(source_column AS DOUBLE) - $mean) / $scale, 0) AS FLOAT) AS vals FROM samples;

-- name: encode_label_float
SELECT CAST(source_column AS FLOAT) AS vals FROM samples;

-- name: encode_label_class
SELECT coalesce(CAST(enum_code(TRY_CAST(CAST(source_column AS VARCHAR) AS code_enum)) AS INTEGER), -1) AS ids FROM samples;

-- name: encode_label_index
SELECT coalesce(CAST(source_column AS INTEGER), -1) AS ids FROM samples;

-- name: encode_label_set
SELECT list_filter(list_transform(TRY_CAST(source_column AS code_enum[]), lambda e: CAST(enum_code(e) AS INTEGER)), lambda i: i IS NOT NULL) AS ids
FROM samples;

-- name: epoch_order
-- The epoch's permutation of the stream's rows: by a hash of sample id, seed and
-- epoch when shuffling (row number breaks ties), else in row order. The stream
-- deals this one order out to ranks and workers.
SELECT sample_row
FROM sample_index
ORDER BY CASE WHEN $shuffle THEN hash(sample_id, $seed, $epoch) ELSE 0 END, sample_row;
