"""ACES task configs compiled into medlake task files (docs/meds.md, "ACES").

ACES itself (es-aces 0.7.3, which clashes with medlake's pins and lives in an environment of its own, built by
.ci/run) runs the configs of tests/fixtures/aces/ (MEDS-DEV's two mortality tasks and five of ours that cover
every window and predicate form) on the MEDS export, medlake runs them compiled on the lake, and the
(subject_id, prediction_time, label) rows must be equal on the MIMIC-III and MIMIC-IV demos and on a synthetic
set of 3,000 patients. MEDLAKE_ACES_CLI names ACES's aces-cli; without it that comparison is skipped
(MEDLAKE_REQUIRE_ACES=1 fails it). Without ACES too: two configs, and what goes beyond ACES (not(...), a count
label), against plain-Python readings over the MEDS export that share no code with the compiler."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from helpers import skip_unless_required
from medlake.cli import main
from medlake.errors import InputError
from medlake.interop import aces, compile_aces

DATASETS = ("mimic3", "mimic4")
H = dt.timedelta(hours=1)
CONFIGS = Path(__file__).parent / "fixtures" / "aces"
# run by ACES and by medlake on every dataset (tests/fixtures/aces/README.md says what each covers)
ACES_CONFIGS = ("meds_dev_in_icu_mortality_first_24h", "meds_dev_in_hospital_mortality_first_48h", "ihm48",
                "creatinine", "sodium", "discharge_home", "readmission_30d")
MORTALITY = (CONFIGS / "ihm48.yaml").read_text()
CREATININE = (CONFIGS / "creatinine.yaml").read_text()
CREATININE_CODES = ("MIMIC3_LAB//50912", "MIMIC4_LAB//50912")


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


def run_config(lake, text: str, dataset: str, tmp_path: Path, label_type: str = "binary") -> list[tuple]:
    config = tmp_path / "task.yaml"
    config.write_text(text)
    task = lake.task_from_aces(config, tmp_path / "task.sql")
    table = lake.task(str(tmp_path / "task.sql"), dataset).to_arrow().to_pylist()
    assert task.spec.label_type == label_type
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


def creatinine_reference(rows, static) -> list[tuple]:
    out = []
    for sid, events in rows.items():
        if "SEX//M" not in static[sid]:
            continue
        for t in sorted({e[0] for e in events if e[1] == "VISIT//INPATIENT//START"}):
            labs = [e for e in events if "_LAB//" in e[1]]
            # `start: end <- lab` with start_inclusive: a lab at the admission's own time starts the window too
            if not any(e[0] <= t for e in labs):
                continue
            if sum(1 for e in labs if t <= e[0] <= t + 24 * H) < 5:
                continue
            high = any(e[1] in CREATININE_CODES and e[2] is not None and np.float32(e[2]) > 1.5
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
    got = run_config(demo_lake, CREATININE, dataset, tmp_path)
    want = creatinine_reference(*meds_rows[dataset])
    assert len(want) > 10 and 0 < sum(w[2] for w in want) < len(want)
    assert got == want


def beyond_aces_reference(rows, count: str) -> list[tuple]:
    """tests/fixtures/aces/beyond_aces.yaml read by hand: admissions whose first 24 hours hold a time with events
    but no lab result; label = how many creatinine rows (count="creatinine") or how many such no-lab times
    (count="no_lab") fall in the two days after."""
    out = []
    for sid, events in rows.items():
        codes = defaultdict(list)
        for time, code, _ in events:
            codes[time].append(code)
        no_lab = {time for time, cs in codes.items() if not any("_LAB//" in c for c in cs)}
        for t in sorted(time for time, cs in codes.items() if "VISIT//INPATIENT//START" in cs):
            if not any(t <= time <= t + 24 * H for time in no_lab):
                continue
            after = [time for time in codes if t + 24 * H < time <= t + 72 * H]
            if count == "creatinine":
                n = sum(c in CREATININE_CODES for time in after for c in codes[time])
            else:
                n = sum(time in no_lab for time in after)
            out.append((sid, t + 24 * H, float(n)))
    return sorted(out)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("count", ["creatinine", "no_lab"])
def test_not_and_a_count_label_beyond_aces_give_the_references_samples(demo_lake, meds_rows, dataset, count,
                                                                       tmp_path):
    text = (CONFIGS / "beyond_aces.yaml").read_text().replace("{count: creatinine}", f"{{count: {count}}}")
    got = run_config(demo_lake, text, dataset, tmp_path, label_type="regression")
    want = beyond_aces_reference(meds_rows[dataset][0], count)
    assert len(want) > 50 and {0.0, 1.0} < {w[2] for w in want} and max(w[2] for w in want) > 2
    assert got == want
    # a count label is a regression task: its MEDS labels carry the count as float_value
    assert demo_lake.export_labels(str(tmp_path / "task.sql"), dataset, tmp_path / "labels.parquet") == len(want)
    labels = pq.read_table(tmp_path / "labels.parquet")
    assert labels.column_names == ["subject_id", "prediction_time", "float_value"]
    assert sorted((r["subject_id"], r["prediction_time"], r["float_value"]) for r in labels.to_pylist()) == want


# The compile's two shortcuts, per config, by the CTEs they write: counts taken among the rows near each trigger
# (near_counts_K per window; over counted_rows when events_per_time lacks a counted predicate, and through
# near_times_K when a window counts a derived predicate over them) and window sides that only have to exist
# (first_last).
SHORTCUTS = {"meds_dev_in_icu_mortality_first_24h": {"near_counts"},
             "meds_dev_in_hospital_mortality_first_48h": {"near_counts"}, "ihm48": {"near_counts"},
             "creatinine": {"counted_rows", "near_counts", "first_last"},
             "sodium": {"counted_rows", "near_times", "near_counts"}, "discharge_home": set(),
             "readmission_30d": {"first_last"}, "beyond_aces": {"counted_rows", "near_counts"},
             # counts near a trigger that holds at nearly every time would join each time to its neighbours
             "not_trigger": {"first_last"},
             # `start: end -> P` looks away from its window: its time decides whether the window is inside out
             "inward_arrow": {"counted_rows", "near_counts"}}
VARIANTS = {"not_trigger": ("creatinine", [("trigger: admission", "trigger: not_lab"),
                                           ("  admission:", "  not_lab: {expr: not(lab)}\n  admission:")]),
            "inward_arrow": ("creatinine", [("start: end <- lab", "start: end -> high_creatinine")])}


def _shortcut_config(name: str) -> tuple[str, str]:
    base, changes = VARIANTS.get(name, (name, []))
    text = (CONFIGS / f"{base}.yaml").read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    return text, "regression" if name == "beyond_aces" else "binary"


@pytest.mark.parametrize("name", SHORTCUTS)
def test_the_shortcuts_give_what_running_counts_and_asof_sides_give(synthetic_lake, name, tmp_path, monkeypatch):
    """Each shortcut against the general form it stands for (every window counted by running counts read by
    ASOF joins, every arrow's time found by an ASOF join), compiled with the shortcuts turned off."""
    text, label_type = _shortcut_config(name)
    (tmp_path / "fast").mkdir()
    (tmp_path / "general").mkdir()
    fast = run_config(synthetic_lake, text, "mimic4", tmp_path / "fast", label_type)
    ctes = set(re.findall(r", (counted_rows|near_times|near_counts|first_last)(?:_\d+)? AS \(",
                          (tmp_path / "fast" / "task.sql").read_text()))
    assert ctes == SHORTCUTS[name]
    monkeypatch.setattr(aces, "NEAR_SPAN", -1)
    monkeypatch.setattr(aces._Compiler, "_choose_found_arrows", lambda self, index_node: None)
    general = run_config(synthetic_lake, text, "mimic4", tmp_path / "general", label_type)
    assert "near_counts" not in (tmp_path / "general" / "task.sql").read_text()
    assert general == fast
    assert len(fast) >= 10 or name == "inward_arrow"


def test_a_value_bound_without_its_inclusive_flag_is_exclusive_as_in_aces():
    cfg = yaml.safe_load(MORTALITY)
    cfg["predicates"]["death"] = {"code": "X", "value_min": 5, "value_max": 7, "value_max_inclusive": True,
                                  "unit": "mg/dL", "text_value": "high"}
    sql = compile_aces(cfg).sql
    assert "(e.vocab = 'MEDS' AND e.vcode IN ('X'))) AND e.numeric_value > 5.0 AND e.numeric_value <= 7.0 AND " \
           "e.\"unit\" = 'mg/dL' AND e.\"text_value\" = 'high'" in sql


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
    ({"predicates.no_death": {"expr": "not(death, admission)"}}, "not\\(...\\) takes one predicate name"),
    ({"windows.target.label": {"count": "death", "of": 2}}, "label must be a predicate name or \\{count: PREDICATE\\}"),
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
        skip_unless_required("ACES not available: set MEDLAKE_ACES_CLI to the aces-cli of an es-aces 0.7.3 "
                             "environment", required_by="MEDLAKE_REQUIRE_ACES")
    return cli


@pytest.fixture(scope="module")
def aces_samples(aces_cli, demo_lake, synthetic_lake, tmp_path_factory):
    """ACES's samples of every config of ACES_CONFIGS on one dataset's MEDS export: run once per dataset (a
    hydra multirun over the configs), then kept for the module. (lake, dataset) -> {config: rows}."""
    done: dict = {}

    def samples(which: str):
        lake, dataset = (synthetic_lake, "mimic4") if which == "synthetic" else (demo_lake, which)
        if which not in done:
            tmp = tmp_path_factory.mktemp(f"aces_{which}")
            export = lake.export_meds(dataset, tmp / "meds", subjects_per_shard=10**6)
            (tmp / "cohorts").mkdir()
            for name in ACES_CONFIGS:
                (tmp / "cohorts" / f"{name}.yaml").write_text((CONFIGS / f"{name}.yaml").read_text())
            ran = subprocess.run([aces_cli, "-m", f"data.path={export.shards[0]}", "data.standard=meds",
                                  f"cohort_dir={tmp / 'cohorts'}", f"cohort_name={','.join(ACES_CONFIGS)}"],
                                 capture_output=True, text=True, cwd=tmp)
            assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
            done[which] = {name: sorted((r["subject_id"], r["prediction_time"], int(r["boolean_value"]))
                                        for r in pq.read_table(tmp / "cohorts" / f"{name}.parquet").to_pylist())
                           for name in ACES_CONFIGS}
        return lake, dataset, done[which]

    return samples


@pytest.mark.parametrize("which", [*DATASETS, "synthetic"])
@pytest.mark.parametrize("config", ACES_CONFIGS)
def test_aces_itself_gives_the_same_samples(aces_samples, which, config, tmp_path):
    lake, dataset, theirs = aces_samples(which)
    aces = theirs[config]
    assert len(aces) >= 10
    assert run_config(lake, (CONFIGS / f"{config}.yaml").read_text(), dataset, tmp_path) == aces


def test_aces_refuses_not(aces_cli, tmp_path):
    """What docs/meds.md says ACES 0.7.3 cannot do: not(...) (and a count label, which its MEDS output casts to
    a boolean)."""
    (tmp_path / "cohorts").mkdir()
    text = (CONFIGS / "beyond_aces.yaml").read_text().replace("{count: creatinine}", "creatinine")
    (tmp_path / "cohorts" / "beyond.yaml").write_text(text)
    pq.write_table(pa.table({"subject_id": pa.array([1], pa.int64()), "time": pa.array([dt.datetime(2020, 1, 1)]),
                             "code": ["VISIT//INPATIENT//START"], "numeric_value": pa.array([None], pa.float32())}),
                   tmp_path / "data.parquet")
    ran = subprocess.run([aces_cli, f"data.path={tmp_path / 'data.parquet'}", "data.standard=meds",
                          f"cohort_dir={tmp_path / 'cohorts'}", "cohort_name=beyond"], capture_output=True, text=True,
                         cwd=tmp_path)
    assert ran.returncode != 0 and "must start with 'and(' or 'or('. Got: 'not(lab)'" in ran.stdout + ran.stderr


# Where `->` and `<-` find a predicate at the time they start from, ACES 0.7.3 and the compile must agree:
# each case's window side is placed by an arrow, and the index timestamp shows where it landed.
ARROWS = {
    # a side that refers to the trigger: never the trigger's own time
    "external_next": "{start: trigger -> b, end: start + 1h, start_inclusive: true, end_inclusive: true}",
    "external_previous": "{start: trigger <- b, end: start + 1h, start_inclusive: true, end_inclusive: true}",
    # a side that refers to its own window: its own time when the window is closed at that end
    "internal_next_closed": "{start: trigger, end: start -> b, start_inclusive: false, end_inclusive: true}",
    "internal_next_open": "{start: trigger, end: start -> b, start_inclusive: true, end_inclusive: false}",
    "internal_previous_closed": "{start: end <- b, end: trigger, start_inclusive: true, end_inclusive: false}",
    "internal_previous_open": "{start: end <- b, end: trigger, start_inclusive: false, end_inclusive: true}",
}


def test_arrows_at_their_own_time_as_aces_places_them(aces_cli, fresh_lake, tmp_path):
    t0 = dt.datetime(2030, 1, 1, 8)
    # subject 1: a and b at t0, b an hour before and two hours after; subject 2: a alone at t0 and b around it
    rows = [(1, t0, "A"), (1, t0, "B"), (1, t0 - H, "B"), (1, t0 + 2 * H, "B"), (1, t0 + 3 * H, "C"),
            (2, t0 - 2 * H, "B"), (2, t0, "A"), (2, t0 + H, "B"), (2, t0 + 3 * H, "C")]
    (tmp_path / "meds" / "data").mkdir(parents=True)
    pq.write_table(pa.table({"subject_id": pa.array([r[0] for r in rows], pa.int64()),
                             "time": pa.array([r[1] for r in rows], pa.timestamp("us")),
                             "code": [r[2] for r in rows], "numeric_value": pa.array([None] * len(rows), pa.float32())}),
                   tmp_path / "meds" / "data" / "0.parquet")
    fresh_lake.load("meds", tmp_path / "meds", name="arrows")
    (tmp_path / "cohorts").mkdir()
    for name, window in ARROWS.items():
        side = "end" if "internal_next" in name else "start"
        (tmp_path / "cohorts" / f"{name}.yaml").write_text(
            "predicates: {a: {code: A}, b: {code: B}, c: {code: C}}\ntrigger: a\nwindows:\n"
            f"  w: {window[:-1]}, index_timestamp: {side}}}\n"
            "  after: {start: trigger, end: null, start_inclusive: false, end_inclusive: true, label: c}\n")
    ran = subprocess.run([aces_cli, "-m", f"data.path={tmp_path / 'meds' / 'data' / '0.parquet'}",
                          "data.standard=meds", f"cohort_dir={tmp_path / 'cohorts'}",
                          f"cohort_name={','.join(ARROWS)}"], capture_output=True, text=True, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    placed = {}
    for name in ARROWS:
        aces = sorted((r["subject_id"], r["prediction_time"], int(r["boolean_value"]))
                      for r in pq.read_table(tmp_path / "cohorts" / f"{name}.parquet").to_pylist())
        (tmp_path / name).mkdir()
        ours = run_config(fresh_lake, (tmp_path / "cohorts" / f"{name}.yaml").read_text(), "arrows", tmp_path / name)
        assert ours == aces, name
        placed[name] = {r[0]: r[1] for r in ours}
    assert placed["external_next"] == {1: t0 + 2 * H, 2: t0 + H}
    assert placed["external_previous"] == {1: t0 - H, 2: t0 - 2 * H}
    assert placed["internal_next_closed"][1] == t0 and placed["internal_next_open"][1] == t0 + 2 * H
    assert placed["internal_previous_closed"][1] == t0 and placed["internal_previous_open"][1] == t0 - H


# configs over notes (the whole record, conftest's full_lake): a note is a NOTE//<category> row at the time it
# could first be read, so it is a predicate, a trigger and an event that _ANY_EVENT counts like any other row
NOTE_CONFIGS = {
    "radiology_after_12h": """
predicates:
  admission: {code: VISIT//INPATIENT//START}
  discharge: {code: VISIT//INPATIENT//END}
  radiology: {code: {regex: "^NOTE//(Radiology|RR)$"}}
trigger: admission
windows:
  input: {start: trigger, end: start + 12h, start_inclusive: true, end_inclusive: true, index_timestamp: end}
  target: {start: input.end, end: start -> discharge, start_inclusive: false, end_inclusive: true, label: radiology}
""",
    "admission_after_summary": """
predicates:
  summary: {code: {any: ["NOTE//Discharge summary", "NOTE//DS"]}}
  admission: {code: VISIT//INPATIENT//START}
trigger: summary
windows:
  input: {start: null, end: trigger, start_inclusive: true, end_inclusive: true, index_timestamp: end,
          has: {_ANY_EVENT: "(1, None)"}}
  target: {start: trigger, end: start + 365d, start_inclusive: false, end_inclusive: true, label: admission}
"""}


@pytest.mark.parametrize("dataset", DATASETS)
def test_configs_over_notes_give_aces_samples_and_pass_the_leakage_check(aces_cli, full_lake, dataset, tmp_path):
    export = full_lake.export_meds(dataset, tmp_path / "meds", subjects_per_shard=10**6)
    (tmp_path / "cohorts").mkdir()
    for name, text in NOTE_CONFIGS.items():
        (tmp_path / "cohorts" / f"{name}.yaml").write_text(text)
    ran = subprocess.run([aces_cli, "-m", f"data.path={export.shards[0]}", "data.standard=meds",
                          f"cohort_dir={tmp_path / 'cohorts'}", f"cohort_name={','.join(NOTE_CONFIGS)}"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    for name, text in NOTE_CONFIGS.items():
        rows = pq.read_table(tmp_path / "cohorts" / f"{name}.parquet").to_pylist()
        # ACES 0.7.3 writes a row without prediction time or label for a trigger whose `->` finds no discharge
        # (an admission shorter than the 12 h input window, the subject's last); such a trigger is no sample
        blank = [r["subject_id"] for r in rows if r["prediction_time"] is None]
        assert all(r["boolean_value"] is None for r in rows if r["prediction_time"] is None)
        assert len(blank) == (1 if name == "radiology_after_12h" else 0), (name, blank)
        aces = sorted((r["subject_id"], r["prediction_time"], int(r["boolean_value"]))
                      for r in rows if r["prediction_time"] is not None)
        (tmp_path / name).mkdir()
        ours = run_config(full_lake, text, dataset, tmp_path / name)
        assert ours == aces and len(ours) > 40 and 0 < sum(r[2] for r in ours) < len(ours), name
    # the leakage check cuts the notes too: the truncated timelines hold the notes read by the index time
    report = full_lake.tasks.check(str(tmp_path / "radiology_after_12h" / "task.sql"), dataset, raise_on_leak=False)
    assert report.compared > 0 and not report.changed


def test_the_configs_give_both_labels_on_every_dataset(aces_samples):
    """The comparison above means something: on each dataset most configs have positive and negative samples."""
    for which in (*DATASETS, "synthetic"):
        _, _, theirs = aces_samples(which)
        mixed = [name for name, rows in theirs.items() if 0 < sum(r[2] for r in rows) < len(rows)]
        assert len(mixed) >= 6, (which, mixed)
