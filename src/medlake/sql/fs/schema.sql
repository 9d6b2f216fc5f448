/* medlake
description: >
  The feature store's tables (schema fs). feature_views keeps every version of
  every view ever registered, so old versions stay readable; materializations
  records which version of a view was written for which dataset and loads.
*/
CREATE SCHEMA IF NOT EXISTS fs;

CREATE TABLE IF NOT EXISTS fs.feature_views (
    name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,          -- hash of the normalized SQL and the result-changing header fields
    entity VARCHAR NOT NULL,           -- subject | visit
    kind VARCHAR NOT NULL,             -- latest | window
    spec JSON NOT NULL,                -- the header: event_time, ttl, description, features
    sql VARCHAR NOT NULL,              -- the query as written
    source_tables VARCHAR[] NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE IF NOT EXISTS fs.materializations (
    name VARCHAR PRIMARY KEY,
    version VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    rows_table VARCHAR NOT NULL,       -- fs.<name>__v<version>: the view's rows
    latest_table VARCHAR NOT NULL,     -- fs.<name>__latest: one row per entity
    load_ids BIGINT[] NOT NULL,        -- meta.loads ids of the data it was computed from
    row_count BIGINT NOT NULL,
    entity_count BIGINT NOT NULL,
    last_mode VARCHAR NOT NULL,        -- full | incremental | unchanged
    changed_entities BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
