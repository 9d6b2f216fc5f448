/* medlake
description: >
  The parquet export of one dataset (medlake/spark/export.py, `medlake export
  parquet`): each table is copied to its own folder; events is split into
  buckets by a hash of subject_id (a hive `bucket=K` partition folder), so a
  cluster reads one subject's events from one bucket. source_table is filled
  in with the lake table, '__path' with the folder and $buckets with a number
  before the statement runs (COPY takes no bound parameters).
*/
-- name: copy_table
COPY (SELECT * FROM source_table) TO '__path' (FORMAT parquet);

-- name: copy_events
-- rows stay in the lake's order (subject_id, time, seq) inside each bucket
COPY (
    SELECT *, CAST(hash(subject_id) % $buckets AS INTEGER) AS bucket
    FROM source_table
    ORDER BY subject_id, time, seq
) TO '__path' (FORMAT parquet, PARTITION_BY (bucket));

-- name: columns
SELECT column_name AS name, data_type AS type, is_nullable AS nullable
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table
ORDER BY column_index;

-- name: tables
SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = $schema
ORDER BY table_name;
