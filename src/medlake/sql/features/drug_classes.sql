/* medlake
name: drug_classes
entity: subject
kind: window
event_time: time
ttl: 90 days
description: >
  Drug classes (ATC level 2: the first three characters of the ATC code) of
  the prescriptions started in the 90 days before index_time: the sorted list
  of classes, and per class the number of prescriptions. NDC codes map
  through vocab.maps NDC -> ATC; a prescription whose NDC does not map falls
  back to its GSN (events.alt_code, vocab.maps GSN -> ATC). A prescription
  counts once per class it maps to.
features:
  atc2_90d: {type: "VARCHAR[]", agg: distinct, value: atc2}
  atc2_counts_90d: {type: "MAP(VARCHAR, BIGINT)", agg: histogram, value: atc2}
*/
WITH rx AS (
    SELECT subject_id, time, code, alt_code, seq
    FROM events
    WHERE vocab = 'NDC'
),
by_ndc AS (
    SELECT DISTINCT rx.subject_id, rx.time, rx.seq, left(m.dst_code, 3) AS atc2
    FROM rx
    JOIN vocab.maps AS m ON m.src_vocab = 'NDC' AND m.src_code = rx.code AND m.dst_vocab = 'ATC'
),
by_gsn AS (
    SELECT DISTINCT rx.subject_id, rx.time, rx.seq, left(m.dst_code, 3) AS atc2
    FROM rx
    JOIN vocab.maps AS m ON m.src_vocab = 'GSN' AND m.src_code = rx.alt_code AND m.dst_vocab = 'ATC'
    WHERE NOT EXISTS (
        SELECT 1 FROM vocab.maps AS n
        WHERE n.src_vocab = 'NDC' AND n.src_code = rx.code AND n.dst_vocab = 'ATC'
    )
)
SELECT subject_id, time, atc2 FROM by_ndc
UNION ALL
SELECT subject_id, time, atc2 FROM by_gsn
