/* medlake
name: length_of_stay
description: >
  How long is the stay? One sample per valid admission; the class comes from
  the whole days elapsed between admission and discharge: under 1 day -> 0,
  1 to 7 days -> that number, 8 to 14 -> 8, over 14 -> 9. Retrospective: the
  diagnosis and procedure codes are known only at discharge, which is the
  index time.
datasets: [mimic3, mimic4, eicu, omop]
label:
  type: multiclass
  classes: ["<1 day", "1 day", "2 days", "3 days", "4 days", "5 days", "6 days", "7 days", "8-14 days", ">14 days"]
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
    CAST(CASE
        WHEN d.days < 1 THEN 0
        WHEN d.days <= 7 THEN d.days
        WHEN d.days <= 14 THEN 8
        ELSE 9
    END AS INTEGER) AS label,
    v.conditions,
    v.procedures,
    v.drugs
FROM visit_inputs AS v,
    LATERAL (SELECT floor(epoch(v.end_time - v.start_time) / 86400) AS days) AS d
WHERE v.valid
ORDER BY v.subject_id, index_time, v.visit_id
