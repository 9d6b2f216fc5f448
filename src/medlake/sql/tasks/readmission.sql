/* medlake
name: readmission
description: >
  Will the patient be admitted again within window_days? One sample per valid
  admission that has a next admission in the lake's timeline (admission, then
  discharge, then id); label 1 when the next admission starts less than
  window_days x 24 h after this one's discharge (anchor discharge) or
  admission (anchor admission, as PyHealth 1.x). min_age keeps admissions of
  patients at least that many whole years old at admission.
  uncertain_order decides the samples whose next admission the data cannot
  place after this one: drop (default) leaves them out, keep keeps them. A
  next admission is uncertain when it starts before this admission's
  discharge. The summary counts the dropped samples.
datasets: [mimic3, mimic4, omop]
label:
  type: binary
  classes: [not readmitted, readmitted]
params:
  window_days: {type: integer, default: 15, min: 1}
  anchor: {type: string, default: discharge, choices: [discharge, admission]}
  min_age: {type: integer, default: null, min: 0}
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
    CAST(
        v.next_start_time - CASE WHEN $anchor = 'admission' THEN v.start_time ELSE v.end_time END
        < to_days(CAST($window_days AS INTEGER))
        AS INTEGER
    ) AS label,
    v.conditions,
    v.procedures,
    v.drugs
FROM visit_inputs AS v
JOIN subjects AS s ON s.subject_id = v.subject_id
WHERE v.valid
    AND v.next_visit_id IS NOT NULL
    AND ($uncertain_order = 'keep' OR NOT v.next_uncertain)
    AND ($min_age IS NULL OR s.birth_time + to_years(CAST($min_age AS INTEGER)) <= v.start_time)
ORDER BY v.subject_id, index_time, v.visit_id
