"""Shared fixtures: the real test data (../shared/data) and lakes loaded from it once per session.

Tests that need the data find it through MEDLAKE_TEST_DATA (default ../shared/data)
and skip with a reason when it is missing; CI sets MEDLAKE_REQUIRE_TEST_DATA=1,
which turns a missing folder into a failure instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

import medlake
from helpers import add_missing_visits, load_maps, skip_unless_required

ROOT = Path(__file__).resolve().parents[1]


def _data_root() -> Path:
    return Path(os.environ.get("MEDLAKE_TEST_DATA", ROOT.parent / "shared" / "data")).resolve()


def _need(sub: str) -> Path:
    p = _data_root() / sub
    if not p.exists():
        skip_unless_required(f"test data not found: {p} (set MEDLAKE_TEST_DATA to the shared data folder)")
    return p


# -- reading raw exports in plain Python (the reference tests) ---------------------------------------


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _need("")


@pytest.fixture(scope="session")
def mimic3_dir() -> Path:
    return _need("mimic3demo")


@pytest.fixture(scope="session")
def mimic4_dir() -> Path:
    return _need("mimic4demo")


@pytest.fixture(scope="session")
def eicu_dir() -> Path:
    return _need("eicudemo")


@pytest.fixture(scope="session")
def omop_dir() -> Path:
    return _need("omop/gibleed")


@pytest.fixture(scope="session")
def codes_dir() -> Path:
    return _need("codes")


@pytest.fixture(scope="session")
def edf_dir() -> Path:
    return _need("edf")


@pytest.fixture(scope="session")
def dicom_dir() -> Path:
    return _need("dicom")


@pytest.fixture()
def fresh_lake(tmp_path):
    """An empty lake in a temporary file."""
    lake = medlake.connect(tmp_path / "lake.duckdb")
    yield lake
    lake.close()


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory, mimic3_dir, mimic4_dir):
    """One lake with the MIMIC-III and MIMIC-IV demos loaded, shared by the session. Do not modify it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    lake = medlake.connect(path)
    lake.load("mimic3", mimic3_dir)
    if "mimic4" in medlake.etl.sources():
        lake.load("mimic4", mimic4_dir)
    yield lake
    lake.close()


def _loaded_lake(tmp_path_factory, source: str, folder: Path):
    """A new lake with one source loaded."""
    # not <source>.duckdb: DuckDB names the catalog after the file, which would clash with the schema
    lake = medlake.connect(tmp_path_factory.mktemp(source) / "lake.duckdb")
    lake.load(source, folder)
    return lake


@pytest.fixture(scope="session")
def synthetic_lake(tmp_path_factory):
    """A synthetic MIMIC-IV export of 3,000 patients (`medlake synth mimic4 --seed 1`, about 2.7 M MEDS rows)
    loaded as dataset mimic4, shared by the session. Do not modify it."""
    from medlake.synth import synthesize

    raw = tmp_path_factory.mktemp("synth3000") / "raw"
    synthesize("mimic4", raw, patients=3000, seed=1)
    with _loaded_lake(tmp_path_factory, "mimic4", raw) as lake:
        yield lake


@pytest.fixture(scope="session")
def full_lake(tmp_path_factory):
    """Synthetic MIMIC-III and MIMIC-IV exports of 30 patients with the whole record (`medlake synth FLAVOR
    --patients 30 --seed 1 --full`: charted vitals, infusions, outputs, cultures, transfers, services and notes)
    loaded as datasets mimic3 and mimic4, shared by the session. Do not modify it."""
    from medlake.synth import synthesize

    root = tmp_path_factory.mktemp("synth_full")
    lake = medlake.connect(root / "lake.duckdb")
    for flavor in ("mimic3", "mimic4"):
        synthesize(flavor, root / flavor, patients=30, seed=1, full=True)
        lake.load(flavor, root / flavor)
    yield lake
    lake.close()


@pytest.fixture(scope="session")
def eicu_lake(tmp_path_factory, eicu_dir):
    """The eICU demo loaded, shared by the session. Do not modify it."""
    with _loaded_lake(tmp_path_factory, "eicu", eicu_dir) as lake:
        yield lake


@pytest.fixture(scope="session")
def omop_lake(tmp_path_factory, omop_dir):
    """GiBleed loaded as it is, shared by the session. Do not modify it."""
    with _loaded_lake(tmp_path_factory, "omop", omop_dir) as lake:
        yield lake


@pytest.fixture(scope="session")
def omop_visits_lake(tmp_path_factory, omop_dir):
    """GiBleed with the visits its records name but its visit_occurrence lacks added for every tenth
    person (helpers.add_missing_visits), so mortality and readmission have samples. Do not modify it."""
    root = tmp_path_factory.mktemp("omop_visits") / "gibleed"
    shutil.copytree(omop_dir, root)
    for f in root.iterdir():
        f.chmod(0o644)
    add_missing_visits(root)
    with _loaded_lake(tmp_path_factory, "omop", root) as lake:
        yield lake


@pytest.fixture(scope="session")
def drug_lake(demo_lake, tmp_path_factory, codes_dir):
    """A copy of the demo lake with the NDC/GSN -> ATC maps that drug recommendation needs, and the
    ICD-9-CM/ICD-10-CM -> CCS maps of the diagnosis_ccs feature view."""
    demo_lake.execute("CHECKPOINT")
    path = tmp_path_factory.mktemp("drugs") / "lake.duckdb"
    path.write_bytes(Path(demo_lake.path).read_bytes())
    lake = medlake.connect(path, read_only=False)
    load_maps(lake, codes_dir, "ndc_gsn_atc", "ccs_dx")
    yield lake
    lake.close()


@pytest.fixture(scope="session")
def media_lake(tmp_path_factory):
    """Small synthetic image and signal datasets in one lake: `nih` (20 ChestX-ray14 studies), `cxr` (30
    MIMIC-CXR studies) and `sleep` (2 Sleep-EDF nights of 60 epochs). Do not modify it."""
    import warnings

    from medlake.synth.dicom import synthesize_dicom
    from medlake.synth.sleep import synthesize_sleep_edf

    root = tmp_path_factory.mktemp("media")
    synthesize_dicom(root / "nih", studies=20, layout="chestxray14", seed=1)
    synthesize_dicom(root / "cxr", studies=30, layout="mimic-cxr", seed=4, patients=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthesize_sleep_edf(root / "sleep", subjects=2, seed=5, epochs=60)
    lake = medlake.connect(root / "lake.duckdb")
    for kind, name, layout in (("dicom", "nih", "chestxray14"), ("dicom", "cxr", "mimic-cxr"),
                               ("edf", "sleep", "sleep-edf")):
        extra = {"workers": 1} if kind == "dicom" else {}
        assert lake.load(kind, root / name, layout=layout, name=name, **extra).errors == []
    yield lake
    lake.close()


@pytest.fixture()
def one_torch_thread():
    """Small models on 2 shared cores run several times faster on one intra-op thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def spark():
    """One local Spark for the whole session (its JVM takes seconds to start): local[2], two shuffle
    partitions, no UI. Skips without pyspark or Java, unless CI requires the test data (then fails)."""
    from medlake.errors import MedlakeError

    missing = skip_unless_required

    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing("pyspark is not installed (pip install -e '.[dev]')")
    from medlake.spark.run import session

    try:
        s = session("local[2]", app_name="medlake-tests",
                    conf={"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false",
                          "spark.sql.adaptive.enabled": "true"})
    except MedlakeError as e:
        missing(str(e))
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()
