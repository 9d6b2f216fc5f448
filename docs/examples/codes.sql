/* medlake
description: >
  Examples from docs/codes.md: a dataset's events rolled up with nothing but
  the vocab tables. Written against the canonical `events` table; point them
  at a dataset by qualifying it (lake.db.arrow(Path("docs/examples/codes.sql"),
  name, schemas={None: "mimic3"})) or write mimic3.events yourself.
*/
-- name: patients_per_ccs
-- Diagnoses (ICD-9-CM or ICD-10-CM) -> single-level CCS; patients and events per category.
SELECT m.dst_code AS ccs, c.name, count(DISTINCT e.subject_id) AS patients, count(*) AS events
FROM events AS e
JOIN vocab.maps AS m ON m.src_vocab = e.vocab AND m.src_code = e.code AND m.dst_vocab = 'CCSCM'
LEFT JOIN vocab.concepts AS c ON c.vocab = 'CCSCM' AND c.code = m.dst_code
GROUP BY m.dst_code, c.name
ORDER BY patients DESC, events DESC, ccs;

-- name: patients_per_procedure_ccs
SELECT m.dst_code AS ccs, c.name, count(DISTINCT e.subject_id) AS patients, count(*) AS events
FROM events AS e
JOIN vocab.maps AS m ON m.src_vocab = e.vocab AND m.src_code = e.code AND m.dst_vocab = 'CCSPROC'
LEFT JOIN vocab.concepts AS c ON c.vocab = 'CCSPROC' AND c.code = m.dst_code
GROUP BY m.dst_code, c.name
ORDER BY patients DESC, events DESC, ccs;

-- name: patients_per_chapter
-- Diagnoses rolled up through the closure table to their chapter (level 1).
SELECT a.ancestor AS chapter, c.name, count(DISTINCT e.subject_id) AS patients
FROM events AS e
JOIN vocab.ancestors AS a ON a.vocab = e.vocab AND a.descendant = e.code
JOIN vocab.concepts AS c ON c.vocab = a.vocab AND c.code = a.ancestor AND c.level = 1
WHERE e.vocab IN ('ICD9CM', 'ICD10CM')
GROUP BY a.ancestor, c.name
ORDER BY patients DESC, chapter;

-- name: patients_per_atc3
-- Prescriptions -> ATC level 3 (NDC first, the prescription's GSN when the NDC has no map).
WITH drug AS (
    SELECT e.subject_id, coalesce(n.dst_code, g.dst_code) AS atc
    FROM events AS e
    LEFT JOIN vocab.maps AS n ON n.src_vocab = 'NDC' AND n.src_code = e.code AND n.dst_vocab = 'ATC'
    LEFT JOIN vocab.maps AS g ON g.src_vocab = 'GSN' AND g.src_code = e.alt_code AND g.dst_vocab = 'ATC'
        AND n.dst_code IS NULL
    WHERE e.vocab = 'NDC'
)
SELECT a.ancestor AS atc3, count(DISTINCT d.subject_id) AS patients
FROM drug AS d
JOIN vocab.ancestors AS a ON a.vocab = 'ATC' AND a.descendant = d.atc
JOIN vocab.concepts AS c ON c.vocab = 'ATC' AND c.code = a.ancestor AND c.level = 3
GROUP BY a.ancestor
ORDER BY patients DESC, atc3;
