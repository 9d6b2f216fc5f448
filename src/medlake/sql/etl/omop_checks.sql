/* medlake
description: >
  Checks of OMOP CSV files after staging (medlake.etl.omop.check_csv_ids).
  DuckDB's CSV reader rounds '1.5' into an integer column, so the integer
  columns are read again as text and any value with a fractional part is
  rejected. `placeholder` is replaced by a quoted column name in the parsed
  tree; lines count like the file (the header is line 1).
*/
-- name: integer_columns_as_text
CREATE TEMP TABLE temp.omop_csv_ids AS
SELECT placeholder
FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = $columns);

-- name: first_fraction
SELECT rowid - (SELECT min(rowid) FROM temp.omop_csv_ids) + 2 AS line, placeholder AS value
FROM temp.omop_csv_ids
WHERE TRY_CAST(placeholder AS DOUBLE) <> round(TRY_CAST(placeholder AS DOUBLE))
ORDER BY line
LIMIT 1;

-- name: drop_text_copy
DROP TABLE IF EXISTS temp.omop_csv_ids;
