/* medlake
name: in_hospital_mortality_48h
description: >
  Will the patient die in hospital during this admission, predicted 48 hours
  after admission (mimic3-benchmarks style)? Adults (18 or older at admission)
  whose admission lasts at least 48 hours. Inputs are the numeric lab values
  charted from admission until strictly before the index time (code, value,
  hours since admission), the mimic3-benchmarks variables charted in the same
  window (vitals: heart rate, blood pressures, respiratory rate, oxygen
  saturation, temperature, FiO2, the Glasgow coma scale, glucose, pH, weight,
  height, capillary refill, and urine output; variable, value in its unit,
  hours since admission; the benchmark_items block maps each release's item
  ids) and the drugs of the admission started strictly before it; never
  diagnoses, which are known only at discharge.
datasets: [mimic3, mimic4]
label:
  type: binary
  classes: [survived, died]
params:
  hours: {type: integer, default: 48, min: 1}
inputs:
  labs: series
  vitals: series
  drugs: codes
retrospective: false
*/
WITH cohort AS (
    SELECT
        a.subject_id,
        a.visit_id,
        a.start_time,
        a.start_time + to_hours(CAST($hours AS INTEGER)) AS index_time,
        a.died
    FROM admissions AS a
    JOIN subjects AS s ON s.subject_id = a.subject_id
    WHERE s.birth_time + to_years(18) <= a.start_time
        AND a.end_time - a.start_time >= to_hours(CAST($hours AS INTEGER))
),
labs AS (
    SELECT
        c.visit_id,
        list_transform(
            list_sort(list({'seen': epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0),
                            'code': e.code, 'value': e.numeric_value,
                            'hours': epoch(e.time - c.start_time) / 3600.0})),
            lambda x: {'code': x.code, 'value': x.value, 'hours': x.hours}
        ) AS labs
    FROM cohort AS c
    JOIN events AS e ON e.subject_id = c.subject_id
    WHERE ends_with(e.vocab, '_LAB')
        AND e.numeric_value IS NOT NULL
        AND e.time >= c.start_time
        AND e.time < c.index_time
    GROUP BY c.visit_id
),
vitals AS (
    SELECT
        c.visit_id,
        list_transform(
            list_sort(list({'seen': v.seen, 'code': v.variable, 'value': v.value,
                            'hours': epoch(v.time - c.start_time) / 3600.0})),
            lambda x: {'code': x.code, 'value': x.value, 'hours': x.hours}
        ) AS vitals
    FROM cohort AS c
    JOIN benchmark_values AS v ON v.subject_id = c.subject_id
    WHERE v.time >= c.start_time
        AND v.time < c.index_time
    GROUP BY c.visit_id
),
drugs AS (
    SELECT visit_id, list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), lambda x: x.code) AS drugs
    FROM (
        SELECT c.visit_id, e.code, min(epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0)) AS first_seen
        FROM cohort AS c
        JOIN events AS e ON e.visit_id = c.visit_id AND e.subject_id = c.subject_id
        WHERE e.vocab = 'NDC' AND e.time < c.index_time
        GROUP BY c.visit_id, e.code
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
    coalesce(vi.vitals, CAST([] AS STRUCT(code VARCHAR, value DOUBLE, hours DOUBLE)[])) AS vitals,
    coalesce(d.drugs, CAST([] AS VARCHAR[])) AS drugs
FROM cohort AS c
LEFT JOIN labs AS l ON l.visit_id = c.visit_id
LEFT JOIN vitals AS vi ON vi.visit_id = c.visit_id
LEFT JOIN drugs AS d ON d.visit_id = c.visit_id
ORDER BY c.subject_id, c.index_time, c.visit_id
