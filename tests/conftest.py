"""Shared fixtures: the real test data (../shared/data) and lakes loaded from it once per session.

Tests that need the data find it through MEDLAKE_TEST_DATA (default ../shared/data)
and skip with a reason when it is missing; CI sets MEDLAKE_REQUIRE_TEST_DATA=1,
which turns a missing folder into a failure instead.

Also the plain-Python helpers that the reference tests share for reading raw CSV
exports (`from conftest import rows, ...`); they share no code with medlake.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import os
import re
from pathlib import Path

import pytest
import torch

import medlake

ROOT = Path(__file__).resolve().parents[1]


def _data_root() -> Path:
    return Path(os.environ.get("MEDLAKE_TEST_DATA", ROOT.parent / "shared" / "data")).resolve()


def _need(sub: str) -> Path:
    p = _data_root() / sub
    if not p.exists():
        msg = f"test data not found: {p} (set MEDLAKE_TEST_DATA to the shared data folder)"
        if os.environ.get("MEDLAKE_REQUIRE_TEST_DATA"):
            pytest.fail(msg)
        pytest.skip(msg)
    return p


# -- reading raw exports in plain Python (the reference tests) ---------------------------------------


def rows(path: Path):
    """Rows of a .csv.gz as dicts with lower-case keys (and `_line`, counting data rows from 1)."""
    with gzip.open(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        for i, r in enumerate(reader, start=1):
            d = dict(zip(header, r))
            d["_line"] = i
            yield d


def plus_years(t: dt.datetime, years: int) -> dt.datetime:
    try:
        return t.replace(year=t.year + years)
    except ValueError:  # 29 February -> 28 February
        return t.replace(year=t.year + years, day=28)


def strip_code(c: str) -> str:
    return (c or "").strip().replace(".", "").replace(" ", "").upper()


def icd9cm(c: str) -> str:
    c = strip_code(c)
    cut = 4 if c.startswith("E") else 3
    return c[:cut] + "." + c[cut:] if len(c) > cut else c


def icd10cm(c: str) -> str:
    c = strip_code(c)
    return c[:3] + "." + c[3:] if len(c) > 3 else c


EICU_ICD9_E = re.compile(r"E[0-9]{3}(\.[0-9]?)?")
EICU_ICD9_V = re.compile(r"V[0-9]{2}(\.[0-9]{0,2})?")


def eicu_diagnosis_code(raw: str) -> str:
    """One code of an eICU icd9code cell, dotted: ICD-9-CM when it starts with a digit or is an E code
    with three digits or a V code with two, else ICD-10-CM (docs/etl-eicu-omop.md)."""
    if raw[:1].isdigit() or EICU_ICD9_E.fullmatch(raw) or EICU_ICD9_V.fullmatch(raw):
        return icd9cm(raw)
    return icd10cm(raw)


def distinct_in_order(items):
    """Codes of (sort key, code) pairs, sorted by key, each code once."""
    seen, out = set(), []
    for _, code in sorted(items):
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


# -- data and lakes ------------------------------------------------------------------------------------


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
def drug_lake(demo_lake, tmp_path_factory, codes_dir):
    """A copy of the demo lake with the NDC/GSN -> ATC maps that drug recommendation needs."""
    demo_lake.con.execute("CHECKPOINT")
    path = tmp_path_factory.mktemp("drugs") / "lake.duckdb"
    path.write_bytes(Path(demo_lake.path).read_bytes())
    lake = medlake.connect(path)
    load_ndc_atc_maps(lake, codes_dir)
    yield lake
    lake.close()


def load_ndc_atc_maps(lake, codes_dir: Path) -> None:
    """Add to a lake the NDC/GSN -> ATC maps of codes_dir (ndc_gsn_atc.csv.gz), which drug recommendation
    needs. Only that part of the code tables is loaded: a full `lake.codes.load` takes half a minute."""
    from medlake.ontology.readers import READERS
    from medlake.ontology.sources import resolve
    from medlake.ontology.staging import Staging

    found, _ = resolve(codes_dir)
    staging = Staging()
    for res in found:
        if res.path.name.startswith("ndc_gsn_atc"):
            READERS[res.input](res, staging)
    lake.run_file("vocab/schema.sql")
    lake.con.register("staged_maps", staging.arrow()[2])
    lake.run_file("vocab/build.sql", name="insert_maps")
    lake.con.unregister("staged_maps")


@pytest.fixture()
def one_torch_thread():
    """Small models on 2 shared cores run several times faster on one intra-op thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
