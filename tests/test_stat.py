"""`lake.stat`, `TaskResult.stat` and `medlake stat` against counts taken from the raw demo files."""

from __future__ import annotations

import json
import shutil
from collections import Counter

from click.testing import CliRunner

import medlake
from helpers import rows
from medlake.cli import main


def raw_diagnoses(mimic3_dir):
    """(subject, admission, dotted ICD-9 code) of every DIAGNOSES_ICD row with a code."""
    out = []
    for r in rows(mimic3_dir / "DIAGNOSES_ICD.csv.gz"):
        code = r["icd9_code"].strip()
        if code:
            dotted = code if len(code) <= 3 else (code[:4] + "." + code[4:] if code.startswith("E") else
                                                  code[:3] + "." + code[3:])
            out.append((int(r["subject_id"]), int(r["hadm_id"]), dotted))
    return out


def test_dataset_stat_equals_the_raw_files(demo_lake, mimic3_dir):
    s = demo_lake.stat("mimic3", top=3)
    admissions = list(rows(mimic3_dir / "ADMISSIONS.csv.gz"))
    icu = list(rows(mimic3_dir / "ICUSTAYS.csv.gz"))
    assert s["subjects"] == len(list(rows(mimic3_dir / "PATIENTS.csv.gz")))
    kinds = {r["kind"]: r["visits"] for r in s["visits_by_kind"].to_pylist()}
    assert (kinds["inpatient"], kinds["icu"]) == (len(admissions), len(icu)) and s["visits"] == sum(kinds.values())
    diagnoses = raw_diagnoses(mimic3_dir)
    icd = next(r for r in s["events_by_vocab"].to_pylist() if r["vocab"] == "ICD9CM")
    assert icd["events"] == len(diagnoses) == 1761
    assert icd["codes"] == len({c for _, _, c in diagnoses})
    assert icd["events_per_visit"] == round(len(diagnoses) / len({h for _, h, _ in diagnoses}), 2)
    by_code = Counter(c for _, _, c in diagnoses)
    want = sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    got = [(r["code"], r["events"], r["subjects"]) for r in s["top_codes"].to_pylist() if r["vocab"] == "ICD9CM"]
    assert got == [(code, n, len({subj for subj, _, c in diagnoses if c == code})) for code, n in want]
    assert got[0] == ("401.9", 53, 36)


def test_top_codes_carry_titles_from_the_code_tables(tmp_path, mimic3_dir):
    with medlake.connect(tmp_path / "lake.duckdb") as lake:
        lake.load("mimic3", mimic3_dir)
        assert all(r["title"] is None for r in lake.stat("mimic3", top=1)["top_codes"].to_pylist())
        lake.db.run("vocab/schema.sql")
        lake.execute("INSERT INTO vocab.concepts (vocab, code, name, level, is_leaf) VALUES ('ICD9CM', '401.9', "
                     "'Unspecified essential hypertension', 3, true)")
        top = {r["vocab"]: r for r in lake.stat("mimic3", top=1)["top_codes"].to_pylist()}
        assert top["ICD9CM"]["title"] == "Unspecified essential hypertension"
        assert top["NDC"]["title"] is None


def test_task_stat_counts_each_code_once_per_sample(demo_lake):
    result = demo_lake.task("mortality", "mimic3").split(seed=0)
    s = result.stat(top=5)
    samples = result.to_arrow().to_pylist()
    assert sum(sum(labels.values()) for labels in s["labels_by_split"].values()) == len(samples) == 26
    for split, labels in s["labels_by_split"].items():
        assert sum(labels.values()) == sum(r["split"] == split for r in samples)
    conditions = s["inputs"]["conditions"]
    for item in conditions["top"]:
        assert item["samples"] == sum(item["code"] in r["conditions"] for r in samples)
    assert conditions["mean_per_sample"] == round(sum(len(r["conditions"]) for r in samples) / len(samples), 2)
    assert [i["samples"] for i in conditions["top"]] == sorted((i["samples"] for i in conditions["top"]), reverse=True)


def test_stat_command_draws_the_dataset_and_writes_a_task_as_json(demo_lake, tmp_path):
    demo_lake.execute("CHECKPOINT")
    db = str(tmp_path / "copy.duckdb")
    shutil.copy(demo_lake.path, db)
    out = CliRunner().invoke(main, ["--db", db, "stat", "--dataset", "mimic3", "--top", "2"])
    assert out.exit_code == 0, out.output
    assert "mimic3 (mimic3): 100 subjects, 823 visits (129 with events), 164,409 events" in out.stdout
    assert "401.9" in out.stdout
    task = CliRunner().invoke(main, ["--db", db, "stat", "--dataset", "mimic3", "--task", "mortality",
                                     "--format", "json"])
    assert task.exit_code == 0, task.output
    data = json.loads(task.stdout)
    assert data["samples"] == 26 and set(data["labels_by_split"]) == {"train", "val", "test"}


def test_what_a_repl_shows(demo_lake):
    result = demo_lake.task("mortality", "mimic3").split(seed=0)
    text = repr(result)
    assert text.startswith("<TaskResult mortality on mimic3 (uncertain_order=drop): 26 samples of 12 subjects; ")
    assert text.endswith("labels: survived 21, died 5; splits: train 20 (survived 16, died 4), "
                         "val 3 (survived 2, died 1), test 3 (survived 3)>")
    page = result._repr_html_()
    assert page.startswith("<div><b>mortality</b> on <b>mimic3</b> (uncertain_order=drop): 26 samples of 12 subjects")
    assert "<tr><td>train</td><td>20</td><td>16 (80%)</td><td>4 (20%)</td></tr>" in page
    assert "<tr><td>test</td><td>3</td><td>3 (100%)</td><td>0</td></tr>" in page
    assert "<tr><td>all</td><td>26</td><td>21 (81%)</td><td>5 (19%)</td></tr>" in page
    assert repr(demo_lake.task("los_gt_7d", "mimic3")) == (
        "<TaskResult los_gt_7d on mimic3: 107 samples of 82 subjects; labels: 7 days or less 61, more than 7 days 46>")
    assert repr(demo_lake) == f"<Lake {demo_lake.path} (read-write): datasets mimic3, mimic4>"
    assert repr(demo_lake.codes) == "<Codes: no code tables loaded (medlake codes load)>"
    assert repr(demo_lake.features).startswith("<FeatureStore: 5 views (demographics, diagnosis_ccs, ")
    assert repr(demo_lake.tasks).startswith("<Tasks: ")
