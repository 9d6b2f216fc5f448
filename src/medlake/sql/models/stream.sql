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

-- name: encode_series
SELECT coalesce(list_transform(source_column, lambda s: coalesce(CAST(enum_code(TRY_CAST(s.code AS code_enum)) AS INTEGER), 1)), [])[-$max_len:] AS ids,
       coalesce(list_transform(source_column, lambda s: CAST(coalesce(s.value, 0) AS FLOAT)), [])[-$max_len:] AS vals,
       coalesce(list_transform(source_column, lambda s: CAST(coalesce(s.hours, 0) AS FLOAT)), [])[-$max_len:] AS hours
FROM samples;

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
