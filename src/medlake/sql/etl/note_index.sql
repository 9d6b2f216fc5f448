/* medlake
description: >
  The search index of a dataset's notes, built after its canonical tables:
  note_terms holds each term of each note with its count, sorted by term
  (so a search reads only the terms it asks for); note_docs the number of
  terms of each note. A term is a lower-case run of letters and digits (no
  stemming, no stop words); medlake/notes.py and notes/search.sql rank with BM25.
*/
-- name: terms
INSERT INTO note_terms
SELECT term, note_id, CAST(count(*) AS INTEGER) AS tf
FROM (
    SELECT n.note_id, unnest(regexp_split_to_array(lower(n.text), '[^a-z0-9]+')) AS term
    FROM notes AS n
)
WHERE term <> ''
GROUP BY term, note_id
ORDER BY term, note_id;

-- name: docs
INSERT INTO note_docs
SELECT n.note_id, CAST(coalesce(sum(t.tf), 0) AS INTEGER)
FROM notes AS n
LEFT JOIN note_terms AS t ON t.note_id = n.note_id
GROUP BY n.note_id
ORDER BY n.note_id;
