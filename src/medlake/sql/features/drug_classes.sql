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
  counts once per class it maps to. Includes every prescription started in
  those 90 days, the current admission's among them; excludes prescriptions
  whose NDC and GSN map to no ATC class.
features:
  atc2_90d: {type: "VARCHAR[]", agg: distinct, value: atc2}
  atc2_counts_90d: {type: "MAP(VARCHAR, BIGINT)", agg: histogram, value: atc2}
*/
WITH rx AS (
    SELECT subject_id, time, code, alt_code
    FROM events
    WHERE vocab = 'NDC'
),
ndc_atc2 AS (
    SELECT DISTINCT src_code, left(dst_code, 3) AS atc2
    FROM vocab.maps
    WHERE src_vocab = 'NDC' AND dst_vocab = 'ATC'
),
gsn_atc2 AS (
    SELECT DISTINCT src_code, left(dst_code, 3) AS atc2
    FROM vocab.maps
    WHERE src_vocab = 'GSN' AND dst_vocab = 'ATC'
)
SELECT rx.subject_id, rx.time, n.atc2
FROM rx
JOIN ndc_atc2 AS n ON n.src_code = rx.code
UNION ALL
SELECT rx.subject_id, rx.time, g.atc2
FROM rx
JOIN gsn_atc2 AS g ON g.src_code = rx.alt_code
WHERE rx.code NOT IN (SELECT src_code FROM ndc_atc2)
