"""Prediction tasks as SQL: one file per task under sql/tasks/, samples as a query.

A task file is a YAML header (name, description, datasets, label, params,
inputs, retrospective) and one SELECT over canonical tables. `run_task`
checks the parameters against the header, points the query at a dataset and
returns a TaskResult; `install` adds a table macro and a default view per
task to a dataset schema for SQL users; `check_leakage` recomputes the
inputs on timelines cut at each sample's index time. `Tasks` (`lake.tasks`)
is the same as methods of one lake.

A source whose visits differ overrides the shared blocks that differ in
sql/tasks/_lib/<source>.sql (see build.py); only where a task's own logic
differs does a variant in sql/tasks/<source>/<name>.sql replace the generic
file for datasets loaded from that source.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from ..database import Database
from ..errors import MedlakeError, UnknownNameError
from ..progress import progress
from ..sqlfiles import SQL_ROOT, SqlFile, load_sql, load_sql_path, render
from .build import check_task_sql, literal_query, macro_statement, task_query, view_statement, with_library
from .result import TaskResult
from .spec import CONTRACT_COLUMNS, Param, TaskSpec, parse_spec

__all__ = ["CONTRACT_COLUMNS", "REQUIREMENTS", "Param", "TaskResult", "TaskSpec", "Tasks", "bound_query",
           "check_leakage", "describe", "get_spec", "install", "list_tasks", "literal_task_query", "run_task"]

TASK_DIR = SQL_ROOT / "tasks"


@dataclass
class _Task:
    spec: TaskSpec
    file: SqlFile


def _builtin_names() -> list[str]:
    return sorted(p.stem for p in TASK_DIR.glob("*.sql") if not p.name.startswith("_"))


def _load_builtin(relpath: str) -> _Task:
    file = load_sql(relpath)
    spec = parse_spec(file.header, file.path)
    check_task_sql(file, spec)
    return _Task(spec, file)


def _variants(name: str) -> list[str]:
    """Sources that have their own variant of a built-in task (sql/tasks/<source>/<name>.sql)."""
    return sorted(p.parent.name for p in TASK_DIR.glob(f"*/{name}.sql") if not p.parent.name.startswith("_"))


def list_tasks() -> list[TaskSpec]:
    """Specs of the built-in tasks, by name; `datasets` includes the sources that have a variant."""
    out = []
    for n in _builtin_names():
        spec = _load_builtin(f"tasks/{n}.sql").spec
        extra = [v for v in _variants(n) if v not in spec.datasets]
        out.append(dataclasses.replace(spec, datasets=spec.datasets + tuple(extra)) if extra else spec)
    return out


def _is_path(name: str) -> bool:
    return name.endswith(".sql") or os.sep in name or "/" in name


def _resolve(name: str | os.PathLike, source: str | None = None, registered: dict | None = None) -> _Task:
    """A registered task, a built-in task (its variant for `source` when there is one) or a user's task file."""
    name = os.fspath(name)
    if registered and name in registered:
        return _resolve(registered[name])
    if _is_path(name):
        file = load_sql_path(Path(name))
        spec = parse_spec(file.header, file.path, builtin=False, default_name=Path(name).stem.replace("-", "_"))
        check_task_sql(file, spec)
        return _Task(spec, file)
    if name not in _builtin_names():
        close = difflib.get_close_matches(name, _builtin_names(), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UnknownNameError(f"unknown task '{name}' ({hint}built-in tasks: {', '.join(_builtin_names())}; "
                               "or give the path of a .sql task file)")
    if source and (TASK_DIR / source / f"{name}.sql").exists():
        return _load_builtin(f"tasks/{source}/{name}.sql")
    return _load_builtin(f"tasks/{name}.sql")


def get_spec(name: str, source: str | None = None) -> TaskSpec:
    """The spec of a built-in task (or of a task file, given its path)."""
    return _resolve(name, source).spec


def describe(db: Database | None, name: str, dataset: str | None = None, registered: dict | None = None) -> dict:
    """A task's spec as plain data plus its SQL: pointed at `dataset` when one is given
    (placeholders `$name` kept), else as written with the shared blocks it uses."""
    source = db.source_of(dataset) if dataset else None
    task = _resolve(name, source, registered)
    tree = task_query(task.file, dataset, source) if dataset else with_library(task.file.statements[0].tree)
    return {**task.spec.to_dict(), "path": str(task.spec.path), "sql": render(tree, pretty=True)}


def _supported(task: _Task, dataset: str, source: str) -> None:
    spec = task.spec
    if (spec.builtin or spec.datasets) and source not in spec.datasets:
        supported = list(dict.fromkeys([*spec.datasets, *_variants(spec.name)]))
        raise UnknownNameError(f"task '{spec.name}' does not support dataset '{dataset}' (source {source}); "
                               f"it supports: {', '.join(supported)}")


def _prepare(db: Database, name: str, dataset: str, params: dict,
             registered: dict | None = None) -> tuple[_Task, dict, object, str]:
    source = db.source_of(dataset)
    task = _resolve(name, source, registered)
    _supported(task, dataset, source)
    for need in task.spec.extra.get("requires", []):
        _require(db, task.spec.name, need)
    bound = task.spec.bind(params)
    return task, bound, task_query(task.file, dataset, source), source


def literal_task_query(db: Database, name: str | os.PathLike, dataset: str, registered: dict | None = None,
                       **params) -> tuple[TaskSpec, dict, object]:
    """(spec, bound parameters, query tree with the parameters written in as literals) of a task
    on a dataset of the lake, checked as `run_task` checks it: for engines without `$name` parameters."""
    task, bound, tree, _ = _prepare(db, name, dataset, params, registered)
    return task.spec, bound, literal_query(tree, bound)


def bound_query(name: str | os.PathLike, dataset: str, source: str, registered: dict | None = None,
                **params) -> tuple[TaskSpec, dict, object]:
    """(spec, bound parameters, query tree) of a task on a dataset of `source` that is not in a
    lake (a parquet export): the source's variant and shared blocks, the parameters checked
    and bound as literals. The caller checks the spec's `requires`."""
    task = _resolve(name, source, registered)
    _supported(task, dataset, source)
    bound = task.spec.bind(params)
    return task.spec, bound, literal_query(task_query(task.file, dataset, source), bound)


def run_task(db: Database, name: str, dataset: str, registered: dict | None = None, **params) -> TaskResult:
    """Samples of task `name` (built-in, registered, or the path of a .sql task file) on `dataset`.

    Parameters are checked against the task header (ParameterError on a wrong
    name, type or value) and bound to the query, never written into it."""
    task, bound, tree, _ = _prepare(db, name, dataset, params, registered)
    return TaskResult(db, task.spec, dataset, bound, tree, bound)


def install(db: Database, dataset: str, names: list[str] | None = None, show_progress: bool = False) -> list[str]:
    """Create, in the dataset's schema, a table macro `task_<name>(param := default, ...)`
    and a view `<name>` (the macro with its defaults) for each built-in task the
    dataset supports (without `names`, tasks whose requirements, such as the code
    tables, are missing are skipped). Returns the views created."""
    db.for_writing("installing task views")
    source = db.source_of(dataset)
    created = []
    wanted = names or _builtin_names()
    with progress(show_progress) as bar, db.transaction():
        job = bar.add_task(f"tasks -> {dataset}", total=len(wanted))
        for n in wanted:
            task = _resolve(n, source)
            bar.advance(job)
            if task.spec.builtin and source not in task.spec.datasets:
                if names:
                    raise UnknownNameError(f"task '{n}' does not support dataset '{dataset}' (source {source})")
                continue
            needs = task.spec.extra.get("requires", [])
            if not names and not all(REQUIREMENTS[r][0](db) for r in needs if r in REQUIREMENTS):
                continue  # e.g. drug_recommendation before the code tables are loaded
            for need in needs:
                _require(db, task.spec.name, need)
            db.run_sql(macro_statement(task.file, task.spec, dataset, source))
            db.run_sql(view_statement(task.spec, dataset))
            created.append(f"{dataset}.{task.spec.name}")
    return created


def _has_ndc_atc_maps(db: Database) -> bool:
    return bool(db.one("tasks/_lib/vocab.sql", "has_maps_table")[0]
                and db.one("tasks/_lib/vocab.sql", "has_atc_maps")[0])


# What a task header's `requires:` may name: a check and how to satisfy it.
REQUIREMENTS = {
    "ndc_atc_maps": (_has_ndc_atc_maps, "the NDC -> ATC maps of the code tables, which are not loaded; run "
                                        "`medlake codes load --from DIR` (DIR holding ndc_gsn_atc.csv.gz) first"),
}


def _require(db: Database, task: str, need: str) -> None:
    if need not in REQUIREMENTS:
        raise MedlakeError(f"task '{task}' requires '{need}', which medlake does not know "
                           f"(known: {', '.join(REQUIREMENTS)})")
    check, how = REQUIREMENTS[need]
    if not check(db):
        raise MedlakeError(f"task '{task}' needs {how}")


def check_leakage(db: Database, name: str, dataset: str, subjects: int = 50, seed: int = 0,
                  show_progress: bool = False, raise_on_leak: bool = True, registered: dict | None = None, **params):
    """Recompute the inputs of the samples of `subjects` subjects on timelines cut at each
    sample's index time; returns a LeakageReport, or raises LeakageError when an input
    changes or a sample exists only because of later data (see medlake.tasks.leakage)."""
    from .leakage import check

    task, bound, tree, source = _prepare(db, name, dataset, params, registered)
    return check(db, task.spec, task.file, dataset, bound, subjects=subjects, seed=seed,
                 show_progress=show_progress, raise_on_leak=raise_on_leak, source=source)


class Tasks:
    """The prediction tasks of one lake (`lake.tasks`): built-in ones and task files registered here."""

    def __init__(self, db: Database):
        self.db = db
        self._registered: dict[str, Path] = {}

    def __repr__(self) -> str:
        names = [s.name for s in self.list()]
        return f"<Tasks: {len(names)} ({', '.join(names)})>"

    def list(self) -> list[TaskSpec]:
        """Specs of the built-in tasks and of the task files registered on this handle, by name."""
        registered = [_resolve(path).spec for _, path in sorted(self._registered.items())]
        return list_tasks() + registered

    def describe(self, name: str, dataset: str | None = None) -> dict:
        """A task's spec as plain data plus its SQL (pointed at `dataset` when given)."""
        return describe(self.db, name, dataset, self._registered)

    def register(self, path: str | os.PathLike) -> TaskSpec:
        """Check a task file (header and SQL) and make it known by the name in its header
        for this handle's run, check and describe; returns its spec."""
        task = _resolve(Path(path))
        if task.spec.name in _builtin_names():
            raise MedlakeError(f"task file {path} is named '{task.spec.name}' like a built-in task; "
                               "give it another name in its header")
        self._registered[task.spec.name] = Path(path)
        return task.spec

    def run(self, name: str, dataset: str, **params) -> TaskResult:
        """Samples of a task on a dataset (a TaskResult); `lake.task(...)` is the short form."""
        return run_task(self.db, name, dataset, self._registered, **params)

    def sql(self, name: str, dataset: str, **params) -> tuple[str, dict]:
        """(SQL text, bound parameters) of a task's samples, to run elsewhere or embed."""
        result = self.run(name, dataset, **params)
        return result.sql, result.sql_params

    def check(self, name: str, dataset: str, subjects: int = 50, seed: int = 0, show_progress: bool = False,
              raise_on_leak: bool = True, **params):
        """The leakage check of a task on a dataset (see check_leakage)."""
        return check_leakage(self.db, name, dataset, subjects=subjects, seed=seed, show_progress=show_progress,
                             raise_on_leak=raise_on_leak, registered=self._registered, **params)

    def install(self, dataset: str, names: list[str] | None = None, show_progress: bool = False) -> list[str]:
        """Task macros and views in the dataset's schema, for SQL users (see install)."""
        return install(self.db, dataset, names, show_progress=show_progress)
