/* medlake
description: >
  What `medlake stat` (lake.stat) reports about one dataset, PyHealth's
  dataset.stat() and more. Written against canonical table names; qualified
  to the dataset's schema when run.
*/
-- name: sizes
SELECT
    (SELECT count(*) FROM subjects) AS subjects,
    (SELECT count(*) FROM visits) AS visits,
    (SELECT count(*) FROM events) AS events,
    (SELECT count(*) FROM visits v WHERE EXISTS (SELECT 1 FROM events e WHERE e.visit_id = v.visit_id)) AS visits_with_events;

-- name: visits_by_kind
SELECT kind, count(*) AS visits, count(DISTINCT subject_id) AS subjects,
       round(avg(date_diff('minute', start_time, end_time)) / 1440.0, 2) AS mean_days
FROM visits
GROUP BY kind
ORDER BY visits DESC, kind;

-- name: events_by_vocab
-- events per visit: over the visits that have at least one event of the vocabulary
SELECT vocab, count(*) AS events, count(DISTINCT code) AS codes, count(DISTINCT subject_id) AS subjects,
       round(count(*) / nullif(count(DISTINCT visit_id), 0), 2) AS events_per_visit
FROM events
GROUP BY vocab
ORDER BY events DESC, vocab;

-- name: top_codes
-- the most frequent codes of each vocabulary, with their titles where the code tables have them
WITH counted AS (
    SELECT vocab, code, count(*) AS events, count(DISTINCT subject_id) AS subjects
    FROM events
    GROUP BY vocab, code
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY vocab ORDER BY events DESC, code) AS rank
    FROM counted
)
SELECT r.vocab, r.rank, r.code, r.events, r.subjects
FROM ranked AS r
WHERE r.rank <= $top
ORDER BY r.vocab, r.rank;

-- name: code_titles
-- titles for (vocab, code) pairs, from the code tables
SELECT t.vocab, t.code, c.name
FROM stat_codes AS t
JOIN vocab.concepts AS c ON c.vocab = t.vocab AND c.code = t.code;
