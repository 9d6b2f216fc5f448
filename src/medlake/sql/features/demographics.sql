/* medlake
name: demographics
entity: subject
kind: window
event_time: birth_time
description: >
  Age in years at index_time (365.25-day years from birth_time) and sex, from
  subjects. Includes only the subject's birth time and recorded sex; excludes
  everything else (a subject without a birth time has no age). MIMIC shifts
  the birth of patients older than 89 far into the past, so their age reads
  about 300.
features:
  age: {type: DOUBLE, agg: years_since}
  sex: {type: VARCHAR, agg: last, value: sex}
*/
SELECT subject_id, birth_time, sex
FROM subjects
