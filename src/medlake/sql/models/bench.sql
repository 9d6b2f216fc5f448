/* medlake
description: >
  Mortality-shaped samples for benchmarks/stream.py: three code lists of 20 to
  40 codes per sample drawn from vocabularies of realistic size, a binary label.
*/
-- name: mortality_shaped
SELECT CAST(i AS BIGINT) AS sample_id,
       CAST(i // 2 AS BIGINT) AS subject_id,
       CAST(i AS BIGINT) AS visit_id,
       TIMESTAMP '2150-01-01' + to_hours(CAST(i AS BIGINT)) AS index_time,
       list_transform(range(20 + CAST(hash(i, 1) % 21 AS INTEGER)),
                      j -> 'D' || CAST(hash(i, j, 11) % $conditions AS VARCHAR)) AS conditions,
       list_transform(range(20 + CAST(hash(i, 2) % 21 AS INTEGER)),
                      j -> 'P' || CAST(hash(i, j, 12) % $procedures AS VARCHAR)) AS procedures,
       list_transform(range(20 + CAST(hash(i, 3) % 21 AS INTEGER)),
                      j -> 'N' || CAST(hash(i, j, 13) % $drugs AS VARCHAR)) AS drugs,
       CAST(hash(i, 4) % 10 = 0 AS INTEGER) AS label
FROM range($n) AS t(i);
