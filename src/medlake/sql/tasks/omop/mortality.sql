/* medlake
name: mortality
description: >
  OMOP variant. Will the patient die by the end of the next visit? Visits are
  the subject's visit_occurrence rows in chronological order; one sample per
  valid visit (conditions, procedures and drugs recorded in it by its end all
  non-empty) that has a next visit; label 1 when the subject's death (death
  table) is on or before the next visit's end; predicted at the visit's end.
datasets: [omop]
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
    CAST(coalesce(s.death_time <= v.next_end_time, false) AS INTEGER) AS label,
    v.conditions,
    v.procedures,
    v.drugs
FROM omop_visit_inputs AS v
JOIN subjects AS s ON s.subject_id = v.subject_id
WHERE v.valid AND v.next_visit_id IS NOT NULL
ORDER BY v.subject_id, index_time, v.visit_id
