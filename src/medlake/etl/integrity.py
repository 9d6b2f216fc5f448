"""Referential integrity of a load: rows whose subject or visit does not exist, counted, reported and
dropped (or, with strict, refused). One rule for every loader (docs/reliability.md):

- a subject or visit id is a whole number of at least 1: a raw row holding a smaller one in one of the
  source's id columns is dropped (`check_raw`); so is a subject or visit with one (`check_canonical`);
- a row naming a subject that does not exist is dropped: in the raw tables, every row whose subject key
  (the source's `subject_key`) is not in the subject table; in the canonical tables, every visit, event
  and note whose subject_id is not in subjects;
- a visit, event or note naming a visit that does not exist keeps its subject and loses the link
  (visit_id, parent_visit_id become NULL).

Both steps are generic: they find the id columns in whatever raw tables a load staged, and run over the
canonical tables whatever source SQL filled them, so a table added to a loader is covered without more code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..database import Database
from ..errors import InputError
from .input_errors import line_holding, physical_line

INTEGRITY_SQL = "etl/integrity.sql"
CANONICAL_ORDER = ("drop_subjects", "drop_visits", "unlink_visits", "drop_events", "unlink_events", "drop_notes",
                   "unlink_notes")


@dataclass(frozen=True)
class StagedFile:
    """Where a raw table came from, to name it in a message."""

    path: Path
    in_file_order: bool = False     # rowid order is the file's order, so a row position is a line


@dataclass
class LoadIssue:
    """Rows of one table that broke one rule, and what the load did with them."""

    table: str              # <dataset>_raw.<table> or <dataset>.<canonical table>
    source: str | None      # events and notes: the raw table the rows came from; visits: their kind
    column: str
    reason: str             # 'id below 1' | 'unknown subject' | 'unknown visit'
    action: str             # 'dropped' | 'link removed'
    rows: int
    example: str | None     # one offending value
    parent: str | None = None   # the table the id was looked up in
    path: str | None = None     # the file the rows came from, when known
    line: int | None = None     # the first such row's line in that file, when known

    def describe(self) -> str:
        """One line: where, how many, why, what was done."""
        where = self.table + (f" ({self.source})" if self.source else "")
        one = self.rows == 1
        what = {"id below 1": f"{'holds' if one else 'hold'} a {self.column} below 1",
                "unknown subject": f"{'names' if one else 'name'} a {self.column} not in {self.parent or 'subjects'}",
                "unknown visit": f"{'names' if one else 'name'} a {self.column} not in {self.parent or 'visits'}",
                }[self.reason]
        plural = "row" if one else "rows"
        action = "dropped" if self.action == "dropped" else f"kept without the {self.column}"
        return f"{where}: {self.rows:,} {plural} {what} (e.g. {self.example}): {action}"

    def as_error(self) -> InputError:
        """The InputError a strict load raises for these rows."""
        expected = {"id below 1": f"{self.column} of 1 or more",
                    "unknown subject": f"a {self.column} that {self.parent or 'subjects'} holds",
                    "unknown visit": f"a {self.column} that {self.parent or 'visits'} holds"}[self.reason]
        one = self.rows == 1
        message = (f"{self.rows:,} {'row' if one else 'rows'} of {self.table}"
                   + (f" ({self.source})" if self.source else "")
                   + {"id below 1": f" {'holds' if one else 'hold'} a {self.column} below 1",
                      "unknown subject": f" {'names' if one else 'name'} a {self.column} that does not exist",
                      "unknown visit": f" {'names' if one else 'name'} a {self.column} that does not exist",
                      }[self.reason])
        line = self.line
        if line is None and self.table.split(".", 1)[0].endswith("_raw") and self.example not in (None, "NULL"):
            line = line_holding(self.path, self.column, self.example)  # a table staged out of file order
        return InputError(message, path=self.path or self.table, line=line, column=self.column, value=self.example,
                          expected=f"{expected} (without --strict such rows are counted and "
                                   f"{'dropped' if self.action == 'dropped' else 'kept without the link'})")

    def as_row(self) -> dict:
        """The row meta.load_issues keeps."""
        return {"table_name": self.table, "source": self.source, "column_name": self.column, "reason": self.reason,
                "action": self.action, "rows": self.rows, "example": self.example}


def check_raw(db: Database, raw_schema: str, subject_key: tuple[str, str] | None, id_columns: tuple[str, ...],
              files: dict[str, StagedFile], strict: bool = False) -> list[LoadIssue]:
    """Drop raw rows holding an id below 1 in an id column, then rows whose subject key is not in the
    subject table; return what was dropped (strict: raise the first instead). Only the tables of
    `files` are looked at (the others a load made are empty)."""
    issues = []
    for column in id_columns:
        for table in _tables_with(db, raw_schema, column, files):
            issue = _count(db, "ids_below_one", raw_schema, table, column, None, "id below 1", files)
            if issue:
                issues.append(_act(db, issue, strict, "drop_ids_below_one", raw_schema, table, column, None))
    if subject_key:
        parent, column = subject_key
        for table in _tables_with(db, raw_schema, column, files):
            if table == parent:
                continue
            issue = _count(db, "unknown_parents", raw_schema, table, column, parent, "unknown subject", files)
            if issue:
                issues.append(_act(db, issue, strict, "drop_unknown_parents", raw_schema, table, column, parent))
    return issues


def check_canonical(db: Database, dataset: str, strict: bool = False) -> list[LoadIssue]:
    """Apply the rules to the canonical tables of `dataset`; return what changed (strict: raise instead).
    An issue names the canonical table and column (and the raw table the rows came from), not a file:
    the column is the canonical one (visit_id), which the source's file may call otherwise."""
    schemas = {None: dataset}
    issues = [LoadIssue(f"{dataset}.{table}", source, column, reason, action, n, example)
              for table, source, column, reason, action, n, example
              in db.run(INTEGRITY_SQL, "canonical_issues", schemas=schemas)]
    if issues and strict:
        raise issues[0].as_error()
    if issues:
        for name in CANONICAL_ORDER:
            db.run(INTEGRITY_SQL, name, schemas=schemas)
    return issues


def _tables_with(db: Database, schema: str, column: str, files: dict[str, StagedFile]) -> list[str]:
    rows = db.run(INTEGRITY_SQL, "tables_with_column", params={"schema": schema, "column": column})
    return [r[0] for r in rows if r[0] in files]


def _count(db, statement, schema, table, column, parent, reason, files) -> LoadIssue | None:
    n, example, line = db.one(INTEGRITY_SQL, statement, tables=_tables(schema, table, parent),
                              columns={"id_column": column})
    if not n:
        return None
    staged = files.get(table)
    path = staged.path if staged else None
    line = physical_line(path, line) if staged and staged.in_file_order and line else None
    return LoadIssue(f"{schema}.{table}", None, column, reason, "dropped", n, example,
                     parent=parent and _named(parent, files), path=str(path) if path else None, line=line)


def _act(db, issue, strict, statement, schema, table, column, parent) -> LoadIssue:
    if strict:
        raise issue.as_error()
    db.run(INTEGRITY_SQL, statement, tables=_tables(schema, table, parent), columns={"id_column": column})
    return issue


def _tables(schema: str, table: str, parent: str | None) -> dict:
    tables = {"target": (schema, table)}
    if parent:
        tables["parent"] = (schema, parent)
    return tables


def _named(table: str, files: dict[str, StagedFile]) -> str:
    """A raw table as a message names it: its file's name when there is one."""
    staged = files.get(table)
    return staged.path.name if staged else table
