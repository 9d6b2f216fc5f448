/* medlake
description: >
  Drug-drug interaction pairs for GAMENet and the DDI-rate metric: a lake table
  (the placeholder `ddi_source`, replaced by the quoted table name) or a CSV
  file (bound path), each with columns drug_a and drug_b holding codes of the
  label's vocabulary.
*/
-- name: ddi_table
SELECT DISTINCT CAST(drug_a AS VARCHAR) AS drug_a, CAST(drug_b AS VARCHAR) AS drug_b FROM ddi_source;

-- name: ddi_csv
SELECT DISTINCT CAST(drug_a AS VARCHAR) AS drug_a, CAST(drug_b AS VARCHAR) AS drug_b
FROM read_csv($path, header = true, all_varchar = true);
