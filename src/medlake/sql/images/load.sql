/* medlake
description: >
  Writing an images load: the header rows (registered as `staged`) into
  `images`, the layout's label and metadata rows (`staged` too), the
  metadata's view position and study time where a header has none, then the
  canonical subjects and visits (one per study, as the cxr tasks number them).
*/
-- name: insert_images
INSERT INTO images SELECT * FROM staged ORDER BY path;

-- name: insert_labels
INSERT INTO image_labels SELECT * FROM staged ORDER BY subject_id, study_id, image_key, finding;

-- name: insert_metadata
INSERT INTO image_metadata SELECT * FROM staged ORDER BY dicom_id;

-- name: apply_metadata
UPDATE images
SET view_position = coalesce(images.view_position, m.view_position),
    study_time = coalesce(images.study_time, m.study_time)
FROM image_metadata AS m
WHERE m.dicom_id = images.image_key AND (images.view_position IS NULL OR images.study_time IS NULL);

-- name: subjects
INSERT INTO subjects (subject_id)
SELECT DISTINCT subject_id FROM images WHERE subject_id IS NOT NULL ORDER BY subject_id;

-- name: visits
-- a study is a visit: the MIMIC-CXR study_id, else a number from the Study Instance UID
INSERT INTO visits (visit_id, subject_id, kind, start_time, end_time)
SELECT
    coalesce(study_id, CAST(hash(study_instance_uid) >> 1 AS BIGINT)) AS visit_id,
    any_value(subject_id),
    'other',
    min(coalesce(study_time, instance_time)),
    max(coalesce(study_time, instance_time))
FROM images
WHERE subject_id IS NOT NULL AND (study_id IS NOT NULL OR study_instance_uid IS NOT NULL)
GROUP BY 1
ORDER BY 1;
