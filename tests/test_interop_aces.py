"""ACES task configs compiled into medlake task files: the samples they give on the MIMIC demos equal a
plain-Python reading of each config over the MEDS export of the same dataset (docs/meds.md, "ACES").

The references below follow the ACES configuration language (windows, inclusive ends, `->` / `<-`, `has`
counts) for these two configs only; they share no code with the compiler. ACES itself (es-aces, which
clashes with medlake's pins and lives in an environment of its own) runs the same configs when
MEDLAKE_ACES_CLI names its aces-cli; without it that comparison is skipped (MEDLAKE_REQUIRE_ACES=1 fails it)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from medlake.cli import main
from medlake.errors import InputError
from medlake.interop import compile_aces

DATASETS = ("mimic3", "mimic4")
H = dt.timedelta(hours=1)

# in-hospital mortality after 48 hours, in the shape of MEDS-DEV's in-ICU mortality config
MORTALITY = """
metadata:
  description: Death in hospital, predicted 48 hours after admission.
predicates:
  admission: {code: VISIT//INPATIENT//START}
  discharge: {code: VISIT//INPATIENT//END}
  death: {code: {regex: ^MEDS_DEATH}}
  discharge_or_death: {expr: "or(discharge, death)"}
trigger: admission
windows:
  input: {start: null, end: trigger + 48h, start_inclusive: true, end_inclusive: true, index_timestamp: end}
  gap:
    start: trigger
    end: start + 2 days
    start_inclusive: false
    end_inclusive: true
    has:
      admission: (None, 0)
      discharge_or_death: (None, 0)
  target: {start: gap.end, end: start -> discharge_or_death, start_inclusive: false, end_inclusive: true, label: death}
"""

# a lab outcome: creatinine above 1.5 within two days after the first 24 hours, for men with at least five lab
# results in those 24 hours and a lab result before the admission
CREATININE = """
predicates:
  admission: {code: {any: [VISIT//INPATIENT//START]}}
  lab: {code: {regex: _LAB//}}
  high_creatinine: {code: LAB_CODE, value_min: 1.5, value_min_inclusive: false}
patient_demographics:
  male: {code: SEX//M}
trigger: admission
windows:
  input: {start: trigger, end: start + 24h, start_inclusive: true, end_inclusive: true, has: {lab: "(5, None)"},
          index_timestamp: end}
  target: {start: input.end, end: start + 2d, start_inclusive: false, end_inclusive: true, label: high_creatinine}
  before: {start: end <- lab, end: trigger, start_inclusive: true, end_inclusive: false}
"""


@pytest.fixture(scope="module")
def meds_rows(demo_lake, tmp_path_factory):
    """Each demo dataset's MEDS export, read back: subject -> [(time, code, numeric_value)] with a time."""
    out = {}
    for d in DATASETS:
        export = demo_lake.export_meds(d, tmp_path_factory.mktemp("aces") / d)
        table = pa.concat_tables([pq.read_table(p) for p in export.shards]).to_pylist()
        rows = defaultdict(list)
        static = defaultdict(set)
        for r in table:
            if r["time"] is None:
                static[r["subject_id"]].add(r["code"])
            else:
                rows[r["subject_id"]].append((r["time"], r["code"], r["numeric_value"]))
        out[d] = (rows, static)
    return out


def run_config(lake, text: str, dataset: str, tmp_path: Path, **replace) -> list[tuple]:
    for k, v in replace.items():
        text = text.replace(k, v)
    config = tmp_path / "task.yaml"
    config.write_text(text)
    task = lake.task_from_aces(config, tmp_path / "task.sql")
    table = lake.task(str(tmp_path / "task.sql"), dataset).to_arrow().to_pylist()
    assert task.spec.label_type == "binary"
    return sorted((r["subject_id"], r["index_time"], r["label"]) for r in table)


def mortality_reference(rows) -> list[tuple]:
    out = []
    for sid, events in rows.items():
        for t in sorted({e[0] for e in events if e[1] == "VISIT//INPATIENT//START"}):
            gap_end = t + 48 * H
            in_gap = [e for e in events if t < e[0] <= gap_end]
            if any(e[1] in ("VISIT//INPATIENT//START", "VISIT//INPATIENT//END") or e[1].startswith("MEDS_DEATH")
                   for e in in_gap):
                continue
            ends = [e[0] for e in events if e[0] > gap_end
                    and (e[1] == "VISIT//INPATIENT//END" or e[1].startswith("MEDS_DEATH"))]
            if not ends:
                continue
            end = min(ends)
            died = any(e[1].startswith("MEDS_DEATH") and gap_end < e[0] <= end for e in events)
            out.append((sid, gap_end, int(died)))
    return sorted(out)


def creatinine_reference(rows, static, code: str) -> list[tuple]:
    out = []
    for sid, events in rows.items():
        if "SEX//M" not in static[sid]:
            continue
        for t in sorted({e[0] for e in events if e[1] == "VISIT//INPATIENT//START"}):
            labs = [e for e in events if "_LAB//" in e[1]]
            if not any(e[0] < t for e in labs):
                continue
            if sum(1 for e in labs if t <= e[0] <= t + 24 * H) < 5:
                continue
            high = any(e[1] == code and e[2] is not None and np.float32(e[2]) > 1.5
                       and t + 24 * H < e[0] <= t + 72 * H for e in events)
            out.append((sid, t + 24 * H, int(high)))
    return sorted(out)


@pytest.mark.parametrize("dataset", DATASETS)
def test_mortality_config_gives_the_references_samples(demo_lake, meds_rows, dataset, tmp_path):
    got = run_config(demo_lake, MORTALITY, dataset, tmp_path)
    want = mortality_reference(meds_rows[dataset][0])
    assert len(want) > 100 and 0 < sum(w[2] for w in want) < len(want)
    assert got == want


@pytest.mark.parametrize("dataset", DATASETS)
def test_value_bounds_demographics_and_backward_windows_give_the_references_samples(demo_lake, meds_rows, dataset,
                                                                                    tmp_path):
    code = f"{dataset.upper()}_LAB//50912"
    got = run_config(demo_lake, CREATININE, dataset, tmp_path, LAB_CODE=code)
    want = creatinine_reference(*meds_rows[dataset], code)
    assert len(want) > 10 and 0 < sum(w[2] for w in want) < len(want)
    assert got == want


def test_samples_carry_the_triggers_visit(demo_lake, tmp_path):
    config = tmp_path / "m.yaml"
    config.write_text(MORTALITY)
    task = demo_lake.task_from_aces(config, tmp_path / "m.sql")
    samples = demo_lake.task(str(tmp_path / "m.sql"), "mimic4").to_arrow().to_pylist()
    admissions = {r["visit_id"]: r for r in demo_lake.sql(
        "SELECT visit_id, subject_id, start_time FROM mimic4.visits WHERE kind = 'inpatient'").to_pylist()}
    assert task.name == "m"
    for s in samples:
        a = admissions[s["visit_id"]]
        assert (a["subject_id"], a["start_time"] + 48 * H) == (s["subject_id"], s["index_time"])


def test_undefined_predicates_come_from_a_predicates_file(demo_lake, tmp_path):
    cfg = yaml.safe_load(MORTALITY)
    cfg["predicates"]["admission"] = "???"
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(InputError, match=r"predicate 'admission' is not defined for this dataset.*--predicates"):
        compile_aces(tmp_path / "c.yaml")
    (tmp_path / "p.yaml").write_text("predicates:\n  admission: {code: VISIT//INPATIENT//START}\n")
    task = compile_aces(tmp_path / "c.yaml", predicates=tmp_path / "p.yaml", name="ihm")
    assert task.name == "ihm" and "VISIT//INPATIENT//START" in task.sql


@pytest.mark.parametrize("change, message", [
    ({"trigger": "nothing"}, "trigger 'nothing' is not a defined predicate"),
    ({"windows.gap.end": "start + 2 fortnights"}, "unknown time unit 'fortnights'"),
    ({"windows.target.end": "start -> missing"}, "looks for predicate 'missing'"),
    ({"windows.target.label": None}, "exactly one window needs a label"),
    ({"windows.gap.start": "target.end", "windows.target.start": "gap.start"}, "in a circle"),
    ({"windows.gap.has": {"death": "(a, 1)"}}, "is not \\(MIN, MAX\\)"),
    ({"predicates.death": {"code": "X", "value_between": 3}}, "unknown field 'value_between'"),
    ({"windows.gap.lable": "death"}, "window 'gap': unknown field 'lable'"),
    ({"patient_demographics": {"male": {"code": "SEX//M"}}, "windows.gap.has": {"male": "(1, None)"}},
     "window 'gap': has names the patient demographic 'male'"),
])
def test_bad_configs_are_named_errors(tmp_path, change, message):
    cfg = yaml.safe_load(MORTALITY)
    for key, value in change.items():
        *path, last = key.split(".")
        node = cfg
        for p in path:
            node = node[p]
        node[last] = value
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(InputError, match=message):
        compile_aces(tmp_path / "c.yaml")


def test_cli_from_aces(demo_lake, tmp_path):
    demo_lake.execute("CHECKPOINT")
    db = tmp_path / "lake.duckdb"
    db.write_bytes(Path(demo_lake.path).read_bytes())
    (tmp_path / "c.yaml").write_text(MORTALITY)
    printed = CliRunner().invoke(main, ["task", "from-aces", str(tmp_path / "c.yaml")])
    assert printed.exit_code == 0 and printed.stdout.startswith("/* medlake\nname: c\n")
    ran = CliRunner().invoke(main, ["--db", str(db), "task", "from-aces", str(tmp_path / "c.yaml"), "--dataset",
                                    "mimic3", "--out", str(tmp_path / "c.sql")])
    assert ran.exit_code == 0, ran.output
    n = demo_lake.task(str(tmp_path / "c.sql"), "mimic3").to_arrow().num_rows
    assert f"{n} samples" in ran.stdout and "wrote task 'c'" in ran.stdout
    bad = CliRunner().invoke(main, ["task", "from-aces", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "file not found" in bad.output and "Traceback" not in bad.output


@pytest.fixture(scope="module")
def aces_cli() -> str:
    cli = os.environ.get("MEDLAKE_ACES_CLI")
    if not cli or not Path(cli).exists():
        msg = "ACES not available: set MEDLAKE_ACES_CLI to the aces-cli of an es-aces 0.7.3 environment"
        if os.environ.get("MEDLAKE_REQUIRE_ACES"):
            pytest.fail(msg)
        pytest.skip(msg)
    return cli


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("config", ["mortality", "creatinine"])
def test_aces_itself_gives_the_same_samples(demo_lake, aces_cli, dataset, config, tmp_path):
    text = (MORTALITY if config == "mortality" else CREATININE).replace("LAB_CODE", f"{dataset.upper()}_LAB//50912")
    export = demo_lake.export_meds(dataset, tmp_path / "meds", subjects_per_shard=1000)
    (tmp_path / "cohorts").mkdir()
    (tmp_path / "cohorts" / f"{config}.yaml").write_text(text)
    done = subprocess.run([aces_cli, f"data.path={export.shards[0]}", "data.standard=meds",
                           f"cohort_dir={tmp_path / 'cohorts'}", f"cohort_name={config}",
                           f"output_filepath={tmp_path / 'aces.parquet'}"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    aces = sorted((r["subject_id"], r["prediction_time"], int(r["boolean_value"]))
                  for r in pq.read_table(tmp_path / "aces.parquet").to_pylist())
    assert len(aces) > 10
    assert run_config(demo_lake, text, dataset, tmp_path) == aces
