/* medlake
description: "What the lake holds: datasets, tables, views and loads (lake.info(), Database.datasets())."
*/
-- name: datasets
SELECT dataset, source, load_id, loaded_at FROM meta.datasets ORDER BY dataset;

-- name: tables
SELECT schema_name AS "schema", table_name AS "table", estimated_size AS "rows"
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name IN (SELECT unnest($schemas::VARCHAR[]))
ORDER BY schema_name, table_name;

-- name: views
SELECT schema_name AS "schema", view_name AS "view"
FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND schema_name IN (SELECT unnest($schemas::VARCHAR[]))
ORDER BY schema_name, view_name;

-- name: loads
SELECT load_id, dataset, source, directory, started_at, finished_at,
       date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds,
       status, medlake_version,
       list_sum(list_transform(map_values(row_counts), lambda x: x)) AS rows_written
FROM meta.loads ORDER BY load_id;

-- name: schema_exists
SELECT count(*) > 0 FROM duckdb_schemas() WHERE database_name = current_database() AND schema_name = $schema;

-- name: table_exists
SELECT count(*) > 0 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table;

-- name: catalog
SELECT current_database();

-- name: read_table
-- source_table is filled in with a table or view of the lake
SELECT * FROM source_table;

-- name: checkpoint
-- writes what is committed
CHECKPOINT;

-- name: scratch_table
-- a checkpoint gives back the file's free tail only when it has something to write (DuckDB 1.x/2.x):
-- a throwaway table made and dropped before it gives it that (docs/reliability.md has the figures)
CREATE TABLE meta.scratch_after_interrupted_load (x INTEGER);

-- name: drop_scratch_table
DROP TABLE meta.scratch_after_interrupted_load;
