/* medlake
name: mortality
description: >
  Will the patient die in hospital during the next admission? One sample per
  valid admission (conditions, procedures and drugs all non-empty) that has a
  next admission (valid or not); predicted at discharge from the codes of the
  current admission.
datasets: [mimic3, mimic4, eicu, omop]
label:
  type: binary
  classes: [survived, died]
params: {}
inputs:
  conditions: codes
  procedures: codes
  drugs: codes
retrospective: false
*/
SELECT
    concat(v.subject_id, '-', v.visit_id) AS sample_id,
    v.subject_id,
    v.visit_id,
    v.end_time AS index_time,
    CAST(coalesce(v.next_died, false) AS INTEGER) AS label,
    v.conditions,
    v.procedures,
    v.drugs
FROM visit_inputs AS v
WHERE v.valid AND v.next_visit_id IS NOT NULL
ORDER BY v.subject_id, index_time, v.visit_id
