/* medlake
description: >
  Writing a signals load: the rows read from the headers (registered as
  `staged`) into the dataset's tables, then the canonical subjects and visits.
*/
-- name: insert_recordings
INSERT INTO recordings SELECT * FROM staged ORDER BY recording_id;

-- name: insert_channels
INSERT INTO recording_channels SELECT * FROM staged ORDER BY recording_id, channel;

-- name: insert_annotations
INSERT INTO recording_annotations SELECT * FROM staged ORDER BY recording_id, onset_s;

-- name: subjects
INSERT INTO subjects (subject_id)
SELECT DISTINCT subject_id FROM recordings ORDER BY subject_id;

-- name: visits
INSERT INTO visits (visit_id, subject_id, kind, start_time, end_time)
SELECT recording_id, subject_id, 'other', start_time, start_time + to_microseconds(CAST(round(duration_s * 1e6) AS BIGINT))
FROM recordings ORDER BY recording_id;
