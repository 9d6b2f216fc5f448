"""Turning a task file into runnable SQL: shared blocks as CTEs, qualified names, bound parameters.

A task file is one SELECT over canonical tables (subjects, visits, events; for
signal and image datasets recordings, recording_channels, recording_annotations, images, image_labels),
`vocab.*` code tables, `raw.*` tables of the dataset, and the shared blocks
of sql/tasks/_lib/common.sql (admissions, visit_codes, visit_inputs, and
meds_events: the dataset as MEDS rows). A source whose visits differ (eICU
unit stays, OMOP visit_occurrence) overrides the blocks that differ in
sql/tasks/_lib/<source>.sql, so one task file serves every source.
Parameters are written `$name`; they stay placeholders in the SQL that runs
and are bound by DuckDB. For the per-dataset table macro they become the
macro's named parameters.
"""

from __future__ import annotations

import functools

from sqlglot import exp

from ..errors import SqlFileError
from ..sqlcheck import check_lake_select
from ..sqlfiles import DIALECT, SQL_ROOT, SqlFile, cte_names, load_sql, qualify, render
from .spec import CONTRACT_COLUMNS, TaskSpec

LIBRARY_DIR = "tasks/_lib"
LIBRARY = f"{LIBRARY_DIR}/common.sql"
# blocks written NOT MATERIALIZED: DuckDB would otherwise copy a block that a query reads more than once, and
# meds_events is every row of the dataset (a compiled ACES task reads it several times, each time filtered)
INLINED = {"meds_events"}
# the canonical tables of a dataset: the EHR core, and the signal and image tables
CANONICAL = ("subjects", "visits", "events", "recordings", "recording_channels", "recording_annotations", "images",
             "image_labels")

@functools.cache
def library(source: str | None = None) -> dict[str, exp.Expression]:
    """The shared blocks by name, in file order (a block uses only blocks above it),
    with the blocks that `source` overrides in sql/tasks/_lib/<source>.sql put in their place."""
    blocks = {st.name: st.tree for st in load_sql(LIBRARY).statements}
    if source and (SQL_ROOT / LIBRARY_DIR / f"{source}.sql").exists():
        for st in load_sql(f"{LIBRARY_DIR}/{source}.sql").statements:
            if st.name not in blocks:
                raise SqlFileError(f"{LIBRARY_DIR}/{source}.sql",
                                   f"block '{st.name}' overrides nothing in {LIBRARY}")
            blocks[st.name] = st.tree
    return blocks


def _with(tree: exp.Expression) -> exp.With | None:
    return tree.args.get("with_")


def _unqualified_tables(tree: exp.Expression) -> set[str]:
    return {t.name.lower() for t in tree.find_all(exp.Table)
            if isinstance(t.this, exp.Identifier) and t.args.get("db") is None}


def with_library(tree: exp.Expression, source: str | None = None) -> exp.Expression:
    """Prepend, as CTEs, the shared blocks the query mentions (and the blocks those use), as `source` has them."""
    lib = library(source)
    own = cte_names(tree)
    needed: set[str] = set()
    todo = [n for n in _unqualified_tables(tree) if n in lib and n not in own]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo += [n for n in _unqualified_tables(lib[name]) if n in lib]
    if not needed:
        return tree
    tree = tree.copy()
    ctes = [exp.CTE(this=lib[n].copy(), alias=exp.TableAlias(this=exp.to_identifier(n)),
                    materialized=False if n in INLINED else None) for n in lib if n in needed]
    existing = _with(tree)
    if existing is not None:
        existing.set("expressions", ctes + list(existing.expressions))
    else:
        tree.set("with_", exp.With(expressions=ctes))
    return tree


def placeholders(tree: exp.Expression) -> set[str]:
    """Names of the `$name` parameters a query uses."""
    return {p.name for p in tree.find_all(exp.Placeholder) if p.name}


def task_query(file: SqlFile, dataset: str, source: str | None = None) -> exp.Expression:
    """The task's SELECT with the shared blocks of `source` added and names pointed at `dataset` (placeholders kept)."""
    tree = with_library(file.statements[0].tree, source)
    return qualify(tree, {None: dataset, "raw": f"{dataset}_raw"})


def literal_query(tree: exp.Expression, values: dict) -> exp.Expression:
    """The query with its placeholders replaced by literals (sqlglot quotes them): for display,
    and for engines without named parameters (medlake.spark). DuckDB binds them instead."""
    tree = tree.copy()
    for p in list(tree.find_all(exp.Placeholder)):
        if p.name in values:
            p.replace(exp.convert(values[p.name]))
    return tree


def macro_statement(file: SqlFile, spec: TaskSpec, dataset: str, source: str | None = None) -> str:
    """CREATE OR REPLACE MACRO <dataset>.task_<name>(p := default, ...) AS TABLE <query>."""
    body = task_query(file, dataset, source)
    for p in list(body.find_all(exp.Placeholder)):
        p.replace(exp.column(p.name))
    tree = load_sql("tasks/_lib/install.sql")["macro"].tree.copy()
    udf = tree.this
    udf.set("this", exp.table_(f"task_{spec.name}", db=dataset, quoted=True))
    udf.set("expressions", [exp.PropertyEQ(this=exp.to_identifier(n), expression=exp.convert(p.default))
                            for n, p in spec.params.items()])
    tree.set("expression", body)
    return render(tree)


def view_statement(spec: TaskSpec, dataset: str) -> str:
    """CREATE OR REPLACE VIEW <dataset>.<name> AS SELECT * FROM <dataset>.task_<name>()."""
    tree = load_sql("tasks/_lib/install.sql")["view"].tree.copy()
    tree.this.replace(exp.table_(spec.name, db=dataset, quoted=True))
    call = tree.expression.args["from_"].this
    call.set("this", exp.Anonymous(this=exp.to_identifier(f"task_{spec.name}", quoted=True)))
    call.set("db", exp.to_identifier(dataset, quoted=True))
    return render(tree)


def check_task_sql(file: SqlFile, spec: TaskSpec) -> None:
    """Raise SqlFileError unless the file is one SELECT over the lake's tables that
    reads no files, changes nothing, uses only declared parameters and names the
    contract columns (when its select list is explicit)."""
    path = file.path
    if len(file.statements) != 1:
        raise SqlFileError(path, f"a task file holds exactly one SELECT; found {len(file.statements)} statements")
    tree = file.statements[0].tree
    own = cte_names(tree)
    allowed = set(CANONICAL) | set(library())

    def table_allowed(t: exp.Table) -> str | None:
        db = t.args.get("db")
        if t.args.get("catalog") is not None or (db is not None and db.name.lower() not in ("vocab", "raw")):
            return (f"table {t.sql(dialect=DIALECT)} is outside the dataset; use canonical names "
                    f"({', '.join(CANONICAL)}), raw.<table>, vocab.<table> or a CTE")
        if db is None and t.name.lower() not in allowed | own:
            return (f"unknown table '{t.name}'; expected one of: "
                    f"{', '.join(sorted(allowed))}, raw.<table>, vocab.<table> or a CTE")
        return None

    check_lake_select(tree, path, subject="a task", table_allowed=table_allowed)
    undeclared = sorted(placeholders(tree) - set(spec.params))
    if undeclared:
        raise SqlFileError(path, f"parameter ${undeclared[0]} is used but not declared in the header's params")
    if any(not p.name for p in tree.find_all(exp.Placeholder)):
        raise SqlFileError(path, "positional parameters (?) are not allowed; use $name and declare it")
    names = {s.alias_or_name.lower() for s in tree.selects}
    if not any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and isinstance(s.this, exp.Star))
               for s in tree.selects):
        missing = [c for c in (*CONTRACT_COLUMNS, *spec.inputs) if c not in names]
        if missing:
            raise SqlFileError(path, f"the SELECT list lacks column '{missing[0]}'; every task yields "
                                     f"{', '.join(CONTRACT_COLUMNS)} and its declared inputs")
