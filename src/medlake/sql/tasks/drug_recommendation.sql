/* medlake
name: drug_recommendation
description: >
  Which drugs (ATC level 3) will be given in this admission? Drugs become
  ATC level-3 codes through the code tables (vocab.maps NDC -> ATC; a
  prescription whose NDC has no map falls back on its GSN, events.alt_code);
  unmapped drugs are dropped before validity is judged. Subjects with fewer
  than 2 valid admissions give no samples. One sample per valid admission i:
  conditions and procedures of the valid admissions 0..i (nested), the drug
  history of 0..i with admission i's emptied, and admission i's ATC-3 set as
  the label. Retrospective: admission i's codes are known at its discharge.
datasets: [mimic3, mimic4]
label:
  type: multilabel
params: {}
inputs:
  conditions: nested_codes
  procedures: nested_codes
  drugs_hist: nested_codes
retrospective: true
requires: [ndc_atc_maps]
lookahead: >
  only subjects with at least 2 valid admissions are kept (PyHealth's cohort),
  so a first admission is a sample only because a later one is valid
*/
WITH atc_of_ndc AS (
    SELECT DISTINCT src_code AS code, left(dst_code, 4) AS atc3
    FROM vocab.maps
    WHERE src_vocab = 'NDC' AND dst_vocab = 'ATC' AND length(dst_code) >= 4
),
atc_of_gsn AS (
    SELECT DISTINCT src_code AS code, left(dst_code, 4) AS atc3
    FROM vocab.maps
    WHERE src_vocab = 'GSN' AND dst_vocab = 'ATC' AND length(dst_code) >= 4
),
prescribed AS (
    -- ATC-3 codes of each prescription known by its admission's discharge: by NDC, else by GSN
    SELECT e.visit_id, epoch_us(e.time)::HUGEINT * 1099511627776 + coalesce(e.seq, 0) AS seen, coalesce(n.atc3, g.atc3) AS atc3
    FROM events AS e
    JOIN admissions AS a ON a.visit_id = e.visit_id AND a.subject_id = e.subject_id
    LEFT JOIN atc_of_ndc AS n ON n.code = e.code
    LEFT JOIN atc_of_gsn AS g ON g.code = e.alt_code
    WHERE e.vocab = 'NDC' AND e.time <= a.end_time
),
visit_drugs AS (
    SELECT visit_id, list_transform(list_sort(list({'first_seen': first_seen, 'atc3': atc3})), lambda x: x.atc3) AS drugs
    FROM (
        SELECT visit_id, atc3, min(seen) AS first_seen
        FROM prescribed
        WHERE atc3 IS NOT NULL
        GROUP BY visit_id, atc3
    )
    GROUP BY visit_id
),
diagnoses_procedures AS (
    -- only these two domains: the filter reaches the scan, so NDC codes are never grouped here
    SELECT
        visit_id,
        any_value(codes) FILTER (WHERE domain = 'conditions') AS conditions,
        any_value(codes) FILTER (WHERE domain = 'procedures') AS procedures
    FROM visit_code_lists
    WHERE domain IN ('conditions', 'procedures')
    GROUP BY visit_id
),
valid AS (
    SELECT
        a.subject_id,
        a.visit_id,
        a.end_time,
        c.conditions,
        c.procedures,
        d.drugs,
        row_number() OVER (PARTITION BY a.subject_id ORDER BY a.start_time, a.end_time, a.visit_id) AS k,
        count(*) OVER (PARTITION BY a.subject_id) AS n_valid
    FROM admissions AS a
    JOIN diagnoses_procedures AS c ON c.visit_id = a.visit_id
    JOIN visit_drugs AS d ON d.visit_id = a.visit_id
    WHERE c.conditions IS NOT NULL AND c.procedures IS NOT NULL
),
history AS (
    SELECT
        *,
        list(conditions) OVER w AS conditions_so_far,
        list(procedures) OVER w AS procedures_so_far,
        list(drugs) OVER w AS drugs_so_far
    FROM valid
    WINDOW w AS (PARTITION BY subject_id ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT
    concat(h.subject_id, '-', h.visit_id) AS sample_id,
    h.subject_id,
    h.visit_id,
    h.end_time AS index_time,
    h.drugs AS label,
    h.conditions_so_far AS conditions,
    h.procedures_so_far AS procedures,
    list_concat(list_slice(h.drugs_so_far, 1, h.k - 1), [CAST([] AS VARCHAR[])]) AS drugs_hist
FROM history AS h
WHERE h.n_valid >= 2
ORDER BY h.subject_id, index_time, h.visit_id
