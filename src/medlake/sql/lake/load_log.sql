/* medlake
description: >
  The load log: meta.loads has one row per load (ok, or replaced by a later
  load of the same dataset), meta.datasets one row per loaded dataset. Every
  loader writes it through Database.record_load, inside its own transaction.
*/
-- name: next_load_id
SELECT nextval('meta.load_ids');

-- name: mark_replaced
UPDATE meta.loads SET status = 'replaced' WHERE dataset = $dataset AND status = 'ok';

-- name: record_load
INSERT INTO meta.loads
    (load_id, dataset, source, directory, files, row_counts, started_at, finished_at, status, medlake_version, options)
VALUES
    ($load_id, $dataset, $source, $directory, $files, map($table_names, $table_rows), $started_at, $finished_at,
     'ok', $version, $options);

-- name: record_dataset
INSERT OR REPLACE INTO meta.datasets (dataset, source, load_id, loaded_at) VALUES ($dataset, $source, $load_id, $loaded_at);

-- name: current_loads
SELECT load_id FROM meta.loads WHERE status = 'ok' AND dataset IN (SELECT unnest($datasets::VARCHAR[]))
ORDER BY load_id;

-- name: record_errors
INSERT INTO meta.load_errors (load_id, path, reason) SELECT $load_id, path, reason FROM load_errors_staged;

-- name: load_errors
SELECT path, reason FROM meta.load_errors WHERE load_id = $load_id ORDER BY path;

-- name: record_issues
INSERT INTO meta.load_issues (load_id, table_name, source, column_name, reason, action, rows, example)
SELECT $load_id, table_name, source, column_name, reason, action, rows, example FROM load_issues_staged;

-- name: load_issues
SELECT table_name, source, column_name, reason, action, rows, example FROM meta.load_issues
WHERE load_id = $load_id ORDER BY table_name, source, column_name, reason;
