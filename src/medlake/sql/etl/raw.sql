/* medlake
description: >
  Staging raw files into typed tables of <dataset>_raw. `target`, `rejects`,
  `key_columns`, `read_columns`, `columns` and `new_column` are placeholders that sqlfiles.fill replaces
  in the parsed tree (quoted through sqlglot); file paths and column types are
  bound parameters.
*/
-- name: read_csv
CREATE TABLE target AS
SELECT read_columns FROM read_csv(
    $path,
    header = true,
    auto_detect = false,
    delim = ',',
    quote = '"',
    escape = '"',
    columns = $columns,
    encoding = $encoding,
    store_rejects = true,
    rejects_table = $rejects_table,
    rejects_scan = $rejects_scan
);

-- name: first_reject
SELECT line, column_name, error_type, csv_line, error_message FROM rejects ORDER BY line LIMIT 1;

-- name: drop_rejects
DROP TABLE IF EXISTS rejects;

-- name: read_parquet
CREATE TABLE target AS SELECT read_columns FROM read_parquet($path);

-- name: lossy_parquet_rows
-- the first row (and its value) of each column whose value does not survive its cast
SELECT checks FROM read_parquet($path, file_row_number = true);

-- name: duplicate_key
-- inside the load's transaction rowid starts at a large offset: lines count from the table's first rowid
SELECT key_columns, count(*) AS n,
       min(rowid) - (SELECT min(rowid) FROM target) + 2 AS first_line,
       max(rowid) - (SELECT min(rowid) FROM target) + 2 AS last_line
FROM target
GROUP BY key_columns
HAVING count(*) > 1
ORDER BY first_line
LIMIT 1;

-- name: missing_key
-- the first row whose key column is NULL, as a line (counted like duplicate_key)
SELECT min(rowid) - (SELECT min(rowid) FROM target) + 2 AS line, count(*) AS n
FROM target
WHERE key_column IS NULL
HAVING count(*) > 0;

-- name: drop_schema
DROP SCHEMA IF EXISTS target CASCADE;

-- name: create_schema
CREATE SCHEMA target;

-- name: count_rows
SELECT count(*) FROM target;

-- name: create_table
CREATE TABLE target (columns VARCHAR);

-- name: add_column
ALTER TABLE target ADD COLUMN new_column VARCHAR;

-- name: whole_number_macro
-- Integer columns are read as DOUBLE and cast here, because DuckDB's CSV reader
-- would round "1.5" into an integer column silently; ids past 2^53 are refused
-- rather than read inexactly.
CREATE OR REPLACE TEMP MACRO ml_whole_number(x, col) AS
    CASE
        WHEN x IS NULL OR (x = trunc(x) AND abs(x) < 9007199254740992) THEN CAST(x AS BIGINT)
        ELSE error('medlake:not-whole:' || col || ':' || CAST(x AS VARCHAR))
    END;
