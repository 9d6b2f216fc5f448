/* medlake
description: >
  The leakage check's truncated world. Each sampled sample k becomes its own
  subject (subject_id = k) whose timeline is cut at the sample's index time:
  events after it are removed (and end times after it cleared), and notes not
  yet available at it; visits keep their start (they define which samples
  exist) but an end or outcome after
  the index time is cleared (an ongoing visit ends at the index time). Visit
  ids are renumbered per copy (check.visit_map). `dataset` and `check` are
  schema placeholders (qualified by medlake.tasks.leakage); `leak_samples` is
  the registered Arrow table of samples (k, subject_id, visit_id, index_time).
  A signals dataset's recordings, their channels and annotations are cut the
  same way (a recording is its visit); an images dataset's images up to the
  index time, with their labels (a study is its visit; each copy of an image
  gets the key `<image_key>#<k>`, so the copies of one file stay apart). `check` is DuckDB's temp catalog: the tables live in the session only (a
  read-only lake works too) and are dropped when the check ends.
*/
-- name: subjects
CREATE TEMP TABLE check.subjects AS
SELECT
    s.k AS subject_id,
    p.birth_time,
    p.sex,
    p.race,
    CASE WHEN p.death_time <= s.index_time THEN p.death_time END AS death_time
FROM leak_samples AS s
JOIN dataset.subjects AS p ON p.subject_id = s.subject_id;

-- name: visit_map
CREATE TEMP TABLE check.visit_map AS
SELECT s.k, v.visit_id AS original_visit_id, row_number() OVER (ORDER BY s.k, v.visit_id) AS visit_id
FROM leak_samples AS s
JOIN dataset.visits AS v ON v.subject_id = s.subject_id;

-- name: visits
CREATE TEMP TABLE check.visits AS
SELECT
    m.visit_id,
    s.k AS subject_id,
    v.kind,
    v.start_time,
    CASE
        WHEN v.end_time <= s.index_time THEN v.end_time
        WHEN v.start_time <= s.index_time THEN s.index_time
    END AS end_time,
    CASE WHEN v.end_time <= s.index_time THEN v.died END AS died,
    CASE WHEN v.end_time <= s.index_time THEN v.discharge_location END AS discharge_location,
    pm.visit_id AS parent_visit_id
FROM leak_samples AS s
JOIN dataset.visits AS v ON v.subject_id = s.subject_id
JOIN check.visit_map AS m ON m.k = s.k AND m.original_visit_id = v.visit_id
LEFT JOIN check.visit_map AS pm ON pm.k = s.k AND pm.original_visit_id = v.parent_visit_id
ORDER BY subject_id, v.start_time, m.visit_id;

-- name: events
CREATE TEMP TABLE check.events AS
SELECT
    s.k AS subject_id,
    m.visit_id,
    e.time,
    e.vocab,
    e.code,
    e.numeric_value,
    e.text_value,
    e.unit,
    CASE WHEN e.end_time <= s.index_time THEN e.end_time END AS end_time,
    e.source,
    e.seq,
    e.alt_code
FROM leak_samples AS s
JOIN dataset.events AS e ON e.subject_id = s.subject_id
LEFT JOIN check.visit_map AS m ON m.k = s.k AND m.original_visit_id = e.visit_id
WHERE e.time <= s.index_time
ORDER BY subject_id, e.time, e.source, e.seq;

-- name: notes
-- the notes that could be read by the index time (available_time; a note without one by its own time)
CREATE TEMP TABLE check.notes AS
SELECT s.k AS subject_id, m.visit_id, n.time, n.category, n.text, n.available_time, n.note_id
FROM leak_samples AS s
JOIN dataset.notes AS n ON n.subject_id = s.subject_id
LEFT JOIN check.visit_map AS m ON m.k = s.k AND m.original_visit_id = n.visit_id
WHERE coalesce(n.available_time, n.time) <= s.index_time
ORDER BY subject_id, n.time, n.note_id;

-- name: recordings
-- signal datasets: a recording is its visit (recording_id = visit_id), cut at the index time like one
CREATE TEMP TABLE check.recordings AS
SELECT r.* REPLACE (
    m.visit_id AS recording_id,
    s.k AS subject_id,
    least(r.duration_s, epoch(s.index_time - r.start_time)) AS duration_s
)
FROM leak_samples AS s
JOIN dataset.recordings AS r ON r.subject_id = s.subject_id
JOIN check.visit_map AS m ON m.k = s.k AND m.original_visit_id = r.recording_id
WHERE r.start_time <= s.index_time
ORDER BY recording_id;

-- name: recording_channels
CREATE TEMP TABLE check.recording_channels AS
SELECT c.* REPLACE (r.recording_id AS recording_id)
FROM check.recordings AS r
JOIN check.visit_map AS m ON m.visit_id = r.recording_id
JOIN dataset.recording_channels AS c ON c.recording_id = m.original_visit_id
ORDER BY recording_id, c.channel;

-- name: recording_annotations
-- an annotation that starts after the index time is cut away; one that runs past it ends there
CREATE TEMP TABLE check.recording_annotations AS
SELECT a.* REPLACE (
    r.recording_id AS recording_id,
    least(a.duration_s, r.duration_s - a.onset_s) AS duration_s
)
FROM check.recordings AS r
JOIN check.visit_map AS m ON m.visit_id = r.recording_id
JOIN dataset.recording_annotations AS a ON a.recording_id = m.original_visit_id
WHERE a.onset_s <= r.duration_s
ORDER BY recording_id, a.onset_s;

-- name: images
-- images datasets: the subject's images taken by the index time; study_id is the copy's visit
CREATE TEMP TABLE check.images AS
SELECT i.* REPLACE (
    s.k AS subject_id,
    m.visit_id AS study_id,
    concat(i.image_key, '#', s.k) AS image_key
)
FROM leak_samples AS s
JOIN dataset.images AS i ON i.subject_id = s.subject_id
JOIN check.visit_map AS m
  ON m.k = s.k AND m.original_visit_id = coalesce(i.study_id, CAST(hash(i.study_instance_uid) >> 1 AS BIGINT))
WHERE coalesce(i.study_time, i.instance_time) <= s.index_time
ORDER BY subject_id, i.path;

-- name: image_labels
-- the labels of those images: CheXpert rows by the copy's subject and study, ChestX-ray14 rows by its key
CREATE TEMP TABLE check.image_labels AS
SELECT DISTINCT l.* REPLACE (c.subject_id AS subject_id, c.study_id AS study_id)
FROM check.images AS c
JOIN dataset.images AS o ON o.path = c.path
JOIN dataset.image_labels AS l ON l.image_key IS NULL AND l.subject_id = o.subject_id AND l.study_id = o.study_id
UNION ALL
SELECT l.* REPLACE (c.subject_id AS subject_id, c.image_key AS image_key)
FROM check.images AS c
JOIN dataset.images AS o ON o.path = c.path
JOIN dataset.image_labels AS l ON l.image_key = o.image_key;

-- name: read_visit_map
SELECT visit_id, k, original_visit_id FROM check.visit_map;

-- name: drop
DROP TABLE IF EXISTS check.image_labels;
DROP TABLE IF EXISTS check.images;
DROP TABLE IF EXISTS check.recording_annotations;
DROP TABLE IF EXISTS check.recording_channels;
DROP TABLE IF EXISTS check.recordings;
DROP TABLE IF EXISTS check.notes;
DROP TABLE IF EXISTS check.events;
DROP TABLE IF EXISTS check.visits;
DROP TABLE IF EXISTS check.visit_map;
DROP TABLE IF EXISTS check.subjects;
