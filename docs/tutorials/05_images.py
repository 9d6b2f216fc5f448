"""Tutorial 5: images. DICOM headers in the lake, chest X-ray labels as a task, and a small 2-D CNN on the pixels.

Run it from the repository's root: `.venv/bin/python docs/tutorials/05_images.py [WORKDIR]`.
It writes synthetic chest X-rays (valid DICOM, in the NIH ChestX-ray14 layout with its labels CSV), loads
their headers, checks them against pydicom, runs the cxr_classification task and trains a small CNN.
"""

import sys
import tempfile
from pathlib import Path

import pydicom
import torch

import medlake
from medlake.models import runs
from medlake.synth.dicom import synthesize_dicom

work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
torch.set_num_threads(1)      # small convolutions on a few cores run faster on one thread

# 1. 240 studies, one image each; each finding is an opacity in its own place, so a CNN can learn it.
synthesize_dicom(work / "cxr", studies=240, layout="chestxray14", seed=0)

# 2. Headers only (pydicom stops before the pixels) and the labels CSV go into the lake. More workers read
#    in parallel processes, which import the calling script again: a script without an
#    `if __name__ == "__main__":` guard, like this one, reads in its own process (workers=1).
lake = medlake.connect(work / "lake.duckdb")
loaded = lake.load("dicom", work / "cxr", layout="chestxray14", name="cxr", workers=1)
print(loaded)
print(lake.sql("""
    SELECT modality, photometric_interpretation, rows, columns, count(*) AS images
    FROM cxr.images GROUP BY ALL ORDER BY ALL
""").to_pandas().to_string(index=False))
print(lake.sql("SELECT * FROM cxr.image_series LIMIT 3").to_pandas().to_string(index=False))

# 3. What the lake says of a file is what pydicom says of it.
row = lake.sql("SELECT path, sop_instance_uid, rows, columns FROM cxr.images ORDER BY path LIMIT 1").to_pylist()[0]
header = pydicom.dcmread(row["path"], stop_before_pixels=True)
assert (header.SOPInstanceUID, header.Rows, header.Columns) == (row["sop_instance_uid"], row["rows"], row["columns"])

# 4. Findings per image, as the labels CSV gives them, and the multilabel task over the 14 findings.
print(lake.sql("""
    SELECT finding, sum(value) AS positive, count(*) AS images
    FROM cxr.image_labels GROUP BY finding ORDER BY positive DESC LIMIT 5
""").to_pandas().to_string(index=False))
samples = lake.task("cxr_classification", "cxr").split(0.6, 0.2, 0.2, seed=0)
print(samples)
one_finding = lake.task("cxr_finding", "cxr", finding="Cardiomegaly")
print(one_finding)

# 5. A small 2-D CNN reads each image's pixels (modality and VOI LUTs applied, resized) while it trains.
result = runs.train(lake, "cxr_classification", "cxr", work / "run", model="cnn2d", epochs=4, batch_size=32,
                    lr=0.003, n_boot=0, split={"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0},
                    lazy_options={"image_size": 32})
print(f"cnn2d test macro AUROC {result['metrics']['roc_auc_macro']:.3f}")
assert result["metrics"]["roc_auc_macro"] > 0.8
lake.close()
