/* medlake
description: >
  Checks of the staged eICU patient table, run before the canonical tables
  are built (medlake.etl.eicu.check_patients). Lines count like the CSV file:
  the header is line 1. $max_id is the largest stay id that stays clear of the
  hospital-stay visit id offset.
*/
-- name: bad_patient_row
SELECT bad.r - f.first_rowid + 2 AS line, bad.column_name, bad.value, bad.expected
FROM (
    SELECT rowid AS r, 'uniquepid' AS column_name, uniquepid AS value,
           'three digits, a dash and up to 7 digits without a leading zero (like 002-34851)' AS expected
    FROM raw.patient
    WHERE NOT coalesce(regexp_full_match(uniquepid, '[0-9]{3}-[1-9][0-9]{0,6}'), false)
    UNION ALL
    SELECT rowid, 'patientunitstayid', CAST(patientunitstayid AS VARCHAR), 'an id from 1 to ' || $max_id
    FROM raw.patient
    WHERE NOT coalesce(patientunitstayid BETWEEN 1 AND $max_id, false)
    UNION ALL
    SELECT rowid, 'patienthealthsystemstayid', CAST(patienthealthsystemstayid AS VARCHAR), 'an id from 1 to ' || $max_id
    FROM raw.patient
    WHERE NOT coalesce(patienthealthsystemstayid BETWEEN 1 AND $max_id, false)
) AS bad
CROSS JOIN (SELECT min(rowid) AS first_rowid FROM raw.patient) AS f
ORDER BY line, bad.column_name
LIMIT 1;
