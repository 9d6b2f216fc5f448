"""`medlake load dicom`: every field of the images table equals pydicom's own reading of the same file."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import warnings
from pathlib import Path

import pydicom
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import InputError, ParameterError

SKIPPED = {"DICOMDIR"}
FAILED = {"no_meta.dcm"}


@pytest.fixture(scope="module")
def images_lake(tmp_path_factory, dicom_dir):
    lake = medlake.connect(tmp_path_factory.mktemp("images") / "lake.duckdb")
    result = lake.load("dicom", dicom_dir, workers=2)
    yield lake, result
    lake.close()


def _files(dicom_dir: Path) -> list[Path]:
    return sorted(p for p in dicom_dir.iterdir() if p.name not in SKIPPED | FAILED)


def _pydicom(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, stop_before_pixels=True)


def _text(v):
    return None if v is None or str(v).strip() == "" else str(v).strip()


def _when(date, time):
    """DA + TM as datetime, written out plainly (no medlake code)."""
    if not date:
        return None
    t = str(time or "")
    whole, _, frac = t.partition(".")
    fmt = {0: "%Y%m%d", 2: "%Y%m%d%H", 4: "%Y%m%d%H%M", 6: "%Y%m%d%H%M%S"}[len(whole)]
    out = dt.datetime.strptime(str(date) + whole, fmt)
    return out.replace(microsecond=int(frac.ljust(6, "0")[:6])) if frac else out


def _integer(v):
    try:
        return None if v is None else int(v)
    except ValueError:
        return None


def _expected(path: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # badVR.dcm: pydicom warns when NumberOfFrames ('1A') is read
        return _fields(path)


def _fields(path: Path) -> dict:
    ds = _pydicom(path)
    pid = _text(ds.get("PatientID"))
    subject = None if pid is None else (int(pid) if pid.isdigit() else
                                        int.from_bytes(hashlib.sha256(pid.encode()).digest()[:7], "big"))
    content = (_when(ds.get("ContentDate"), ds.get("ContentTime")) or _when(ds.get("AcquisitionDate"), ds.get("AcquisitionTime"))
               or _when(ds.get("InstanceCreationDate"), ds.get("InstanceCreationTime")))
    return {
        "sop_instance_uid": ds.SOPInstanceUID, "study_instance_uid": _text(ds.get("StudyInstanceUID")),
        "series_instance_uid": _text(ds.get("SeriesInstanceUID")), "patient_id": pid, "subject_id": subject,
        "modality": _text(ds.get("Modality")), "sop_class_uid": ds.SOPClassUID, "sop_class_name": ds.SOPClassUID.name,
        "body_part": _text(ds.get("BodyPartExamined")), "view_position": _text(ds.get("ViewPosition")),
        "study_time": _when(ds.get("StudyDate"), ds.get("StudyTime")), "instance_time": content,
        "series_number": _integer(ds.get("SeriesNumber")), "instance_number": _integer(ds.get("InstanceNumber")),
        "rows": ds.get("Rows"), "columns": ds.get("Columns"),
        "pixel_spacing": [float(x) for x in ds.PixelSpacing] if "PixelSpacing" in ds else None,
        "photometric_interpretation": _text(ds.get("PhotometricInterpretation")),
        "bits_allocated": ds.get("BitsAllocated"), "transfer_syntax_uid": ds.file_meta.TransferSyntaxUID,
        "number_of_frames": _integer(ds.get("NumberOfFrames")), "path": str(path.resolve()),
        "file_size": path.stat().st_size,
    }


def test_one_row_per_readable_file(images_lake, dicom_dir):
    lake, result = images_lake
    assert result.task_views == ["images.cxr_classification", "images.cxr_finding"]
    paths = lake.sql("SELECT path FROM images.images ORDER BY path").column(0).to_pylist()
    assert paths == [str(p.resolve()) for p in _files(dicom_dir)]
    assert result.dicomdirs == [str(dicom_dir / "DICOMDIR")]
    assert [e["path"] for e in result.errors] == [str(dicom_dir / "no_meta.dcm")]


@pytest.mark.parametrize("name", ["693_J2KI.dcm", "CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm",
                                  "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "MR_truncated.dcm", "badVR.dcm",
                                  "cxr_nih_sample.dcm", "examples_overlay.dcm", "ot_sample.dcm", "rtdose.dcm",
                                  "rtplan.dcm", "waveform_ecg.dcm"])
def test_every_field_equals_pydicom(images_lake, dicom_dir, name):
    lake, _ = images_lake
    got = lake.sql("SELECT * EXCLUDE (warning, study_id, image_key) FROM images.images WHERE path = $p",
                   {"p": str((dicom_dir / name).resolve())}).to_pylist()
    assert len(got) == 1
    want = _expected(dicom_dir / name)
    assert set(got[0]) == set(want)
    for k, v in want.items():
        assert got[0][k] == v, (name, k)


def test_non_image_objects_have_no_pixel_fields(images_lake):
    lake, _ = images_lake
    rows = lake.sql("SELECT sop_class_name, modality, \"rows\", \"columns\", pixel_spacing, photometric_interpretation "
                    "FROM images.images WHERE modality IN ('RTPLAN', 'ECG') ORDER BY modality").to_pylist()
    assert rows == [
        {"sop_class_name": "12-lead ECG Waveform Storage", "modality": "ECG", "rows": None, "columns": None,
         "pixel_spacing": None, "photometric_interpretation": None},
        {"sop_class_name": "RT Plan Storage", "modality": "RTPLAN", "rows": None, "columns": None,
         "pixel_spacing": None, "photometric_interpretation": None}]


def test_malformed_value_is_a_warning(images_lake, dicom_dir):
    lake, _ = images_lake
    warned = lake.sql("SELECT path, number_of_frames, warning FROM images.images WHERE warning IS NOT NULL").to_pylist()
    assert warned == [{"path": str((dicom_dir / "badVR.dcm").resolve()), "number_of_frames": None,
                       "warning": "Invalid value for VR IS: '1A'"}]


def test_load_errors_and_exit_code(tmp_path, dicom_dir):
    db = tmp_path / "lake.duckdb"
    r = CliRunner().invoke(main, ["load", "dicom", str(dicom_dir), "--workers", "1", "--db", str(db), "--silent"])
    assert r.exit_code == 1, r.output
    assert f"DICOMDIR recognized and skipped: {dicom_dir / 'DICOMDIR'}" in r.stdout
    assert "1 file failed and was skipped; see meta.load_errors (load_id = 1)" in r.stderr
    with medlake.connect(db) as lake:
        errors = lake.sql("SELECT * FROM meta.load_errors").to_pylist()
        assert lake.sql("SELECT count(*) FROM images.images").column(0)[0].as_py() == 14
    assert errors == [{"load_id": 1, "path": str(dicom_dir / "no_meta.dcm"),
                       "reason": "not a DICOM instance: no DICOM file meta header ('DICM' prefix), and read with "
                                 "force=True it has no SOP Instance UID"}]


def test_header_without_file_meta_is_kept_with_a_warning(tmp_path, dicom_dir):
    """A file with its preamble and file meta cut off, whose dataset pydicom can still read with force=True."""
    ds = _pydicom(dicom_dir / "CT_small.dcm")
    folder = tmp_path / "d"
    folder.mkdir()
    ds.preamble = None
    del ds.file_meta
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(folder / "bare", enforce_file_format=False, implicit_vr=False, little_endian=True)
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        result = lake.load("dicom", folder, workers=1)
        row = lake.sql("SELECT sop_instance_uid, transfer_syntax_uid, warning FROM images.images").to_pylist()
    assert result.errors == []
    assert row == [{"sop_instance_uid": ds.SOPInstanceUID, "transfer_syntax_uid": None,
                    "warning": "no DICOM file meta header ('DICM' prefix): read with force=True"}]


def test_series_view(images_lake, dicom_dir):
    lake, _ = images_lake
    series = lake.sql("SELECT * FROM images.image_series").to_pylist()
    by_uid = {}
    for p in _files(dicom_dir):
        ds = _pydicom(p)
        by_uid.setdefault((ds.StudyInstanceUID, ds.SeriesInstanceUID), []).append((ds, p))
    assert len(series) == len(by_uid)
    for s in series:
        members = by_uid[(s["study_instance_uid"], s["series_instance_uid"])]
        assert s["files"] == len(members)
        assert s["instances"] == len({ds.SOPInstanceUID for ds, _ in members})
        assert s["total_size"] == sum(p.stat().st_size for _, p in members)
        assert s["modality"] == members[0][0].Modality
    mr = next(s for s in series if s["modality"] == "MR" and s["files"] == 5)
    assert (mr["instances"], mr["first_instance_time"]) == (1, dt.datetime(2004, 8, 26, 18, 54, 34))


def test_parallel_and_serial_reads_agree(tmp_path, dicom_dir, images_lake):
    lake, _ = images_lake
    with medlake.connect(tmp_path / "l.duckdb") as serial:
        serial.load("dicom", dicom_dir, workers=1)
        a = serial.sql("SELECT * FROM images.images ORDER BY path").to_pylist()
    assert a == lake.sql("SELECT * FROM images.images ORDER BY path").to_pylist()


def test_bad_arguments(tmp_path, dicom_dir):
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        with pytest.raises(ParameterError, match="workers must be a positive integer"):
            lake.load("dicom", dicom_dir, workers=0)
        with pytest.raises(ParameterError, match="option 'subjects' does not apply to source dicom"):
            lake.load("dicom", dicom_dir, subjects="map.csv")
        with pytest.raises(InputError, match="unknown images layout: value 'sleep-edf'; expected plain or mimic-cxr or chestxray14"):
            lake.load("dicom", dicom_dir, layout="sleep-edf")
        (tmp_path / "empty").mkdir()
        with pytest.raises(InputError, match="no files"):
            lake.load("dicom", tmp_path / "empty")


def test_a_folder_of_nothing_but_broken_files(tmp_path, dicom_dir):
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(dicom_dir / "no_meta.dcm", folder / "a.dcm")
    (folder / "b.txt").write_text("hello")
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        result = lake.load("dicom", folder, workers=2)
        assert result.row_counts["images.images"] == 0
        assert len(result.errors) == 2
        assert lake.datasets() == ["images"]
