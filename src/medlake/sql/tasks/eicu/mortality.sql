/* medlake
name: mortality
description: >
  eICU variant. Will the patient die in hospital during the next ICU unit
  stay's hospital stay? Visits are unit stays ordered by hospital stay, then
  unit visit number; one sample per valid unit stay (diagnoses, treatments and
  medications charted during it all non-empty) that has a next unit stay;
  label = the next stay's hospital discharge status is Expired; predicted at
  the unit discharge.
datasets: [eicu]
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
FROM unit_stay_inputs AS v
WHERE v.valid AND v.next_visit_id IS NOT NULL
ORDER BY v.subject_id, index_time, v.visit_id
