"""Synthetic chest X-rays in the ChestX-ray14 and MIMIC-CXR layouts: valid DICOM that pydicom reads, labels
CSVs loaded beside the images, the cxr_classification and cxr_finding tasks, the MIMIC-IV timeline, and a
2-D CNN that learns the findings from the pixels."""

from __future__ import annotations

import csv
import json

import numpy as np
import pydicom
import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import InputError
from medlake.images.layout import CHESTXRAY14, CHEXPERT
from medlake.images.pixels import read_pixels
from medlake.synth import dicom as synth_dicom
from medlake.synth import synthesize
from medlake.synth.dicom import synthesize_dicom

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def nih(tmp_path_factory):
    """240 ChestX-ray14-style studies, loaded: (lake path, synth result)."""
    out = tmp_path_factory.mktemp("nih")
    result = synthesize_dicom(out, studies=240, layout="chestxray14", seed=1)
    path = tmp_path_factory.mktemp("nihlake") / "lake.duckdb"
    with medlake.connect(path) as lake:
        loaded = lake.load("dicom", out, layout="chestxray14", workers=1, name="nih")
        assert loaded.errors == [] and loaded.task_views == ["nih.cxr_classification", "nih.cxr_finding"]
    return path, result


@pytest.fixture(scope="module")
def mimic(tmp_path_factory):
    """A synthetic MIMIC-IV of 60 patients and 40 MIMIC-CXR studies of the same seed, in one lake."""
    root = tmp_path_factory.mktemp("mimic")
    synthesize("mimic4", root / "m4", patients=60, seed=4)
    result = synthesize_dicom(root / "cxr", studies=40, layout="mimic-cxr", seed=4, patients=60)
    path = root / "lake.duckdb"
    with medlake.connect(path) as lake:
        lake.load("mimic4", root / "m4")
        loaded = lake.load("dicom", root / "cxr", layout="mimic-cxr", workers=1, name="cxr")
        assert loaded.errors == []
    return path, result


def _csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_findings_lists_match_the_loader(tmp_path):
    assert synth_dicom.CHESTXRAY14_FINDINGS == CHESTXRAY14 and synth_dicom.CHEXPERT_FINDINGS == CHEXPERT


def test_synthetic_files_are_valid_dicom_whose_pixels_carry_the_findings(nih):
    _, result = nih
    assert len(result.files) == 240
    rows = {r["Image Index"]: r for r in _csv(result.csvs[0])}
    monochrome1 = 0
    cells = {name: ([], []) for name in CHESTXRAY14}     # mean of the finding's grid cell: with it, without it
    for path in result.files[:80]:
        ds = pydicom.dcmread(path)
        assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1" and ds.Modality == "CR"
        assert ds.pixel_array.shape == (128, 128)
        monochrome1 += ds.PhotometricInterpretation == "MONOCHROME1"
        key = path.stem
        listed = rows[f"{key}.dcm"]["Finding Labels"]
        assert listed == ("|".join(result.findings[key]) or "No Finding")
        assert ds.PatientID == rows[f"{key}.dcm"]["Patient ID"]
        pixels = read_pixels(str(path))
        for k, name in enumerate(CHESTXRAY14):
            cell = pixels[(k // 4) * 32 + 12:(k // 4) * 32 + 20, (k % 4) * 32 + 12:(k % 4) * 32 + 20].mean()
            cells[name][name not in result.findings[key]].append(cell)
    assert 0 < monochrome1 < 80
    # an opacity is bright (after the LUTs and the MONOCHROME1 inversion) in its finding's grid cell
    for name, (present, absent) in cells.items():
        assert present and np.mean(present) > np.mean(absent) + 0.2, name


def test_same_seed_same_bytes(tmp_path):
    a = synthesize_dicom(tmp_path / "a", studies=4, layout="mimic-cxr", seed=2, patients=30)
    b = synthesize_dicom(tmp_path / "b", studies=4, layout="mimic-cxr", seed=2, patients=30)
    for x, y in zip(a.files + a.csvs, b.files + b.csvs):
        assert x.relative_to(tmp_path / "a") == y.relative_to(tmp_path / "b") and x.read_bytes() == y.read_bytes()


def test_chestxray14_labels_and_task(nih):
    path, result = nih
    with medlake.connect(path, read_only=True) as lake:
        assert lake.sql("SELECT count(*) FROM nih.image_labels").column(0)[0].as_py() == 240 * 14
        samples = lake.task("cxr_classification", dataset="nih").to_arrow().to_pylist()
        binary = lake.task("cxr_finding", dataset="nih", finding="Effusion").to_arrow().to_pylist()
    assert len(samples) == len(binary) == 240
    for s in samples:
        assert s["label"] == sorted(result.findings[s["image_key"]])
        assert s["image"].endswith(f"/images/{s['image_key']}.dcm")
    assert {s["image_key"]: s["label"] for s in binary} == {
        k: int("Effusion" in v) for k, v in result.findings.items()}


def test_mimic_cxr_layout_metadata_and_chexpert_labels(mimic):
    path, result = mimic
    chexpert = {(int(r["subject_id"]), int(r["study_id"])): r for r in _csv(result.csvs[1])}
    metadata = {r["dicom_id"]: r for r in _csv(result.csvs[0])}
    with medlake.connect(path, read_only=True) as lake:
        images = lake.sql("SELECT * FROM cxr.images ORDER BY path").to_pylist()
        assert lake.sql("SELECT count(*) FROM cxr.image_metadata").column(0)[0].as_py() == 40
        tasks = {u: {s["image_key"]: s["label"] for s in
                     lake.task("cxr_classification", dataset="cxr", uncertain=u).to_arrow().to_pylist()}
                 for u in ("positive", "negative", "drop")}
        edema = {u: {s["image_key"]: s["label"] for s in lake.task(
            "cxr_finding", dataset="cxr", finding="Edema", uncertain=u).to_arrow().to_pylist()}
            for u in ("positive", "negative", "drop")}
    assert len(images) == 40
    for img in images:
        parts = img["path"].split("/")
        assert parts[-4] == f"p{str(img['subject_id'])[:2]}" and parts[-3] == f"p{img['subject_id']}"
        assert parts[-2] == f"s{img['study_id']}" and parts[-1] == f"{img['image_key']}.dcm"
        meta = metadata[img["image_key"]]
        assert img["view_position"] == meta["ViewPosition"]
        assert img["study_time"].strftime("%Y%m%d%H%M%S") == meta["StudyDate"] + meta["StudyTime"][:6]
        row = chexpert[(img["subject_id"], img["study_id"])]
        want = {u: sorted(f for f in CHEXPERT if row[f] == "1.0" or (u == "positive" and row[f] == "-1.0"))
                for u in ("positive", "negative")}
        uncertain = any(row[f] == "-1.0" for f in CHEXPERT)
        key = img["image_key"]
        assert tasks["positive"][key] == want["positive"] and tasks["negative"][key] == want["negative"]
        assert (key in tasks["drop"]) == (not uncertain)
        assert edema["negative"][key] == int(row["Edema"] == "1.0")
        assert edema["positive"][key] == int(row["Edema"] in ("1.0", "-1.0"))
        assert (key in edema["drop"]) == (row["Edema"] != "-1.0")
    assert any(row[f] == "-1.0" for row in chexpert.values() for f in CHEXPERT)  # the test saw uncertain values


def test_mimic_cxr_studies_sit_inside_admissions_of_the_same_seeds_mimic4(mimic):
    path, _ = mimic
    with medlake.connect(path, read_only=True) as lake:
        placed = lake.execute(
            "SELECT i.path, count(v.visit_id) FROM cxr.images AS i LEFT JOIN mimic4.visits AS v "
            "ON v.subject_id = i.subject_id AND v.kind = 'inpatient' AND i.study_time BETWEEN v.start_time "
            "AND v.end_time GROUP BY i.path")
    assert len(placed) == 40 and all(n == 1 for _, n in placed)


def test_cnn2d_learns_the_synthetic_findings(nih, tmp_path):
    path, _ = nih
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--db", str(path), "--task", "cxr_classification", "--dataset",
                                       "nih", "--model", "cnn2d", "--epochs", "4", "--batch-size", "32", "--lr",
                                       "0.003", "--image-size", "32", "--bootstrap", "0", "--split", "0.6,0.2,0.2",
                                       "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.loads((out / "encoders.json").read_text())["lazy"] == {"image": {"size": 32, "channels": 1}}
    assert metrics["samples"] > 30
    assert metrics["metrics"]["roc_auc_macro"] > 0.9 and metrics["metrics"]["f1_micro"] > 0.6


def test_a_bad_labels_csv_names_the_file_line_and_column(tmp_path, nih):
    _, result = nih
    folder = tmp_path / "x"
    (folder / "images").mkdir(parents=True)
    for f in result.files[:3]:
        (folder / "images" / f.name).write_bytes(f.read_bytes())
    lines = result.csvs[0].read_text().splitlines()[:4]
    lines[2] = lines[2].replace(lines[2].split(",")[1], "Pneumonia|Dragon", 1)
    (folder / "Data_Entry_2017.csv").write_text("\n".join(lines) + "\n")
    with medlake.connect(tmp_path / "l.duckdb") as lake:
        with pytest.raises(InputError, match=r"Data_Entry_2017\.csv, line 3, column 'Finding Labels': unknown finding; "
                                             r"value 'Pneumonia\|Dragon'"):
            lake.load("dicom", folder, layout="chestxray14", workers=1)
        assert "images" not in lake.datasets()


def test_synth_dicom_cli(tmp_path):
    result = CliRunner().invoke(main, ["synth", "dicom", str(tmp_path / "o"), "--studies", "3", "--layout",
                                       "mimic-cxr", "--patients", "20", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "3 DICOM files (mimic-cxr" in result.output
    assert len(list((tmp_path / "o" / "files").rglob("*.dcm"))) == 3
    bad = CliRunner().invoke(main, ["synth", "dicom", str(tmp_path / "p"), "--subjects", "3"])
    assert bad.exit_code == 2 and "--subjects, --no-gzip and --full do not apply to dicom" in bad.output


@pytest.mark.parametrize("task", ["cxr_classification", "cxr_finding"])
def test_the_cxr_tasks_pass_the_leakage_check(nih, mimic, task):
    for path, dataset in ((nih[0], "nih"), (mimic[0], "cxr")):
        with medlake.connect(path, read_only=True) as lake:
            visits = lake.sql(f"SELECT count(*) FROM {dataset}.visits").column(0)[0].as_py()
            studies = lake.sql(f"SELECT count(DISTINCT visit_id) FROM {dataset}.{task}").column(0)[0].as_py()
            report = lake.tasks.check(task, dataset=dataset, subjects=8)
        assert visits == studies
        assert report.ok and report.compared == report.samples >= 8 and not report.dropped


def test_task_rows_with_lists_as_csv(nih, tmp_path):
    """A multilabel label (a list) and the image path come out of `task run --out x.csv`, the list as JSON."""
    path, result = nih
    out = CliRunner().invoke(main, ["task", "run", "cxr_classification", "--dataset", "nih", "--db", str(path),
                                    "--out", str(tmp_path / "x.csv")])
    assert out.exit_code == 0, out.output
    rows = _csv(tmp_path / "x.csv")
    assert len(rows) == 240
    assert {r["image_key"]: json.loads(r["label"]) for r in rows} == {
        k: sorted(v) for k, v in result.findings.items()}
