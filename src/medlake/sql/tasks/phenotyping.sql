/* medlake
name: phenotyping
description: >
  Which of 25 acute-care conditions does the ICU stay's admission carry
  (mimic3-benchmarks' phenotyping)? One sample per ICU stay of an adult (18
  or older at ICU admission), predicted at ICU discharge from the
  mimic3-benchmarks variables charted during the stay (vitals: variable,
  value, hours since ICU admission). The label is the set of conditions
  (HCUP CCS 2015 groups, mimic3-benchmarks' hcup_ccs_2015_definitions.yaml)
  among the admission's discharge diagnoses, which are ICD-9-CM; an
  admission coded only in ICD-10-CM (MIMIC-IV from 2016 on) gives no sample.
datasets: [mimic3, mimic4]
label:
  type: multilabel
  classes:
    - "Acute and unspecified renal failure"
    - "Acute cerebrovascular disease"
    - "Acute myocardial infarction"
    - "Cardiac dysrhythmias"
    - "Chronic kidney disease"
    - "Chronic obstructive pulmonary disease and bronchiectasis"
    - "Complications of surgical procedures or medical care"
    - "Conduction disorders"
    - "Congestive heart failure; nonhypertensive"
    - "Coronary atherosclerosis and other heart disease"
    - "Diabetes mellitus with complications"
    - "Diabetes mellitus without complication"
    - "Disorders of lipid metabolism"
    - "Essential hypertension"
    - "Fluid and electrolyte disorders"
    - "Gastrointestinal hemorrhage"
    - "Hypertension with complications and secondary hypertension"
    - "Other liver diseases"
    - "Other lower respiratory disease"
    - "Other upper respiratory disease"
    - "Pleurisy; pneumothorax; pulmonary collapse"
    - "Pneumonia (except that caused by tuberculosis or sexually transmitted disease)"
    - "Respiratory failure; insufficiency; arrest (adult)"
    - "Septicemia (except in labor)"
    - "Shock"
params: {}
inputs:
  vitals: series
retrospective: false
lookahead: >
  the label and the cohort come from the discharge diagnoses (an ICU stay is a
  sample when its admission has an ICD-9-CM diagnosis), known only at
  discharge; the inputs end at ICU discharge
*/
WITH coded AS (
    SELECT DISTINCT e.visit_id, replace(e.code, '.', '') AS code
    FROM events AS e
    WHERE e.vocab = 'ICD9CM' AND e.source = 'diagnoses_icd'
),
labels AS (
    SELECT c.visit_id, list_sort(list(DISTINCT p.phenotype)) AS phenotypes
    FROM coded AS c
    JOIN phenotype_codes AS p ON p.code = c.code
    GROUP BY c.visit_id
),
vitals AS (
    SELECT
        st.stay_id,
        list_transform(
            list_sort(list({'seen': v.seen, 'code': v.variable, 'value': v.value,
                            'hours': epoch(v.time - st.start_time) / 3600.0})),
            lambda x: {'code': x.code, 'value': x.value, 'hours': x.hours}
        ) AS vitals
    FROM icu_stays AS st
    JOIN benchmark_values AS v ON v.subject_id = st.subject_id
    WHERE v.time >= st.start_time
        AND v.time < st.end_time
    GROUP BY st.stay_id
)
SELECT
    concat(st.subject_id, '-', st.stay_id) AS sample_id,
    st.subject_id,
    st.visit_id,
    st.end_time AS index_time,
    coalesce(l.phenotypes, CAST([] AS VARCHAR[])) AS label,
    coalesce(v.vitals, CAST([] AS STRUCT(code VARCHAR, value DOUBLE, hours DOUBLE)[])) AS vitals
FROM icu_stays AS st
LEFT JOIN labels AS l ON l.visit_id = st.visit_id
LEFT JOIN vitals AS v ON v.stay_id = st.stay_id
WHERE st.visit_id IN (SELECT visit_id FROM coded)
ORDER BY st.subject_id, st.end_time, st.stay_id
