/* medlake
description: >
  Ranked full-text search over a dataset's notes: Okapi BM25 (k1 = 1.2,
  b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)), as Lucene and tantivy
  score) over the token index of etl/note_index.sql. The query is split into
  terms as the notes were. N, df and the average length count the notes
  available strictly before $before (every note when it is NULL), so a search
  as of a time neither returns nor is ranked by a later note; $subject and
  $category only filter the results. Ties go to the lower note_id.
*/
-- name: search
WITH query_terms AS (
    SELECT DISTINCT term
    FROM (SELECT unnest(regexp_split_to_array(lower($query), '[^a-z0-9]+')) AS term)
    WHERE term <> ''
),
corpus AS (
    SELECT n.note_id, d.length
    FROM notes AS n
    JOIN note_docs AS d ON d.note_id = n.note_id
    WHERE $before IS NULL OR n.available_time < $before
),
stats AS (
    SELECT count(*) AS n_notes, avg(length) AS avg_length FROM corpus
),
hits AS (
    SELECT t.term, t.note_id, t.tf, c.length
    FROM note_terms AS t
    JOIN query_terms AS q ON q.term = t.term
    JOIN corpus AS c ON c.note_id = t.note_id
),
df AS (
    SELECT term, count(*) AS df FROM hits GROUP BY term
),
scored AS (
    SELECT h.note_id,
           sum(ln(1 + (s.n_notes - df.df + 0.5) / (df.df + 0.5))
               * h.tf * 2.2 / (h.tf + 1.2 * (0.25 + 0.75 * h.length / s.avg_length))) AS score
    FROM hits AS h
    JOIN df ON df.term = h.term
    CROSS JOIN stats AS s
    GROUP BY h.note_id
)
SELECT n.note_id, n.subject_id, n.visit_id, n.time, n.available_time, n.category, sc.score, n.text
FROM scored AS sc
JOIN notes AS n ON n.note_id = sc.note_id
WHERE ($subject IS NULL OR n.subject_id = $subject)
    AND ($category IS NULL OR n.category = $category)
ORDER BY sc.score DESC, n.note_id
LIMIT $limit;

-- name: terms
SELECT DISTINCT term
FROM (SELECT unnest(regexp_split_to_array(lower($query), '[^a-z0-9]+')) AS term)
WHERE term <> '';

-- name: has_index
SELECT count(*) FROM information_schema.tables WHERE table_schema = $dataset AND table_name = 'note_terms';
