"""Code systems built from the shared codes directory: values, hierarchy, maps, errors, SQL examples."""

from __future__ import annotations

import csv
import gzip
import re
from collections import defaultdict

import networkx as nx
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

import medlake
from helpers import CODES_EXAMPLES
from medlake.errors import InputError, ParameterError, UnknownNameError


@pytest.fixture(scope="module")
def lake(tmp_path_factory, codes_dir, mimic3_dir):
    """A lake with the MIMIC-III demo and every code system from the shared codes directory (built once)."""
    lk = medlake.connect(tmp_path_factory.mktemp("codes") / "codes.duckdb")
    lk.load("mimic3", mimic3_dir)
    result = lk.codes.load(codes_dir)
    lk.load_result = result
    yield lk
    lk.close()


@pytest.fixture(scope="module")
def codes(lake):
    return lake.codes


# -- the values the issue names ---------------------------------------------

def test_icd9cm_heart_failure(codes):
    assert codes.lookup("ICD9CM", "428.0") == {
        "vocab": "ICD9CM", "code": "428.0", "name": "Congestive heart failure, unspecified", "level": 4,
        "is_leaf": True}
    assert codes.ancestors("ICD9CM", "428.0") == ["428", "420-429", "390-459"]
    assert codes.map("ICD9CM", "CCSCM", "428.0") == ["108"]
    assert codes.map("ICD9CM", "CCSCM", "250.00") == ["49"]
    assert codes.map("ICD9CM", "CCSCM", "401.9") == ["98"]


def test_icd9proc_values(codes):
    assert codes.lookup("ICD9PROC", "39.95")["name"] == "Hemodialysis"
    assert codes.map("ICD9PROC", "CCSPROC", "39.95") == ["58"]
    assert codes.map("ICD9PROC", "CCSPROC", "96.72") == ["216"]
    assert codes.ancestors("ICD9PROC", "39.95") == ["39.9", "39", "35-39"]


def test_gem_and_icd10cm_hierarchy(codes):
    assert codes.map("ICD9CM", "ICD10CM", "428.0") == ["I50.9"]
    assert codes.lookup("ICD10CM", "I50.9")["name"] == "Heart failure, unspecified"
    anc = codes.ancestors("ICD10CM", "I50.9")
    assert anc == ["I50", "I30-I5A", "I00-I99"]
    assert codes.lookup("ICD10CM", "I00-I99")["name"] == "Diseases of the circulatory system"
    assert codes.map("ICD10CM", "ICD9CM", "I50.9") == ["428.0", "428.9"]


def test_atc_levels(codes):
    assert codes.map("ATC", "ATC", "M01AE51", level=3) == ["M01A"]
    assert codes.map("ATC", "ATC", "M01AE51", level=1) == ["M"]
    assert codes.ancestors("ATC", "M01AE51") == ["M01AE", "M01A", "M01", "M"]
    assert [codes.lookup("ATC", c)["level"] for c in ("M", "M01", "M01A", "M01AE", "M01AE51")] == [1, 2, 3, 4, 5]
    assert codes.lookup("ATC", "M01AE51")["name"] is None  # no ATC titles are shipped


def test_ndc_and_gsn_to_atc(codes):
    assert codes.map("NDC", "ATC", "10544032660") == ["M01AE12"]
    assert codes.map("NDC", "ATC", "10544032660", level=3) == ["M01A"]
    assert codes.map("NDC", "ATC", "10544-0326-60", level=1) == ["M"]
    assert codes.map("GSN", "ATC", "000015") == ["C01AA05"]


# -- codes as users write them ----------------------------------------------

@pytest.mark.parametrize("vocab, given_code, expected", [
    ("ICD9CM", "4280", "428.0"), ("ICD9CM", "428.0", "428.0"), ("ICD9CM", "E8800", "E880.0"),
    ("ICD9CM", "V4581", "V45.81"), ("ICD9CM", "E880", "E880"), ("ICD9CM", "0010", "001.0"),
    ("ICD9PROC", "3995", "39.95"), ("ICD9PROC", "391", "39.1"), ("ICD10CM", "I509", "I50.9"),
    ("ICD10CM", "i50.9", "I50.9"), ("ICD10CM", "S72001A", "S72.001A"), ("ICD10PCS", "5A1D70Z", "5A1D70Z"),
    ("NDC", "0002-1407-01", "00002140701"), ("ICD9CM", "420-429", "420-429"),
])
def test_standardize(codes, vocab, given_code, expected):
    assert codes.standardize(vocab, given_code) == expected
    assert codes.standardize(vocab, expected) == expected


def test_every_cms_diagnosis_code_is_a_titled_leaf(codes, codes_dir):
    with gzip.open(codes_dir / "CMS32_DESC_LONG_DX.txt.gz", "rt", encoding="latin-1") as f:
        cms = {line.split(None, 1)[0]: line.split(None, 1)[1].strip() for line in f if line.strip()}
    assert len(cms) == 14567
    table = codes.lookup("ICD9CM", list(cms))
    assert table.num_rows == 14567
    assert table.column("code").null_count == 0
    assert table.column("name").to_pylist() == list(cms.values())
    # Billable in FY2015 yet with children: codes split before and merged back (their children come from the
    # older CCS and GEM rows), none of which is itself a FY2015 code.
    inner = [r["code"] for r in table.to_pylist() if not r["is_leaf"]]
    assert inner == ["042", "305.1", "719.7"]
    dotted = set(table.column("code").to_pylist())
    for code in inner:
        assert not dotted & set(codes.descendants("ICD9CM", code))


def test_icd10cm_chapters_from_the_tabular(codes, codes_dir):
    with gzip.open(codes_dir / "icd10cm-tabular-2026.xml.gz", "rt", encoding="utf-8") as f:
        chapters = re.findall(r"<chapter>\s*<name>\d+</name>\s*<desc>[^<]*\(([A-Z0-9]{3}-[A-Z0-9]{3})\)</desc>",
                              f.read())
    assert len(chapters) == 22
    roots = [r["code"] for r in codes.db.arrow_sql(
        "SELECT code FROM vocab.concepts WHERE vocab = 'ICD10CM' AND level = 1 ORDER BY code").to_pylist()]
    assert roots == sorted(chapters)


# -- batched forms -----------------------------------------------------------

def test_batched_map_keeps_order_and_unknowns(codes):
    table = codes.map("ICD9CM", "CCSCM", ["4280", "nonsense", None, "250.00"])
    assert table.column("input").to_pylist() == ["4280", "nonsense", None, "250.00"]
    assert table.column("src_code").to_pylist() == ["428.0", "NON.SENSE", None, "250.00"]
    assert table.column("dst_code").to_pylist() == ["108", None, None, "49"]
    arrow_in = pa.chunked_array([["401.9"], ["4019", "39.95"]])
    assert codes.map("ICD9CM", "CCSCM", arrow_in).column("dst_code").to_pylist() == ["98", "98", None]


def test_batched_lookup_and_hierarchy(codes):
    table = codes.lookup("ICD9CM", ["428.0", "xx"])
    assert table.to_pylist() == [
        {"input": "428.0", "code": "428.0", "name": "Congestive heart failure, unspecified", "level": 4,
         "is_leaf": True},
        {"input": "xx", "code": None, "name": None, "level": None, "is_leaf": None}]
    anc = codes.ancestors("ICD9CM", ["4280", "E8800"], include_self=True)
    assert anc.select(["input", "ancestor", "distance"]).to_pylist() == [
        {"input": "4280", "ancestor": "428.0", "distance": 0}, {"input": "4280", "ancestor": "428", "distance": 1},
        {"input": "4280", "ancestor": "420-429", "distance": 2}, {"input": "4280", "ancestor": "390-459", "distance": 3},
        {"input": "E8800", "ancestor": "E880.0", "distance": 0}, {"input": "E8800", "ancestor": "E880", "distance": 1},
        {"input": "E8800", "ancestor": "E880-E888", "distance": 2},
        {"input": "E8800", "ancestor": "E000-E999", "distance": 3}]
    desc = codes.descendants("ICD9CM", ["428.2"])
    assert desc.column("descendant").to_pylist() == ["428.20", "428.21", "428.22", "428.23"]
    assert codes.map("NDC", "ATC", ["10544032660", "99999999999"], level=3).column("dst_code").to_pylist() == ["M01A", None]


# -- hierarchy properties ----------------------------------------------------

@pytest.fixture(scope="module")
def sample_codes(lake):
    rows = lake.sql("SELECT vocab, code FROM vocab.concepts WHERE vocab IN ('ICD9CM', 'ICD10CM', 'ICD9PROC', 'ATC') "
                    "AND hash(code) % 50 = 0 ORDER BY vocab, code").to_pylist()
    return [(r["vocab"], r["code"]) for r in rows]


def test_descendants_of_each_ancestor_contain_the_code(codes, sample_codes):
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hst.sampled_from(sample_codes))
    def check(pair):
        vocab, code = pair
        ancestors = codes.ancestors(vocab, code)
        below = codes.descendants(vocab, ancestors)
        for anc in ancestors:
            assert code in below.filter(pa.compute.equal(below["input"], anc)).column("descendant").to_pylist()
        for desc in codes.descendants(vocab, code)[:20]:
            assert code in codes.ancestors(vocab, desc)

    check()


def test_closure_matches_networkx(codes):
    graph = codes.to_networkx("ICD9PROC")
    assert graph.number_of_nodes() == codes.db.arrow_sql(
        "SELECT count(*) AS n FROM vocab.concepts WHERE vocab = 'ICD9PROC'").column("n")[0].as_py()
    assert nx.is_directed_acyclic_graph(graph)
    for code in ("35-39", "39", "39.9", "96", "00-00", "87-99"):
        assert sorted(codes.descendants("ICD9PROC", code)) == sorted(nx.descendants(graph, code))
    assert graph.nodes["39.95"] == {"name": "Hemodialysis", "level": 4, "is_leaf": True}


def test_levels_and_leaves_agree_with_edges(lake):
    bad = lake.sql("""
        SELECT count(*) AS n FROM vocab.concepts AS c
        WHERE c.is_leaf <> NOT EXISTS (SELECT 1 FROM vocab.edges AS e WHERE e.vocab = c.vocab AND e.parent = c.code)
           OR c.level <> (SELECT max(distance) + 1 FROM vocab.ancestors AS a
                          WHERE a.vocab = c.vocab AND a.descendant = c.code)""")
    assert bad.column("n")[0].as_py() == 0
    dup = lake.sql("SELECT count(*) AS n FROM (SELECT vocab, code FROM vocab.concepts GROUP BY ALL HAVING count(*) > 1)")
    assert dup.column("n")[0].as_py() == 0


# -- maps and their sources --------------------------------------------------

def test_gem_flags_kept(lake):
    rows = lake.sql("SELECT dst_code, kind, flags FROM vocab.maps WHERE src_vocab = 'ICD9CM' AND src_code = '002.0' "
                    "AND dst_vocab = 'ICD10CM'").to_pylist()
    assert rows == [{"dst_code": "A01.00", "kind": "gem", "flags": "10000"}]


def test_ccs_map_count_matches_the_hcup_file(lake, codes_dir):
    with gzip.open(codes_dir / "ccs_dxref_2015.csv.gz", "rt", encoding="latin-1") as f:
        next(f)
        reader = csv.reader(f, quotechar="'")
        next(reader)
        pairs = {(r[0].strip(), r[1].strip()) for r in reader if r[0].strip()}
    n = lake.sql("SELECT count(*) AS n FROM vocab.maps WHERE src_vocab = 'ICD9CM' AND dst_vocab = 'CCSCM'")
    assert n.column("n")[0].as_py() == len(pairs) == 15072


def test_load_is_recorded(lake):
    meta = lake.sql("SELECT input, origin, path FROM vocab.meta ORDER BY input").to_pylist()
    assert len(meta) == 16
    assert {r["input"]: r["origin"] for r in meta}["icd9cm_hierarchy"] == "package"
    # the loaded mimic3 dataset's item dictionaries (D_ITEMS, D_LABITEMS) come from the lake itself
    assert [(r["origin"], r["path"]) for r in meta if r["input"] == "item_dictionaries"] == [("dataset", "mimic3_raw")]
    assert {r["origin"] for r in meta if r["input"] not in ("icd9cm_hierarchy", "item_dictionaries")} == {"directory"}
    loads = lake.sql("SELECT dataset, source, status FROM meta.loads WHERE source = 'codes'").to_pylist()
    assert loads == [{"dataset": "vocab", "source": "codes", "status": "ok"}]
    assert lake.load_result.missing == []
    assert lake.codes.loaded()
    assert "vocab" not in lake.datasets()


# -- errors ------------------------------------------------------------------

def test_unknown_vocabulary_and_code(codes):
    with pytest.raises(UnknownNameError, match="unknown vocabulary 'FOO'"):
        codes.lookup("FOO", "1")
    with pytest.raises(UnknownNameError, match=r"unknown ICD9CM code '99999' \(read as '999.99'\)"):
        codes.lookup("ICD9CM", "99999")
    with pytest.raises(UnknownNameError, match="unknown ICD10CM code"):
        codes.ancestors("ICD10CM", "Q99.99X")
    with pytest.raises(UnknownNameError, match="no map from ICD9CM to ATC"):
        codes.map("ICD9CM", "ATC", "428.0")
    with pytest.raises(ParameterError, match="level 6 is out of range for ATC"):
        codes.map("NDC", "ATC", "10544032660", level=6)
    assert codes.map("ICD9CM", "CCSCM", "999.99") == []
    assert codes.descendants("ICD9CM", "428.0") == []


def test_failed_load_leaves_vocab_as_it_was(lake, codes_dir, tmp_path):
    before = lake.sql("SELECT count(*) AS n FROM vocab.concepts").column("n")[0].as_py()
    bad = tmp_path / "codes"
    bad.mkdir()
    (bad / "CMS32_DESC_LONG_DX.txt").write_text("0010  Cholera due to vibrio cholerae\n0011\n")
    with pytest.raises(InputError, match=r"CMS32_DESC_LONG_DX.txt, line 2: line has no title"):
        lake.codes.load(bad)
    assert lake.sql("SELECT count(*) AS n FROM vocab.concepts").column("n")[0].as_py() == before


def test_not_loaded(fresh_lake):
    assert not fresh_lake.codes.loaded()
    with pytest.raises(UnknownNameError, match="medlake codes load"):
        fresh_lake.codes.lookup("ICD9CM", "428.0")


# -- the SQL examples of docs/codes.md ----------------------------------------

def test_patients_per_ccs_matches_raw_files(lake, mimic3_dir, codes_dir):
    with gzip.open(codes_dir / "ccs_dxref_2015.csv.gz", "rt", encoding="latin-1") as f:
        next(f)
        reader = csv.reader(f, quotechar="'")
        next(reader)
        ccs = {r[0].strip(): r[1].strip() for r in reader if r[0].strip()}
    patients = defaultdict(set)
    with gzip.open(mimic3_dir / "DIAGNOSES_ICD.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            row = {k.lower(): v for k, v in row.items()}
            if row["icd9_code"] in ccs:
                patients[ccs[row["icd9_code"]]].add(row["subject_id"])
    expected = {k: len(v) for k, v in patients.items()}
    got = lake.db.arrow(CODES_EXAMPLES, "patients_per_ccs", schemas={None: "mimic3"}).to_pylist()
    assert {r["ccs"]: r["patients"] for r in got} == expected
    top = got[0]
    assert (top["ccs"], top["patients"]) == max(expected.items(), key=lambda kv: (kv[1], -int(kv[0])))
    chf = next(r for r in got if r["ccs"] == "108")
    assert chf["name"] == "Congestive heart failure; nonhypertensive"


def test_other_examples_run(lake):
    chapters = lake.db.arrow(CODES_EXAMPLES, "patients_per_chapter", schemas={None: "mimic3"}).to_pylist()
    assert chapters[0]["chapter"] == "390-459" and chapters[0]["name"] == "Diseases Of The Circulatory System"
    procs = lake.db.arrow(CODES_EXAMPLES, "patients_per_procedure_ccs", schemas={None: "mimic3"})
    assert procs.num_rows > 0 and procs.column("patients").to_pylist() == sorted(procs.column("patients").to_pylist(),
                                                                                  reverse=True)
    atc = lake.db.arrow(CODES_EXAMPLES, "patients_per_atc3", schemas={None: "mimic3"}).to_pylist()
    assert all(len(r["atc3"]) == 4 for r in atc) and atc[0]["patients"] <= 100


def test_kinds_standardize_many_and_vocabularies(codes):
    assert codes.map("ICD10CM", "ICD9CM", "I50.9", kind="gem") == ["428.0", "428.9"]
    with pytest.raises(UnknownNameError, match="no map of kind 'ccs' from ICD10CM to ICD9CM"):
        codes.map("ICD10CM", "ICD9CM", "I50.9", kind="ccs")
    assert codes.map("ICD10CM", "CCSCM_MULTI", "I50.9") == ["7.2"]
    assert codes.ancestors("CCSCM_MULTI", "7.2") == ["7"]
    assert codes.standardize("ICD9CM", ["4280", "E8800", None]) == ["428.0", "E880.0", None]
    assert codes.lookup("icd9cm", "428.0")["vocab"] == "ICD9CM"
    vocabs = {r["vocab"]: r for r in codes.vocabularies().to_pylist()}
    assert sorted(vocabs) == ["ATC", "CCSCM", "CCSCM_MULTI", "CCSPROC", "CCSPROC_MULTI", "GSN", "ICD10CM",
                              "ICD10PCS", "ICD9CM", "ICD9PROC", "MIMIC3_CHART", "MIMIC3_DATETIME", "MIMIC3_INPUT",
                              "MIMIC3_LAB", "MIMIC3_MICRO", "MIMIC3_OUTPUT", "MIMIC3_PROCEDURE", "NDC"]
    assert vocabs["ATC"]["levels"] == 5 and vocabs["ATC"]["titled"] == 0
    assert vocabs["ICD10CM"]["titled"] == vocabs["ICD10CM"]["concepts"]
    assert vocabs["CCSPROC"]["concepts"] == 231
