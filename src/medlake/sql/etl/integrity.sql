/* medlake
description: >
  Referential integrity of a load (medlake.etl.integrity, docs/reliability.md).
  Raw tables: `target` is a raw table, `id_column` an id column of it, `parent`
  the raw table that defines the ids (the source's subject table). Lines count
  like the CSV file (the header is line 1) and are right only for tables staged
  in file order. Canonical tables are written unqualified (qualified to the
  dataset's schema): a subject's or visit's id is at least 1; visits, events
  and notes need a subject in `subjects`; a visit, event or note naming a visit
  (or parent visit) not in `visits` keeps its subject and loses the link.
*/
-- name: tables_with_column
SELECT table_name FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = $schema AND column_name = $column
ORDER BY table_name;

-- name: ids_below_one
SELECT count(*) AS n,
       arg_min(CAST(id_column AS VARCHAR), rowid) AS example,
       min(rowid) - (SELECT min(rowid) FROM target) + 2 AS first_line
FROM target
WHERE id_column < 1;

-- name: drop_ids_below_one
DELETE FROM target WHERE id_column < 1;

-- name: unknown_parents
SELECT count(*) AS n,
       arg_min(coalesce(CAST(id_column AS VARCHAR), 'NULL'), rowid) AS example,
       min(rowid) - (SELECT min(rowid) FROM target) + 2 AS first_line
FROM target
WHERE id_column IS NULL OR id_column NOT IN (SELECT id_column FROM parent WHERE id_column IS NOT NULL);

-- name: drop_unknown_parents
DELETE FROM target
WHERE id_column IS NULL OR id_column NOT IN (SELECT id_column FROM parent WHERE id_column IS NOT NULL);

-- name: canonical_issues
-- what the rules below would change, counted per table, source (events, notes: the raw table a row came
-- from; visits: its kind), column and reason, before anything changes
WITH known_subjects AS (
    SELECT subject_id FROM subjects WHERE subject_id >= 1
),
known_visits AS (
    SELECT visit_id FROM visits WHERE visit_id >= 1 AND subject_id IN (SELECT subject_id FROM known_subjects)
),
found AS (
    SELECT 'subjects' AS table_name, CAST(NULL AS VARCHAR) AS source, 'subject_id' AS column_name,
           'id below 1' AS reason, 'dropped' AS action, subject_id AS value
    FROM subjects WHERE subject_id < 1
    UNION ALL
    SELECT 'visits', kind, 'visit_id', 'id below 1', 'dropped', visit_id
    FROM visits WHERE visit_id < 1
    UNION ALL
    SELECT 'visits', kind, 'subject_id', 'unknown subject', 'dropped', subject_id
    FROM visits WHERE visit_id >= 1 AND subject_id NOT IN (SELECT subject_id FROM known_subjects)
    UNION ALL
    SELECT 'visits', kind, 'parent_visit_id', 'unknown visit', 'link removed', parent_visit_id
    FROM visits
    WHERE visit_id IN (SELECT visit_id FROM known_visits)
      AND parent_visit_id IS NOT NULL AND parent_visit_id NOT IN (SELECT visit_id FROM known_visits)
    UNION ALL
    SELECT 'events', source, 'subject_id', 'unknown subject', 'dropped', subject_id
    FROM events WHERE subject_id NOT IN (SELECT subject_id FROM known_subjects)
    UNION ALL
    SELECT 'events', source, 'visit_id', 'unknown visit', 'link removed', visit_id
    FROM events
    WHERE visit_id IS NOT NULL AND visit_id NOT IN (SELECT visit_id FROM known_visits)
      AND subject_id IN (SELECT subject_id FROM known_subjects)
    UNION ALL
    SELECT 'notes', category, 'subject_id', 'unknown subject', 'dropped', subject_id
    FROM notes WHERE subject_id NOT IN (SELECT subject_id FROM known_subjects)
    UNION ALL
    SELECT 'notes', category, 'visit_id', 'unknown visit', 'link removed', visit_id
    FROM notes
    WHERE visit_id IS NOT NULL AND visit_id NOT IN (SELECT visit_id FROM known_visits)
      AND subject_id IN (SELECT subject_id FROM known_subjects)
)
SELECT table_name, source, column_name, reason, action, count(*) AS n, CAST(min(value) AS VARCHAR) AS example
FROM found
GROUP BY ALL
ORDER BY table_name DESC, source, column_name, reason;

-- name: drop_subjects
DELETE FROM subjects WHERE subject_id < 1;

-- name: drop_visits
DELETE FROM visits WHERE visit_id < 1 OR subject_id NOT IN (SELECT subject_id FROM subjects);

-- name: unlink_visits
UPDATE visits SET parent_visit_id = NULL
WHERE parent_visit_id IS NOT NULL AND parent_visit_id NOT IN (SELECT visit_id FROM visits);

-- name: drop_events
DELETE FROM events WHERE subject_id NOT IN (SELECT subject_id FROM subjects);

-- name: unlink_events
UPDATE events SET visit_id = NULL WHERE visit_id IS NOT NULL AND visit_id NOT IN (SELECT visit_id FROM visits);

-- name: drop_notes
DELETE FROM notes WHERE subject_id NOT IN (SELECT subject_id FROM subjects);

-- name: unlink_notes
UPDATE notes SET visit_id = NULL WHERE visit_id IS NOT NULL AND visit_id NOT IN (SELECT visit_id FROM visits);
