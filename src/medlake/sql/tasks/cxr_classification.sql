/* medlake
name: cxr_classification
description: >
  Which findings does this chest X-ray show? One sample per image file of an
  images dataset loaded with labels (`medlake load dicom DIR --layout
  chestxray14` or `mimic-cxr`; see image_finding_values for how labels
  match images); images without any label row give no sample. The label is
  the set of findings whose value is 1: the 14 ChestX-ray14 findings, or the
  14 CheXpert labels of MIMIC-CXR ('No Finding' is one of them there; in
  ChestX-ray14 an image with no finding has an empty set). CheXpert's
  uncertain (-1) values become positive, negative, or drop the image, by the
  parameter `uncertain`; blanks (not mentioned) are negative. The sample's
  visit is its study (the MIMIC-CXR study_id, else a number from the Study
  Instance UID); index_time is the study time. The input `image` is the
  file's path, read by the models' stream when a batch needs it. The binary
  form of one finding is the task cxr_finding.
datasets: [dicom]
label:
  type: multilabel
params:
  uncertain:
    type: string
    default: negative
    choices: [positive, negative, drop]
    description: what an uncertain (-1) CheXpert value becomes; drop leaves out images with any uncertain value
  view:
    type: string
    default: any
    description: keep images of this view position only (PA, AP, LL, ...), or any
inputs:
  image: image
retrospective: false
*/
WITH per_image AS (
    SELECT
        v.path,
        v.image_key,
        coalesce(list(v.finding_name ORDER BY v.finding_name)
                 FILTER (WHERE v.value = 1 OR (v.value = -1 AND $uncertain = 'positive')), []) AS findings,
        bool_or(v.value = -1) AS any_uncertain
    FROM image_finding_values AS v
    GROUP BY v.path, v.image_key
)
SELECT
    concat(i.sop_instance_uid, ':', i.image_key) AS sample_id,
    i.subject_id,
    coalesce(i.study_id, CAST(hash(i.study_instance_uid) >> 1 AS BIGINT)) AS visit_id,
    i.study_time AS index_time,
    p.findings AS label,
    i.path AS image,
    i.view_position,
    i.study_id,
    i.image_key
FROM per_image AS p
JOIN images AS i ON i.path = p.path AND i.image_key = p.image_key
WHERE NOT (p.any_uncertain AND $uncertain = 'drop')
  AND ($view = 'any' OR i.view_position = $view)
ORDER BY i.subject_id, index_time, sample_id
