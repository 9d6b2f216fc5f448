/* medlake
description: >
  OMOP CDM raw tables (raw.*) -> canonical subjects, visits, events.
  Visit kind from visit_concept_id: 9201 inpatient, 262 (ER and inpatient)
  inpatient, 9203 ed, 9202 outpatient, anything else other. Times are the
  *_datetime column, else the *_date column at midnight. An event's vocab and
  code come from its concept (vocabulary_id upper-cased, spaces as _, so
  ICD9Proc becomes ICD9PROC and RxNorm RXNORM; ICD codes dotted as in
  etl/macros.sql); a concept missing from raw.concept gives vocab OMOP and the
  concept_id as code. alt_code always holds the concept_id, seq the record's
  id. Records with concept_id 0 or NULL are not events. An event's visit_id is
  its visit_occurrence_id; the load's integrity step (etl/integrity.sql)
  removes, and reports, one naming a visit that visit_occurrence lacks.
*/
-- name: concept_codes
CREATE TEMP TABLE temp.omop_concept_codes AS
SELECT
    concept_id,
    upper(replace(trim(vocabulary_id), ' ', '_')) AS vocab,
    CASE upper(replace(trim(vocabulary_id), ' ', '_'))
        WHEN 'ICD9CM' THEN ml_icd9cm(concept_code)
        WHEN 'ICD10CM' THEN ml_icd10cm(concept_code)
        WHEN 'ICD9PROC' THEN ml_icd9proc(concept_code)
        WHEN 'ICD10PCS' THEN ml_icd10pcs(concept_code)
        ELSE trim(concept_code)
    END AS code,
    concept_name
FROM raw.concept
WHERE nullif(trim(vocabulary_id), '') IS NOT NULL AND nullif(trim(concept_code), '') IS NOT NULL;

-- name: subjects
INSERT INTO subjects
SELECT
    p.person_id AS subject_id,
    coalesce(p.birth_datetime,
             CAST(make_date(p.year_of_birth, 1, 1) AS TIMESTAMP)
                 + to_months(coalesce(p.month_of_birth, 1) - 1) + to_days(coalesce(p.day_of_birth, 1) - 1))
        AS birth_time,
    CASE p.gender_concept_id WHEN 8507 THEN 'M' WHEN 8532 THEN 'F' END AS sex,
    coalesce(race.concept_name, nullif(trim(p.race_source_value), '')) AS race,
    d.death_time
FROM raw.person AS p
LEFT JOIN temp.omop_concept_codes AS race ON race.concept_id = p.race_concept_id AND p.race_concept_id <> 0
LEFT JOIN (
    SELECT person_id, min(coalesce(death_datetime, CAST(death_date AS TIMESTAMP))) AS death_time
    FROM raw.death
    GROUP BY person_id
) AS d ON d.person_id = p.person_id
ORDER BY subject_id;

-- name: visits
INSERT INTO visits
SELECT
    v.visit_occurrence_id AS visit_id,
    v.person_id AS subject_id,
    CASE v.visit_concept_id
        WHEN 9201 THEN 'inpatient'
        WHEN 262 THEN 'inpatient'
        WHEN 9203 THEN 'ed'
        WHEN 9202 THEN 'outpatient'
        ELSE 'other'
    END AS kind,
    coalesce(v.visit_start_datetime, CAST(v.visit_start_date AS TIMESTAMP)) AS start_time,
    coalesce(v.visit_end_datetime, CAST(v.visit_end_date AS TIMESTAMP)) AS end_time,
    coalesce(d.death_date BETWEEN v.visit_start_date AND coalesce(v.visit_end_date, v.visit_start_date), false) AS died,
    coalesce(dest.concept_name, nullif(trim(coalesce(v.discharged_to_source_value, v.discharge_to_source_value)), ''))
        AS discharge_location,
    CAST(NULL AS BIGINT) AS parent_visit_id
FROM raw.visit_occurrence AS v
LEFT JOIN (SELECT person_id, min(death_date) AS death_date FROM raw.death GROUP BY person_id) AS d
    ON d.person_id = v.person_id
LEFT JOIN temp.omop_concept_codes AS dest
    ON dest.concept_id = coalesce(v.discharged_to_concept_id, v.discharge_to_concept_id) AND dest.concept_id <> 0
ORDER BY subject_id, start_time, visit_id;

-- name: events
INSERT INTO events
WITH records AS (
    SELECT person_id, visit_occurrence_id, condition_concept_id AS concept_id,
           coalesce(condition_start_datetime, CAST(condition_start_date AS TIMESTAMP)) AS time,
           CAST(NULL AS DOUBLE) AS numeric_value, condition_source_value AS text_value, CAST(NULL AS VARCHAR) AS unit,
           coalesce(condition_end_datetime, CAST(condition_end_date AS TIMESTAMP)) AS end_time,
           'condition_occurrence' AS source, condition_occurrence_id AS seq
    FROM raw.condition_occurrence
    UNION ALL
    SELECT person_id, visit_occurrence_id, procedure_concept_id,
           coalesce(procedure_datetime, CAST(procedure_date AS TIMESTAMP)),
           quantity, procedure_source_value, NULL,
           coalesce(procedure_end_datetime, CAST(procedure_end_date AS TIMESTAMP)),
           'procedure_occurrence', procedure_occurrence_id
    FROM raw.procedure_occurrence
    UNION ALL
    SELECT person_id, visit_occurrence_id, drug_concept_id,
           coalesce(drug_exposure_start_datetime, CAST(drug_exposure_start_date AS TIMESTAMP)),
           quantity, drug_source_value, NULL,
           coalesce(drug_exposure_end_datetime, CAST(drug_exposure_end_date AS TIMESTAMP)),
           'drug_exposure', drug_exposure_id
    FROM raw.drug_exposure
    UNION ALL
    SELECT m.person_id, m.visit_occurrence_id, m.measurement_concept_id,
           coalesce(m.measurement_datetime, CAST(m.measurement_date AS TIMESTAMP)),
           m.value_as_number, m.value_source_value, coalesce(nullif(trim(m.unit_source_value), ''), u.code),
           NULL, 'measurement', m.measurement_id
    FROM raw.measurement AS m
    LEFT JOIN temp.omop_concept_codes AS u ON u.concept_id = m.unit_concept_id AND m.unit_concept_id <> 0
    UNION ALL
    SELECT o.person_id, o.visit_occurrence_id, o.observation_concept_id,
           coalesce(o.observation_datetime, CAST(o.observation_date AS TIMESTAMP)),
           o.value_as_number, o.value_as_string, coalesce(nullif(trim(o.unit_source_value), ''), u.code),
           NULL, 'observation', o.observation_id
    FROM raw.observation AS o
    LEFT JOIN temp.omop_concept_codes AS u ON u.concept_id = o.unit_concept_id AND o.unit_concept_id <> 0
)
SELECT
    r.person_id AS subject_id,
    r.visit_occurrence_id AS visit_id,
    r.time,
    coalesce(c.vocab, 'OMOP') AS vocab,
    coalesce(c.code, CAST(r.concept_id AS VARCHAR)) AS code,
    r.numeric_value,
    r.text_value,
    r.unit,
    r.end_time,
    r.source,
    r.seq,
    CAST(r.concept_id AS VARCHAR) AS alt_code
FROM records AS r
LEFT JOIN temp.omop_concept_codes AS c ON c.concept_id = r.concept_id
WHERE r.concept_id IS NOT NULL AND r.concept_id <> 0
ORDER BY subject_id, time, source, seq;

-- name: drop_concept_codes
DROP TABLE temp.omop_concept_codes;
