/* medlake
description: >
  Queries behind lake.codes. Inputs arrive as a registered Arrow table
  codes_input(ord, input): the single-code forms use a one-row input, the
  batched forms any number of rows, so both run the same SQL. Codes are
  standardized with vocab.std_code before they are matched.
*/
-- name: loaded
SELECT count(*) = 2 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'vocab' AND table_name IN ('concepts', 'maps');

-- name: vocabularies
SELECT vocab, count(*) AS concepts, count(*) FILTER (WHERE is_leaf) AS leaves, count(name) AS titled,
       max(level) AS levels
FROM vocab.concepts GROUP BY vocab ORDER BY vocab;

-- name: map_pairs
SELECT src_vocab, dst_vocab, kind, count(*) AS maps, count(DISTINCT src_code) AS src_codes
FROM vocab.maps GROUP BY src_vocab, dst_vocab, kind ORDER BY src_vocab, dst_vocab, kind;

-- name: sources
SELECT input, origin, path, package, version, rows, loaded_at FROM vocab.meta ORDER BY input;

-- name: standardize
SELECT vocab.std_code($vocab, input) AS code FROM codes_input ORDER BY ord;

-- name: lookup
WITH i AS (SELECT ord, input, vocab.std_code($vocab, input) AS code FROM codes_input)
SELECT i.input, c.code, c.name, c.level, c.is_leaf
FROM i
LEFT JOIN vocab.concepts AS c ON c.vocab = $vocab AND c.code = i.code
ORDER BY i.ord;

-- name: ancestors
WITH i AS (SELECT ord, input, vocab.std_code($vocab, input) AS code FROM codes_input)
SELECT i.input, a.descendant AS code, a.ancestor, a.distance
FROM i
JOIN vocab.ancestors AS a ON a.vocab = $vocab AND a.descendant = i.code
WHERE a.distance >= $min_distance
ORDER BY i.ord, a.distance;

-- name: descendants
WITH i AS (SELECT ord, input, vocab.std_code($vocab, input) AS code FROM codes_input)
SELECT i.input, a.ancestor AS code, a.descendant, a.distance
FROM i
JOIN vocab.ancestors AS a ON a.vocab = $vocab AND a.ancestor = i.code
WHERE a.distance >= $min_distance
ORDER BY i.ord, a.distance, a.descendant;

-- name: map
WITH i AS (SELECT ord, input, vocab.std_code($src, input) AS src_code FROM codes_input)
SELECT i.input, i.src_code, m.dst_code, m.kind, m.flags
FROM i
LEFT JOIN vocab.maps AS m
  ON m.src_vocab = $src AND m.dst_vocab = $dst AND m.src_code = i.src_code AND ($kind IS NULL OR m.kind = $kind)
ORDER BY i.ord, m.dst_code;

-- name: map_level
-- Mapped codes rolled up (or kept) at one level of the target's hierarchy, e.g. NDC -> ATC level 3.
WITH i AS (SELECT ord, input, vocab.std_code($src, input) AS src_code FROM codes_input)
SELECT i.input, i.src_code, r.dst_code
FROM i
LEFT JOIN (
    SELECT DISTINCT m.src_code, a.ancestor AS dst_code
    FROM vocab.maps AS m
    JOIN vocab.ancestors AS a ON a.vocab = m.dst_vocab AND a.descendant = m.dst_code
    JOIN vocab.concepts AS c ON c.vocab = a.vocab AND c.code = a.ancestor AND c.level = $level
    WHERE m.src_vocab = $src AND m.dst_vocab = $dst AND ($kind IS NULL OR m.kind = $kind)
) AS r ON r.src_code = i.src_code
ORDER BY i.ord, r.dst_code;

-- name: graph_nodes
SELECT code, name, level, is_leaf FROM vocab.concepts WHERE vocab = $vocab ORDER BY code;

-- name: graph_edges
SELECT parent, child FROM vocab.edges WHERE vocab = $vocab ORDER BY parent, child;

-- name: rollup
-- A code's ancestor (or itself) at one level of its own hierarchy, e.g. ATC M01AE51 at level 3 is M01A.
WITH i AS (SELECT ord, input, vocab.std_code($src, input) AS src_code FROM codes_input)
SELECT i.input, i.src_code, r.ancestor AS dst_code
FROM i
LEFT JOIN (
    SELECT a.descendant, a.ancestor
    FROM vocab.ancestors AS a
    JOIN vocab.concepts AS c ON c.vocab = a.vocab AND c.code = a.ancestor AND c.level = $level
    WHERE a.vocab = $src
) AS r ON r.descendant = i.src_code
ORDER BY i.ord;
