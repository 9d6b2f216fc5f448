/* medlake
name: decompensation
description: >
  Will the patient die within the next 24 hours (mimic3-benchmarks'
  decompensation)? Hourly samples during each ICU stay of an adult (18 or
  older at ICU admission): at every whole hour after ICU admission from hour
  5 (mimic3-benchmarks: more than 4 hours) up to the ICU discharge or the
  death, whichever is first. The label is 1 when the admission ends in death
  less than `horizon_hours` after the sample. Inputs are the mimic3-benchmarks
  variables charted in the `window_hours` before the sample, since ICU
  admission (vitals: variable, value, hours since ICU admission);
  mimic3-benchmarks gives the whole stay so far, which makes the samples of
  a long stay grow without bound.
datasets: [mimic3, mimic4]
label:
  type: binary
  classes: [alive in 24 h, died within 24 h]
params:
  horizon_hours: {type: integer, default: 24, min: 1}
  window_hours: {type: integer, default: 24, min: 1}
inputs:
  vitals: series
retrospective: false
*/
WITH samples AS (
    SELECT
        st.*,
        st.start_time + to_hours(CAST(h AS INTEGER)) AS index_time,
        h AS hour
    FROM (
        SELECT
            s.*,
            generate_series(5, CAST(floor(epoch(least(s.end_time, coalesce(s.death_time, s.end_time))
                                                - s.start_time) / 3600.0) AS BIGINT)) AS hours_list
        FROM icu_stays AS s
    ) AS st, unnest(st.hours_list) AS t(h)
),
vitals AS (
    SELECT
        s.stay_id,
        s.hour,
        list_transform(
            list_sort(list({'seen': v.seen, 'code': v.variable, 'value': v.value,
                            'hours': epoch(v.time - s.start_time) / 3600.0})),
            lambda x: {'code': x.code, 'value': x.value, 'hours': x.hours}
        ) AS vitals
    FROM samples AS s
    JOIN benchmark_values AS v ON v.subject_id = s.subject_id
    WHERE v.time >= s.start_time
        AND v.time >= s.index_time - to_hours(CAST($window_hours AS INTEGER))
        AND v.time < s.index_time
    GROUP BY s.stay_id, s.hour
)
SELECT
    concat(s.subject_id, '-', s.stay_id, '-', s.hour) AS sample_id,
    s.subject_id,
    s.visit_id,
    s.index_time,
    CAST(coalesce(s.death_time < s.index_time + to_hours(CAST($horizon_hours AS INTEGER)), false) AS INTEGER) AS label,
    coalesce(v.vitals, CAST([] AS STRUCT(code VARCHAR, value DOUBLE, hours DOUBLE)[])) AS vitals
FROM samples AS s
LEFT JOIN vitals AS v ON v.stay_id = s.stay_id AND v.hour = s.hour
ORDER BY s.subject_id, s.index_time, s.stay_id
