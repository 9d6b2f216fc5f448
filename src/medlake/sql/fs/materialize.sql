/* medlake
description: >
  Materializing a feature view. featurestore/materialize.py replaces the
  placeholders as trees: target (a table of schema fs), __view (the view's
  query), __features (a point-in-time query) and __key / __event_time (the
  view's entity key and event-time columns).
*/
-- name: create_rows
CREATE OR REPLACE TABLE target AS SELECT * FROM __view AS v;

-- name: stage_rows
CREATE OR REPLACE TEMP TABLE __fs_new AS SELECT * FROM __view AS v;

-- name: changed_keys
CREATE OR REPLACE TEMP TABLE __fs_changed AS
SELECT DISTINCT __key FROM (
    (SELECT * FROM __fs_new EXCEPT ALL SELECT * FROM target)
    UNION ALL
    (SELECT * FROM target EXCEPT ALL SELECT * FROM __fs_new)
) AS d;

-- name: count_changed
SELECT count(*) FROM __fs_changed;

-- name: delete_changed
DELETE FROM target WHERE __key IN (SELECT __key FROM __fs_changed);

-- name: insert_changed
INSERT INTO target SELECT * FROM __fs_new WHERE __key IN (SELECT __key FROM __fs_changed);

-- name: latest_samples_all
CREATE OR REPLACE TEMP TABLE __fs_latest_samples AS
SELECT row_number() OVER (ORDER BY __key) - 1 AS __row, __key, max(__event_time) AS __index_time
FROM __fs_new WHERE __event_time IS NOT NULL GROUP BY __key;

-- name: latest_samples_changed
CREATE OR REPLACE TEMP TABLE __fs_latest_samples AS
SELECT row_number() OVER (ORDER BY __key) - 1 AS __row, __key, max(__event_time) AS __index_time
FROM __fs_new WHERE __event_time IS NOT NULL AND __key IN (SELECT __key FROM __fs_changed) GROUP BY __key;

-- name: create_latest
CREATE OR REPLACE TABLE target AS SELECT * EXCLUDE (__row) FROM __features AS f;

-- name: insert_latest
INSERT INTO target SELECT * EXCLUDE (__row) FROM __features AS f;

-- name: counts
SELECT count(*) AS row_count, count(DISTINCT __key) AS entity_count FROM target;

-- name: drop_new
DROP TABLE IF EXISTS __fs_new;

-- name: drop_changed
DROP TABLE IF EXISTS __fs_changed;

-- name: drop_latest_samples
DROP TABLE IF EXISTS __fs_latest_samples;

-- name: record
INSERT OR REPLACE INTO fs.materializations
    (name, version, dataset, rows_table, latest_table, load_ids, row_count, entity_count, last_mode,
     changed_entities, updated_at)
VALUES ($name, $version, $dataset, $rows_table, $latest_table, $load_ids, $row_count, $entity_count, $mode,
        $changed, now()::TIMESTAMP);

-- name: get_record
SELECT name, version, dataset, rows_table, latest_table, load_ids, row_count, entity_count, last_mode,
       changed_entities, updated_at
FROM fs.materializations WHERE name = $name;

-- name: online
SELECT k.__key FROM (SELECT unnest($entity_ids::BIGINT[]) AS __key, generate_subscripts($entity_ids::BIGINT[], 1) AS __pos) AS k
ORDER BY k.__pos;
