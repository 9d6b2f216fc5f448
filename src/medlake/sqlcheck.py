"""Checking SQL that comes from outside medlake before it runs: one statement, what it may touch.

Three users share these checks:

- `check_statement` guards `medlake sql` and `lake.sql()`: exactly one
  statement; only reads (a query, VALUES, DESCRIBE, SHOW, SUMMARIZE) unless
  `write`; no file or network access (file and network functions, file paths
  as table names, COPY, ATTACH, INSTALL, LOAD, ...) unless `allow_files`.
- `check_lake_select` guards task files and feature views: one query over the
  tables a caller allows, no file, network, settings or catalog functions and
  no table functions at all.

The checks read the statement as sqlglot parses it (DuckDB dialect); a
statement sqlglot cannot parse is refused rather than run unchecked. Every
refusal is a SqlFileError that names where the SQL came from and the node
that was refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from .errors import SqlFileError
from .sqlfiles import DIALECT, render

# Functions that read files, the network, other databases or the environment.
FILE_FUNCTIONS = frozenset({
    "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto",
    "read_json_objects", "read_ndjson", "read_ndjson_auto", "read_ndjson_objects", "read_text", "read_blob",
    "glob", "sniff_csv", "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
    "read_xlsx", "st_read", "iceberg_scan", "delta_scan", "sqlite_scan", "postgres_scan", "mysql_scan",
    "query", "query_table", "getenv", "read_duckdb", "load_extension", "write_csv",
})
# Functions that read or name the session's settings or the catalog (which schemas, tables, files exist).
SETTINGS_FUNCTIONS = frozenset({"current_setting", "duckdb_settings", "which_secret", "duckdb_secrets"})
CATALOG_PREFIXES = ("duckdb_", "pragma_")
CATALOG_FUNCTIONS = frozenset({
    "current_database", "current_catalog", "current_schema", "current_schemas", "current_user", "user",
    "current_role", "session_user", "version", "current_version", "database_size", "database_list",
    "show_databases", "show_tables", "show_tables_expanded", "table_info", "storage_info", "checkpoint",
    "force_checkpoint", "has_table_privilege", "has_schema_privilege",
})
# Statements that change the lake or the session (allowed by `write`).
WRITE_NODES = (exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Alter, exp.Merge, exp.TruncateTable,
               exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Pragma, exp.Use, exp.Command, exp.Copy,
               exp.Attach, exp.Detach, exp.Install)
# Statements that read or write files or the network (allowed by `allow_files`).
FILE_NODES = (exp.Copy, exp.Attach, exp.Detach, exp.Install, exp.ReadCSV, exp.ReadParquet)
# Statements that only read (besides queries).
READ_STATEMENTS = (exp.Describe, exp.Show, exp.Summarize, exp.Values)
# Commands sqlglot keeps as text that touch no file: allowed with `write`.
SAFE_COMMANDS = ("checkpoint", "force checkpoint", "vacuum", "analyze")


def what(node: exp.Expression, width: int = 60) -> str:
    """A node for a message: its kind and its SQL, cut to `width` characters."""
    text = render(node)
    return f"{node.key.upper()} ({text[:width]}{'...' if len(text) > width else ''})"


def function_name(fn: exp.Func) -> str:
    """A function's name as written in DuckDB SQL, lower-case."""
    return (fn.name if isinstance(fn, exp.Anonymous) else fn.sql_name()).lower()


def parse_statements(text: str, where: str) -> list[exp.Expression]:
    """The statements of `text` as sqlglot trees (empty ones dropped); SqlFileError when it cannot parse."""
    log = logging.getLogger("sqlglot")  # its 'falling back to a Command' warnings: the checks name those
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        trees = sqlglot.parse(text, read=DIALECT)
    except sqlglot.errors.ParseError as e:
        first = e.errors[0] if e.errors else {}
        at = f" at line {first['line']}, column {first['col']}" if first.get("line") else ""
        desc = first.get("description") or str(e).splitlines()[0]
        raise SqlFileError(where, f"cannot parse the SQL{at}: {desc}") from None
    finally:
        log.setLevel(level)
    return [t for t in trees if t is not None]


def one_statement(text: str, where: str) -> exp.Expression:
    """The single statement of `text`; SqlFileError naming the second when there are more."""
    trees = parse_statements(text, where)
    if not trees:
        raise SqlFileError(where, "no SQL statement given")
    if len(trees) > 1:
        raise SqlFileError(where, f"runs exactly one statement; found a second: {what(trees[1])}")
    return trees[0]


def check_statement(text: str, *, write: bool = False, allow_files: bool = False,
                    where: str = "query") -> exp.Expression:
    """The checks of `medlake sql` and `lake.sql()`: one statement, read-only unless `write`,
    no files or network unless `allow_files`. Returns the parsed statement."""
    tree = one_statement(text, where)
    if not write:
        check_reads_only(tree, where)
    if not allow_files:
        check_no_files(tree, where)
    return tree


def check_reads_only(tree: exp.Expression, where: str, subject: str = "the statement") -> None:
    """SqlFileError unless the statement is a query (or DESCRIBE/SHOW/SUMMARIZE) that changes nothing."""
    bad = next(iter(tree.find_all(*WRITE_NODES)), None)
    if bad is not None:
        raise SqlFileError(where, f"{subject} may only read (pass --write, or write=True, to change the lake); "
                                  f"found {what(bad)}")
    if not isinstance(tree, (exp.Query, *READ_STATEMENTS)):
        raise SqlFileError(where, f"{subject} may only read (a SELECT); found {what(tree)}")


def reads_only(text: str) -> bool:
    """Whether every statement of `text` only reads (False when it cannot be parsed)."""
    try:
        for tree in parse_statements(text, "statement"):
            check_reads_only(tree, "statement")
    except SqlFileError:
        return False
    return True


def check_no_files(tree: exp.Expression, where: str) -> None:
    """SqlFileError when the statement reads or writes files or the network."""
    hint = "file and network access needs --allow-files (allow_files=True)"
    for node in tree.walk():
        if isinstance(node, exp.Func) and function_name(node) in FILE_FUNCTIONS:
            raise SqlFileError(where, f"function {function_name(node)}() reads outside the lake; {hint}")
        if isinstance(node, FILE_NODES):
            raise SqlFileError(where, f"{what(node)} reads or writes files; {hint}")
        if isinstance(node, exp.Command) and not " ".join(render(node).lower().split()).startswith(SAFE_COMMANDS):
            raise SqlFileError(where, f"{what(node)} is not checked by medlake and may reach files; {hint}")
        if isinstance(node, exp.Table) and _is_path(node):
            raise SqlFileError(where, f"table '{node.name}' names a file or URL; {hint}")


def _is_path(table: exp.Table) -> bool:
    """A table name DuckDB would read as a file or URL (a replacement scan): one with '.', '/', '\\' or ':'."""
    return (isinstance(table.this, exp.Identifier) and table.args.get("db") is None
            and any(c in table.name for c in "./\\:"))


def check_lake_select(tree: exp.Expression, where: str, *, subject: str,
                      table_allowed: Callable[[exp.Table], str | None]) -> None:
    """The allowlist of task files and feature views: one query that changes nothing, calls no
    file, network, settings or catalog function and no table function, and reads only tables that
    `table_allowed` accepts (it returns None for an allowed table, else the reason it is not)."""
    for fn in tree.find_all(exp.Func):
        name = function_name(fn)
        if name in FILE_FUNCTIONS:
            raise SqlFileError(where, f"function {name}() reads outside the lake; {subject} may read only lake tables")
        if name in SETTINGS_FUNCTIONS or name in CATALOG_FUNCTIONS or name.startswith(CATALOG_PREFIXES):
            raise SqlFileError(where, f"function {name}() reads the lake's settings or catalog; "
                                      f"{subject} may read only lake tables")
    bad = next(iter(tree.find_all(*WRITE_NODES, *FILE_NODES)), None)
    if bad is not None:
        raise SqlFileError(where, f"{subject} may only read; found {what(bad)}")
    if not isinstance(tree, exp.Query):
        raise SqlFileError(where, f"{subject} must be a SELECT query; found {what(tree)}")
    for t in tree.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            raise SqlFileError(where, f"table function {render(t.this)} is not allowed; "
                                      f"{subject} reads lake tables only")
        reason = table_allowed(t)
        if reason:
            raise SqlFileError(where, reason)
