"""Leakage check by truncation: inputs must not change when the future is cut away.

For a sample of subjects, every sample becomes its own copy of its subject
whose timeline ends at the sample's index time (sql/tasks/_lib/leakage.sql).
The task query runs unchanged on those copies (temporary tables of the
session, so the lake file is never written); each sample's
inputs must equal the inputs it had on the full data. A sample that the
truncated data no longer produces is counted as `dropped`: its existence
(cohort selection) depends on later data, which the label may do, but its
inputs could not be compared. That fails the check too, unless the task
header explains it with `lookahead: <why>` (drug_recommendation keeps only
subjects with two valid admissions, as PyHealth does): a sample that exists
only because of later data is a leak into the cohort.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa

from ..database import Database
from ..errors import LeakageError, MedlakeError, ParameterError
from ..progress import progress
from ..sqlfiles import SqlFile, load_sql
from .build import task_query
from .result import TaskResult
from .spec import TaskSpec

CHECK_DB = "temp"  # DuckDB's session catalog: works on read-only lakes
LEAKAGE_SQL = "tasks/_lib/leakage.sql"


@dataclass
class LeakageReport:
    """What the check compared and found."""

    task: str
    dataset: str
    retrospective: bool
    subjects: int
    samples: int
    compared: int
    unchanged: int
    dropped: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)  # (sample_id, input column)
    note: str = ""

    lookahead: str = ""

    @property
    def ok(self) -> bool:
        if self.changed or not self.compared:
            return False
        return not self.dropped or bool(self.lookahead)

    def to_dict(self) -> dict:
        return {"task": self.task, "dataset": self.dataset, "retrospective": self.retrospective, "ok": self.ok,
                "subjects": self.subjects, "samples": self.samples, "compared": self.compared,
                "unchanged": self.unchanged, "dropped": len(self.dropped), "changed": len(self.changed),
                "changed_examples": [f"{s}: {c}" for s, c in self.changed[:5]], "lookahead": self.lookahead,
                "note": self.note}


def pick_subjects(subject_ids: list[int], n: int, seed: int) -> list[int]:
    """n subjects chosen by the MD5 of "seed:subject_id" (deterministic)."""
    key = lambda s: hashlib.md5(f"{seed}:{s}".encode()).hexdigest()  # noqa: E731
    return sorted(sorted(set(subject_ids), key=key)[:n])


def _drop_tables(db: Database) -> None:
    for st in load_sql(LEAKAGE_SQL).statements:
        if st.name.startswith("drop"):
            db.run(LEAKAGE_SQL, st.name, schemas={"check": CHECK_DB})


def check(db: Database, spec: TaskSpec, file: SqlFile, dataset: str, params: dict, subjects: int = 50, seed: int = 0,
          show_progress: bool = False, raise_on_leak: bool = True, source: str | None = None) -> LeakageReport:
    """Run the truncation check; raise LeakageError (carrying the report) when an input changes."""
    if isinstance(subjects, bool) or not isinstance(subjects, int) or subjects < 1:
        raise ParameterError(f"leakage check: subjects={subjects!r}; expected a whole number of at least 1")
    tree = task_query(file, dataset, source)
    full = TaskResult(db, spec, dataset, params, tree, params).to_arrow()
    chosen = set(pick_subjects(full["subject_id"].to_pylist(), subjects, seed))
    originals = [r for r in full.to_pylist() if r["subject_id"] in chosen]
    samples = pa.table({
        "k": pa.array(range(1, len(originals) + 1), pa.int64()),
        "subject_id": pa.array([r["subject_id"] for r in originals], pa.int64()),
        "visit_id": pa.array([r["visit_id"] for r in originals], pa.int64()),
        "index_time": pa.array([r["index_time"] for r in originals], pa.timestamp("us")),
    })
    check_tree = task_query(file, CHECK_DB, source)
    schemas = {"dataset": dataset, "check": CHECK_DB}
    with progress(show_progress) as bar, db.registered("leak_samples", samples):
        job = bar.add_task(f"leakage check {spec.name} on {dataset}", total=2)
        _drop_tables(db)
        try:
            steps = ["subjects", "visit_map", "visits", "events"]
            if db.table_exists(dataset, "notes"):
                steps.append("notes")
            if db.table_exists(dataset, "recordings"):
                steps += ["recordings", "recording_channels", "recording_annotations"]
            if db.table_exists(dataset, "images"):
                steps += ["images", "image_labels"]
            for name in steps:
                db.run(LEAKAGE_SQL, name, schemas=schemas)
            bar.advance(job)
            try:
                again = TaskResult(db, spec, CHECK_DB, params, check_tree, params).to_arrow().to_pylist()
            except MedlakeError as e:
                raise MedlakeError(f"leakage check of '{spec.name}': the task does not run on truncated "
                                   f"timelines: {e}") from None
            vmap = {r["visit_id"]: (r["k"], r["original_visit_id"])
                    for r in db.arrow(LEAKAGE_SQL, "read_visit_map", schemas=schemas).to_pylist()}
            bar.advance(job)
        finally:
            _drop_tables(db)
    recomputed = {}
    for r in again:
        k, original_visit = vmap.get(r["visit_id"], (None, None))
        if k is not None and k == r["subject_id"]:
            recomputed[(k, original_visit, r["index_time"])] = r
    report = LeakageReport(spec.name, dataset, spec.retrospective, len(chosen), len(originals), 0, 0,
                           lookahead=str(spec.extra.get("lookahead") or "").strip())
    for k, orig in enumerate(originals, start=1):
        new = recomputed.get((k, orig["visit_id"], orig["index_time"]))
        if new is None:
            report.dropped.append(orig["sample_id"])
            continue
        report.compared += 1
        diff = [c for c in spec.inputs if new[c] != orig[c]]
        report.changed += [(orig["sample_id"], c) for c in diff]
        report.unchanged += not diff
    notes = []
    if spec.retrospective:
        notes.append("retrospective task: its inputs are known only at the index time (discharge), "
                     "so the check confirms they use nothing later")
    if report.dropped:
        why = f" (declared lookahead: {report.lookahead})" if report.lookahead else ""
        notes.append(f"{len(report.dropped)} samples are not produced from truncated timelines: "
                     f"which samples exist depends on later data{why}")
    report.note = "; ".join(notes)
    if not report.ok and raise_on_leak:
        err = LeakageError(_failure(report))
        err.report = report
        raise err
    return report


def _failure(report: LeakageReport) -> str:
    head = f"task '{report.task}' on '{report.dataset}' leaks: "
    if report.changed:
        ex = ", ".join(f"{s} ({c})" for s, c in report.changed[:3])
        return head + f"{len(report.changed)} inputs change when timelines are cut at index_time, e.g. {ex}"
    if report.dropped:
        return head + (f"{len(report.dropped)} of {report.samples} samples exist only because of data after their "
                       f"index_time, e.g. {', '.join(report.dropped[:3])} (declare `lookahead: <why>` in the "
                       "header if the cohort is meant to look ahead)")
    return f"task '{report.task}' on '{report.dataset}': no samples to check"


__all__ = ["LeakageReport", "check", "pick_subjects"]
