/* medlake
description: >
  OMOP vocabulary tables (concept, concept_ancestor, concept_relationship) of
  a loaded OMOP dataset, found in its <dataset>_raw schema (written here as
  raw.*, qualified by medlake.ontology.omop), added to the vocab tables.
  Codes the code-system files already provide keep their file titles; the
  OMOP hierarchy is used for the vocabularies the files do not cover; every
  valid "Maps to" relationship becomes a map of kind omop_maps_to.
  Vocabulary names are written as the OMOP loader writes events.vocab
  (upper case, spaces as _: RxNorm -> RXNORM), so events join directly.
*/
-- name: schemas_with_vocabulary
SELECT schema_name
FROM duckdb_tables()
WHERE database_name = current_database()
  AND schema_name LIKE '%\_raw' ESCAPE '\'
  AND table_name IN ('concept', 'concept_ancestor', 'concept_relationship')
GROUP BY schema_name
HAVING count(DISTINCT table_name) = 3
ORDER BY schema_name;

-- name: vocabularies_with_edges
SELECT DISTINCT vocab FROM vocab.edges ORDER BY vocab;

-- name: insert_concepts
INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf)
SELECT c.vocab, c.code, any_value(c.name), 1, true
FROM (
    SELECT v AS vocab, vocab.std_code(v, concept_code) AS code, concept_name AS name
    FROM (SELECT upper(replace(trim(vocabulary_id), ' ', '_')) AS v, concept_code, concept_name FROM raw.concept)
    WHERE nullif(v, '') IS NOT NULL AND nullif(trim(concept_code), '') IS NOT NULL
) AS c
WHERE NOT EXISTS (SELECT 1 FROM vocab.concepts AS v WHERE v.vocab = c.vocab AND v.code = c.code)
GROUP BY c.vocab, c.code;

-- name: insert_edges
INSERT INTO vocab.edges (vocab, child, parent)
WITH concept AS (
    SELECT concept_id, v AS vocab, vocab.std_code(v, concept_code) AS code
    FROM (SELECT CAST(concept_id AS BIGINT) AS concept_id, upper(replace(trim(vocabulary_id), ' ', '_')) AS v,
                 concept_code FROM raw.concept)
    WHERE nullif(v, '') IS NOT NULL AND nullif(trim(concept_code), '') IS NOT NULL
),
one_level AS (
    SELECT DISTINCT d.vocab, d.code AS child, p.code AS parent
    FROM raw.concept_ancestor AS a
    JOIN concept AS d ON d.concept_id = CAST(a.descendant_concept_id AS BIGINT)
    JOIN concept AS p ON p.concept_id = CAST(a.ancestor_concept_id AS BIGINT)
    WHERE a.min_levels_of_separation = 1 AND d.vocab = p.vocab AND d.code <> p.code
      AND d.vocab NOT IN (SELECT unnest($file_vocabs::VARCHAR[]))
)
SELECT vocab, child, parent FROM one_level AS o
WHERE NOT EXISTS (SELECT 1 FROM vocab.edges AS e WHERE e.vocab = o.vocab AND e.child = o.child AND e.parent = o.parent);

-- name: insert_maps
INSERT INTO vocab.maps (src_vocab, src_code, dst_vocab, dst_code, kind, flags)
WITH concept AS (
    SELECT concept_id, v AS vocab, vocab.std_code(v, concept_code) AS code
    FROM (SELECT CAST(concept_id AS BIGINT) AS concept_id, upper(replace(trim(vocabulary_id), ' ', '_')) AS v,
                 concept_code FROM raw.concept)
    WHERE nullif(v, '') IS NOT NULL AND nullif(trim(concept_code), '') IS NOT NULL
)
SELECT DISTINCT s.vocab, s.code, t.vocab, t.code, 'omop_maps_to', NULL
FROM raw.concept_relationship AS r
JOIN concept AS s ON s.concept_id = CAST(r.concept_id_1 AS BIGINT)
JOIN concept AS t ON t.concept_id = CAST(r.concept_id_2 AS BIGINT)
WHERE r.relationship_id = 'Maps to'
  AND nullif(trim(CAST(r.invalid_reason AS VARCHAR)), '') IS NULL
  AND s.concept_id <> t.concept_id
  AND NOT EXISTS (SELECT 1 FROM vocab.maps AS m WHERE m.src_vocab = s.vocab AND m.src_code = s.code
                  AND m.dst_vocab = t.vocab AND m.dst_code = t.code AND m.kind = 'omop_maps_to');

-- name: concept_count
SELECT count(*) FROM raw.concept;
