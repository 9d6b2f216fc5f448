/* medlake
description: The meta schema, created in every lake. meta.loads has one row per successful load.
*/
CREATE SCHEMA IF NOT EXISTS meta;

CREATE SEQUENCE IF NOT EXISTS meta.load_ids START 1;

CREATE TABLE IF NOT EXISTS meta.loads (
    load_id BIGINT PRIMARY KEY,
    dataset VARCHAR NOT NULL,          -- schema the data went into, e.g. mimic3
    source VARCHAR NOT NULL,           -- loader used: mimic3, mimic4, eicu, omop, codes, ...
    directory VARCHAR,
    files STRUCT(path VARCHAR, size BIGINT, sha256 VARCHAR, utf8_bom BOOLEAN)[],  -- utf8_bom: a mark was dropped
    row_counts MAP(VARCHAR, BIGINT),   -- rows per table written, raw and canonical
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,           -- ok | replaced (a later load of the same dataset replaced it)
    medlake_version VARCHAR NOT NULL,
    options JSON
);

CREATE TABLE IF NOT EXISTS meta.datasets (
    dataset VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    load_id BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

-- Files a load skipped: one row per file that could not be read (the load went on without it).
CREATE TABLE IF NOT EXISTS meta.load_errors (
    load_id BIGINT NOT NULL,
    path VARCHAR NOT NULL,
    reason VARCHAR NOT NULL
);

-- Rows a load dropped, or kept without a link, because their subject or visit does not exist or their id is
-- below 1 (medlake.etl.integrity): one row per table, source, column and reason.
CREATE TABLE IF NOT EXISTS meta.load_issues (
    load_id BIGINT NOT NULL,
    table_name VARCHAR NOT NULL,       -- <dataset>_raw.<table> or <dataset>.<canonical table>
    source VARCHAR,                    -- events, notes: the raw table the rows came from; visits: their kind
    column_name VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,           -- id below 1 | unknown subject | unknown visit
    action VARCHAR NOT NULL,           -- dropped | link removed
    rows BIGINT NOT NULL,
    example VARCHAR                    -- one offending value
);
