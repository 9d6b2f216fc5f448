/* medlake
description: >
  Synthetic canonical tables for benchmarks/features.py: subjects, inpatient
  visits about 400 days apart, and events clustered inside visits (labs of
  twenty items, ICD-9-CM diagnoses at discharge, NDC prescriptions with a GSN),
  plus the vocab.maps rows the built-in views need. Pseudo-random values come
  from hash() of row numbers, so a run is reproducible. Table names are
  unqualified; benchmarks/features.py qualifies them to the benchmark schema.
*/
-- name: create_schema
CREATE SCHEMA bench;

-- name: subjects
INSERT INTO subjects
SELECT i AS subject_id,
       TIMESTAMP '2030-01-01' + to_days(CAST(hash(i, 'birth') % 25000 AS INTEGER)) AS birth_time,
       CASE WHEN hash(i, 'sex') % 2 = 0 THEN 'F' ELSE 'M' END AS sex,
       'UNKNOWN' AS race,
       NULL AS death_time
FROM range($n_subjects) AS t(i);

-- name: visits
INSERT INTO visits
SELECT v AS visit_id,
       v % $n_subjects AS subject_id,
       'inpatient' AS kind,
       TIMESTAMP '2100-01-01' + to_days(CAST((v // $n_subjects) * 400 + hash(v, 'start') % 300 AS INTEGER))
           + to_minutes(CAST(hash(v, 'minute') % 1440 AS BIGINT)) AS start_time,
       TIMESTAMP '2100-01-01' + to_days(CAST((v // $n_subjects) * 400 + hash(v, 'start') % 300 AS INTEGER))
           + to_minutes(CAST(hash(v, 'minute') % 1440 AS BIGINT)) + INTERVAL 5 DAYS AS end_time,
       false AS died,
       'HOME' AS discharge_location,
       NULL AS parent_visit_id
FROM range($n_visits) AS t(v);

-- name: events
INSERT INTO events
WITH draws AS (
    SELECT e, hash(e, 'visit') % $n_visits AS v, hash(e, 'kind') % 100 AS k, hash(e, 'code') AS c,
           hash(e, 'offset') % 7200 AS minutes
    FROM range($n_events) AS t(e)
),
placed AS (
    SELECT e, v, k, c, minutes, v % $n_subjects AS subject_id,
           TIMESTAMP '2100-01-01' + to_days(CAST((v // $n_subjects) * 400 + hash(v, 'start') % 300 AS INTEGER))
               + to_minutes(CAST(hash(v, 'minute') % 1440 AS BIGINT)) AS start_time
    FROM draws
)
SELECT subject_id,
       v AS visit_id,
       CASE WHEN k < 75 THEN start_time + to_minutes(CAST(minutes AS BIGINT))
            WHEN k < 90 THEN start_time + INTERVAL 5 DAYS
            ELSE date_trunc('day', start_time + to_minutes(CAST(minutes AS BIGINT))) END AS time,
       CASE WHEN k < 75 THEN 'MIMIC3_LAB' WHEN k < 90 THEN 'ICD9CM' ELSE 'NDC' END AS vocab,
       CASE WHEN k < 75 THEN ['51221', '50971', '50983', '50912', '50902', '51006', '50882', '50931', '51265',
                              '51301', '50868', '51249', '51248', '51250', '51277', '51279', '50960', '50970',
                              '50893', '51237'][1 + CAST(c % 20 AS INTEGER)]
            WHEN k < 90 THEN CAST(400 + c % 200 AS VARCHAR) || '.0'
            ELSE lpad(CAST(c % 300 AS VARCHAR), 11, '0') END AS code,
       CASE WHEN k < 75 THEN (c % 1000) / 10.0 END AS numeric_value,
       NULL AS text_value,
       NULL AS unit,
       NULL AS end_time,
       CASE WHEN k < 75 THEN 'labevents' WHEN k < 90 THEN 'diagnoses_icd' ELSE 'prescriptions' END AS source,
       e AS seq,
       CASE WHEN k >= 90 THEN lpad(CAST(c % 300 AS VARCHAR), 6, '0') END AS alt_code
FROM placed
ORDER BY subject_id, time, seq;

-- name: vocab_maps
INSERT INTO vocab.maps
SELECT 'ICD9CM', CAST(400 + i AS VARCHAR) || '.0', 'CCSCM', CAST(1 + i % 60 AS VARCHAR), 'ccs', NULL
FROM range(200) AS t(i)
UNION ALL
SELECT 'NDC', lpad(CAST(i AS VARCHAR), 11, '0'), 'ATC', chr(65 + CAST(i % 14 AS INTEGER)) || lpad(CAST(i % 17 AS VARCHAR), 2, '0') || 'AA01', 'ndc_atc', NULL
FROM range(250) AS t(i)
UNION ALL
SELECT 'GSN', lpad(CAST(i AS VARCHAR), 6, '0'), 'ATC', 'C07AB02', 'gsn_atc', NULL
FROM range(250, 300) AS t(i);

-- name: samples
SELECT v.subject_id, v.visit_id, v.start_time + INTERVAL 24 HOURS AS index_time
FROM visits AS v
ORDER BY v.visit_id
LIMIT $n_samples;

-- name: settings
SET memory_limit = '2GB';

-- name: generate_settings
SET memory_limit = '4GB';

-- name: random_entities
SELECT subject_id FROM subjects USING SAMPLE 100 ROWS;
