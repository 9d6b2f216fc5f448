/* medlake
name: readmission
description: >
  eICU variant. Will the patient return to an ICU unit during the same
  hospital stay? One sample per valid unit stay that has a next unit stay in
  the lake's timeline (unit admission, then discharge, then id); label 1 when
  the next unit stay belongs to the same hospital stay; predicted at the unit
  discharge. eICU has no dates, so there is no window.
  uncertain_order decides the samples whose next unit stay the release cannot
  place after this one: drop (default) leaves them out, keep keeps them. A
  next unit stay is uncertain when it starts before this one's discharge, or
  when it belongs to another hospital stay and this hospital stay or that one
  shares its hospitaldischargeyear with another hospital stay of the patient
  (eICU orders hospital stays by year only). The summary counts the dropped
  samples.
datasets: [eicu]
label:
  type: binary
  classes: [not readmitted, readmitted]
params:
  uncertain_order: {type: string, default: drop, choices: [drop, keep],
                    description: what to do with samples whose next unit stay is uncertain}
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
WHERE v.valid
    AND v.next_visit_id IS NOT NULL
    AND ($uncertain_order = 'keep' OR NOT v.next_uncertain)
ORDER BY v.subject_id, index_time, v.visit_id
