/* medlake
description: Checks that the code tables a task needs are loaded.
*/
-- name: has_maps_table
SELECT count(*) > 0 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'vocab' AND table_name = 'maps';

-- name: has_atc_maps
SELECT EXISTS (SELECT 1 FROM vocab.maps WHERE src_vocab = 'NDC' AND dst_vocab = 'ATC');
