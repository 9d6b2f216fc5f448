/* medlake
description: Reading and writing the feature-view registry (fs.feature_views) and lake facts it needs.
*/
-- name: fs_ready
SELECT count(*) = 2 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'fs'
  AND table_name IN ('feature_views', 'materializations');

-- name: register
INSERT INTO fs.feature_views (name, version, entity, kind, spec, sql, source_tables, created_at)
VALUES ($name, $version, $entity, $kind, $spec, $sql, $source_tables, now()::TIMESTAMP)
ON CONFLICT DO NOTHING;

-- name: versions
SELECT name, version, entity, kind, spec, sql, source_tables, created_at
FROM fs.feature_views WHERE name = $name ORDER BY created_at, version;

-- name: one_version
SELECT name, version, entity, kind, spec, sql, source_tables, created_at
FROM fs.feature_views WHERE name = $name AND version = $version;

-- name: newest
SELECT name, version, entity, kind, spec, sql, source_tables, created_at
FROM fs.feature_views
QUALIFY row_number() OVER (PARTITION BY name ORDER BY created_at DESC, version) = 1
ORDER BY name;

-- name: unregister
DELETE FROM fs.feature_views WHERE name = $name AND list_contains($versions, version);

-- name: forget_materialization
DELETE FROM fs.materializations WHERE name = $name;

-- name: drop_table
DROP TABLE IF EXISTS target;
