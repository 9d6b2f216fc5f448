/* medlake
description: >
  Checks of the staged MIMIC-IV tables, run before the canonical tables are
  built (medlake.etl.mimic4.check_icd_versions). Lines count like the CSV
  file: the header is line 1; rowid is taken relative to the table's first
  rowid because it starts at a large offset inside the load's transaction.
*/
-- name: bad_icd_version
SELECT bad.table_name, bad.line, bad.value
FROM (
    SELECT 'diagnoses_icd' AS table_name, d.rowid - f.first_rowid + 2 AS line, CAST(d.icd_version AS VARCHAR) AS value
    FROM raw.diagnoses_icd AS d
    CROSS JOIN (SELECT min(rowid) AS first_rowid FROM raw.diagnoses_icd) AS f
    WHERE d.icd_version IS NULL OR d.icd_version NOT IN (9, 10)
    UNION ALL
    SELECT 'procedures_icd', p.rowid - f.first_rowid + 2, CAST(p.icd_version AS VARCHAR)
    FROM raw.procedures_icd AS p
    CROSS JOIN (SELECT min(rowid) AS first_rowid FROM raw.procedures_icd) AS f
    WHERE p.icd_version IS NULL OR p.icd_version NOT IN (9, 10)
    UNION ALL
    SELECT 'ed_diagnosis', e.rowid - f.first_rowid + 2, CAST(e.icd_version AS VARCHAR)
    FROM raw.ed_diagnosis AS e
    CROSS JOIN (SELECT min(rowid) AS first_rowid FROM raw.ed_diagnosis) AS f
    WHERE e.icd_version IS NULL OR e.icd_version NOT IN (9, 10)
) AS bad
ORDER BY bad.table_name, bad.line
LIMIT 1;
