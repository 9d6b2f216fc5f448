/* medlake
description: >
  The vocab schema: code systems as graph tables (concepts, edges, a closure
  table of ancestors), cross-maps between code systems, the sources they were
  built from, and std_code(vocab, code), the macro that writes a code the way
  ICD users do (and the way events store it). Rebuilt as a whole by
  `medlake codes load`.
*/
-- name: drop_schema
DROP SCHEMA IF EXISTS vocab CASCADE;

-- name: create_schema
CREATE SCHEMA vocab;

-- name: concepts
CREATE TABLE vocab.concepts (
    vocab VARCHAR NOT NULL,      -- ICD9CM, ICD9PROC, ICD10CM, ICD10PCS, CCSCM, CCSPROC, ATC, NDC, GSN, ...
    code VARCHAR NOT NULL,       -- dotted the ICD way (428.0, E880.0, 39.95, I50.9); ranges for chapters/sections
    name VARCHAR,                -- title, NULL where no licensed or shipped title exists
    level INTEGER NOT NULL,      -- 1 for roots (chapters, ATC anatomical groups, CCS categories)
    is_leaf BOOLEAN NOT NULL     -- no child in edges
);

-- name: edges
CREATE TABLE vocab.edges (
    vocab VARCHAR NOT NULL,
    child VARCHAR NOT NULL,
    parent VARCHAR NOT NULL
);

-- name: ancestors
CREATE TABLE vocab.ancestors (
    vocab VARCHAR NOT NULL,
    descendant VARCHAR NOT NULL,
    ancestor VARCHAR NOT NULL,
    distance INTEGER NOT NULL    -- 0 = the code itself, 1 = its parent, ...
);

-- name: maps
CREATE TABLE vocab.maps (
    src_vocab VARCHAR NOT NULL,
    src_code VARCHAR NOT NULL,
    dst_vocab VARCHAR NOT NULL,
    dst_code VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,       -- ccs, ccs_multi, gem, ndc_atc, gsn_atc, omop_maps_to
    flags VARCHAR                -- CMS GEM flags (approximate, no map, combination, scenario, choice list)
);

-- name: meta
CREATE TABLE vocab.meta (
    input VARCHAR NOT NULL,      -- what was read, e.g. icd9cm_titles
    origin VARCHAR NOT NULL,     -- directory | package | omop
    path VARCHAR NOT NULL,
    package VARCHAR,             -- the PyPI distribution it came from, when origin = package
    version VARCHAR,             -- package version, or the file name's release tag
    sha256 VARCHAR,
    rows BIGINT NOT NULL,        -- records read from it
    loaded_at TIMESTAMP NOT NULL
);

-- name: std_code
-- ICD codes are written with their dot (ICD9CM after 3 characters, after 4 for E codes; ICD9PROC after 2;
-- ICD10CM after 3); ICD10PCS without one; hyphenated NDCs become 11 digits (5-4-2). Ranges stay as written.
-- Each branch names its input once: a macro argument used twice is computed twice.
CREATE MACRO vocab.std_code(v, c) AS
    CASE
        WHEN c IS NULL THEN NULL
        WHEN contains(c, '-') AND v <> 'NDC' THEN upper(trim(c))
        WHEN v = 'ICD9CM' THEN regexp_replace(upper(replace(replace(c, '.', ''), ' ', '')), '^(E...|[^E]..)(.+)$', '\1.\2')
        WHEN v = 'ICD9PROC' THEN regexp_replace(upper(replace(replace(c, '.', ''), ' ', '')), '^(..)(.+)$', '\1.\2')
        WHEN v = 'ICD10CM' THEN regexp_replace(upper(replace(replace(c, '.', ''), ' ', '')), '^(...)(.+)$', '\1.\2')
        WHEN v = 'ICD10PCS' THEN upper(replace(replace(c, '.', ''), ' ', ''))
        WHEN v = 'NDC' AND contains(c, '-') THEN
            lpad(split_part(trim(c), '-', 1), 5, '0') || lpad(split_part(trim(c), '-', 2), 4, '0')
            || lpad(split_part(trim(c), '-', 3), 2, '0')
        WHEN v IN ('ATC', 'NDC', 'GSN') THEN upper(replace(c, ' ', ''))
        ELSE trim(c)
    END;
