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
handled as trees. `fill` is the one way to turn a statement and its
fill-ins (schemas, placeholder tables, placeholder columns) into a tree;
`statement_sql` gives the text to run, `render` turns a tree back into text
in one place, and `params_used` keeps the bound parameters a text names.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from .errors import SqlFileError, UnknownNameError, yaml_problem

SQL_ROOT = Path(__file__).parent / "sql"
DIALECT = "duckdb"

_HEADER = re.compile(r"\A\s*/\*\s*medlake\b(.*?)\*/", re.S)
_NAME_LINE = re.compile(r"^--\s*name:\s*([A-Za-z0-9_.-]+)\s*$", re.M)


@dataclass
class Statement:
    """One SQL statement of a file: its name (or index), parsed tree and text."""

    name: str
    tree: exp.Expression
    raw: str = ""  # the statement as written (when its chunk held only it)

    @functools.cached_property
    def text(self) -> str:
        """The statement as sqlglot renders it, rendered when first asked for (most statements, such as the
        shared task blocks, are only ever used as trees)."""
        return self.tree.sql(dialect=DIALECT)

    @property
    def sql(self) -> str:
        """The text to run as is: as written when the chunk held only this statement
        (constructs sqlglot keeps as commands survive), else as sqlglot renders it."""
        return self.raw or self.text


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
            raise SqlFileError(path, f"header is not valid YAML: {yaml_problem(e)}") from None
        if not isinstance(header, dict):
            raise SqlFileError(path, "header must be a YAML mapping (key: value lines)")
        body = text[m.end():]
    statements: list[Statement] = []
    chunks = _split_named(body)
    for name, chunk in chunks:
        try:
            trees = [t for t in sqlglot.parse(chunk, read=DIALECT) if t is not None]
        except sqlglot.errors.ParseError as e:
            raise SqlFileError(path, f"cannot parse SQL{' ' + repr(name) if name else ''}: {e}") from None
        for j, tree in enumerate(trees):
            st_name = name if (name and len(trees) == 1) else (f"{name}.{j}" if name else str(len(statements)))
            raw = chunk.strip().rstrip(";").strip() if len(trees) == 1 else ""
            statements.append(Statement(st_name, tree, raw))
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


@functools.cache
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


def cte_names(tree: exp.Expression) -> set[str]:
    """Names defined by WITH clauses anywhere in the tree."""
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def qualify(tree: exp.Expression, schemas: dict[str | None, str], keep: set[str] = frozenset()) -> exp.Expression:
    """Point table names at schemas: `schemas[None]` for unqualified names,
    `schemas["raw"]` for names written as `raw.x`, and so on; a schema named
    on its own (CREATE SCHEMA target) is replaced when its name is a key. CTE
    names, table functions, names whose schema is not in the map and the
    unqualified names in `keep` (placeholders `fill` replaces) are left alone."""
    tree = tree.copy()
    ctes = cte_names(tree)
    for table in list(tree.find_all(exp.Table)):
        if table.args.get("catalog") is not None:
            continue
        db = table.args.get("db")
        if table.this is None and db is not None:  # a schema on its own
            if db.name in schemas:
                table.set("db", exp.to_identifier(schemas[db.name], quoted=True))
            continue
        if not isinstance(table.this, exp.Identifier):
            continue
        key = db.name if db is not None else None
        if key is None and (table.name.lower() in ctes or table.name in keep):
            continue
        if key not in schemas:
            continue
        table.set("db", exp.to_identifier(schemas[key], quoted=True))
    return tree


TableFill = str | tuple[str, str] | exp.Expression
ColumnFill = str | list[str] | tuple[str, ...] | exp.Expression


def fill(tree: exp.Expression, *, schemas: dict[str | None, str] | None = None,
         tables: dict[str, TableFill] | None = None, columns: dict[str, ColumnFill] | None = None) -> exp.Expression:
    """A statement's tree with its fill-ins put in (a copy; the cached tree is never changed).

    - `schemas`: see `qualify`.
    - `tables`: placeholder table name -> a table name (quoted), a (schema, table)
      pair, or any expression (a subquery); an alias on the placeholder is kept.
    - `columns`: placeholder column name -> a column name (references, aliases and
      column definitions are renamed, table qualifiers kept), a list of names or
      expressions (the placeholder expands inside a SELECT or GROUP BY list or a
      table's column list), or an expression that takes the placeholder's place
      where it stands unqualified.
    Every identifier put in is quoted through sqlglot."""
    tree = qualify(tree, schemas, keep=set(tables or ())) if schemas else tree.copy()
    if tables:
        tree = _fill_tables(tree, tables)
    if columns:
        tree = _fill_columns(tree, columns)
    return tree


def _table_expression(value: TableFill) -> exp.Expression:
    if isinstance(value, exp.Expression):
        return value.copy()
    if isinstance(value, tuple):
        schema, name = value
        return exp.table_(name, db=schema, quoted=True)
    return exp.table_(value, quoted=True)


def _fill_tables(tree: exp.Expression, tables: dict[str, TableFill]) -> exp.Expression:
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") is not None:
            continue
        if table.name not in tables:
            continue
        new = _table_expression(tables[table.name])
        if isinstance(new, exp.Query) and not isinstance(new, exp.Subquery):
            new = new.subquery(copy=False)
        alias = table.args.get("alias")
        if alias is not None and isinstance(new, (exp.Table, exp.Subquery)):
            new.set("alias", alias.copy())
        if table is tree:
            return new
        table.replace(new)
    return tree


def _fill_columns(tree: exp.Expression, columns: dict[str, ColumnFill]) -> exp.Expression:
    for node in list(tree.find_all(exp.Column, exp.ColumnDef, exp.Alias)):
        if isinstance(node, exp.Alias):
            new = columns.get(node.alias)
            if isinstance(new, str):
                node.set("alias", exp.to_identifier(new, quoted=True))
            continue
        if node.name not in columns or (isinstance(node, exp.Column) and node.table and node.name == "*"):
            continue
        new = columns[node.name]
        if isinstance(new, (list, tuple)):
            _expand(node, [exp.column(c, quoted=True) if isinstance(c, str) else c.copy() for c in new])
        elif isinstance(new, exp.Expression):
            if node is tree:
                return new.copy()
            if not (isinstance(node, exp.Column) and node.table):
                node.replace(new.copy())
        elif isinstance(node, exp.ColumnDef):
            node.set("this", exp.to_identifier(new, quoted=True))
        else:
            renamed = node.copy()
            renamed.set("this", exp.to_identifier(new, quoted=True))
            node.replace(renamed)
    return tree


def _expand(node: exp.Expression, replacement: list[exp.Expression]) -> None:
    """Put several items where one placeholder stands in a list (SELECT, GROUP BY, a table's columns)."""
    parent = node.parent
    items = parent.args.get("expressions") if parent is not None else None
    if not isinstance(items, list) or not any(e is node for e in items):
        raise SqlFileError("<statement>", f"placeholder '{node.name}' may only stand in a SELECT or GROUP BY "
                                          "list or a table's column list")
    i = next(i for i, e in enumerate(items) if e is node)
    parent.set("expressions", items[:i] + replacement + items[i + 1:])


def render(tree: exp.Expression, dialect: str = DIALECT, pretty: bool = False) -> str:
    """Turn a tree into SQL text for a dialect (the one place this happens)."""
    return tree.sql(dialect=dialect, pretty=pretty)


def render_checked(tree: exp.Expression, dialect: str, pretty: bool = False) -> tuple[str, list[str]]:
    """`render`, plus what sqlglot could not write in that dialect (its 'unsupported' messages,
    which `render` leaves to sqlglot's logger): the text is wrong wherever the list is not empty."""
    generator = sqlglot.Dialect.get_or_raise(dialect).generator(pretty=pretty,
                                                                unsupported_level=sqlglot.ErrorLevel.IGNORE)
    try:
        text = generator.generate(tree, copy=True)
    except (sqlglot.errors.SqlglotError, AttributeError, ValueError) as e:
        return "", [f"{type(e).__name__}: {e}"]
    return text, list(dict.fromkeys(generator.unsupported_messages))


def statement_sql(relpath: str | Path, name: str | None = None, **fills) -> list[str]:
    """Text of a file's statements (or of one named statement) with `fill`'s fill-ins put in:
    a str names a packaged file (under src/medlake/sql), a Path any file (benchmarks, docs examples).

    Without fill-ins a statement runs as written (see Statement.sql)."""
    f = load_sql_path(relpath) if isinstance(relpath, Path) else load_sql(relpath)
    sts = [f[name]] if name else f.statements
    if not any(fills.values()):
        return [st.sql for st in sts]
    return [render(fill(st.tree, **fills)) for st in sts]


def params_used(text: str, params: dict | None) -> dict | None:
    """Only the named parameters (`$name`) a statement's text mentions: DuckDB rejects extra ones."""
    if not params:
        return None
    used = {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", text)}
    return used or None
