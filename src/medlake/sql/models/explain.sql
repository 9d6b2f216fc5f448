/* medlake
description: >
  Titles of the codes an explanation names (the registered table
  explain_codes(code)). code_titles prefers the vocabulary the dataset's
  events (the placeholder `events`, replaced by the dataset's table) give the
  code, else any vocabulary that has it (the first by name), so ATC codes
  made by the drug maps are titled too; code_titles_any has no dataset.
*/
-- name: code_titles
WITH seen AS (
    SELECT DISTINCT e.code, e.vocab FROM events AS e JOIN explain_codes AS w ON w.code = e.code
),
titled AS (
    SELECT c.code, c.name, 0 AS preference, c.vocab
    FROM seen AS s JOIN vocab.concepts AS c ON c.vocab = s.vocab AND c.code = s.code
    WHERE c.name IS NOT NULL
    UNION ALL
    SELECT c.code, c.name, 1 AS preference, c.vocab
    FROM explain_codes AS w JOIN vocab.concepts AS c ON c.code = w.code
    WHERE c.name IS NOT NULL
)
SELECT code, arg_min(name, [preference::VARCHAR, vocab]) AS name FROM titled GROUP BY code;

-- name: code_titles_any
SELECT c.code, arg_min(c.name, c.vocab) AS name
FROM explain_codes AS w JOIN vocab.concepts AS c ON c.code = w.code
WHERE c.name IS NOT NULL
GROUP BY c.code;
