/* medlake
name: lab_stats
entity: subject
kind: window
event_time: time
ttl: 7 days
description: >
  Last, mean, min and max of the ten most common MIMIC lab items (hematocrit,
  potassium, sodium, creatinine, chloride, urea nitrogen, bicarbonate,
  glucose, platelets, white cells; MIMIC-III and MIMIC-IV share these item
  ids) over the 24 hours and the 7 days before index_time. Values are
  labevents.valuenum in the units MIMIC reports. Includes every numeric value
  of those items charted in the window, the current admission's among them;
  excludes values without a number and every other lab item.
features:
  hematocrit_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '51221'"}
  hematocrit_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '51221'"}
  hematocrit_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '51221'"}
  hematocrit_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '51221'"}
  hematocrit_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '51221'"}
  hematocrit_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '51221'"}
  hematocrit_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '51221'"}
  hematocrit_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '51221'"}
  potassium_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '50971'"}
  potassium_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '50971'"}
  potassium_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '50971'"}
  potassium_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '50971'"}
  potassium_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '50971'"}
  potassium_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '50971'"}
  potassium_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '50971'"}
  potassium_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '50971'"}
  sodium_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '50983'"}
  sodium_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '50983'"}
  sodium_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '50983'"}
  sodium_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '50983'"}
  sodium_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '50983'"}
  sodium_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '50983'"}
  sodium_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '50983'"}
  sodium_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '50983'"}
  creatinine_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '50912'"}
  creatinine_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '50912'"}
  creatinine_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '50912'"}
  creatinine_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '50912'"}
  creatinine_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '50912'"}
  creatinine_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '50912'"}
  creatinine_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '50912'"}
  creatinine_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '50912'"}
  chloride_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '50902'"}
  chloride_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '50902'"}
  chloride_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '50902'"}
  chloride_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '50902'"}
  chloride_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '50902'"}
  chloride_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '50902'"}
  chloride_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '50902'"}
  chloride_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '50902'"}
  bun_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '51006'"}
  bun_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '51006'"}
  bun_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '51006'"}
  bun_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '51006'"}
  bun_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '51006'"}
  bun_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '51006'"}
  bun_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '51006'"}
  bun_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '51006'"}
  bicarbonate_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '50882'"}
  bicarbonate_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '50882'"}
  bicarbonate_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '50882'"}
  bicarbonate_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '50882'"}
  bicarbonate_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '50882'"}
  bicarbonate_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '50882'"}
  bicarbonate_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '50882'"}
  bicarbonate_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '50882'"}
  glucose_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '50931'"}
  glucose_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '50931'"}
  glucose_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '50931'"}
  glucose_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '50931'"}
  glucose_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '50931'"}
  glucose_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '50931'"}
  glucose_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '50931'"}
  glucose_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '50931'"}
  platelets_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '51265'"}
  platelets_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '51265'"}
  platelets_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '51265'"}
  platelets_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '51265'"}
  platelets_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '51265'"}
  platelets_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '51265'"}
  platelets_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '51265'"}
  platelets_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '51265'"}
  wbc_last_24h: {type: DOUBLE, agg: last, value: numeric_value, window: 24 hours, where: "code = '51301'"}
  wbc_mean_24h: {type: DOUBLE, agg: mean, value: numeric_value, window: 24 hours, where: "code = '51301'"}
  wbc_min_24h: {type: DOUBLE, agg: min, value: numeric_value, window: 24 hours, where: "code = '51301'"}
  wbc_max_24h: {type: DOUBLE, agg: max, value: numeric_value, window: 24 hours, where: "code = '51301'"}
  wbc_last_7d: {type: DOUBLE, agg: last, value: numeric_value, window: 7 days, where: "code = '51301'"}
  wbc_mean_7d: {type: DOUBLE, agg: mean, value: numeric_value, window: 7 days, where: "code = '51301'"}
  wbc_min_7d: {type: DOUBLE, agg: min, value: numeric_value, window: 7 days, where: "code = '51301'"}
  wbc_max_7d: {type: DOUBLE, agg: max, value: numeric_value, window: 7 days, where: "code = '51301'"}
*/
SELECT subject_id, time, code, numeric_value
FROM events
WHERE vocab IN ('MIMIC3_LAB', 'MIMIC4_LAB')
  AND code IN ('51221', '50971', '50983', '50912', '50902', '51006', '50882', '50931', '51265', '51301')
  AND numeric_value IS NOT NULL
