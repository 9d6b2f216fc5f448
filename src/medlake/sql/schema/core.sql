/* medlake
description: >
  Canonical tables of one dataset schema (MEDS-compatible at the core).
  Written unqualified; installing qualifies them to the dataset's schema.
  events is written sorted by (subject_id, time, seq). A code with no time of
  its own (a billing diagnosis) takes the time it became known (its visit's end).
  Clinical notes go to `notes`, never to events; `available_time` is when a
  note could first be read (its storetime when the source has one, else its
  charttime, else the end of its chartdate), and a note is an input only after
  it. note_docs and note_terms index the notes for ranked search
  (etl/note_index.sql, medlake/notes.py).
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
    text VARCHAR,
    available_time TIMESTAMP,          -- when the note could first be read (never before time)
    note_id BIGINT                     -- 1.. in the table's order
);

CREATE TABLE note_docs (
    note_id BIGINT NOT NULL,
    length INTEGER NOT NULL            -- terms in the note
);

CREATE TABLE note_terms (
    term VARCHAR NOT NULL,             -- a lower-case run of letters and digits
    note_id BIGINT NOT NULL,
    tf INTEGER NOT NULL                -- times the term occurs in the note
);
