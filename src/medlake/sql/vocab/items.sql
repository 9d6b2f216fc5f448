/* medlake
description: >
  The local item dictionaries of loaded MIMIC datasets, found in their
  <dataset>_raw schemas (written here as raw.*, qualified by
  medlake.ontology.items), added to vocab.concepts under the vocabularies the
  loaders write into events.vocab: D_ITEMS / d_items by linksto
  (<prefix>_CHART, _INPUT, _OUTPUT, _PROCEDURE, _DATETIME, _INGREDIENT,
  _MICRO), D_LABITEMS / d_labitems (<prefix>_LAB), MIMIC-IV microbiology
  items named in microbiologyevents itself (<prefix>_MICRO: v2.x ships no
  dictionary for them) and d_hcpcs (HCPCS). <prefix> is MIMIC3 or MIMIC4. A
  code already in vocab.concepts keeps its first name; each is a level-1 leaf.
*/
-- name: raw_tables
SELECT t.schema_name, t.table_name
FROM duckdb_tables() AS t
JOIN meta.datasets AS d ON t.schema_name = d.dataset || '_raw'
WHERE t.database_name = current_database() AND d.source = $source
  AND t.table_name IN ('d_items', 'd_labitems', 'd_hcpcs', 'microbiologyevents')
ORDER BY t.schema_name, t.table_name;

-- name: d_items
INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf)
SELECT i.vocab, i.code, any_value(i.name), 1, true
FROM (
    SELECT
        $prefix || CASE lower(trim(linksto))
            WHEN 'chartevents' THEN '_CHART'
            WHEN 'inputevents' THEN '_INPUT'
            WHEN 'inputevents_cv' THEN '_INPUT'
            WHEN 'inputevents_mv' THEN '_INPUT'
            WHEN 'outputevents' THEN '_OUTPUT'
            WHEN 'procedureevents' THEN '_PROCEDURE'
            WHEN 'procedureevents_mv' THEN '_PROCEDURE'
            WHEN 'datetimeevents' THEN '_DATETIME'
            WHEN 'ingredientevents' THEN '_INGREDIENT'
            WHEN 'microbiologyevents' THEN '_MICRO'
        END AS vocab,
        CAST(itemid AS VARCHAR) AS code,
        label AS name
    FROM raw.d_items
) AS i
WHERE i.vocab IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM vocab.concepts AS v WHERE v.vocab = i.vocab AND v.code = i.code)
GROUP BY i.vocab, i.code;

-- name: d_labitems
INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf)
SELECT $prefix || '_LAB', CAST(l.itemid AS VARCHAR), any_value(l.label), 1, true
FROM raw.d_labitems AS l
WHERE NOT EXISTS (SELECT 1 FROM vocab.concepts AS v
                  WHERE v.vocab = $prefix || '_LAB' AND v.code = CAST(l.itemid AS VARCHAR))
GROUP BY l.itemid;

-- name: microbiologyevents
-- MIMIC-IV only: its items are named in the event table (spec_type_desc, test_name, org_name, ab_name)
INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf)
SELECT $prefix || '_MICRO', code, min(name), 1, true
FROM (
    SELECT CAST(spec_itemid AS VARCHAR) AS code, spec_type_desc AS name FROM raw.microbiologyevents
    UNION ALL SELECT CAST(test_itemid AS VARCHAR), test_name FROM raw.microbiologyevents
    UNION ALL SELECT CAST(org_itemid AS VARCHAR), org_name FROM raw.microbiologyevents
    UNION ALL SELECT CAST(ab_itemid AS VARCHAR), ab_name FROM raw.microbiologyevents
) AS m
WHERE code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM vocab.concepts AS v WHERE v.vocab = $prefix || '_MICRO' AND v.code = m.code)
GROUP BY code;

-- name: d_hcpcs
INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf)
SELECT 'HCPCS', upper(trim(h.code)), any_value(coalesce(h.long_description, h.short_description)), 1, true
FROM raw.d_hcpcs AS h
WHERE nullif(trim(h.code), '') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM vocab.concepts AS v WHERE v.vocab = 'HCPCS' AND v.code = upper(trim(h.code)))
GROUP BY upper(trim(h.code));

-- name: concept_count
SELECT count(*) FROM vocab.concepts WHERE vocab LIKE $prefix || '\_%' ESCAPE '\' OR vocab = 'HCPCS';
