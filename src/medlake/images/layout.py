"""Image folder layouts and the label and metadata CSVs that come with them.

- `plain`: every file is one image; its subject comes from its Patient ID
  (medlake.images.dicom.subject_of), its key is its file name without the
  extension.
- `mimic-cxr`: `files/p10/p10000032/s50414267/<dicom_id>.dcm`: the subject
  is the number of the `p` folder, the study the number of the `s` folder,
  the key the dicom_id. `mimic-cxr-2.0.0-metadata.csv` (view position, study
  date and time per dicom_id) and `mimic-cxr-2.0.0-chexpert.csv` (14 labels per
  study: 1.0 positive, 0.0 negative, -1.0 uncertain, blank not mentioned),
  plain or .gz, are read from the folder itself.
- `chestxray14`: the NIH ChestX-ray14 layout: the key is the file name
  without the extension, matched with the `Image Index` column (without its
  extension) of `Data_Entry_2017*.csv` in the folder; `Finding Labels` holds
  the findings joined with `|` (or `No Finding`); the subject is `Patient ID`.

`--labels FILE` names the labels CSV instead (for chestxray14, or a CheXpert
CSV for mimic-cxr). Label rows are long: one per (image or study, finding),
value 1 / 0 / -1; a CheXpert blank writes no row (not mentioned).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from pathlib import Path

from ..errors import InputError

LAYOUTS = ("plain", "mimic-cxr", "chestxray14")
CHESTXRAY14 = ("Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
               "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia")
CHEXPERT = ("Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum", "Fracture",
            "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion", "Pleural Other", "Pneumonia",
            "Pneumothorax", "Support Devices")
_MIMIC_CXR = re.compile(r"(?:^|/)p\d+/p(\d+)/s(\d+)/([^/]+)$")
_CHEXPERT_VALUES = {"1.0": 1, "1": 1, "0.0": 0, "0": 0, "-1.0": -1, "-1": -1}


def path_keys(relpath: str, layout: str) -> tuple[int | None, int | None, str]:
    """(subject_id from the path or None, study_id or None, image key) of a file in a layout."""
    stem = relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if layout == "mimic-cxr":
        m = _MIMIC_CXR.search(relpath)
        if m:
            return int(m.group(1)), int(m.group(2)), stem
    return None, None, stem


def find_csvs(directory: Path, layout: str, labels: str | Path | None) -> dict[str, Path]:
    """The CSVs a layout reads: {'chestxray14' | 'chexpert' | 'metadata': path}."""
    if layout not in LAYOUTS:
        raise InputError("unknown images layout", value=layout, expected=" or ".join(LAYOUTS))
    found: dict[str, Path] = {}

    def first(pattern: str) -> Path | None:
        hits = sorted(p for p in directory.glob(pattern) if p.is_file())
        return hits[0] if hits else None

    if layout == "mimic-cxr":
        for kind, pattern in (("metadata", "*metadata.csv*"), ("chexpert", "*chexpert.csv*")):
            hit = first(pattern)
            if hit is not None:
                found[kind] = hit
    elif layout == "chestxray14":
        hit = first("Data_Entry_2017*.csv*")
        if hit is not None:
            found["chestxray14"] = hit
    if labels is not None:
        labels = Path(labels)
        if not labels.is_file():
            raise InputError("labels file not found", path=labels)
        if layout == "plain":
            raise InputError("--labels needs a layout that says how labels match images", path=labels,
                             expected="--layout chestxray14 or mimic-cxr")
        found["chexpert" if layout == "mimic-cxr" else "chestxray14"] = labels
    return found


def _rows(path: Path, required: tuple[str, ...]):
    """(line number, row dict) of a CSV (plain or .gz); InputError when a required column is missing."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(f"no column '{missing[0]}'", path=path, line=1,
                                 expected=f"the columns {', '.join(required)}")
            yield from enumerate(reader, start=2)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, io.UnsupportedOperation) as e:
        raise InputError(f"cannot read ({type(e).__name__}: {e})", path=path) from None


def _integer(path: Path, line: int, column: str, text: str | None) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise InputError("not an integer", path=path, line=line, column=column, value=text) from None


def read_chestxray14(path: Path) -> list[dict]:
    """Label rows of a ChestX-ray14 Data_Entry CSV: a 1 for each listed finding, a 0 for the other 13."""
    out = []
    for line, row in _rows(path, ("Image Index", "Finding Labels", "Patient ID")):
        key = (row["Image Index"] or "").strip().rsplit(".", 1)[0]
        if not key:
            raise InputError("empty image index", path=path, line=line, column="Image Index")
        subject = _integer(path, line, "Patient ID", row["Patient ID"])
        listed = {f.strip() for f in (row["Finding Labels"] or "").split("|") if f.strip()}
        unknown = sorted(listed - set(CHESTXRAY14) - {"No Finding"})
        if unknown or not listed or ("No Finding" in listed and len(listed) > 1):
            raise InputError("unknown finding" if unknown else "findings and 'No Finding' together" if listed
                             else "no finding labels", path=path, line=line, column="Finding Labels",
                             value=row["Finding Labels"],
                             expected=f"'No Finding' or findings among {', '.join(CHESTXRAY14)} joined with '|'")
        out += [{"subject_id": subject, "study_id": None, "image_key": key, "finding": f,
                 "value": int(f in listed), "source": "chestxray14"} for f in CHESTXRAY14]
    return out


def read_chexpert(path: Path) -> list[dict]:
    """Label rows of a MIMIC-CXR CheXpert CSV: one per study and mentioned label (1, 0 or -1)."""
    out = []
    for line, row in _rows(path, ("subject_id", "study_id", *CHEXPERT)):
        subject = _integer(path, line, "subject_id", row["subject_id"])
        study = _integer(path, line, "study_id", row["study_id"])
        for finding in CHEXPERT:
            text = (row[finding] or "").strip()
            if not text:
                continue
            if text not in _CHEXPERT_VALUES:
                raise InputError("not a CheXpert value", path=path, line=line, column=finding, value=text,
                                 expected="1.0, 0.0, -1.0 or blank")
            out.append({"subject_id": subject, "study_id": study, "image_key": None, "finding": finding,
                        "value": _CHEXPERT_VALUES[text], "source": "chexpert"})
    return out


def read_metadata(path: Path) -> list[dict]:
    """Rows of mimic-cxr-2.0.0-metadata.csv: dicom_id, subject and study, view position, study time."""
    out = []
    for line, row in _rows(path, ("dicom_id", "subject_id", "study_id", "ViewPosition", "StudyDate", "StudyTime")):
        date, time = (row["StudyDate"] or "").strip(), (row["StudyTime"] or "").strip()
        try:
            whole, _, frac = time.partition(".")
            when = dt.datetime.strptime(date + whole.zfill(6), "%Y%m%d%H%M%S") if date else None
            if when is not None and frac:
                when = when.replace(microsecond=int((frac + "000000")[:6]))
        except ValueError:
            raise InputError("not a study date and time", path=path, line=line, column="StudyDate",
                             value=f"{date} {time}", expected="YYYYMMDD and HHMMSS[.ffffff]") from None
        out.append({"dicom_id": (row["dicom_id"] or "").strip(),
                    "subject_id": _integer(path, line, "subject_id", row["subject_id"]),
                    "study_id": _integer(path, line, "study_id", row["study_id"]),
                    "view_position": (row["ViewPosition"] or "").strip() or None, "study_time": when,
                    "procedure": (row.get("PerformedProcedureStepDescription") or "").strip() or None})
    return out
