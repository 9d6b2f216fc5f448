/* medlake
name: in_hospital_mortality_48h
description: >
  eICU variant. Will the patient die before leaving hospital, predicted 48
  hours after an ICU unit admission (mimic3-benchmarks style)? One sample per
  unit stay of an adult (18 or older at the unit admission, from the
  subject's birth_time, which the loader derives from eICU's age with
  '> 89' as 90) lasting at least 48 hours (unitdischargeoffset >= 2880
  minutes); index time = unit admission + 48 h. "Died in that admission"
  means the unit stay's hospital stay (patienthealthsystemstayid) ended in
  death: hospitaldischargestatus Expired, or unitdischargestatus Expired for
  any unit stay of that hospital stay (the loader's died flag of the hospital
  visit); the death may come after the unit discharge, in a later unit stay
  of the same hospital stay, or on a ward. Inputs are the hospital stay's
  numeric lab results (EICU_LAB: labname, labresult, hours since the unit
  admission) and its medications (EICU_DRUG: HICL code, else drug name),
  both timed from the unit admission until strictly before the index time;
  never diagnoses.
datasets: [eicu]
label:
  type: binary
  classes: [survived, died]
params:
  hours: {type: integer, default: 48, min: 1}
inputs:
  labs: series
  drugs: codes
retrospective: false
*/
WITH cohort AS (
    SELECT
        u.subject_id,
        u.visit_id,
        u.hospital_visit_id,
        u.start_time,
        u.start_time + to_hours(CAST($hours AS INTEGER)) AS index_time,
        u.died
    FROM admissions AS u
    JOIN subjects AS s ON s.subject_id = u.subject_id
    WHERE s.birth_time + to_years(18) <= u.start_time
        AND u.end_time - u.start_time >= to_hours(CAST($hours AS INTEGER))
),
charted AS (
    -- events carry the hospital stay's id: a unit stay owns those timed from its admission
    SELECT
        c.visit_id,
        e.vocab,
        e.code,
        e.numeric_value,
        epoch(e.time - c.start_time) / 3600.0 AS hours,
        epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0) AS seen
    FROM cohort AS c
    JOIN events AS e ON e.visit_id = c.hospital_visit_id AND e.subject_id = c.subject_id
    WHERE e.vocab IN ('EICU_LAB', 'EICU_DRUG')
        AND e.time >= c.start_time
        AND e.time < c.index_time
),
labs AS (
    SELECT
        visit_id,
        list_transform(
            list_sort(list({'seen': seen, 'code': code, 'value': numeric_value, 'hours': hours})),
            lambda x: {'code': x.code, 'value': x.value, 'hours': x.hours}
        ) AS labs
    FROM charted
    WHERE vocab = 'EICU_LAB' AND numeric_value IS NOT NULL
    GROUP BY visit_id
),
drugs AS (
    SELECT visit_id, list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), lambda x: x.code) AS drugs
    FROM (
        SELECT visit_id, code, min(seen) AS first_seen
        FROM charted
        WHERE vocab = 'EICU_DRUG'
        GROUP BY visit_id, code
    )
    GROUP BY visit_id
)
SELECT
    concat(c.subject_id, '-', c.visit_id) AS sample_id,
    c.subject_id,
    c.visit_id,
    c.index_time,
    CAST(coalesce(c.died, false) AS INTEGER) AS label,
    coalesce(l.labs, CAST([] AS STRUCT(code VARCHAR, value DOUBLE, hours DOUBLE)[])) AS labs,
    coalesce(d.drugs, CAST([] AS VARCHAR[])) AS drugs
FROM cohort AS c
LEFT JOIN labs AS l ON l.visit_id = c.visit_id
LEFT JOIN drugs AS d ON d.visit_id = c.visit_id
ORDER BY c.subject_id, c.index_time, c.visit_id
