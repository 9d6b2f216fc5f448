/* medlake
name: mortality
description: >
  Will the patient die in hospital during the next admission? One sample per
  valid admission (conditions, procedures and drugs all non-empty) that has a
  next admission (valid or not) in the lake's timeline (admission, then
  discharge, then id); predicted at discharge from the codes of the current
  admission.
  uncertain_order decides the samples whose next admission the data cannot
  place after this one: drop (default) leaves them out, keep keeps them. A
  next admission is uncertain when it starts before this admission's discharge
  (on every source), and on eICU also when the next unit stay belongs to
  another hospital stay and this hospital stay or that one shares its
  hospitaldischargeyear with another hospital stay of the patient (eICU orders
  hospital stays by year only). The summary counts the dropped samples.
datasets: [mimic3, mimic4, eicu, omop]
label:
  type: binary
  classes: [survived, died]
params:
  uncertain_order: {type: string, default: drop, choices: [drop, keep],
                    description: what to do with samples whose next admission is uncertain}
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
WHERE v.valid
    AND v.next_visit_id IS NOT NULL
    AND ($uncertain_order = 'keep' OR NOT v.next_uncertain)
ORDER BY v.subject_id, index_time, v.visit_id
