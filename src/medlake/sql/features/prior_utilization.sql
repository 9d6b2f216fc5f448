/* medlake
name: prior_utilization
entity: subject
kind: window
event_time: time
description: >
  Hospital use before index_time: inpatient admissions and ICU stays that
  ended in the 365 days before it, and days since the last inpatient
  discharge. A visit counts from its end (discharge), so the visit a sample is
  made during does not count until it is over.
features:
  admissions_365d: {type: BIGINT, agg: count, window: 365 days, where: "kind = 'inpatient'"}
  icu_stays_365d: {type: BIGINT, agg: count, window: 365 days, where: "kind = 'icu'"}
  days_since_discharge: {type: DOUBLE, agg: days_since, where: "kind = 'inpatient'"}
*/
SELECT subject_id, end_time AS time, kind
FROM visits
WHERE end_time IS NOT NULL
