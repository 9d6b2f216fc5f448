/* medlake
name: los_gt_7d
description: >
  Does the stay last more than 7 whole days? The samples of length_of_stay
  with a binary label. Retrospective, like length_of_stay.
datasets: [mimic3, mimic4, eicu, omop]
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
FROM visit_inputs AS v
WHERE v.valid
ORDER BY v.subject_id, index_time, v.visit_id
