/* medlake
description: >
  The tables of an images dataset (medlake load dicom): one row per DICOM
  file in `images` (headers only; pixels stay in the files), the series view
  `image_series`, the labels and metadata CSVs of the layout
  (`image_labels`, `image_metadata`), and the canonical `subjects`. Written unqualified; the
  loader qualifies them to the dataset's schema.
*/
CREATE TABLE images (
    sop_instance_uid VARCHAR NOT NULL,      -- one row per file: copies of an instance (other transfer syntaxes) repeat it
    study_instance_uid VARCHAR,
    series_instance_uid VARCHAR,
    patient_id VARCHAR,
    subject_id BIGINT,                      -- PatientID when all digits, else a stable id from its SHA-256
    modality VARCHAR,
    sop_class_uid VARCHAR,
    sop_class_name VARCHAR,                 -- e.g. 'CT Image Storage', 'RT Plan Storage'
    body_part VARCHAR,                      -- BodyPartExamined
    view_position VARCHAR,                  -- ViewPosition (PA, AP, LL, ...)
    study_time TIMESTAMP,                   -- StudyDate + StudyTime
    instance_time TIMESTAMP,                -- ContentDate/Time, else AcquisitionDate/Time, else InstanceCreationDate/Time
    series_number BIGINT,
    instance_number BIGINT,
    "rows" INTEGER,                         -- NULL for objects without pixels (RT plan, SR, waveform)
    "columns" INTEGER,
    pixel_spacing DOUBLE[],                 -- [row spacing, column spacing] in mm
    photometric_interpretation VARCHAR,
    bits_allocated INTEGER,
    transfer_syntax_uid VARCHAR,            -- from the file meta header
    number_of_frames INTEGER,               -- NULL when absent or malformed (see warning)
    path VARCHAR NOT NULL,                  -- absolute path (read lazily, never copied)
    file_size BIGINT NOT NULL,
    warning VARCHAR,                        -- what pydicom warned about while reading the header, if anything
    study_id BIGINT,                        -- mimic-cxr: the number of the s folder
    image_key VARCHAR                       -- the file name without its extension (MIMIC-CXR dicom_id, ChestX-ray14 index)
);

-- one row per (image or study, finding) of the layout's labels CSV (medlake.images.layout)
CREATE TABLE image_labels (
    subject_id BIGINT,
    study_id BIGINT,                        -- CheXpert labels: per study (image_key NULL)
    image_key VARCHAR,                      -- ChestX-ray14 labels: per image (study_id NULL)
    finding VARCHAR NOT NULL,
    value INTEGER NOT NULL,                 -- 1 positive, 0 negative, -1 uncertain (CheXpert)
    source VARCHAR NOT NULL                 -- chexpert or chestxray14
);

-- mimic-cxr-2.0.0-metadata.csv, one row per dicom_id
CREATE TABLE image_metadata (
    dicom_id VARCHAR NOT NULL,
    subject_id BIGINT,
    study_id BIGINT,
    view_position VARCHAR,
    study_time TIMESTAMP,
    procedure VARCHAR
);

CREATE VIEW image_series AS
SELECT
    study_instance_uid,
    series_instance_uid,
    any_value(subject_id) AS subject_id,
    any_value(modality) AS modality,
    any_value(body_part) AS body_part,
    count(DISTINCT sop_instance_uid) AS instances,
    count(*) AS files,
    sum(file_size) AS total_size,
    min(study_time) AS study_time,
    min(instance_time) AS first_instance_time,
    max(instance_time) AS last_instance_time
FROM images
GROUP BY study_instance_uid, series_instance_uid;
