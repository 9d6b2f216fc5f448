/* medlake
name: cxr_finding
description: >
  Does this chest X-ray show the finding `finding`? The binary form of
  cxr_classification, with the same samples: 1 when the image's value for
  the finding is 1, 0 when it is 0 or the finding is not mentioned (a CheXpert
  blank); an uncertain (-1) value becomes 1, 0, or drops the image, by the
  parameter `uncertain`. A finding that no label row names makes every label
  0 (a training run then warns that a split holds one class only).
datasets: [dicom]
label:
  type: binary
  classes: [absent, present]
params:
  finding:
    type: string
    default: Pneumonia
    description: the finding, as the labels CSV names it (e.g. Cardiomegaly, Effusion, Pleural Effusion)
  uncertain:
    type: string
    default: negative
    choices: [positive, negative, drop]
    description: what an uncertain (-1) CheXpert value of the finding becomes; drop leaves the image out
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
        max(CASE WHEN v.finding_name = $finding THEN v.value END) AS value
    FROM image_finding_values AS v
    GROUP BY v.path, v.image_key
)
SELECT
    concat(i.sop_instance_uid, ':', i.image_key) AS sample_id,
    i.subject_id,
    coalesce(i.study_id, CAST(hash(i.study_instance_uid) >> 1 AS BIGINT)) AS visit_id,
    i.study_time AS index_time,
    CASE WHEN p.value = 1 OR (p.value = -1 AND $uncertain = 'positive') THEN 1 ELSE 0 END AS label,
    i.path AS image,
    i.view_position,
    i.study_id,
    i.image_key
FROM per_image AS p
JOIN images AS i ON i.path = p.path AND i.image_key = p.image_key
WHERE NOT (coalesce(p.value, 0) = -1 AND $uncertain = 'drop')
  AND ($view = 'any' OR i.view_position = $view)
ORDER BY i.subject_id, index_time, sample_id
