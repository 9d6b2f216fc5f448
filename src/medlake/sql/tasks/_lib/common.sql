/* medlake
description: >
  Building blocks shared by the task files. Each named statement is a SELECT
  over canonical tables; a task that mentions one of these names as a table
  gets it prepended as a CTE (with the blocks it needs in turn), so every task
  query stays one self-contained SELECT. Order matters: a block may use only
  blocks defined above it. A source whose visits differ overrides blocks of
  the same name in _lib/<source>.sql (eicu.sql, omop.sql).
*/
-- name: admissions
-- Hospital admissions of each subject in the lake's timeline (admit time, then
-- discharge time, then id; never id first), with what the next admission looks
-- like. next_uncertain: the next admission starts before this one's discharge
-- (the two overlap), so it is not a stay that follows this one; false when there
-- is no next admission or this one has no discharge time.
SELECT
    v.visit_id,
    v.subject_id,
    v.start_time,
    v.end_time,
    v.died,
    row_number() OVER w AS visit_index,
    lead(v.visit_id) OVER w AS next_visit_id,
    lead(v.start_time) OVER w AS next_start_time,
    lead(v.died) OVER w AS next_died,
    coalesce(lead(v.start_time) OVER w < v.end_time, false) AS next_uncertain
FROM visits AS v
WHERE v.kind = 'inpatient' AND v.start_time IS NOT NULL
WINDOW w AS (PARTITION BY v.subject_id ORDER BY v.start_time, v.end_time, v.visit_id);

-- name: visit_codes
-- Distinct codes of each admission known by its discharge, by domain, with the
-- moment each was first seen: time, then its order inside the source record,
-- packed into one sortable number (microseconds * 2^40 + seq; seq < 2^40),
-- which groups and sorts much faster than a (time, seq) struct.
SELECT
    e.visit_id,
    CASE
        WHEN e.vocab IN ('ICD9CM', 'ICD10CM') THEN 'conditions'
        WHEN e.vocab IN ('ICD9PROC', 'ICD10PCS') THEN 'procedures'
        ELSE 'drugs'
    END AS domain,
    e.code,
    min(epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0)) AS first_seen
FROM events AS e
JOIN admissions AS a ON a.visit_id = e.visit_id AND a.subject_id = e.subject_id
WHERE list_contains(['ICD9CM', 'ICD10CM', 'ICD9PROC', 'ICD10PCS', 'NDC'], e.vocab) AND e.time <= a.end_time
GROUP BY e.visit_id, domain, e.code;

-- name: visit_code_lists
-- Each admission's codes of one domain as a list in first-seen order (ties by
-- code). Sorting a list of structs is much faster than an ordered aggregate.
SELECT
    visit_id,
    domain,
    list_transform(list_sort(list({'first_seen': first_seen, 'code': code})), lambda x: x.code) AS codes
FROM visit_codes
GROUP BY visit_id, domain;

-- name: visit_inputs
-- One row per admission: its code lists and whether it is valid (conditions,
-- procedures and drugs all non-empty). array_length, not len: len also measures
-- strings, so other dialects could not tell which one is meant.
SELECT
    a.*,
    coalesce(c.conditions, CAST([] AS VARCHAR[])) AS conditions,
    coalesce(c.procedures, CAST([] AS VARCHAR[])) AS procedures,
    coalesce(c.drugs, CAST([] AS VARCHAR[])) AS drugs,
    coalesce(array_length(c.conditions) > 0 AND array_length(c.procedures) > 0 AND array_length(c.drugs) > 0,
             false) AS valid
FROM admissions AS a
LEFT JOIN (
    SELECT
        visit_id,
        any_value(codes) FILTER (WHERE domain = 'conditions') AS conditions,
        any_value(codes) FILTER (WHERE domain = 'procedures') AS procedures,
        any_value(codes) FILTER (WHERE domain = 'drugs') AS drugs
    FROM visit_code_lists
    GROUP BY visit_id
) AS c ON c.visit_id = a.visit_id;

-- name: meds_events
-- The dataset as MEDS rows (docs/meds.md): codes VOCAB//CODE (a code of vocabulary
-- MEDS alone); subjects give MEDS_BIRTH, MEDS_DEATH and static (time-less) SEX//x
-- and RACE//x rows; a visit gives VISIT//<KIND>//START at its start and
-- VISIT//<KIND>//END at its end (numeric_value 1 when the subject died during the
-- visit, 0 when not; text_value the discharge location); a note gives
-- NOTE//<category> (NOTE when it has none) at the time it could first be read
-- (available_time), its text as text_value and its own time as chart_time.
-- vocab and vcode are the lake's vocabulary and code; tie_rank and seq order the
-- rows of one time (static facts, birth, visit starts, events in their lake
-- order, notes in note_id order, visit ends, death).
SELECT subject_id, CAST(NULL AS TIMESTAMP) AS time, 'SEX//' || sex AS code, CAST(NULL AS FLOAT) AS numeric_value,
       CAST(NULL AS VARCHAR) AS text_value, CAST(NULL AS VARCHAR) AS unit, CAST(NULL AS BIGINT) AS visit_id,
       CAST(NULL AS BIGINT) AS parent_visit_id, CAST(NULL AS TIMESTAMP) AS end_time,
       CAST(NULL AS TIMESTAMP) AS chart_time, 'SEX' AS vocab, sex AS vcode, 0 AS tie_rank, CAST(NULL AS BIGINT) AS seq
FROM subjects WHERE sex IS NOT NULL
UNION ALL
SELECT subject_id, NULL, 'RACE//' || race, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'RACE', race, 1, NULL
FROM subjects WHERE race IS NOT NULL
UNION ALL
SELECT subject_id, birth_time, 'MEDS_BIRTH', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'MEDS', 'MEDS_BIRTH', 2, NULL
FROM subjects WHERE birth_time IS NOT NULL
UNION ALL
SELECT subject_id, start_time, 'VISIT//' || upper(kind) || '//START', NULL, NULL, NULL, visit_id, parent_visit_id,
       NULL, NULL, 'VISIT', upper(kind) || '//START', 3, NULL
FROM visits WHERE start_time IS NOT NULL
UNION ALL
SELECT subject_id, time, CASE WHEN vocab = 'MEDS' THEN code ELSE vocab || '//' || code END, CAST(numeric_value AS FLOAT),
       text_value, unit, visit_id, NULL, end_time, NULL, vocab, code, 4, seq
FROM events
UNION ALL
SELECT subject_id, coalesce(available_time, time), CASE WHEN category IS NULL THEN 'NOTE' ELSE 'NOTE//' || category END,
       NULL, text, NULL, visit_id, NULL, NULL, time, CASE WHEN category IS NULL THEN 'MEDS' ELSE 'NOTE' END,
       coalesce(category, 'NOTE'), 5, note_id
FROM notes
UNION ALL
SELECT subject_id, end_time, 'VISIT//' || upper(kind) || '//END', CASE WHEN died THEN 1 WHEN NOT died THEN 0 END,
       discharge_location, NULL, visit_id,
       parent_visit_id, NULL, NULL, 'VISIT', upper(kind) || '//END', 6, NULL
FROM visits WHERE end_time IS NOT NULL
UNION ALL
SELECT subject_id, death_time, 'MEDS_DEATH', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'MEDS', 'MEDS_DEATH', 7, NULL
FROM subjects WHERE death_time IS NOT NULL;

-- name: image_finding_values
-- One row per (image file, finding) of an images dataset with labels (medlake load dicom --layout):
-- ChestX-ray14 labels match an image by its key (file name without extension), CheXpert labels
-- by the image's subject and study (every image of the study shares them). value: 1, 0 or -1.
-- An image is its (path, image_key): one row per file, and the leakage check's copies of a file
-- differ by key. (finding_name, not finding: a task parameter may be called finding.)
SELECT i.path, i.image_key, l.finding AS finding_name, l.value
FROM images AS i
JOIN image_labels AS l ON l.image_key = i.image_key
UNION ALL
SELECT i.path, i.image_key, l.finding AS finding_name, l.value
FROM images AS i
JOIN image_labels AS l ON l.image_key IS NULL AND l.subject_id = i.subject_id AND l.study_id = i.study_id

-- name: benchmark_items
-- The mimic3-benchmarks variables (the 17 of its itemid_to_variable_map.csv, status ready) and urine
-- output: which item of which kind (CHART: chartevents, LAB: labevents, OUTPUT: outputevents) feeds which
-- variable, and the factor that turns its unit into the variable's (lb, oz -> kg, inches -> cm). MIMIC-IV
-- keeps MetaVision's item ids, so one list serves both releases; MIMIC-IV adds its capillary refill items
-- (223951, 224308). Urine output items are the MIMIC code repository's (CareVue 400xx, MetaVision 2265xx).
SELECT * FROM (VALUES
    ('CHART', '115', 'Capillary refill rate', 1.0), ('CHART', '3348', 'Capillary refill rate', 1.0),
    ('CHART', '8377', 'Capillary refill rate', 1.0), ('CHART', '223951', 'Capillary refill rate', 1.0),
    ('CHART', '224308', 'Capillary refill rate', 1.0), ('CHART', '8368', 'Diastolic blood pressure', 1.0),
    ('CHART', '8440', 'Diastolic blood pressure', 1.0), ('CHART', '8441', 'Diastolic blood pressure', 1.0),
    ('CHART', '8502', 'Diastolic blood pressure', 1.0), ('CHART', '8503', 'Diastolic blood pressure', 1.0),
    ('CHART', '8504', 'Diastolic blood pressure', 1.0), ('CHART', '8506', 'Diastolic blood pressure', 1.0),
    ('CHART', '8507', 'Diastolic blood pressure', 1.0), ('CHART', '8555', 'Diastolic blood pressure', 1.0),
    ('CHART', '220051', 'Diastolic blood pressure', 1.0), ('CHART', '220180', 'Diastolic blood pressure', 1.0),
    ('CHART', '224643', 'Diastolic blood pressure', 1.0), ('CHART', '225310', 'Diastolic blood pressure', 1.0),
    ('CHART', '189', 'Fraction inspired oxygen', 1.0), ('CHART', '727', 'Fraction inspired oxygen', 1.0),
    ('CHART', '3420', 'Fraction inspired oxygen', 1.0), ('CHART', '3422', 'Fraction inspired oxygen', 1.0),
    ('CHART', '223835', 'Fraction inspired oxygen', 1.0), ('CHART', '184', 'Glascow coma scale eye opening', 1.0),
    ('CHART', '220739', 'Glascow coma scale eye opening', 1.0),
    ('CHART', '454', 'Glascow coma scale motor response', 1.0),
    ('CHART', '223901', 'Glascow coma scale motor response', 1.0), ('CHART', '198', 'Glascow coma scale total', 1.0),
    ('CHART', '723', 'Glascow coma scale verbal response', 1.0),
    ('CHART', '223900', 'Glascow coma scale verbal response', 1.0), ('CHART', '807', 'Glucose', 1.0),
    ('CHART', '811', 'Glucose', 1.0), ('CHART', '1529', 'Glucose', 1.0), ('CHART', '3745', 'Glucose', 1.0),
    ('CHART', '220621', 'Glucose', 1.0), ('CHART', '225664', 'Glucose', 1.0), ('CHART', '226537', 'Glucose', 1.0),
    ('LAB', '50809', 'Glucose', 1.0), ('LAB', '50931', 'Glucose', 1.0), ('LAB', '51478', 'Glucose', 1.0),
    ('CHART', '211', 'Heart Rate', 1.0), ('CHART', '220045', 'Heart Rate', 1.0), ('CHART', '1394', 'Height', 2.54),
    ('CHART', '226707', 'Height', 2.54), ('CHART', '226730', 'Height', 1.0),
    ('CHART', '52', 'Mean blood pressure', 1.0), ('CHART', '224', 'Mean blood pressure', 1.0),
    ('CHART', '456', 'Mean blood pressure', 1.0), ('CHART', '3312', 'Mean blood pressure', 1.0),
    ('CHART', '3314', 'Mean blood pressure', 1.0), ('CHART', '3316', 'Mean blood pressure', 1.0),
    ('CHART', '3320', 'Mean blood pressure', 1.0), ('CHART', '3322', 'Mean blood pressure', 1.0),
    ('CHART', '6702', 'Mean blood pressure', 1.0), ('CHART', '220052', 'Mean blood pressure', 1.0),
    ('CHART', '220181', 'Mean blood pressure', 1.0), ('CHART', '224322', 'Mean blood pressure', 1.0),
    ('CHART', '225312', 'Mean blood pressure', 1.0), ('CHART', '646', 'Oxygen saturation', 1.0),
    ('CHART', '834', 'Oxygen saturation', 1.0), ('CHART', '8498', 'Oxygen saturation', 1.0),
    ('CHART', '220227', 'Oxygen saturation', 1.0), ('CHART', '220277', 'Oxygen saturation', 1.0),
    ('LAB', '50817', 'Oxygen saturation', 1.0), ('CHART', '614', 'Respiratory rate', 1.0),
    ('CHART', '615', 'Respiratory rate', 1.0), ('CHART', '618', 'Respiratory rate', 1.0),
    ('CHART', '651', 'Respiratory rate', 1.0), ('CHART', '3603', 'Respiratory rate', 1.0),
    ('CHART', '220210', 'Respiratory rate', 1.0), ('CHART', '224422', 'Respiratory rate', 1.0),
    ('CHART', '224689', 'Respiratory rate', 1.0), ('CHART', '224690', 'Respiratory rate', 1.0),
    ('CHART', '51', 'Systolic blood pressure', 1.0), ('CHART', '442', 'Systolic blood pressure', 1.0),
    ('CHART', '455', 'Systolic blood pressure', 1.0), ('CHART', '3313', 'Systolic blood pressure', 1.0),
    ('CHART', '3315', 'Systolic blood pressure', 1.0), ('CHART', '3317', 'Systolic blood pressure', 1.0),
    ('CHART', '3321', 'Systolic blood pressure', 1.0), ('CHART', '3323', 'Systolic blood pressure', 1.0),
    ('CHART', '6701', 'Systolic blood pressure', 1.0), ('CHART', '220050', 'Systolic blood pressure', 1.0),
    ('CHART', '220179', 'Systolic blood pressure', 1.0), ('CHART', '224167', 'Systolic blood pressure', 1.0),
    ('CHART', '225309', 'Systolic blood pressure', 1.0), ('CHART', '227243', 'Systolic blood pressure', 1.0),
    ('CHART', '676', 'Temperature', 1.0), ('CHART', '677', 'Temperature', 1.0), ('CHART', '678', 'Temperature', 1.0),
    ('CHART', '679', 'Temperature', 1.0), ('CHART', '3654', 'Temperature', 1.0),
    ('CHART', '3655', 'Temperature', 1.0), ('CHART', '223761', 'Temperature', 1.0),
    ('CHART', '223762', 'Temperature', 1.0), ('OUTPUT', '40055', 'Urine output', 1.0),
    ('OUTPUT', '40056', 'Urine output', 1.0), ('OUTPUT', '40057', 'Urine output', 1.0),
    ('OUTPUT', '40069', 'Urine output', 1.0), ('OUTPUT', '40085', 'Urine output', 1.0),
    ('OUTPUT', '40086', 'Urine output', 1.0), ('OUTPUT', '40094', 'Urine output', 1.0),
    ('OUTPUT', '40096', 'Urine output', 1.0), ('OUTPUT', '40405', 'Urine output', 1.0),
    ('OUTPUT', '40428', 'Urine output', 1.0), ('OUTPUT', '40473', 'Urine output', 1.0),
    ('OUTPUT', '40651', 'Urine output', 1.0), ('OUTPUT', '40715', 'Urine output', 1.0),
    ('OUTPUT', '43175', 'Urine output', 1.0), ('OUTPUT', '226557', 'Urine output', 1.0),
    ('OUTPUT', '226558', 'Urine output', 1.0), ('OUTPUT', '226559', 'Urine output', 1.0),
    ('OUTPUT', '226560', 'Urine output', 1.0), ('OUTPUT', '226561', 'Urine output', 1.0),
    ('OUTPUT', '226563', 'Urine output', 1.0), ('OUTPUT', '226564', 'Urine output', 1.0),
    ('OUTPUT', '226565', 'Urine output', 1.0), ('OUTPUT', '226567', 'Urine output', 1.0),
    ('OUTPUT', '226584', 'Urine output', 1.0), ('OUTPUT', '227489', 'Urine output', 1.0),
    ('CHART', '763', 'Weight', 1.0), ('CHART', '3580', 'Weight', 1.0), ('CHART', '3581', 'Weight', 0.453592),
    ('CHART', '3582', 'Weight', 0.0283495), ('CHART', '3693', 'Weight', 1.0), ('CHART', '224639', 'Weight', 1.0),
    ('CHART', '226512', 'Weight', 1.0), ('CHART', '226531', 'Weight', 0.453592), ('CHART', '780', 'pH', 1.0),
    ('CHART', '860', 'pH', 1.0), ('CHART', '1126', 'pH', 1.0), ('CHART', '1673', 'pH', 1.0),
    ('CHART', '3839', 'pH', 1.0), ('CHART', '4202', 'pH', 1.0), ('CHART', '4753', 'pH', 1.0),
    ('CHART', '220274', 'pH', 1.0), ('CHART', '223830', 'pH', 1.0), ('LAB', '50820', 'pH', 1.0),
    ('LAB', '50831', 'pH', 1.0), ('LAB', '51094', 'pH', 1.0), ('LAB', '51491', 'pH', 1.0)
) AS t(kind, code, variable, factor);

-- name: benchmark_values
-- The events that feed a benchmark variable, in the variable's unit and cleaned as mimic3-benchmarks
-- cleans them: capillary refill text -> 0 (normal, brisk) or 1 (abnormal, delayed); systolic/diastolic
-- written "120/80" -> the first/second number; a temperature of 79 or more is Fahrenheit -> Celsius;
-- FiO2 above 1 (not in torr) is a percentage -> a fraction; oxygen saturation of 1 or less is a fraction ->
-- a percentage; heights in inches -> cm, rounded; pounds and ounces -> kg. Events without a value are left
-- out. `seen` orders them as the other series do (time, then seq).
SELECT * FROM (
    SELECT
        e.subject_id,
        e.visit_id,
        e.time,
        epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0) AS seen,
        b.variable,
        CASE
            WHEN b.variable = 'Capillary refill rate' THEN
                CASE
                    WHEN e.text_value IN ('Normal <3 secs', 'Normal <3 Seconds', 'Brisk') THEN 0.0
                    WHEN e.text_value IN ('Abnormal >3 secs', 'Abnormal >3 Seconds', 'Delayed') THEN 1.0
                END
            WHEN b.variable = 'Systolic blood pressure' THEN
                coalesce(e.numeric_value, TRY_CAST(split_part(e.text_value, '/', 1) AS DOUBLE))
            WHEN b.variable = 'Diastolic blood pressure' THEN
                coalesce(e.numeric_value, TRY_CAST(split_part(e.text_value, '/', 2) AS DOUBLE))
            WHEN b.variable = 'Temperature' AND e.numeric_value >= 79 THEN (e.numeric_value - 32) * 5 / 9
            WHEN b.variable = 'Fraction inspired oxygen' AND e.numeric_value > 1
                AND coalesce(lower(e.unit), '') NOT LIKE '%torr%' THEN e.numeric_value / 100
            WHEN b.variable = 'Oxygen saturation' AND e.numeric_value <= 1 THEN e.numeric_value * 100
            WHEN b.variable = 'Height' AND b.factor <> 1 THEN round(e.numeric_value * b.factor)
            ELSE e.numeric_value * b.factor
        END AS value
    FROM events AS e
    JOIN benchmark_items AS b ON b.code = e.code AND e.vocab IN ('MIMIC3_' || b.kind, 'MIMIC4_' || b.kind)
    WHERE e.vocab IN ('MIMIC3_CHART', 'MIMIC4_CHART', 'MIMIC3_LAB', 'MIMIC4_LAB', 'MIMIC3_OUTPUT', 'MIMIC4_OUTPUT')
)
WHERE value IS NOT NULL;

-- name: icu_stays
-- ICU stays of adults (18 or older at ICU admission) inside an admission, with a positive length, and the
-- time of death when the admission ended in death (the subject's death time, else the discharge).
SELECT
    i.visit_id AS stay_id,
    i.subject_id,
    i.parent_visit_id AS visit_id,
    i.start_time,
    i.end_time,
    CASE WHEN a.died THEN coalesce(s.death_time, a.end_time) END AS death_time
FROM visits AS i
JOIN subjects AS s ON s.subject_id = i.subject_id
JOIN visits AS a ON a.visit_id = i.parent_visit_id AND a.subject_id = i.subject_id AND a.kind = 'inpatient'
WHERE i.kind = 'icu'
    AND i.start_time IS NOT NULL
    AND i.end_time > i.start_time
    AND s.birth_time + to_years(18) <= i.start_time;

-- name: phenotype_codes
-- The 25 acute-care conditions of mimic3-benchmarks' phenotyping task (hcup_ccs_2015_definitions.yaml,
-- use_in_benchmark: true): each HCUP CCS 2015 group and its ICD-9-CM diagnosis codes, undotted.
SELECT * FROM (VALUES
    ('Acute and unspecified renal failure', '5845'), ('Acute and unspecified renal failure', '5846'),
    ('Acute and unspecified renal failure', '5847'), ('Acute and unspecified renal failure', '5848'),
    ('Acute and unspecified renal failure', '5849'), ('Acute and unspecified renal failure', '586'),
    ('Acute cerebrovascular disease', '34660'), ('Acute cerebrovascular disease', '34661'),
    ('Acute cerebrovascular disease', '34662'), ('Acute cerebrovascular disease', '34663'),
    ('Acute cerebrovascular disease', '430'), ('Acute cerebrovascular disease', '431'),
    ('Acute cerebrovascular disease', '4320'), ('Acute cerebrovascular disease', '4321'),
    ('Acute cerebrovascular disease', '4329'), ('Acute cerebrovascular disease', '43301'),
    ('Acute cerebrovascular disease', '43311'), ('Acute cerebrovascular disease', '43321'),
    ('Acute cerebrovascular disease', '43331'), ('Acute cerebrovascular disease', '43381'),
    ('Acute cerebrovascular disease', '43391'), ('Acute cerebrovascular disease', '4340'),
    ('Acute cerebrovascular disease', '43400'), ('Acute cerebrovascular disease', '43401'),
    ('Acute cerebrovascular disease', '4341'), ('Acute cerebrovascular disease', '43410'),
    ('Acute cerebrovascular disease', '43411'), ('Acute cerebrovascular disease', '4349'),
    ('Acute cerebrovascular disease', '43490'), ('Acute cerebrovascular disease', '43491'),
    ('Acute cerebrovascular disease', '436'), ('Acute myocardial infarction', '4100'),
    ('Acute myocardial infarction', '41000'), ('Acute myocardial infarction', '41001'),
    ('Acute myocardial infarction', '41002'), ('Acute myocardial infarction', '4101'),
    ('Acute myocardial infarction', '41010'), ('Acute myocardial infarction', '41011'),
    ('Acute myocardial infarction', '41012'), ('Acute myocardial infarction', '4102'),
    ('Acute myocardial infarction', '41020'), ('Acute myocardial infarction', '41021'),
    ('Acute myocardial infarction', '41022'), ('Acute myocardial infarction', '4103'),
    ('Acute myocardial infarction', '41030'), ('Acute myocardial infarction', '41031'),
    ('Acute myocardial infarction', '41032'), ('Acute myocardial infarction', '4104'),
    ('Acute myocardial infarction', '41040'), ('Acute myocardial infarction', '41041'),
    ('Acute myocardial infarction', '41042'), ('Acute myocardial infarction', '4105'),
    ('Acute myocardial infarction', '41050'), ('Acute myocardial infarction', '41051'),
    ('Acute myocardial infarction', '41052'), ('Acute myocardial infarction', '4106'),
    ('Acute myocardial infarction', '41060'), ('Acute myocardial infarction', '41061'),
    ('Acute myocardial infarction', '41062'), ('Acute myocardial infarction', '4107'),
    ('Acute myocardial infarction', '41070'), ('Acute myocardial infarction', '41071'),
    ('Acute myocardial infarction', '41072'), ('Acute myocardial infarction', '4108'),
    ('Acute myocardial infarction', '41080'), ('Acute myocardial infarction', '41081'),
    ('Acute myocardial infarction', '41082'), ('Acute myocardial infarction', '4109'),
    ('Acute myocardial infarction', '41090'), ('Acute myocardial infarction', '41091'),
    ('Acute myocardial infarction', '41092'), ('Cardiac dysrhythmias', '4270'), ('Cardiac dysrhythmias', '4271'),
    ('Cardiac dysrhythmias', '4272'), ('Cardiac dysrhythmias', '42731'), ('Cardiac dysrhythmias', '42732'),
    ('Cardiac dysrhythmias', '42760'), ('Cardiac dysrhythmias', '42761'), ('Cardiac dysrhythmias', '42769'),
    ('Cardiac dysrhythmias', '42781'), ('Cardiac dysrhythmias', '42789'), ('Cardiac dysrhythmias', '4279'),
    ('Cardiac dysrhythmias', '7850'), ('Cardiac dysrhythmias', '7851'), ('Chronic kidney disease', '585'),
    ('Chronic kidney disease', '5851'), ('Chronic kidney disease', '5852'), ('Chronic kidney disease', '5853'),
    ('Chronic kidney disease', '5854'), ('Chronic kidney disease', '5855'), ('Chronic kidney disease', '5856'),
    ('Chronic kidney disease', '5859'), ('Chronic kidney disease', '7925'), ('Chronic kidney disease', 'V420'),
    ('Chronic kidney disease', 'V451'), ('Chronic kidney disease', 'V4511'), ('Chronic kidney disease', 'V4512'),
    ('Chronic kidney disease', 'V560'), ('Chronic kidney disease', 'V561'), ('Chronic kidney disease', 'V562'),
    ('Chronic kidney disease', 'V5631'), ('Chronic kidney disease', 'V5632'), ('Chronic kidney disease', 'V568'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '490'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4910'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4911'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4912'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '49120'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '49121'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '49122'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4918'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4919'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4920'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4928'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '494'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4940'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '4941'),
    ('Chronic obstructive pulmonary disease and bronchiectasis', '496'),
    ('Complications of surgical procedures or medical care', '27661'),
    ('Complications of surgical procedures or medical care', '27783'),
    ('Complications of surgical procedures or medical care', '27788'),
    ('Complications of surgical procedures or medical care', '2853'),
    ('Complications of surgical procedures or medical care', '28741'),
    ('Complications of surgical procedures or medical care', '3490'),
    ('Complications of surgical procedures or medical care', '3491'),
    ('Complications of surgical procedures or medical care', '34931'),
    ('Complications of surgical procedures or medical care', '41511'),
    ('Complications of surgical procedures or medical care', '4294'),
    ('Complications of surgical procedures or medical care', '4582'),
    ('Complications of surgical procedures or medical care', '45821'),
    ('Complications of surgical procedures or medical care', '45829'),
    ('Complications of surgical procedures or medical care', '5121'),
    ('Complications of surgical procedures or medical care', '5122'),
    ('Complications of surgical procedures or medical care', '5187'),
    ('Complications of surgical procedures or medical care', '5190'),
    ('Complications of surgical procedures or medical care', '51900'),
    ('Complications of surgical procedures or medical care', '51901'),
    ('Complications of surgical procedures or medical care', '51902'),
    ('Complications of surgical procedures or medical care', '51909'),
    ('Complications of surgical procedures or medical care', '53086'),
    ('Complications of surgical procedures or medical care', '53087'),
    ('Complications of surgical procedures or medical care', '53640'),
    ('Complications of surgical procedures or medical care', '53641'),
    ('Complications of surgical procedures or medical care', '53642'),
    ('Complications of surgical procedures or medical care', '53649'),
    ('Complications of surgical procedures or medical care', '53901'),
    ('Complications of surgical procedures or medical care', '53909'),
    ('Complications of surgical procedures or medical care', '53981'),
    ('Complications of surgical procedures or medical care', '53989'),
    ('Complications of surgical procedures or medical care', '5642'),
    ('Complications of surgical procedures or medical care', '5643'),
    ('Complications of surgical procedures or medical care', '5644'),
    ('Complications of surgical procedures or medical care', '5696'),
    ('Complications of surgical procedures or medical care', '56962'),
    ('Complications of surgical procedures or medical care', '56971'),
    ('Complications of surgical procedures or medical care', '56979'),
    ('Complications of surgical procedures or medical care', '5793'),
    ('Complications of surgical procedures or medical care', '59681'),
    ('Complications of surgical procedures or medical care', '78062'),
    ('Complications of surgical procedures or medical care', '78063'),
    ('Complications of surgical procedures or medical care', '78066'),
    ('Complications of surgical procedures or medical care', '9093'),
    ('Complications of surgical procedures or medical care', '99524'),
    ('Complications of surgical procedures or medical care', '9954'),
    ('Complications of surgical procedures or medical care', '99586'),
    ('Complications of surgical procedures or medical care', '9970'),
    ('Complications of surgical procedures or medical care', '99700'),
    ('Complications of surgical procedures or medical care', '99701'),
    ('Complications of surgical procedures or medical care', '99702'),
    ('Complications of surgical procedures or medical care', '99709'),
    ('Complications of surgical procedures or medical care', '9971'),
    ('Complications of surgical procedures or medical care', '9972'),
    ('Complications of surgical procedures or medical care', '9973'),
    ('Complications of surgical procedures or medical care', '99731'),
    ('Complications of surgical procedures or medical care', '99732'),
    ('Complications of surgical procedures or medical care', '99739'),
    ('Complications of surgical procedures or medical care', '9974'),
    ('Complications of surgical procedures or medical care', '99741'),
    ('Complications of surgical procedures or medical care', '99749'),
    ('Complications of surgical procedures or medical care', '9975'),
    ('Complications of surgical procedures or medical care', '99760'),
    ('Complications of surgical procedures or medical care', '99761'),
    ('Complications of surgical procedures or medical care', '99762'),
    ('Complications of surgical procedures or medical care', '99769'),
    ('Complications of surgical procedures or medical care', '99771'),
    ('Complications of surgical procedures or medical care', '99772'),
    ('Complications of surgical procedures or medical care', '99779'),
    ('Complications of surgical procedures or medical care', '9979'),
    ('Complications of surgical procedures or medical care', '99791'),
    ('Complications of surgical procedures or medical care', '99799'),
    ('Complications of surgical procedures or medical care', '9980'),
    ('Complications of surgical procedures or medical care', '99800'),
    ('Complications of surgical procedures or medical care', '99801'),
    ('Complications of surgical procedures or medical care', '99802'),
    ('Complications of surgical procedures or medical care', '99809'),
    ('Complications of surgical procedures or medical care', '9981'),
    ('Complications of surgical procedures or medical care', '99811'),
    ('Complications of surgical procedures or medical care', '99812'),
    ('Complications of surgical procedures or medical care', '99813'),
    ('Complications of surgical procedures or medical care', '9982'),
    ('Complications of surgical procedures or medical care', '9983'),
    ('Complications of surgical procedures or medical care', '99830'),
    ('Complications of surgical procedures or medical care', '99831'),
    ('Complications of surgical procedures or medical care', '99832'),
    ('Complications of surgical procedures or medical care', '99833'),
    ('Complications of surgical procedures or medical care', '9984'),
    ('Complications of surgical procedures or medical care', '9985'),
    ('Complications of surgical procedures or medical care', '99851'),
    ('Complications of surgical procedures or medical care', '99859'),
    ('Complications of surgical procedures or medical care', '9986'),
    ('Complications of surgical procedures or medical care', '9987'),
    ('Complications of surgical procedures or medical care', '9988'),
    ('Complications of surgical procedures or medical care', '99881'),
    ('Complications of surgical procedures or medical care', '99882'),
    ('Complications of surgical procedures or medical care', '99883'),
    ('Complications of surgical procedures or medical care', '99889'),
    ('Complications of surgical procedures or medical care', '9989'),
    ('Complications of surgical procedures or medical care', '9990'),
    ('Complications of surgical procedures or medical care', '9991'),
    ('Complications of surgical procedures or medical care', '9992'),
    ('Complications of surgical procedures or medical care', '9993'),
    ('Complications of surgical procedures or medical care', '99934'),
    ('Complications of surgical procedures or medical care', '99939'),
    ('Complications of surgical procedures or medical care', '9994'),
    ('Complications of surgical procedures or medical care', '99941'),
    ('Complications of surgical procedures or medical care', '99942'),
    ('Complications of surgical procedures or medical care', '99949'),
    ('Complications of surgical procedures or medical care', '9995'),
    ('Complications of surgical procedures or medical care', '99951'),
    ('Complications of surgical procedures or medical care', '99952'),
    ('Complications of surgical procedures or medical care', '99959'),
    ('Complications of surgical procedures or medical care', '9996'),
    ('Complications of surgical procedures or medical care', '99960'),
    ('Complications of surgical procedures or medical care', '99961'),
    ('Complications of surgical procedures or medical care', '99962'),
    ('Complications of surgical procedures or medical care', '99963'),
    ('Complications of surgical procedures or medical care', '99969'),
    ('Complications of surgical procedures or medical care', '9997'),
    ('Complications of surgical procedures or medical care', '99970'),
    ('Complications of surgical procedures or medical care', '99971'),
    ('Complications of surgical procedures or medical care', '99972'),
    ('Complications of surgical procedures or medical care', '99973'),
    ('Complications of surgical procedures or medical care', '99974'),
    ('Complications of surgical procedures or medical care', '99975'),
    ('Complications of surgical procedures or medical care', '99976'),
    ('Complications of surgical procedures or medical care', '99977'),
    ('Complications of surgical procedures or medical care', '99978'),
    ('Complications of surgical procedures or medical care', '99979'),
    ('Complications of surgical procedures or medical care', '9998'),
    ('Complications of surgical procedures or medical care', '99980'),
    ('Complications of surgical procedures or medical care', '99981'),
    ('Complications of surgical procedures or medical care', '99982'),
    ('Complications of surgical procedures or medical care', '99983'),
    ('Complications of surgical procedures or medical care', '99984'),
    ('Complications of surgical procedures or medical care', '99985'),
    ('Complications of surgical procedures or medical care', '99988'),
    ('Complications of surgical procedures or medical care', '99989'),
    ('Complications of surgical procedures or medical care', '9999'),
    ('Complications of surgical procedures or medical care', 'V1553'),
    ('Complications of surgical procedures or medical care', 'V1580'),
    ('Complications of surgical procedures or medical care', 'V1583'),
    ('Complications of surgical procedures or medical care', 'V9001'),
    ('Complications of surgical procedures or medical care', 'V9009'), ('Conduction disorders', '4260'),
    ('Conduction disorders', '42610'), ('Conduction disorders', '42611'), ('Conduction disorders', '42612'),
    ('Conduction disorders', '42613'), ('Conduction disorders', '4262'), ('Conduction disorders', '4263'),
    ('Conduction disorders', '4264'), ('Conduction disorders', '42650'), ('Conduction disorders', '42651'),
    ('Conduction disorders', '42652'), ('Conduction disorders', '42653'), ('Conduction disorders', '42654'),
    ('Conduction disorders', '4266'), ('Conduction disorders', '4267'), ('Conduction disorders', '42681'),
    ('Conduction disorders', '42682'), ('Conduction disorders', '42689'), ('Conduction disorders', '4269'),
    ('Conduction disorders', 'V450'), ('Conduction disorders', 'V4500'), ('Conduction disorders', 'V4501'),
    ('Conduction disorders', 'V4502'), ('Conduction disorders', 'V4509'), ('Conduction disorders', 'V533'),
    ('Conduction disorders', 'V5331'), ('Conduction disorders', 'V5332'), ('Conduction disorders', 'V5339'),
    ('Congestive heart failure; nonhypertensive', '39891'), ('Congestive heart failure; nonhypertensive', '4280'),
    ('Congestive heart failure; nonhypertensive', '4281'), ('Congestive heart failure; nonhypertensive', '42820'),
    ('Congestive heart failure; nonhypertensive', '42821'), ('Congestive heart failure; nonhypertensive', '42822'),
    ('Congestive heart failure; nonhypertensive', '42823'), ('Congestive heart failure; nonhypertensive', '42830'),
    ('Congestive heart failure; nonhypertensive', '42831'), ('Congestive heart failure; nonhypertensive', '42832'),
    ('Congestive heart failure; nonhypertensive', '42833'), ('Congestive heart failure; nonhypertensive', '42840'),
    ('Congestive heart failure; nonhypertensive', '42841'), ('Congestive heart failure; nonhypertensive', '42842'),
    ('Congestive heart failure; nonhypertensive', '42843'), ('Congestive heart failure; nonhypertensive', '4289'),
    ('Coronary atherosclerosis and other heart disease', '4110'),
    ('Coronary atherosclerosis and other heart disease', '4111'),
    ('Coronary atherosclerosis and other heart disease', '4118'),
    ('Coronary atherosclerosis and other heart disease', '41181'),
    ('Coronary atherosclerosis and other heart disease', '41189'),
    ('Coronary atherosclerosis and other heart disease', '412'),
    ('Coronary atherosclerosis and other heart disease', '4130'),
    ('Coronary atherosclerosis and other heart disease', '4131'),
    ('Coronary atherosclerosis and other heart disease', '4139'),
    ('Coronary atherosclerosis and other heart disease', '4140'),
    ('Coronary atherosclerosis and other heart disease', '41400'),
    ('Coronary atherosclerosis and other heart disease', '41401'),
    ('Coronary atherosclerosis and other heart disease', '41406'),
    ('Coronary atherosclerosis and other heart disease', '4142'),
    ('Coronary atherosclerosis and other heart disease', '4143'),
    ('Coronary atherosclerosis and other heart disease', '4144'),
    ('Coronary atherosclerosis and other heart disease', '4148'),
    ('Coronary atherosclerosis and other heart disease', '4149'),
    ('Coronary atherosclerosis and other heart disease', 'V4581'),
    ('Coronary atherosclerosis and other heart disease', 'V4582'), ('Diabetes mellitus with complications', '24901'),
    ('Diabetes mellitus with complications', '24910'), ('Diabetes mellitus with complications', '24911'),
    ('Diabetes mellitus with complications', '24920'), ('Diabetes mellitus with complications', '24921'),
    ('Diabetes mellitus with complications', '24930'), ('Diabetes mellitus with complications', '24931'),
    ('Diabetes mellitus with complications', '24940'), ('Diabetes mellitus with complications', '24941'),
    ('Diabetes mellitus with complications', '24950'), ('Diabetes mellitus with complications', '24951'),
    ('Diabetes mellitus with complications', '24960'), ('Diabetes mellitus with complications', '24961'),
    ('Diabetes mellitus with complications', '24970'), ('Diabetes mellitus with complications', '24971'),
    ('Diabetes mellitus with complications', '24980'), ('Diabetes mellitus with complications', '24981'),
    ('Diabetes mellitus with complications', '24990'), ('Diabetes mellitus with complications', '24991'),
    ('Diabetes mellitus with complications', '25002'), ('Diabetes mellitus with complications', '25003'),
    ('Diabetes mellitus with complications', '25010'), ('Diabetes mellitus with complications', '25011'),
    ('Diabetes mellitus with complications', '25012'), ('Diabetes mellitus with complications', '25013'),
    ('Diabetes mellitus with complications', '25020'), ('Diabetes mellitus with complications', '25021'),
    ('Diabetes mellitus with complications', '25022'), ('Diabetes mellitus with complications', '25023'),
    ('Diabetes mellitus with complications', '25030'), ('Diabetes mellitus with complications', '25031'),
    ('Diabetes mellitus with complications', '25032'), ('Diabetes mellitus with complications', '25033'),
    ('Diabetes mellitus with complications', '25040'), ('Diabetes mellitus with complications', '25041'),
    ('Diabetes mellitus with complications', '25042'), ('Diabetes mellitus with complications', '25043'),
    ('Diabetes mellitus with complications', '25050'), ('Diabetes mellitus with complications', '25051'),
    ('Diabetes mellitus with complications', '25052'), ('Diabetes mellitus with complications', '25053'),
    ('Diabetes mellitus with complications', '25060'), ('Diabetes mellitus with complications', '25061'),
    ('Diabetes mellitus with complications', '25062'), ('Diabetes mellitus with complications', '25063'),
    ('Diabetes mellitus with complications', '25070'), ('Diabetes mellitus with complications', '25071'),
    ('Diabetes mellitus with complications', '25072'), ('Diabetes mellitus with complications', '25073'),
    ('Diabetes mellitus with complications', '25080'), ('Diabetes mellitus with complications', '25081'),
    ('Diabetes mellitus with complications', '25082'), ('Diabetes mellitus with complications', '25083'),
    ('Diabetes mellitus with complications', '25090'), ('Diabetes mellitus with complications', '25091'),
    ('Diabetes mellitus with complications', '25092'), ('Diabetes mellitus with complications', '25093'),
    ('Diabetes mellitus without complication', '24900'), ('Diabetes mellitus without complication', '25000'),
    ('Diabetes mellitus without complication', '25001'), ('Diabetes mellitus without complication', '7902'),
    ('Diabetes mellitus without complication', '79021'), ('Diabetes mellitus without complication', '79022'),
    ('Diabetes mellitus without complication', '79029'), ('Diabetes mellitus without complication', '7915'),
    ('Diabetes mellitus without complication', '7916'), ('Diabetes mellitus without complication', 'V4585'),
    ('Diabetes mellitus without complication', 'V5391'), ('Diabetes mellitus without complication', 'V6546'),
    ('Disorders of lipid metabolism', '2720'), ('Disorders of lipid metabolism', '2721'),
    ('Disorders of lipid metabolism', '2722'), ('Disorders of lipid metabolism', '2723'),
    ('Disorders of lipid metabolism', '2724'), ('Essential hypertension', '4011'), ('Essential hypertension', '4019'),
    ('Fluid and electrolyte disorders', '2760'), ('Fluid and electrolyte disorders', '2761'),
    ('Fluid and electrolyte disorders', '2762'), ('Fluid and electrolyte disorders', '2763'),
    ('Fluid and electrolyte disorders', '2764'), ('Fluid and electrolyte disorders', '2765'),
    ('Fluid and electrolyte disorders', '27650'), ('Fluid and electrolyte disorders', '27651'),
    ('Fluid and electrolyte disorders', '27652'), ('Fluid and electrolyte disorders', '2766'),
    ('Fluid and electrolyte disorders', '27669'), ('Fluid and electrolyte disorders', '2767'),
    ('Fluid and electrolyte disorders', '2768'), ('Fluid and electrolyte disorders', '2769'),
    ('Fluid and electrolyte disorders', '9951'), ('Gastrointestinal hemorrhage', '4560'),
    ('Gastrointestinal hemorrhage', '45620'), ('Gastrointestinal hemorrhage', '5307'),
    ('Gastrointestinal hemorrhage', '53082'), ('Gastrointestinal hemorrhage', '53100'),
    ('Gastrointestinal hemorrhage', '53101'), ('Gastrointestinal hemorrhage', '53120'),
    ('Gastrointestinal hemorrhage', '53121'), ('Gastrointestinal hemorrhage', '53140'),
    ('Gastrointestinal hemorrhage', '53141'), ('Gastrointestinal hemorrhage', '53160'),
    ('Gastrointestinal hemorrhage', '53161'), ('Gastrointestinal hemorrhage', '53200'),
    ('Gastrointestinal hemorrhage', '53201'), ('Gastrointestinal hemorrhage', '53220'),
    ('Gastrointestinal hemorrhage', '53221'), ('Gastrointestinal hemorrhage', '53240'),
    ('Gastrointestinal hemorrhage', '53241'), ('Gastrointestinal hemorrhage', '53260'),
    ('Gastrointestinal hemorrhage', '53261'), ('Gastrointestinal hemorrhage', '53300'),
    ('Gastrointestinal hemorrhage', '53301'), ('Gastrointestinal hemorrhage', '53320'),
    ('Gastrointestinal hemorrhage', '53321'), ('Gastrointestinal hemorrhage', '53340'),
    ('Gastrointestinal hemorrhage', '53341'), ('Gastrointestinal hemorrhage', '53360'),
    ('Gastrointestinal hemorrhage', '53361'), ('Gastrointestinal hemorrhage', '53400'),
    ('Gastrointestinal hemorrhage', '53401'), ('Gastrointestinal hemorrhage', '53420'),
    ('Gastrointestinal hemorrhage', '53421'), ('Gastrointestinal hemorrhage', '53440'),
    ('Gastrointestinal hemorrhage', '53441'), ('Gastrointestinal hemorrhage', '53460'),
    ('Gastrointestinal hemorrhage', '53461'), ('Gastrointestinal hemorrhage', '5693'),
    ('Gastrointestinal hemorrhage', '5780'), ('Gastrointestinal hemorrhage', '5781'),
    ('Gastrointestinal hemorrhage', '5789'), ('Hypertension with complications and secondary hypertension', '4010'),
    ('Hypertension with complications and secondary hypertension', '40200'),
    ('Hypertension with complications and secondary hypertension', '40201'),
    ('Hypertension with complications and secondary hypertension', '40210'),
    ('Hypertension with complications and secondary hypertension', '40211'),
    ('Hypertension with complications and secondary hypertension', '40290'),
    ('Hypertension with complications and secondary hypertension', '40291'),
    ('Hypertension with complications and secondary hypertension', '4030'),
    ('Hypertension with complications and secondary hypertension', '40300'),
    ('Hypertension with complications and secondary hypertension', '40301'),
    ('Hypertension with complications and secondary hypertension', '4031'),
    ('Hypertension with complications and secondary hypertension', '40310'),
    ('Hypertension with complications and secondary hypertension', '40311'),
    ('Hypertension with complications and secondary hypertension', '4039'),
    ('Hypertension with complications and secondary hypertension', '40390'),
    ('Hypertension with complications and secondary hypertension', '40391'),
    ('Hypertension with complications and secondary hypertension', '4040'),
    ('Hypertension with complications and secondary hypertension', '40400'),
    ('Hypertension with complications and secondary hypertension', '40401'),
    ('Hypertension with complications and secondary hypertension', '40402'),
    ('Hypertension with complications and secondary hypertension', '40403'),
    ('Hypertension with complications and secondary hypertension', '4041'),
    ('Hypertension with complications and secondary hypertension', '40410'),
    ('Hypertension with complications and secondary hypertension', '40411'),
    ('Hypertension with complications and secondary hypertension', '40412'),
    ('Hypertension with complications and secondary hypertension', '40413'),
    ('Hypertension with complications and secondary hypertension', '4049'),
    ('Hypertension with complications and secondary hypertension', '40490'),
    ('Hypertension with complications and secondary hypertension', '40491'),
    ('Hypertension with complications and secondary hypertension', '40492'),
    ('Hypertension with complications and secondary hypertension', '40493'),
    ('Hypertension with complications and secondary hypertension', '40501'),
    ('Hypertension with complications and secondary hypertension', '40509'),
    ('Hypertension with complications and secondary hypertension', '40511'),
    ('Hypertension with complications and secondary hypertension', '40519'),
    ('Hypertension with complications and secondary hypertension', '40591'),
    ('Hypertension with complications and secondary hypertension', '40599'),
    ('Hypertension with complications and secondary hypertension', '4372'), ('Other liver diseases', '570'),
    ('Other liver diseases', '5715'), ('Other liver diseases', '5716'), ('Other liver diseases', '5718'),
    ('Other liver diseases', '5719'), ('Other liver diseases', '5720'), ('Other liver diseases', '5721'),
    ('Other liver diseases', '5722'), ('Other liver diseases', '5723'), ('Other liver diseases', '5724'),
    ('Other liver diseases', '5728'), ('Other liver diseases', '5730'), ('Other liver diseases', '5734'),
    ('Other liver diseases', '5735'), ('Other liver diseases', '5738'), ('Other liver diseases', '5739'),
    ('Other liver diseases', '7824'), ('Other liver diseases', '7891'), ('Other liver diseases', '7895'),
    ('Other liver diseases', '78959'), ('Other liver diseases', '7904'), ('Other liver diseases', '7905'),
    ('Other liver diseases', '7948'), ('Other liver diseases', 'V427'), ('Other lower respiratory disease', '5131'),
    ('Other lower respiratory disease', '514'), ('Other lower respiratory disease', '515'),
    ('Other lower respiratory disease', '5160'), ('Other lower respiratory disease', '5161'),
    ('Other lower respiratory disease', '5162'), ('Other lower respiratory disease', '5163'),
    ('Other lower respiratory disease', '51630'), ('Other lower respiratory disease', '51631'),
    ('Other lower respiratory disease', '51632'), ('Other lower respiratory disease', '51633'),
    ('Other lower respiratory disease', '51634'), ('Other lower respiratory disease', '51635'),
    ('Other lower respiratory disease', '51636'), ('Other lower respiratory disease', '51637'),
    ('Other lower respiratory disease', '5164'), ('Other lower respiratory disease', '5165'),
    ('Other lower respiratory disease', '51661'), ('Other lower respiratory disease', '51662'),
    ('Other lower respiratory disease', '51663'), ('Other lower respiratory disease', '51664'),
    ('Other lower respiratory disease', '51669'), ('Other lower respiratory disease', '5168'),
    ('Other lower respiratory disease', '5169'), ('Other lower respiratory disease', '5172'),
    ('Other lower respiratory disease', '5178'), ('Other lower respiratory disease', '5183'),
    ('Other lower respiratory disease', '5184'), ('Other lower respiratory disease', '51889'),
    ('Other lower respiratory disease', '5194'), ('Other lower respiratory disease', '5198'),
    ('Other lower respiratory disease', '5199'), ('Other lower respiratory disease', '7825'),
    ('Other lower respiratory disease', '78600'), ('Other lower respiratory disease', '78601'),
    ('Other lower respiratory disease', '78602'), ('Other lower respiratory disease', '78603'),
    ('Other lower respiratory disease', '78604'), ('Other lower respiratory disease', '78605'),
    ('Other lower respiratory disease', '78606'), ('Other lower respiratory disease', '78607'),
    ('Other lower respiratory disease', '78609'), ('Other lower respiratory disease', '7862'),
    ('Other lower respiratory disease', '7863'), ('Other lower respiratory disease', '78630'),
    ('Other lower respiratory disease', '78631'), ('Other lower respiratory disease', '78639'),
    ('Other lower respiratory disease', '7864'), ('Other lower respiratory disease', '78652'),
    ('Other lower respiratory disease', '7866'), ('Other lower respiratory disease', '7867'),
    ('Other lower respiratory disease', '7868'), ('Other lower respiratory disease', '7869'),
    ('Other lower respiratory disease', '7931'), ('Other lower respiratory disease', '79311'),
    ('Other lower respiratory disease', '79319'), ('Other lower respiratory disease', '7942'),
    ('Other lower respiratory disease', 'V126'), ('Other lower respiratory disease', 'V1260'),
    ('Other lower respiratory disease', 'V1261'), ('Other lower respiratory disease', 'V1269'),
    ('Other lower respiratory disease', 'V426'), ('Other upper respiratory disease', '470'),
    ('Other upper respiratory disease', '4710'), ('Other upper respiratory disease', '4711'),
    ('Other upper respiratory disease', '4718'), ('Other upper respiratory disease', '4719'),
    ('Other upper respiratory disease', '4720'), ('Other upper respiratory disease', '4721'),
    ('Other upper respiratory disease', '4722'), ('Other upper respiratory disease', '4760'),
    ('Other upper respiratory disease', '4761'), ('Other upper respiratory disease', '4770'),
    ('Other upper respiratory disease', '4772'), ('Other upper respiratory disease', '4778'),
    ('Other upper respiratory disease', '4779'), ('Other upper respiratory disease', '4780'),
    ('Other upper respiratory disease', '4781'), ('Other upper respiratory disease', '47811'),
    ('Other upper respiratory disease', '47819'), ('Other upper respiratory disease', '47820'),
    ('Other upper respiratory disease', '47821'), ('Other upper respiratory disease', '47822'),
    ('Other upper respiratory disease', '47824'), ('Other upper respiratory disease', '47825'),
    ('Other upper respiratory disease', '47826'), ('Other upper respiratory disease', '47829'),
    ('Other upper respiratory disease', '47830'), ('Other upper respiratory disease', '47831'),
    ('Other upper respiratory disease', '47832'), ('Other upper respiratory disease', '47833'),
    ('Other upper respiratory disease', '47834'), ('Other upper respiratory disease', '4784'),
    ('Other upper respiratory disease', '4785'), ('Other upper respiratory disease', '4786'),
    ('Other upper respiratory disease', '47870'), ('Other upper respiratory disease', '47871'),
    ('Other upper respiratory disease', '47874'), ('Other upper respiratory disease', '47875'),
    ('Other upper respiratory disease', '47879'), ('Other upper respiratory disease', '4788'),
    ('Other upper respiratory disease', '4789'), ('Other upper respiratory disease', '5191'),
    ('Other upper respiratory disease', '51911'), ('Other upper respiratory disease', '51919'),
    ('Other upper respiratory disease', '5192'), ('Other upper respiratory disease', '5193'),
    ('Other upper respiratory disease', '7841'), ('Other upper respiratory disease', '78440'),
    ('Other upper respiratory disease', '78441'), ('Other upper respiratory disease', '78442'),
    ('Other upper respiratory disease', '78443'), ('Other upper respiratory disease', '78444'),
    ('Other upper respiratory disease', '78449'), ('Other upper respiratory disease', '7847'),
    ('Other upper respiratory disease', '7848'), ('Other upper respiratory disease', '7849'),
    ('Other upper respiratory disease', '78499'), ('Other upper respiratory disease', '7861'),
    ('Other upper respiratory disease', 'V414'), ('Other upper respiratory disease', 'V440'),
    ('Other upper respiratory disease', 'V550'), ('Pleurisy; pneumothorax; pulmonary collapse', '5100'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '5109'), ('Pleurisy; pneumothorax; pulmonary collapse', '5110'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '5111'), ('Pleurisy; pneumothorax; pulmonary collapse', '5118'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '51189'), ('Pleurisy; pneumothorax; pulmonary collapse', '5119'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '5120'), ('Pleurisy; pneumothorax; pulmonary collapse', '5128'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '51281'), ('Pleurisy; pneumothorax; pulmonary collapse', '51282'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '51283'), ('Pleurisy; pneumothorax; pulmonary collapse', '51284'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '51289'), ('Pleurisy; pneumothorax; pulmonary collapse', '5180'),
    ('Pleurisy; pneumothorax; pulmonary collapse', '5181'), ('Pleurisy; pneumothorax; pulmonary collapse', '5182'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '00322'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0203'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0204'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0205'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0212'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0221'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0310'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0391'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0521'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0551'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0730'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '0830'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '1124'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '1140'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '1144'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '1145'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '11505'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '11515'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '11595'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '1304'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '1363'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4800'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4801'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4802'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4803'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4808'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4809'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '481'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4820'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4821'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4822'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4823'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48230'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48231'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48232'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48239'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4824'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48240'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48241'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48242'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48249'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4828'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48281'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48282'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48283'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48284'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '48289'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4829'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '483'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4830'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4831'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4838'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4841'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4843'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4845'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4846'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4847'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '4848'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '485'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '486'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '5130'),
    ('Pneumonia (except that caused by tuberculosis or sexually transmitted disease)', '5171'),
    ('Respiratory failure; insufficiency; arrest (adult)', '5173'),
    ('Respiratory failure; insufficiency; arrest (adult)', '5185'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51851'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51852'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51853'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51881'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51882'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51883'),
    ('Respiratory failure; insufficiency; arrest (adult)', '51884'),
    ('Respiratory failure; insufficiency; arrest (adult)', '7991'),
    ('Respiratory failure; insufficiency; arrest (adult)', 'V461'),
    ('Respiratory failure; insufficiency; arrest (adult)', 'V4611'),
    ('Respiratory failure; insufficiency; arrest (adult)', 'V4612'),
    ('Respiratory failure; insufficiency; arrest (adult)', 'V4613'),
    ('Respiratory failure; insufficiency; arrest (adult)', 'V4614'),
    ('Respiratory failure; insufficiency; arrest (adult)', 'V462'), ('Septicemia (except in labor)', '0031'),
    ('Septicemia (except in labor)', '0202'), ('Septicemia (except in labor)', '0223'),
    ('Septicemia (except in labor)', '0362'), ('Septicemia (except in labor)', '0380'),
    ('Septicemia (except in labor)', '0381'), ('Septicemia (except in labor)', '03810'),
    ('Septicemia (except in labor)', '03811'), ('Septicemia (except in labor)', '03812'),
    ('Septicemia (except in labor)', '03819'), ('Septicemia (except in labor)', '0382'),
    ('Septicemia (except in labor)', '0383'), ('Septicemia (except in labor)', '03840'),
    ('Septicemia (except in labor)', '03841'), ('Septicemia (except in labor)', '03842'),
    ('Septicemia (except in labor)', '03843'), ('Septicemia (except in labor)', '03844'),
    ('Septicemia (except in labor)', '03849'), ('Septicemia (except in labor)', '0388'),
    ('Septicemia (except in labor)', '0389'), ('Septicemia (except in labor)', '0545'),
    ('Septicemia (except in labor)', '449'), ('Septicemia (except in labor)', '77181'),
    ('Septicemia (except in labor)', '7907'), ('Septicemia (except in labor)', '99591'),
    ('Septicemia (except in labor)', '99592'), ('Shock', '78550'), ('Shock', '78551'), ('Shock', '78552'),
    ('Shock', '78559')
) AS t(phenotype, code);
