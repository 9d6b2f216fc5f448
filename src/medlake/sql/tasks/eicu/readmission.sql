/* medlake
name: readmission
description: >
  eICU variant. Will the patient return to an ICU unit during the same
  hospital stay? One sample per valid unit stay that has a next unit stay;
  label 1 when the next unit stay belongs to the same hospital stay;
  predicted at the unit discharge. eICU has no dates, so there is no window.
datasets: [eicu]
label:
  type: binary
  classes: [not readmitted, readmitted]
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
    CAST(v.next_hospital_visit_id = v.hospital_visit_id AS INTEGER) AS label,
    v.conditions,
    v.procedures,
    v.drugs
FROM visit_inputs AS v
WHERE v.valid AND v.next_visit_id IS NOT NULL
ORDER BY v.subject_id, index_time, v.visit_id
