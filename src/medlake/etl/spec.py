"""Source specs: what a loader is (`Source`) and the raw tables it knows (`RawTable`).

A source (mimic3, mimic4, eicu, omop) is a `Source`: the raw tables it knows
(file names, typed columns, primary key) and the SQL file that turns them into
the canonical tables. Each loader module under etl/sources/ defines one as
`SOURCE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..database import Database
from ..errors import InputError


@dataclass
class RawTable:
    """A raw table a source knows: where it comes from and how it is typed."""

    name: str                                   # raw table name, lower case
    files: tuple[str, ...]                      # file stems to look for (case-insensitive, no suffix)
    columns: dict[str, str]                     # required columns -> DuckDB type
    optional: dict[str, str] = field(default_factory=dict)  # typed when present, NULL when absent
    primary_key: tuple[str, ...] = ()
    required: bool = True                       # a full load fails without this file
    always: bool = False                        # loaded even when --tables names other tables
    description: str = ""
    line_checks: bool = False                   # a source check names lines by row position

    @property
    def all_columns(self) -> dict[str, str]:
        return {**self.columns, **self.optional}

    @property
    def keeps_file_order(self) -> bool:
        """Rows must sit in file order, because a check (the primary key's, or the
        source's own) turns row positions into line numbers. Other tables are staged
        without keeping it, which lets DuckDB write them in parallel (~10-20% faster)."""
        return bool(self.primary_key) or self.line_checks


@dataclass
class FoundFile:
    """A raw table matched to the file that holds it."""

    table: RawTable
    path: Path


@dataclass
class Source:
    """A loader: its raw tables and the SQL that builds the canonical tables."""

    name: str
    tables: list[RawTable]
    etl_sql: str                                # path under src/medlake/sql
    description: str = ""
    formats: tuple[str, ...] = (".csv.gz", ".csv")
    check: Callable[[Database, str, list[FoundFile]], None] | None = None  # after staging; InputError
    # (raw table, column) that identifies a subject: a row of another raw table naming one it lacks is dropped
    subject_key: tuple[str, str] | None = None
    id_columns: tuple[str, ...] = ()            # subject and visit id columns: a value below 1 drops its row

    def table(self, name: str) -> RawTable:
        """The raw table called `name`, or InputError listing the known ones."""
        for t in self.tables:
            if t.name == name:
                return t
        known = ", ".join(t.name for t in self.tables)
        raise InputError(f"unknown table '{name}' for source {self.name}", expected=f"one of: {known}")
