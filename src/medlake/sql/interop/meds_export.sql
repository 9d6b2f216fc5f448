/* medlake
description: >
  A dataset's canonical tables as a MEDS dataset (medlake.interop.meds, docs/meds.md).
  `rows` is every MEDS row of the dataset, written unqualified (qualified to the
  dataset's schema); the COPY statements read it through the placeholder table
  `meds_rows` and write parquet to the bound $path. Codes are VOCAB//CODE
  (a code of vocabulary MEDS is written alone); subjects give MEDS_BIRTH,
  MEDS_DEATH and static SEX//x and RACE//x rows (no time); a visit gives
  VISIT//<KIND>//START at its start and VISIT//<KIND>//END at its end
  (numeric_value 1 when the subject died during the visit, 0 when not;
  text_value = discharge location). `vocab` and `vcode` (the lake's vocabulary
  and code) and `tie_rank` and `seq` (the order among rows of one time) are for
  the statements below, never written.
*/
-- name: rows
SELECT subject_id, CAST(NULL AS TIMESTAMP) AS time, 'SEX//' || sex AS code, CAST(NULL AS FLOAT) AS numeric_value,
       CAST(NULL AS VARCHAR) AS text_value, CAST(NULL AS VARCHAR) AS unit, CAST(NULL AS BIGINT) AS visit_id,
       CAST(NULL AS BIGINT) AS parent_visit_id, CAST(NULL AS TIMESTAMP) AS end_time,
       'SEX' AS vocab, sex AS vcode, 0 AS tie_rank, CAST(NULL AS BIGINT) AS seq
FROM subjects WHERE sex IS NOT NULL
UNION ALL
SELECT subject_id, NULL, 'RACE//' || race, NULL, NULL, NULL, NULL, NULL, NULL, 'RACE', race, 1, NULL
FROM subjects WHERE race IS NOT NULL
UNION ALL
SELECT subject_id, birth_time, 'MEDS_BIRTH', NULL, NULL, NULL, NULL, NULL, NULL, 'MEDS', 'MEDS_BIRTH', 2, NULL
FROM subjects WHERE birth_time IS NOT NULL
UNION ALL
SELECT subject_id, start_time, 'VISIT//' || upper(kind) || '//START', NULL, NULL, NULL, visit_id, parent_visit_id,
       NULL, 'VISIT', upper(kind) || '//START', 3, NULL
FROM visits WHERE start_time IS NOT NULL
UNION ALL
SELECT subject_id, time, CASE WHEN vocab = 'MEDS' THEN code ELSE vocab || '//' || code END, CAST(numeric_value AS FLOAT),
       text_value, unit, visit_id, NULL, end_time, vocab, code, 4, seq
FROM events
UNION ALL
SELECT subject_id, end_time, 'VISIT//' || upper(kind) || '//END', CASE WHEN died THEN 1 WHEN NOT died THEN 0 END,
       discharge_location, NULL, visit_id,
       parent_visit_id, NULL, 'VISIT', upper(kind) || '//END', 5, NULL
FROM visits WHERE end_time IS NOT NULL
UNION ALL
SELECT subject_id, death_time, 'MEDS_DEATH', NULL, NULL, NULL, NULL, NULL, NULL, 'MEDS', 'MEDS_DEATH', 6, NULL
FROM subjects WHERE death_time IS NOT NULL;

-- name: subject_shards
-- the first and last subject id of each shard of $per_shard subjects, in subject id order
SELECT shard, min(subject_id) AS lo, max(subject_id) AS hi, count(*) AS subjects
FROM (
    SELECT subject_id, (row_number() OVER (ORDER BY subject_id) - 1) // $per_shard AS shard
    FROM (SELECT DISTINCT subject_id FROM meds_rows)
)
GROUP BY shard
ORDER BY shard;

-- name: write_shard
-- one shard: its subjects' rows, each subject's contiguous, in time order (rows without time first);
-- among rows of one time: static facts, birth, visit starts, events (in their order in the lake), visit ends, death
COPY (
    SELECT subject_id, time, code, numeric_value, text_value, unit, visit_id, parent_visit_id, end_time
    FROM meds_rows
    WHERE subject_id BETWEEN $lo AND $hi
    ORDER BY subject_id, time NULLS FIRST, tie_rank, seq NULLS FIRST, code, visit_id NULLS FIRST, numeric_value NULLS FIRST,
             text_value NULLS FIRST, unit NULLS FIRST, end_time NULLS FIRST
) TO $path (FORMAT parquet, COMPRESSION zstd);

-- name: write_codes
-- every code of the export, with the title and parents the code tables give (vocab schema)
COPY (
    WITH codes AS (SELECT DISTINCT code, vocab, vcode FROM meds_rows),
    parents AS (
        SELECT vocab, child, list(vocab || '//' || parent ORDER BY parent) AS parent_codes
        FROM vocab.edges
        GROUP BY vocab, child
    )
    SELECT c.code, k.name AS description, p.parent_codes
    FROM codes AS c
    LEFT JOIN vocab.concepts AS k ON k.vocab = c.vocab AND k.code = c.vcode
    LEFT JOIN parents AS p ON p.vocab = c.vocab AND p.child = c.vcode
    ORDER BY c.code
) TO $path (FORMAT parquet);

-- name: write_codes_plain
-- every code of the export, without titles (the code tables are not loaded)
COPY (
    SELECT DISTINCT code, CAST(NULL AS VARCHAR) AS description, CAST(NULL AS VARCHAR[]) AS parent_codes
    FROM meds_rows
    ORDER BY code
) TO $path (FORMAT parquet);

-- name: write_splits
-- subjects ranked by the MD5 of "seed:subject_id" (as tasks' split does): the first round(n * train)
-- go to train, the next round(n * (train + tuning)) - that to tuning, the rest to held_out
COPY (
    WITH ranked AS (
        SELECT
            subject_id,
            row_number() OVER (ORDER BY md5(concat(CAST($seed AS VARCHAR), ':', subject_id)), subject_id) AS r,
            count(*) OVER () AS n
        FROM (SELECT DISTINCT subject_id FROM meds_rows)
    )
    SELECT
        subject_id,
        CASE
            WHEN r <= round(n * $train) THEN 'train'
            WHEN r <= round(n * ($train + $tuning)) THEN 'tuning'
            ELSE 'held_out'
        END AS split
    FROM ranked
    ORDER BY subject_id
) TO $path (FORMAT parquet);

-- name: write_labels
-- a task's samples in the MEDS label schema; label_value is filled in by the task's label type
COPY (
    SELECT subject_id, CAST(index_time AS TIMESTAMP) AS prediction_time, label_value
    FROM task_samples AS samples
    ORDER BY subject_id, prediction_time
) TO $path (FORMAT parquet);

-- name: null_labels
-- samples a MEDS label file cannot hold: no subject, index time or label
SELECT count(*) FROM task_samples AS samples
WHERE subject_id IS NULL OR index_time IS NULL OR label IS NULL;
