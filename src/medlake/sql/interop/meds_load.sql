/* medlake
description: >
  A MEDS dataset -> one dataset of the lake (medlake.interop.meds, docs/meds.md).
  The data shards are staged as <dataset>_raw.data (every column as the files
  give it, plus file_row_number), metadata/codes.parquet and
  metadata/subject_splits.parquet as <dataset>_raw.codes and
  <dataset>_raw.subject_splits; then the canonical tables are built from
  raw.data, written unqualified (qualified to the dataset's schemas). A code is
  split on its first `//` into vocab and code; a code without `//` has
  vocabulary MEDS. MEDS_BIRTH and MEDS_DEATH give subjects' birth and death
  times, static (time-less) SEX//x, GENDER//x and RACE//x rows their sex and
  race; VISIT//<KIND>//START and //END rows that name a visit_id give visits
  (died from the END row's numeric_value, else from a death time within the visit);
  NOTE//<category> and NOTE rows give notes (text from text_value, available_time
  from the row's time, time from chart_time when given); every other row is an
  event (source 'meds', seq = its row position in its shard, 1-based).
*/
-- name: stage_data
CREATE TABLE target AS
SELECT * FROM read_parquet($paths, union_by_name = true, file_row_number = true);

-- name: stage_file
CREATE TABLE target AS SELECT * FROM read_parquet($path);

-- name: columns
SELECT column_name, data_type FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table
ORDER BY column_index;

-- name: subjects
INSERT INTO subjects
SELECT
    subject_id,
    min(time) FILTER (WHERE code = 'MEDS_BIRTH') AS birth_time,
    min(value) FILTER (WHERE vocab IN ('SEX', 'GENDER') AND time IS NULL) AS sex,
    min(value) FILTER (WHERE vocab = 'RACE' AND time IS NULL) AS race,
    max(time) FILTER (WHERE code = 'MEDS_DEATH') AS death_time
FROM (
    SELECT
        CAST(subject_id AS BIGINT) AS subject_id,
        CAST(time AS TIMESTAMP) AS time,
        code,
        CASE WHEN contains(code, '//') THEN split_part(code, '//', 1) ELSE 'MEDS' END AS vocab,
        CASE WHEN contains(code, '//') THEN substr(code, strpos(code, '//') + 2) ELSE code END AS value
    FROM raw.data
)
GROUP BY subject_id
ORDER BY subject_id;

-- name: visits
INSERT INTO visits
SELECT
    v.visit_id,
    v.subject_id,
    v.kind,
    v.start_time,
    v.end_time,
    coalesce(v.died, s.death_time >= v.start_time AND s.death_time <= v.end_time, false) AS died,
    v.discharge_location,
    v.parent_visit_id
FROM (
    SELECT
        visit_id,
        subject_id,
        lower(kind) AS kind,
        min(time) FILTER (WHERE edge = 'START') AS start_time,
        max(time) FILTER (WHERE edge = 'END') AS end_time,
        max(numeric_value) FILTER (WHERE edge = 'END') <> 0 AS died,
        min(text_value) FILTER (WHERE edge = 'END') AS discharge_location,
        max(parent_visit_id) AS parent_visit_id
    FROM (
        SELECT
            CAST(visit_id AS BIGINT) AS visit_id,
            CAST(subject_id AS BIGINT) AS subject_id,
            CAST(time AS TIMESTAMP) AS time,
            regexp_extract(code, '^VISIT//(.+)//(START|END)$', 1) AS kind,
            regexp_extract(code, '^VISIT//(.+)//(START|END)$', 2) AS edge,
            CAST(numeric_value AS DOUBLE) AS numeric_value,
            CAST(text_value AS VARCHAR) AS text_value,
            CAST(parent_visit_id AS BIGINT) AS parent_visit_id
        FROM raw.data
        WHERE visit_id IS NOT NULL AND regexp_matches(code, '^VISIT//(.+)//(START|END)$')
    )
    GROUP BY visit_id, subject_id, kind
) AS v
LEFT JOIN subjects AS s ON s.subject_id = v.subject_id
ORDER BY v.subject_id, v.start_time, v.visit_id;

-- name: events
INSERT INTO events
SELECT subject_id, visit_id, time, vocab, value AS code, numeric_value, text_value, unit, end_time, 'meds', seq, NULL
FROM (
    SELECT
        CAST(subject_id AS BIGINT) AS subject_id,
        CAST(visit_id AS BIGINT) AS visit_id,
        CAST(time AS TIMESTAMP) AS time,
        code,
        CASE WHEN contains(code, '//') THEN split_part(code, '//', 1) ELSE 'MEDS' END AS vocab,
        CASE WHEN contains(code, '//') THEN substr(code, strpos(code, '//') + 2) ELSE code END AS value,
        CAST(numeric_value AS DOUBLE) AS numeric_value,
        CAST(text_value AS VARCHAR) AS text_value,
        CAST(unit AS VARCHAR) AS unit,
        CAST(end_time AS TIMESTAMP) AS end_time,
        file_row_number + 1 AS seq
    FROM raw.data
)
WHERE code NOT IN ('MEDS_BIRTH', 'MEDS_DEATH', 'NOTE')
    AND vocab <> 'NOTE'
    AND NOT (time IS NULL AND vocab IN ('SEX', 'GENDER', 'RACE'))
    AND NOT (visit_id IS NOT NULL AND regexp_matches(code, '^VISIT//(.+)//(START|END)$'))
ORDER BY subject_id, time, seq;

-- name: notes
-- NOTE//<category> rows (NOTE: no category); note_id 1.. in (subject, time) order, rows of one time in their
-- shard order, as the loaders number them
INSERT INTO notes
SELECT subject_id, visit_id, coalesce(chart_time, time) AS note_time, category, text, time AS available_time,
       row_number() OVER (ORDER BY subject_id, coalesce(chart_time, time), time, seq) AS note_id
FROM (
    SELECT
        CAST(subject_id AS BIGINT) AS subject_id,
        CAST(visit_id AS BIGINT) AS visit_id,
        CAST(time AS TIMESTAMP) AS time,
        CAST(chart_time AS TIMESTAMP) AS chart_time,
        CASE WHEN code = 'NOTE' THEN NULL ELSE substr(code, 7) END AS category,
        CAST(text_value AS VARCHAR) AS text,
        file_row_number + 1 AS seq
    FROM raw.data
    WHERE code = 'NOTE' OR starts_with(code, 'NOTE//')
)
ORDER BY subject_id, note_time, note_id;

-- name: null_keys
-- rows the canonical tables cannot hold: no subject or no code
SELECT count(*) FILTER (WHERE subject_id IS NULL) AS no_subject, count(*) FILTER (WHERE code IS NULL) AS no_code
FROM raw.data;
