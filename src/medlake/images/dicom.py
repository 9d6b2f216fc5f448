"""One DICOM file's header -> one row of the images table (run in worker processes).

pydicom reads the header only, and of it only the elements the images table
holds: reading stops at the first element past (0028,0100) Bits Allocated,
the last of them in tag order (so RT, waveform and overlay sequences and the
pixel data are never parsed), and only HEADER_TAGS are kept (the values of
the others are stepped over without being decoded, so their oddities raise
no warning). Pixel data is never read, decoded or checked here. A file without the 128-byte preamble and
'DICM' prefix is read again with `force=True`; it is kept (with a warning)
only when that reading finds a SOP Instance UID, otherwise it is an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import warnings

DICOMDIR_CLASS = "1.2.840.10008.1.3.10"  # Media Storage Directory Storage
# the data set elements _row reads (the file meta header is always read whole)
HEADER_TAGS = ["SpecificCharacterSet", "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID",
               "PatientID", "Modality", "BodyPartExamined", "ViewPosition", "StudyDate", "StudyTime", "ContentDate",
               "ContentTime", "AcquisitionDate", "AcquisitionTime", "InstanceCreationDate", "InstanceCreationTime",
               "SeriesNumber", "InstanceNumber", "Rows", "Columns", "PixelSpacing", "PhotometricInterpretation",
               "BitsAllocated", "NumberOfFrames"]
LAST_TAG = 0x00280100      # Bits Allocated: the highest tag of HEADER_TAGS


def _past_header(tag, vr, length) -> bool:
    return tag > LAST_TAG


def _read_header(path: str, force: bool):
    from pydicom.filereader import read_partial

    with open(path, "rb") as f:
        return read_partial(f, stop_when=_past_header, force=force, specific_tags=_header_tags())


@functools.cache
def _header_tags() -> list:
    from pydicom.tag import Tag

    return [Tag(name) for name in HEADER_TAGS]


def read_one(path: str) -> tuple[str, dict | str]:
    """('image', row), ('dicomdir', path) or ('error', reason) for one file."""
    from pydicom.errors import InvalidDicomError

    caught: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                ds = _read_header(path, force=False)
                forced = False
            except InvalidDicomError:
                ds = _read_header(path, force=True)
                forced = True
            row = _row(ds, path)
        caught = list(dict.fromkeys(str(w.message).split(". Please see")[0] for w in seen))
    except Exception as e:  # pydicom raises many kinds on a broken header; the file is recorded and skipped
        return "error", f"unreadable DICOM header ({type(e).__name__}: {_first_line(e)})"
    if row["media_storage_sop_class_uid"] == DICOMDIR_CLASS or (
            os.path.basename(path).upper() == "DICOMDIR" and row["sop_instance_uid"] is None):
        return "dicomdir", path
    if row["sop_instance_uid"] is None:
        why = "no DICOM file meta header ('DICM' prefix)" if forced else "no SOP Instance UID"
        return "error", f"not a DICOM instance: {why}" + (", and read with force=True it has no SOP Instance UID"
                                                          if forced else "")
    notes = (["no DICOM file meta header ('DICM' prefix): read with force=True"] if forced else []) + caught
    row["warning"] = "; ".join(notes) or None
    del row["media_storage_sop_class_uid"]
    return "image", row


def _row(ds, path: str) -> dict:
    from pydicom.uid import UID

    meta = getattr(ds, "file_meta", None)
    sop_class = _str(ds.get("SOPClassUID")) or _str(meta.get("MediaStorageSOPClassUID") if meta else None)
    patient = _str(ds.get("PatientID"))
    spacing = ds.get("PixelSpacing")
    return {
        "sop_instance_uid": _str(ds.get("SOPInstanceUID")),
        "study_instance_uid": _str(ds.get("StudyInstanceUID")),
        "series_instance_uid": _str(ds.get("SeriesInstanceUID")),
        "patient_id": patient,
        "subject_id": subject_of(patient),
        "modality": _str(ds.get("Modality")),
        "sop_class_uid": sop_class,
        "sop_class_name": UID(sop_class).name if sop_class else None,
        "body_part": _str(ds.get("BodyPartExamined")),
        "view_position": _str(ds.get("ViewPosition")),
        "study_time": date_time(ds.get("StudyDate"), ds.get("StudyTime")),
        "instance_time": (date_time(ds.get("ContentDate"), ds.get("ContentTime"))
                          or date_time(ds.get("AcquisitionDate"), ds.get("AcquisitionTime"))
                          or date_time(ds.get("InstanceCreationDate"), ds.get("InstanceCreationTime"))),
        "series_number": _int(ds.get("SeriesNumber")),
        "instance_number": _int(ds.get("InstanceNumber")),
        "rows": _int(ds.get("Rows")),
        "columns": _int(ds.get("Columns")),
        "pixel_spacing": [float(x) for x in spacing] if spacing is not None and _all_numbers(spacing) else None,
        "photometric_interpretation": _str(ds.get("PhotometricInterpretation")),
        "bits_allocated": _int(ds.get("BitsAllocated")),
        "transfer_syntax_uid": _str(meta.get("TransferSyntaxUID")) if meta else None,
        "number_of_frames": _int(ds.get("NumberOfFrames")),
        "path": os.path.abspath(path),
        "file_size": os.path.getsize(path),
        "media_storage_sop_class_uid": _str(meta.get("MediaStorageSOPClassUID")) if meta else None,
    }


def subject_of(patient_id: str | None) -> int | None:
    """A subject id from a Patient ID: the number itself when it is all digits (up to 18),
    else a stable id from its SHA-256 (first 7 bytes); None without a Patient ID."""
    if not patient_id:
        return None
    if patient_id.isdigit() and len(patient_id) <= 18:
        return int(patient_id)
    return int.from_bytes(hashlib.sha256(patient_id.encode()).digest()[:7], "big")


def date_time(date, time) -> dt.datetime | None:
    """DICOM DA (YYYYMMDD) + TM (HH[MM[SS[.ffffff]]]) -> datetime; the date alone gives midnight."""
    d = _str(date)
    if not d or len(d) != 8 or not d.isdigit():
        return None
    try:
        day = dt.datetime(int(d[:4]), int(d[4:6]), int(d[6:8]))
        t = (_str(time) or "").replace(":", "")
        if not t:
            return day
        whole, _, frac = t.partition(".")
        hh, mm, ss = int(whole[0:2]), int(whole[2:4] or 0), int(whole[4:6] or 0)
        micro = int((frac + "000000")[:6]) if frac else 0
        return day.replace(hour=hh, minute=mm, second=min(ss, 59), microsecond=micro)
    except ValueError:
        return None


def _str(v) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _int(v) -> int | None:
    if v is None or v == "":
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _all_numbers(values) -> bool:
    try:
        [float(x) for x in values]
    except (TypeError, ValueError):
        return False
    return True


def _first_line(e: Exception) -> str:
    text = str(e)
    return text.splitlines()[0] if text else "no message"
