/* medlake
description: >
  Staging raw files into typed tables of <dataset>_raw. `target`, `rejects`
  and `key_columns` are placeholders that medlake.etl.base replaces in the
  parsed tree (quoted through sqlglot); file paths and column types are bound
  parameters.
*/
-- name: read_csv
CREATE TABLE target AS
SELECT * FROM read_csv(
    $path,
    header = true,
    auto_detect = false,
    delim = ',',
    quote = '"',
    escape = '"',
    columns = $columns,
    store_rejects = true,
    rejects_table = $rejects_table,
    rejects_scan = $rejects_scan
);

-- name: first_reject
SELECT line, column_name, error_type, csv_line, error_message FROM rejects ORDER BY line LIMIT 1;

-- name: drop_rejects
DROP TABLE IF EXISTS rejects;

-- name: read_parquet
CREATE TABLE target AS SELECT * FROM read_parquet($path);

-- name: parquet_columns
SELECT name, type FROM parquet_schema($path) WHERE name <> 'duckdb_schema' AND num_children IS NULL OR num_children = 0;

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

-- name: drop_schema
DROP SCHEMA IF EXISTS target CASCADE;

-- name: create_schema
CREATE SCHEMA target;

-- name: count_rows
SELECT count(*) FROM target;

-- name: previous_load
SELECT load_id FROM meta.datasets WHERE dataset = $dataset;

-- name: mark_replaced
UPDATE meta.loads SET status = 'replaced' WHERE dataset = $dataset AND status = 'ok';

-- name: record_load
INSERT INTO meta.loads
    (load_id, dataset, source, directory, files, row_counts, started_at, finished_at, status, medlake_version, options)
VALUES
    ($load_id, $dataset, $source, $directory, $files, map($table_names, $table_rows), $started_at, $finished_at,
     'ok', $version, $options);

-- name: next_load_id
SELECT nextval('meta.load_ids');

-- name: record_dataset
INSERT OR REPLACE INTO meta.datasets (dataset, source, load_id, loaded_at) VALUES ($dataset, $source, $load_id, $loaded_at);

-- name: add_column
ALTER TABLE target ADD COLUMN placeholder VARCHAR;

-- name: whole_number_macro
-- Integer columns are read as DOUBLE and cast here, because DuckDB's CSV reader
-- would round "1.5" into an integer column silently; ids past 2^53 are refused
-- rather than read inexactly.
CREATE OR REPLACE TEMP MACRO ml_whole_number(x, col) AS
    CASE
        WHEN x IS NULL OR (x = trunc(x) AND abs(x) < 9007199254740992) THEN CAST(x AS BIGINT)
        ELSE error('medlake:not-whole:' || col || ':' || CAST(x AS VARCHAR))
    END;
