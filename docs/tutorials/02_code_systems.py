"""Tutorial 2: code systems as tables: look codes up, roll them up to CCS in SQL, map ICD-9 to ICD-10.

`.venv/bin/python docs/tutorials/02_code_systems.py CODES_DIR` (CODES_DIR: the folder of code files, e.g.
../shared/data/codes; without it the files the installed packages ship are used).
"""

import sys
import tempfile
from pathlib import Path

import medlake

codes_dir = sys.argv[1] if len(sys.argv) > 1 else None
lake = medlake.connect(Path(tempfile.mkdtemp()) / "codes.duckdb")
lake.codes.load(codes_dir, only=["icd9cm_titles", "icd9cm_hierarchy", "ccs_icd9cm", "gem_icd9cm_icd10cm"])

# A code, with or without its dot, and where it sits in the hierarchy.
print(lake.codes.lookup("ICD9CM", "4280"))        # title, level, leaf flag of 428.0
print(lake.codes.ancestors("ICD9CM", "428.0"))    # 428, 420-429, 390-459
assert lake.codes.map("ICD9CM", "CCSCM", "428.0") == ["108"]

# Cross-maps are rows: the same in SQL, for whole columns of codes at once.
rows = lake.sql("SELECT src_code, dst_code FROM vocab.maps WHERE src_vocab = 'ICD9CM' AND dst_vocab = 'ICD10CM' "
                "AND src_code = '428.0'").to_pylist()
print(rows)
assert {"src_code": "428.0", "dst_code": "I50.9"} in rows
lake.close()
