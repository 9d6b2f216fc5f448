/* medlake
description: >
  Filling the vocab tables from the staged rows (Arrow tables registered as
  staged_concepts, staged_edges, staged_maps by medlake.ontology.build).
  Codes are written the ICD way here, once, by vocab.std_code. A code named
  only by an edge or a map still becomes a concept (without a title). When
  several inputs title one code, the lowest rank wins.
*/
-- name: insert_concepts
-- Distinct codes as written first, then std_code once per distinct code (the files repeat codes a lot).
INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf)
WITH seen AS (
    SELECT vocab, code, name, rank FROM staged_concepts
    UNION ALL SELECT vocab, child, NULL, 99 FROM staged_edges
    UNION ALL SELECT vocab, parent, NULL, 99 FROM staged_edges
    UNION ALL SELECT src_vocab, src_code, NULL, 99 FROM staged_maps
    UNION ALL SELECT dst_vocab, dst_code, NULL, 99 FROM staged_maps
),
as_written AS (
    SELECT vocab, code, arg_min(name, rank) FILTER (WHERE name IS NOT NULL) AS name,
           min(rank) FILTER (WHERE name IS NOT NULL) AS rank
    FROM seen
    GROUP BY vocab, code
)
SELECT vocab, std, arg_min(name, rank) FILTER (WHERE name IS NOT NULL) AS name, 1, true
FROM (SELECT vocab, vocab.std_code(vocab, code) AS std, name, rank FROM as_written)
WHERE std IS NOT NULL AND std <> ''
GROUP BY vocab, std
ORDER BY vocab, std;

-- name: insert_edges
INSERT INTO vocab.edges (vocab, child, parent)
SELECT DISTINCT vocab, child, parent
FROM (
    SELECT vocab, vocab.std_code(vocab, child) AS child, vocab.std_code(vocab, parent) AS parent
    FROM (SELECT DISTINCT vocab, child, parent FROM staged_edges)
)
WHERE child <> parent;

-- name: insert_closure
-- One vocabulary's transitive closure; distance is the shortest path (0 = the code itself).
-- The depth guard stops a cycle in user-supplied edges from running forever.
INSERT INTO vocab.ancestors (vocab, descendant, ancestor, distance)
WITH RECURSIVE walk (descendant, ancestor, distance) AS (
    SELECT code, code, 0 FROM vocab.concepts WHERE vocab = $vocab
    UNION ALL
    SELECT w.descendant, e.parent, w.distance + 1
    FROM walk AS w
    JOIN vocab.edges AS e ON e.vocab = $vocab AND e.child = w.ancestor
    WHERE w.distance < 64
)
SELECT $vocab, descendant, ancestor, min(distance)
FROM walk
GROUP BY descendant, ancestor;

-- name: set_levels
UPDATE vocab.concepts AS c
SET level = d.depth + 1, is_leaf = d.is_leaf
FROM (
    SELECT a.vocab, a.descendant AS code, max(a.distance) AS depth,
           NOT EXISTS (SELECT 1 FROM vocab.edges AS e WHERE e.vocab = a.vocab AND e.parent = a.descendant) AS is_leaf
    FROM vocab.ancestors AS a
    GROUP BY a.vocab, a.descendant
) AS d
WHERE c.vocab = d.vocab AND c.code = d.code;

-- name: insert_maps
INSERT INTO vocab.maps (src_vocab, src_code, dst_vocab, dst_code, kind, flags)
SELECT src_vocab, src_code, dst_vocab, dst_code, kind, min(flags)
FROM (
    SELECT src_vocab, vocab.std_code(src_vocab, src_code) AS src_code, dst_vocab,
           vocab.std_code(dst_vocab, dst_code) AS dst_code, kind, flags
    FROM (SELECT src_vocab, src_code, dst_vocab, dst_code, kind, min(flags) AS flags
          FROM staged_maps GROUP BY src_vocab, src_code, dst_vocab, dst_code, kind)
)
GROUP BY src_vocab, src_code, dst_vocab, dst_code, kind;

-- name: vocabularies
SELECT DISTINCT vocab FROM vocab.concepts ORDER BY vocab;

-- name: insert_meta
INSERT INTO vocab.meta (input, origin, path, package, version, sha256, rows, loaded_at)
VALUES ($input, $origin, $path, $package, $version, $sha256, $rows, $loaded_at);

-- name: row_counts
SELECT 'vocab.concepts' AS "table", count(*) AS "rows" FROM vocab.concepts
UNION ALL SELECT 'vocab.edges', count(*) FROM vocab.edges
UNION ALL SELECT 'vocab.ancestors', count(*) FROM vocab.ancestors
UNION ALL SELECT 'vocab.maps', count(*) FROM vocab.maps;

-- name: progress_bar_shown
-- DuckDB draws its own progress bar on stdout for long statements; the load turns it off and back on.
SELECT current_setting('enable_progress_bar');

-- name: progress_bar_off
SET enable_progress_bar = false;

-- name: progress_bar_on
SET enable_progress_bar = true;
