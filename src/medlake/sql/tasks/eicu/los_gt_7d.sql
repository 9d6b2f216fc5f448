/* medlake
name: los_gt_7d
description: >
  eICU variant. Does the ICU unit stay last more than 7 whole days (unit
  admission to unit discharge)? The samples of the eICU length_of_stay (valid
  unit stays) with a binary label. Retrospective, like length_of_stay.
datasets: [eicu]
label:
  type: binary
  classes: [7 days or less, more than 7 days]
params: {}
inputs:
  conditions: codes
  procedures: codes
  drugs: codes
retrospective: true
*/
SELECT
    concat(v.subject_id, '-', v.visit_id) AS sample_id,
    v.subject_id,
    v.visit_id,
    v.end_time AS index_time,
    CAST(floor(epoch(v.end_time - v.start_time) / 86400) > 7 AS INTEGER) AS label,
    v.conditions,
    v.procedures,
    v.drugs
FROM unit_stay_inputs AS v
WHERE v.valid
ORDER BY v.subject_id, index_time, v.visit_id
