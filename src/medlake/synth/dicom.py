"""Synthetic chest X-rays: valid DICOM files whose pixels carry their findings, with the labels CSV of a layout.

    from medlake.synth.dicom import synthesize_dicom
    synthesize_dicom("out/", studies=200, layout="chestxray14", seed=0)

Each image is a 128 x 128 radiograph-like picture (a bright mediastinum, two
darker lung fields, ribs, noise) stored as 12-bit MONOCHROME2 or, for about a
quarter of them, MONOCHROME1 (inverted), with a rescale slope and intercept
and a window centre and width, so reading it right needs the modality and VOI
LUTs and the photometric interpretation. Finding k of the layout's 14 is a
bright round opacity (radius 7 px) centred in cell k of a 4 x 4 grid over
the image; an uncertain finding (CheXpert's -1) is drawn at half contrast.

Layouts:

- `chestxray14`: `images/<patient:08d>_<follow-up:03d>.dcm` and
  `Data_Entry_2017.csv` (`Image Index`, `Finding Labels` joined with `|`, or
  `No Finding`, `Follow-up #`, `Patient ID`, `Patient Age`, `Patient Gender`,
  `View Position`, ...), one image per study.
- `mimic-cxr`: `files/p<2 digits>/p<subject_id>/s<study_id>/<dicom_id>.dcm`,
  `mimic-cxr-2.0.0-metadata.csv` and `mimic-cxr-2.0.0-chexpert.csv` (1.0,
  0.0, -1.0 or blank for each of the 14 CheXpert labels, per study). The
  subjects and study times are those of `medlake synth mimic4` with the same
  seed and patient count: each study falls inside one of the subject's
  admissions, so the images join that admission on the timeline.

The same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ParameterError
from ..progress import Timer, progress

LAYOUTS = ("chestxray14", "mimic-cxr")
CHESTXRAY14_FINDINGS = ("Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
                        "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening",
                        "Hernia")
CHEXPERT_FINDINGS = ("Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum",
                     "Fracture", "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion", "Pleural Other",
                     "Pneumonia", "Pneumothorax", "Support Devices")
SIZE = 128
PREVALENCE = 0.15
UNCERTAIN = 0.2        # mimic-cxr: share of present findings reported as uncertain (-1.0)
ROOT_UID = "1.2.826.0.1.3680043.10.1299."   # a private-looking root for synthetic UIDs
CR_STORAGE = "1.2.840.10008.5.1.4.1.1.1"      # Computed Radiography Image Storage
EXPLICIT_LE = "1.2.840.10008.1.2.1"


@dataclass
class DicomSynthResult:
    """What synthesize_dicom wrote: the image files, the CSVs, and each image's present findings."""

    directory: Path
    layout: str
    studies: int
    seed: int
    files: list[Path] = field(default_factory=list)
    csvs: list[Path] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)   # image key (file stem) -> findings drawn
    seconds: float = 0.0


def synthesize_dicom(directory: str | os.PathLike, studies: int = 200, layout: str = "chestxray14", seed: int = 0,
                     patients: int = 1000, show_progress: bool = False) -> DicomSynthResult:
    """Write `studies` chest X-ray studies (one image each) in `layout` into `directory`.

    `patients` (mimic-cxr) is the size of the synthetic MIMIC-IV whose subjects and admissions the
    studies follow (`medlake synth mimic4 --patients N --seed S`)."""
    if layout not in LAYOUTS:
        raise ParameterError(f"unknown layout '{layout}' (expected one of: {', '.join(LAYOUTS)})")
    if not isinstance(studies, int) or isinstance(studies, bool) or not 1 <= studies <= 1_000_000:
        raise ParameterError(f"studies must be an integer from 1 to 1,000,000, got {studies!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    result = DicomSynthResult(out, layout, studies, seed)
    rng = np.random.default_rng([seed, 14])
    names = CHESTXRAY14_FINDINGS if layout == "chestxray14" else CHEXPERT_FINDINGS
    drawn = [n for n in names if n != "No Finding"]
    present = rng.random((studies, len(drawn))) < PREVALENCE
    uncertain = present & (rng.random(present.shape) < UNCERTAIN) if layout == "mimic-cxr" else \
        np.zeros_like(present)
    stated_negative = ~present & (rng.random(present.shape) < 0.3)     # CheXpert: explicit 0.0, else blank
    who = _studies(studies, seed, patients, rng) if layout == "mimic-cxr" else _chestxray14_studies(studies, rng)
    rows = []
    with progress(show_progress) as bar, Timer() as total:
        job = bar.add_task(f"synth dicom ({layout})", total=studies)
        for i in range(studies):
            subject, study, when, key = who[i]
            image_rng = np.random.default_rng([seed, 15, i])
            monochrome1 = image_rng.random() < 0.25
            pixels = _picture(image_rng, [(drawn.index(n), 0.5 if uncertain[i, j] else 1.0)
                                          for j, n in enumerate(drawn) if present[i, j]])
            view = "PA" if image_rng.random() < 0.6 else "AP"
            if layout == "chestxray14":
                path = out / "images" / f"{key}.dcm"
            else:
                path = out / "files" / f"p{str(subject)[:2]}" / f"p{subject}" / f"s{study}" / f"{key}.dcm"
            _write(path, pixels, monochrome1, subject, study, when, view, seed, i)
            result.files.append(path)
            result.findings[key] = [n for j, n in enumerate(drawn) if present[i, j]]
            rows.append((subject, study, when, key, view, present[i], uncertain[i], stated_negative[i]))
            bar.advance(job)
        if layout == "chestxray14":
            result.csvs.append(_chestxray14_csv(out, rows, drawn, rng))
        else:
            result.csvs += _mimic_cxr_csvs(out, rows, drawn)
    result.seconds = total.seconds
    return result


def _chestxray14_studies(n: int, rng: np.random.Generator) -> list[tuple]:
    """(patient, follow-up, time, image index stem) per study: patients with one to four follow-ups."""
    out, patient = [], 0
    while len(out) < n:
        patient += 1
        first = dt.datetime(2015, 1, 1) + dt.timedelta(days=int(rng.integers(0, 1500)))
        for follow in range(int(rng.integers(1, 5))):
            if len(out) < n:
                out.append((patient, follow, first + dt.timedelta(days=30 * follow), f"{patient:08d}_{follow:03d}"))
    return out


def _studies(n: int, seed: int, patients: int, rng: np.random.Generator) -> list[tuple]:
    """(subject_id, study_id, study time, dicom_id) per study: inside admissions of the synthetic MIMIC-IV."""
    from . import model
    from .mimic4 import Mimic4

    hospital = model.simulate(patients, seed)
    subjects = Mimic4(hospital).subject_id
    adm = np.sort(rng.choice(hospital.n_admissions, size=n, replace=n > hospital.n_admissions))
    frac = rng.uniform(0.05, 0.95, n)
    seconds = hospital.admit[adm] + (frac * (hospital.disch[adm] - hospital.admit[adm])).astype(np.int64)
    study_ids = 50_000_000 + rng.choice(9_999_999, size=n, replace=False)
    out = []
    for i in range(n):
        dicom_id = "-".join(f"{int(x):08x}" for x in rng.integers(0, 2**32, 5))
        when = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds[i]))
        out.append((int(subjects[hospital.adm_patient[adm[i]]]), int(study_ids[i]), when, dicom_id))
    return out


def _picture(rng: np.random.Generator, findings: list[tuple[int, float]]) -> np.ndarray:
    """A 12-bit radiograph-like image (bright = dense) with an opacity in grid cell k per finding."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    img = 1400 + 300 * np.exp(-((x - SIZE / 2) / (SIZE * 0.12)) ** 2)            # mediastinum
    for side in (-1, 1):                                                           # lung fields (dark)
        cx = SIZE / 2 + side * SIZE * 0.24
        img -= 500 * np.exp(-(((x - cx) / (SIZE * 0.16)) ** 2 + ((y - SIZE * 0.5) / (SIZE * 0.3)) ** 2))
    img += 120 * np.sin(y / SIZE * 2 * np.pi * rng.uniform(5, 7) + rng.uniform(0, 6.3)) ** 8      # ribs
    img += rng.normal(0, 40, img.shape)
    cell = SIZE / 4
    for k, strength in findings:
        cy = (k // 4 + 0.5) * cell + rng.uniform(-3, 3)
        cx = (k % 4 + 0.5) * cell + rng.uniform(-3, 3)
        img += strength * 900 * np.exp(-(((x - cx) ** 2 + (y - cy) ** 2) / (2 * 4.0 ** 2)))
    return np.clip(img, 0, 4095).astype(np.uint16)


def _uid(seed: int, i: int, part: int) -> str:
    return f"{ROOT_UID}{seed}.{i + 1}.{part}"


def _write(path: Path, pixels: np.ndarray, monochrome1: bool, subject: int, study: int, when: dt.datetime,
           view: str, seed: int, i: int) -> None:
    from pydicom.dataset import Dataset, FileMetaDataset

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CR_STORAGE
    meta.MediaStorageSOPInstanceUID = _uid(seed, i, 3)
    meta.TransferSyntaxUID = EXPLICIT_LE
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CR_STORAGE
    ds.SOPInstanceUID = _uid(seed, i, 3)
    ds.StudyInstanceUID = _uid(seed, i, 1)
    ds.SeriesInstanceUID = _uid(seed, i, 2)
    ds.PatientID = str(subject)
    ds.PatientName = f"SYNTH^{subject}"
    ds.AccessionNumber = str(study)
    ds.StudyID = str(study)[-8:]
    ds.Modality = "CR"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = view
    ds.StudyDate = ds.ContentDate = when.strftime("%Y%m%d")
    ds.StudyTime = ds.ContentTime = when.strftime("%H%M%S")
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.Rows, ds.Columns = pixels.shape
    ds.PixelSpacing = [0.139, 0.139]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1" if monochrome1 else "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, -1024, "US"
    ds.WindowCenter, ds.WindowWidth = 500, 2600
    stored = (4095 - pixels) if monochrome1 else pixels
    ds.PixelData = stored.astype("<u2").tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def _chestxray14_csv(out: Path, rows: list, drawn: list[str], rng: np.random.Generator) -> Path:
    path = out / "Data_Entry_2017.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Image Index", "Finding Labels", "Follow-up #", "Patient ID", "Patient Age", "Patient Gender",
                    "View Position", "OriginalImage[Width", "Height]", "OriginalImagePixelSpacing[x", "y]"])
        for subject, follow, _, key, view, present, _, _ in rows:
            labels = "|".join(n for j, n in enumerate(drawn) if present[j]) or "No Finding"
            w.writerow([f"{key}.dcm", labels, follow, subject, int(rng.integers(20, 90)),
                        "M" if subject % 2 else "F", view, SIZE, SIZE, 0.139, 0.139])
    return path


def _mimic_cxr_csvs(out: Path, rows: list, drawn: list[str]) -> list[Path]:
    meta_path = out / "mimic-cxr-2.0.0-metadata.csv"
    labels_path = out / "mimic-cxr-2.0.0-chexpert.csv"
    with open(meta_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows",
                    "Columns", "StudyDate", "StudyTime", "ProcedureCodeSequence_CodeMeaning",
                    "ViewCodeSequence_CodeMeaning", "PatientOrientationCodeSequence_CodeMeaning"])
        for subject, study, when, key, view, *_ in rows:
            w.writerow([key, subject, study, f"CHEST ({view})", view, SIZE, SIZE, when.strftime("%Y%m%d"),
                        when.strftime("%H%M%S.000"), f"CHEST ({view})",
                        "postero-anterior" if view == "PA" else "antero-posterior", "Erect"])
    with open(labels_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["subject_id", "study_id", *CHEXPERT_FINDINGS])
        for subject, study, _, _, _, present, uncertain, negative in sorted(rows, key=lambda r: (r[0], r[1])):
            values = {n: "-1.0" if uncertain[j] else "1.0" if present[j] else "0.0" if negative[j] else ""
                      for j, n in enumerate(drawn)}
            values["No Finding"] = "" if present.any() else "1.0"
            w.writerow([subject, study, *(values[n] for n in CHEXPERT_FINDINGS)])
    return [meta_path, labels_path]
