"""SQL files: every statement medlake runs lives in src/medlake/sql/.

A file may start with a header, YAML inside a block comment that opens with
`/* medlake`::

    /* medlake
    name: mortality
    description: ...
    */
    SELECT ...

and may hold several statements, each optionally named by a `-- name: NAME`
line before it. Statements are parsed with sqlglot (DuckDB dialect) and are
handled as trees: `qualify` points canonical table names at a dataset's
schema, and `render` turns a tree back into text in one place.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from .errors import SqlFileError, UnknownNameError

SQL_ROOT = Path(__file__).parent / "sql"
DIALECT = "duckdb"

_HEADER = re.compile(r"\A\s*/\*\s*medlake\b(.*?)\*/", re.S)
_NAME_LINE = re.compile(r"^--\s*name:\s*([A-Za-z0-9_.-]+)\s*$", re.M)


@dataclass
class Statement:
    """One SQL statement of a file: its name (or index), text and parsed tree."""

    name: str
    text: str
    tree: exp.Expression
    raw: str = ""  # the statement as written (when its chunk held only it)


@dataclass
class SqlFile:
    """A parsed .sql file: header dict and its statements in order."""

    path: Path
    header: dict
    statements: list[Statement] = field(default_factory=list)

    def __getitem__(self, name: str) -> Statement:
        for st in self.statements:
            if st.name == name:
                return st
        raise UnknownNameError(f"{self.path}: no statement named '{name}'")

    @property
    def text(self) -> str:
        return ";\n".join(st.text for st in self.statements)


def parse_sql_text(text: str, path: str | Path = "<string>") -> SqlFile:
    """Parse SQL text with an optional medlake header into a SqlFile."""
    header: dict = {}
    m = _HEADER.match(text)
    body = text
    if m:
        try:
            header = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as e:
            raise SqlFileError(path, f"header is not valid YAML: {e}") from None
        if not isinstance(header, dict):
            raise SqlFileError(path, "header must be a YAML mapping (key: value lines)")
        body = text[m.end():]
    statements: list[Statement] = []
    chunks = _split_named(body)
    for i, (name, chunk) in enumerate(chunks):
        try:
            trees = [t for t in sqlglot.parse(chunk, read=DIALECT) if t is not None]
        except sqlglot.errors.ParseError as e:
            raise SqlFileError(path, f"cannot parse SQL{' ' + repr(name) if name else ''}: {e}") from None
        for j, tree in enumerate(trees):
            st_name = name if (name and len(trees) == 1) else (f"{name}.{j}" if name else str(len(statements)))
            raw = chunk.strip().rstrip(";").strip() if len(trees) == 1 else ""
            statements.append(Statement(st_name, tree.sql(dialect=DIALECT), tree, raw))
    return SqlFile(Path(path), header, statements)


def _split_named(body: str) -> list[tuple[str | None, str]]:
    """Split a body on `-- name:` lines; text before the first one is unnamed."""
    marks = list(_NAME_LINE.finditer(body))
    if not marks:
        return [(None, body)] if body.strip() else []
    out = []
    if body[: marks[0].start()].strip():
        out.append((None, body[: marks[0].start()]))
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(body)
        out.append((m.group(1), body[m.end():end]))
    return out


@functools.lru_cache(maxsize=None)
def load_sql(relpath: str) -> SqlFile:
    """Load a packaged SQL file by its path under src/medlake/sql (cached)."""
    path = SQL_ROOT / relpath
    if not path.exists():
        raise UnknownNameError(f"no packaged SQL file '{relpath}'")
    return parse_sql_text(path.read_text(), path)


def load_sql_path(path: str | Path) -> SqlFile:
    """Load a user's SQL file from anywhere."""
    path = Path(path)
    if not path.exists():
        raise UnknownNameError(f"SQL file not found: {path}")
    return parse_sql_text(path.read_text(), path)


def quote(name: str) -> str:
    """Quote one identifier for DuckDB through sqlglot."""
    return exp.to_identifier(name, quoted=True).sql(dialect=DIALECT)


def table_ref(schema: str | None, table: str) -> str:
    """A quoted, optionally schema-qualified table name."""
    return exp.table_(table, db=schema, quoted=True).sql(dialect=DIALECT)


def cte_names(tree: exp.Expression) -> set[str]:
    """Names defined by WITH clauses anywhere in the tree."""
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def qualify(tree: exp.Expression, schemas: dict[str | None, str]) -> exp.Expression:
    """Point table names at schemas: `schemas[None]` for unqualified names,
    `schemas["raw"]` for names written as `raw.x`, and so on. CTE names,
    table functions and names whose schema is not in the map are left alone."""
    tree = tree.copy()
    ctes = cte_names(tree)
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            continue
        if table.args.get("catalog") is not None:
            continue
        db = table.args.get("db")
        key = db.name if db is not None else None
        if key is None and table.name.lower() in ctes:
            continue
        if key not in schemas:
            continue
        table.set("db", exp.to_identifier(schemas[key], quoted=True))
    return tree


def render(tree: exp.Expression, dialect: str = DIALECT, pretty: bool = False) -> str:
    """Turn a tree into SQL text for a dialect (the one place this happens)."""
    return tree.sql(dialect=dialect, pretty=pretty)


def render_file(relpath: str, schemas: dict[str | None, str], name: str | None = None) -> list[str]:
    """Qualified SQL text of a packaged file's statements (or of one named statement)."""
    f = load_sql(relpath)
    sts = [f[name]] if name else f.statements
    return [render(qualify(st.tree, schemas)) for st in sts]
