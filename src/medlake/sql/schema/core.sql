/* medlake
description: >
  Canonical tables of one dataset schema (MEDS-compatible at the core).
  Written unqualified; installing qualifies them to the dataset's schema.
  events is written sorted by (subject_id, time, seq). A code with no time of
  its own (a billing diagnosis) takes the time it became known (its visit's end).
  Clinical notes go to `notes`, never to events.
*/
CREATE TABLE subjects (
    subject_id BIGINT NOT NULL,
    birth_time TIMESTAMP,
    sex VARCHAR,
    race VARCHAR,
    death_time TIMESTAMP
);

CREATE TABLE visits (
    visit_id BIGINT NOT NULL,
    subject_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,             -- inpatient | icu | ward | service | ed | outpatient | other
    start_time TIMESTAMP,
    end_time TIMESTAMP,
    died BOOLEAN,                      -- died during this visit (in hospital)
    discharge_location VARCHAR,
    parent_visit_id BIGINT             -- the hospital admission of an ICU stay, ward stay or service
);

CREATE TABLE events (
    subject_id BIGINT NOT NULL,
    visit_id BIGINT,                   -- the hospital-level visit (admission) the event belongs to
    time TIMESTAMP,
    vocab VARCHAR NOT NULL,            -- ICD9CM, ICD10CM, ICD9PROC, ICD10PCS, NDC, MIMIC3_LAB, ...
    code VARCHAR NOT NULL,
    numeric_value DOUBLE,
    text_value VARCHAR,
    unit VARCHAR,
    end_time TIMESTAMP,
    source VARCHAR NOT NULL,           -- raw table the event came from
    seq BIGINT,                        -- order within its source record (seq_num for diagnoses)
    alt_code VARCHAR                   -- a second code from the same record (GSN for MIMIC prescriptions)
);

CREATE TABLE notes (
    subject_id BIGINT NOT NULL,
    visit_id BIGINT,                   -- the hospital-level visit (admission), as for events
    time TIMESTAMP,
    category VARCHAR,                  -- the source's note kind (Discharge summary, Radiology, DS, RR, ...)
    text VARCHAR
);
