/* medlake
description: >
  Writing an images load: the header rows (registered as `staged`) into
  `images`, then the canonical subjects.
*/
-- name: insert_images
INSERT INTO images SELECT * FROM staged ORDER BY path;

-- name: subjects
INSERT INTO subjects (subject_id)
SELECT DISTINCT subject_id FROM images WHERE subject_id IS NOT NULL ORDER BY subject_id;
