/* medlake
description: >
  Materializing a feature view. featurestore/materialize.py replaces the
  placeholders as trees: target (a table of schema fs), __view (the view's
  query), __features (a point-in-time query) and __key / __event_time (the
  view's entity key and event-time columns). The latest table holds each
  entity's features as of its last activity in the dataset (__fs_last_seen:
  its last event, visit end or birth).
*/
-- name: create_rows
CREATE OR REPLACE TABLE target AS SELECT * FROM __view AS v;

-- name: stage_rows
CREATE OR REPLACE TEMP TABLE __fs_new AS SELECT * FROM __view AS v;

-- name: last_seen_subject
CREATE OR REPLACE TEMP TABLE temp.main.__fs_last_seen AS
SELECT subject_id, max(t) AS as_of
FROM (
    SELECT subject_id, time AS t FROM events
    UNION ALL
    SELECT subject_id, coalesce(end_time, start_time) FROM visits
    UNION ALL
    SELECT subject_id, birth_time FROM subjects
) AS seen
WHERE t IS NOT NULL
GROUP BY subject_id;

-- name: last_seen_visit
CREATE OR REPLACE TEMP TABLE temp.main.__fs_last_seen AS
SELECT visit_id, max(t) AS as_of
FROM (
    SELECT visit_id, time AS t FROM events WHERE visit_id IS NOT NULL
    UNION ALL
    SELECT visit_id, coalesce(end_time, start_time) FROM visits
) AS seen
WHERE t IS NOT NULL
GROUP BY visit_id;

-- name: changed_keys
-- an entity changed when the multiset of its rows did (count and sum of row hashes differ)
-- or when its last activity moved
CREATE OR REPLACE TEMP TABLE __fs_changed AS
SELECT DISTINCT __key FROM (
    SELECT coalesce(a.__key, b.__key) AS __key
    FROM (SELECT __key, count(*) AS n, sum(hash(r)::HUGEINT) AS h FROM __fs_new AS r GROUP BY __key) AS a
    FULL JOIN (SELECT __key, count(*) AS n, sum(hash(r)::HUGEINT) AS h FROM target AS r GROUP BY __key) AS b
        ON a.__key = b.__key
    WHERE a.n IS DISTINCT FROM b.n OR a.h IS DISTINCT FROM b.h
    UNION ALL
    SELECT coalesce(n.__key, l.__key)
    FROM __fs_last_seen AS n
    FULL JOIN latest AS l ON l.__key = n.__key
    WHERE n.as_of IS DISTINCT FROM l.as_of
) AS c;

-- name: count_changed
SELECT count(*) FROM __fs_changed;

-- name: delete_changed
DELETE FROM target WHERE __key IN (SELECT __key FROM __fs_changed);

-- name: insert_changed
INSERT INTO target SELECT * FROM __fs_new WHERE __key IN (SELECT __key FROM __fs_changed);

-- name: latest_samples_all
CREATE OR REPLACE TEMP TABLE __fs_latest_samples AS
SELECT row_number() OVER (ORDER BY __key) - 1 AS __row, __key, as_of AS __index_time
FROM __fs_last_seen;

-- name: latest_samples_changed
CREATE OR REPLACE TEMP TABLE __fs_latest_samples AS
SELECT row_number() OVER (ORDER BY __key) - 1 AS __row, __key, as_of AS __index_time
FROM __fs_last_seen
WHERE __key IN (SELECT __key FROM __fs_changed);

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

-- name: drop_last_seen
DROP TABLE IF EXISTS __fs_last_seen;

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

-- name: materialized_stamp
SELECT count(*), max(updated_at), string_agg(name || '@' || version, ',' ORDER BY name) FROM fs.materializations;

-- name: online_columns
SELECT __key FROM target WHERE __key IS NOT NULL ORDER BY __key;
