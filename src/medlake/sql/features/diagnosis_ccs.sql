/* medlake
name: diagnosis_ccs
entity: subject
kind: window
event_time: time
description: >
  Diagnosis history rolled up to single-level CCS categories (vocab.maps
  ICD9CM/ICD10CM -> CCSCM): per category, the number of diagnosis codes
  recorded in the last 30 days, the last 365 days and ever before
  index_time. A billing diagnosis is known at its admission's discharge, so
  includes the diagnoses of every admission discharged by index_time: the
  sample's own admission too once it is discharged (a sample made at
  discharge sees them when the join is inclusive). Excludes diagnosis codes
  with no CCS map and procedures.
features:
  ccs_30d: {type: "MAP(VARCHAR, BIGINT)", agg: histogram, value: ccs, window: 30 days}
  ccs_365d: {type: "MAP(VARCHAR, BIGINT)", agg: histogram, value: ccs, window: 365 days}
  ccs_all: {type: "MAP(VARCHAR, BIGINT)", agg: histogram, value: ccs}
*/
SELECT e.subject_id, e.time, m.dst_code AS ccs
FROM events AS e
JOIN vocab.maps AS m ON m.src_vocab = e.vocab AND m.src_code = e.code AND m.dst_vocab = 'CCSCM'
WHERE e.vocab IN ('ICD9CM', 'ICD10CM')
