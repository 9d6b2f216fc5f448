/* medlake
description: >
  Benchmark input for benchmarks/codes.py (not used by the package): an events table of $n ICD-9-CM
  diagnoses drawn (deterministically) from the leaf codes of vocab.concepts,
  spread over $subjects subjects.
*/
-- name: create_schema
CREATE SCHEMA IF NOT EXISTS bench;

-- name: make_events
CREATE OR REPLACE TABLE bench.events AS
WITH leaves AS (SELECT list(code ORDER BY code) AS codes FROM vocab.concepts WHERE vocab = 'ICD9CM' AND is_leaf)
SELECT (i % $subjects)::BIGINT AS subject_id, 'ICD9CM' AS vocab,
       codes[1 + (hash(i) % len(codes))::BIGINT] AS code
FROM range($n) AS r(i), leaves;
