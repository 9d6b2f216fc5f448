/* medlake
description: >
  A dataset's canonical tables as a MEDS dataset (medlake.interop.meds, docs/meds.md).
  The statements read the dataset's MEDS rows through the placeholder table
  `meds_rows`, filled in with the `meds_events` block of sql/tasks/_lib/common.sql
  (which ACES-compiled tasks read too), and write parquet to the bound $path.
*/
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
-- among rows of one time: static facts, birth, visit starts, events (in their order in the lake), notes (in note_id
-- order), visit ends, death
COPY (
    SELECT subject_id, time, code, numeric_value, text_value, unit, visit_id, parent_visit_id, end_time, chart_time
    FROM meds_rows
    WHERE subject_id BETWEEN $lo AND $hi
    ORDER BY subject_id, time NULLS FIRST, tie_rank, seq NULLS FIRST, code, visit_id NULLS FIRST, numeric_value NULLS FIRST,
             text_value NULLS FIRST, unit NULLS FIRST, end_time NULLS FIRST, chart_time NULLS FIRST
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
