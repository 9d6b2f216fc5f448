/* medlake
description: >
  Temporary macros the loaders use while building canonical tables (they are
  not stored in the lake, so the file opens in any DuckDB client). Codes are
  stored the way ICD users write them: ICD9CM with a dot after 3 characters
  (after 4 for E codes), ICD9PROC after 2, ICD10CM after 3, ICD10PCS without.
*/
CREATE OR REPLACE TEMP MACRO ml_strip_code(c) AS nullif(upper(replace(replace(trim(c), '.', ''), ' ', '')), '');

CREATE OR REPLACE TEMP MACRO ml_icd9cm(c) AS
    CASE
        WHEN ml_strip_code(c) IS NULL THEN NULL
        WHEN ml_strip_code(c) LIKE 'E%' AND length(ml_strip_code(c)) > 4
            THEN substr(ml_strip_code(c), 1, 4) || '.' || substr(ml_strip_code(c), 5)
        WHEN ml_strip_code(c) NOT LIKE 'E%' AND length(ml_strip_code(c)) > 3
            THEN substr(ml_strip_code(c), 1, 3) || '.' || substr(ml_strip_code(c), 4)
        ELSE ml_strip_code(c)
    END;

CREATE OR REPLACE TEMP MACRO ml_icd9proc(c) AS
    CASE
        WHEN length(ml_strip_code(c)) > 2 THEN substr(ml_strip_code(c), 1, 2) || '.' || substr(ml_strip_code(c), 3)
        ELSE ml_strip_code(c)
    END;

CREATE OR REPLACE TEMP MACRO ml_icd10cm(c) AS
    CASE
        WHEN length(ml_strip_code(c)) > 3 THEN substr(ml_strip_code(c), 1, 3) || '.' || substr(ml_strip_code(c), 4)
        ELSE ml_strip_code(c)
    END;

CREATE OR REPLACE TEMP MACRO ml_icd10pcs(c) AS ml_strip_code(c);

CREATE OR REPLACE TEMP MACRO ml_ndc(c) AS nullif(nullif(trim(c), ''), '0');
