/* medlake
name: prior_utilization
entity: subject
kind: window
event_time: time
visit: stay
description: >
  Hospital use before the sample's visit: inpatient admissions and ICU stays
  that ended in the 365 days before index_time, and days from the last
  inpatient discharge to index_time. Includes every visit of the subject that
  ended at or before index_time. Excludes the visit the sample belongs to and
  the ICU stays inside it (when the samples have a visit_id), whatever the
  join mode; visits still open at index_time; emergency and outpatient visits.
features:
  admissions_365d: {type: BIGINT, agg: count, window: 365 days, where: "kind = 'inpatient'"}
  icu_stays_365d: {type: BIGINT, agg: count, window: 365 days, where: "kind = 'icu'"}
  days_since_discharge: {type: DOUBLE, agg: days_since, where: "kind = 'inpatient'"}
*/
SELECT subject_id, end_time AS time, kind, coalesce(parent_visit_id, visit_id) AS stay
FROM visits
WHERE end_time IS NOT NULL
