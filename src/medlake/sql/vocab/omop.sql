/* medlake
description: >
  OMOP vocabulary tables (concept, concept_ancestor, concept_relationship) of
  a loaded OMOP dataset, found in its <dataset>_raw schema (written here as
  raw.*, qualified by medlake.ontology.omop), added to the vocab tables.
  Codes the code-system files already provide keep their file titles; the
  OMOP hierarchy is used for the vocabularies the files do not cover; every
  valid "Maps to" relationship becomes a map of kind omop_maps_to.
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
    SELECT vocabulary_id AS vocab, vocab.std_code(vocabulary_id, concept_code) AS code, concept_name AS name
    FROM raw.concept
    WHERE vocabulary_id IS NOT NULL AND concept_code IS NOT NULL
) AS c
WHERE NOT EXISTS (SELECT 1 FROM vocab.concepts AS v WHERE v.vocab = c.vocab AND v.code = c.code)
GROUP BY c.vocab, c.code;

-- name: insert_edges
INSERT INTO vocab.edges (vocab, child, parent)
SELECT DISTINCT d.vocabulary_id, vocab.std_code(d.vocabulary_id, d.concept_code),
       vocab.std_code(p.vocabulary_id, p.concept_code)
FROM raw.concept_ancestor AS a
JOIN raw.concept AS d ON CAST(d.concept_id AS BIGINT) = CAST(a.descendant_concept_id AS BIGINT)
JOIN raw.concept AS p ON CAST(p.concept_id AS BIGINT) = CAST(a.ancestor_concept_id AS BIGINT)
WHERE a.min_levels_of_separation = 1
  AND d.vocabulary_id = p.vocabulary_id
  AND d.concept_code <> p.concept_code
  AND d.vocabulary_id NOT IN (SELECT unnest($file_vocabs::VARCHAR[]))
  AND NOT EXISTS (
      SELECT 1 FROM vocab.edges AS e
      WHERE e.vocab = d.vocabulary_id
        AND e.child = vocab.std_code(d.vocabulary_id, d.concept_code)
        AND e.parent = vocab.std_code(p.vocabulary_id, p.concept_code)
  );

-- name: insert_maps
INSERT INTO vocab.maps (src_vocab, src_code, dst_vocab, dst_code, kind, flags)
SELECT DISTINCT s.vocabulary_id, vocab.std_code(s.vocabulary_id, s.concept_code),
       t.vocabulary_id, vocab.std_code(t.vocabulary_id, t.concept_code), 'omop_maps_to', NULL
FROM raw.concept_relationship AS r
JOIN raw.concept AS s ON CAST(s.concept_id AS BIGINT) = CAST(r.concept_id_1 AS BIGINT)
JOIN raw.concept AS t ON CAST(t.concept_id AS BIGINT) = CAST(r.concept_id_2 AS BIGINT)
WHERE r.relationship_id = 'Maps to'
  AND r.invalid_reason IS NULL
  AND CAST(r.concept_id_1 AS BIGINT) <> CAST(r.concept_id_2 AS BIGINT);

-- name: concept_count
SELECT count(*) FROM raw.concept;
