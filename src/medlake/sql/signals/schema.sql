/* medlake
description: >
  The tables of a signals dataset (medlake load edf): recordings, their
  channels and their annotations, from the EDF/BDF headers (and, for
  annotations, the EDF+ annotation channel or a paired hypnogram file), plus
  the canonical subjects and visits (one visit per recording, visit_id =
  recording_id) so that tasks and the feature store see the usual tables.
  Written unqualified; the loader qualifies them to the dataset's schema.
*/
CREATE TABLE recordings (
    recording_id BIGINT NOT NULL,      -- 1, 2, ... in the order of the files' relative paths
    subject_id BIGINT NOT NULL,
    path VARCHAR NOT NULL,             -- absolute path of the signal file (read lazily, never copied)
    relpath VARCHAR NOT NULL,          -- path relative to the loaded folder
    format VARCHAR NOT NULL,           -- EDF | EDF+C | EDF+D | BDF | BDF+C | BDF+D
    start_time TIMESTAMP,
    duration_s DOUBLE NOT NULL,        -- data records x record duration
    n_channels INTEGER NOT NULL,       -- signals, not counting 'EDF Annotations' channels
    sfreq DOUBLE,                      -- the highest sampling rate of the signals
    n_records BIGINT NOT NULL,
    record_duration_s DOUBLE NOT NULL,
    patient VARCHAR,                   -- the header's patient identification field, as written
    recording_info VARCHAR,            -- the header's recording identification field, as written
    annotation_file VARCHAR,           -- the paired hypnogram file (sleep-edf layout), if any
    file_size BIGINT NOT NULL,
    header_sha256 VARCHAR NOT NULL     -- SHA-256 of the header bytes (256 + 256 x signals)
);

CREATE TABLE recording_channels (
    recording_id BIGINT NOT NULL,
    channel INTEGER NOT NULL,          -- 0-based position in the header, annotation channels included
    label VARCHAR NOT NULL,
    type VARCHAR NOT NULL,             -- EEG | EOG | EMG | ECG | annotation | other (from the label)
    sfreq DOUBLE,                      -- samples per record / record duration; NULL for annotation channels
    samples_per_record INTEGER NOT NULL,
    unit VARCHAR,
    physical_min DOUBLE,
    physical_max DOUBLE,
    digital_min BIGINT,
    digital_max BIGINT,
    prefilter VARCHAR,
    transducer VARCHAR
);

CREATE TABLE recording_annotations (
    recording_id BIGINT NOT NULL,
    onset_s DOUBLE NOT NULL,           -- seconds from the recording's start_time
    duration_s DOUBLE NOT NULL,        -- 0 when the annotation has none
    label VARCHAR NOT NULL,
    source VARCHAR NOT NULL            -- file (its own annotation channel) | hypnogram (the paired file)
);
