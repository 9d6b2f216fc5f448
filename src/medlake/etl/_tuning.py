"""Keeping large loads fast and inside their memory.

Five measures, all invisible in the result:
- DuckDB's memory is capped while a load runs (it spills to its temp directory
  past the cap).
- Plain FSST string compression is skipped while it runs: on DuckDB 2 it is
  hardly ever chosen for these tables, and its analysis costs time. DuckDB 2's
  dictionary compression (`dict_fsst`) stays on: without it every string is
  stored uncompressed and the lake grows from 0.9 to 4 GB, for a slower load.
- Raw tables whose row positions no check reads are staged without preserving
  insertion order (`insertion_order`), so DuckDB writes them in parallel; the
  rest of the load keeps the order, which the sorted inserts below rely on.
- The statement that fills `events` (one INSERT ... ORDER BY over every raw
  event table) runs once per range of subject ids, in ascending order, so each
  sort fits in memory and the table still comes out sorted. On a
  MIMIC-III-sized load the single sort needs about 9 GB; in ranges of ~3 M rows
  it stays under 1.5 GB.
- That sort carries `vocab` and `source` as ENUMs when the SQL gives them as
  literals (`_enum_literals`): the same rows in the same order, about 4 s
  faster on a MIMIC-III-sized load.
"""

from __future__ import annotations

import contextlib
import math

import duckdb
from sqlglot import exp

from ..lake import one_row
from ..sqlfiles import load_sql, qualify, render

LOAD_MEMORY_LIMIT = 1024 * 2**20   # bytes; a lower user setting is kept
SKIPPED_COMPRESSION = ("fsst",)
EVENTS_PER_RANGE = 3_000_000        # events sorted at once


@contextlib.contextmanager
def load_settings(con: duckdb.DuckDBPyConnection):
    """Cap DuckDB's memory, skip FSST and keep insertion order for the duration of a load,
    then put the user's settings back."""
    before = one_row(con, _text("memory_limit"))[0]
    lowered = _bytes(before) > LOAD_MEMORY_LIMIT
    if lowered:
        con.execute(_text("set_memory_limit"), {"limit": f"{LOAD_MEMORY_LIMIT // 2**20}MiB"})
    disabled = one_row(con, _text("disabled_compression"))[0] or ""
    have = [m for m in disabled.split(",") if m.strip()]
    con.execute(_text("set_disabled_compression"),
                {"methods": ",".join(have + [m for m in SKIPPED_COMPRESSION if m not in have])})
    # sorted inserts must land in their ORDER BY order, whatever the user set
    order_kept = one_row(con, _text("insertion_order"))[0]
    con.execute(_text("set_insertion_order"), {"keep": True})
    try:
        yield
    finally:
        con.execute(_text("set_insertion_order"), {"keep": order_kept})
        con.execute(_text("set_disabled_compression"), {"methods": disabled})
        if lowered:
            # the setting reads back rounded ("18.8 GiB"); the default is put back exactly by a reset
            con.execute(_text("reset_memory_limit"))
            if one_row(con, _text("memory_limit"))[0] != before:
                con.execute(_text("set_memory_limit"), {"limit": before})


@contextlib.contextmanager
def insertion_order(con: duckdb.DuckDBPyConnection, keep: bool):
    """Run the block with DuckDB's preserve_insertion_order set to `keep`, then put it back.

    Not on error: a failed statement aborts the load's transaction, where no SET
    runs; `load_settings` restores the user's setting after the rollback."""
    before = one_row(con, _text("insertion_order"))[0]
    con.execute(_text("set_insertion_order"), {"keep": keep})
    yield
    con.execute(_text("set_insertion_order"), {"keep": before})


def run_canonical(lake, relpath: str, schemas: dict, raw_rows: int) -> None:
    """Run a source's canonical SQL file; the `events` insert runs in subject ranges when it is large."""
    ranges = max(1, math.ceil(raw_rows / EVENTS_PER_RANGE))
    for st in load_sql(relpath).statements:
        tree = qualify(st.tree, schemas)
        if not _sorted_events_insert(tree):
            lake.execute(render(tree))
            continue
        tree = _enum_literals(tree)
        bounds = _subject_bounds(lake, schemas, ranges) if ranges > 1 else []
        if not bounds:
            lake.execute(render(tree))
            continue
        text = render(_with_subject_range(tree))
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            lake.execute(text, {"lo": lo, "hi": hi})


def _sorted_events_insert(tree: exp.Expression) -> bool:
    """INSERT INTO events <query> ORDER BY ...: the shape whose rows can be built one range of subjects at a time."""
    if not isinstance(tree, exp.Insert) or not isinstance(tree.this, exp.Table) or tree.this.name != "events":
        return False
    query = tree.expression
    return isinstance(query, exp.Select) and query.args.get("order") is not None


def _union_under_star(query: exp.Select) -> list[exp.Select]:
    """The branches of `SELECT * FROM (<UNION ALL>) ...`, or [] for any other query shape."""
    source = query.args.get("from_") or query.args.get("from")
    inner = getattr(source, "this", None)
    if not query.is_star or not isinstance(inner, exp.Subquery):
        return []
    return _union_branches(inner.this)


def _union_branches(query: exp.Expression) -> list[exp.Select]:
    """The SELECTs of a UNION ALL chain, in order."""
    if isinstance(query, exp.Union):
        return _union_branches(query.this) + _union_branches(query.expression)
    return [query] if isinstance(query, exp.Select) else []


def _enum_literals(tree: exp.Expression, columns: tuple[str, ...] = ("vocab", "source")) -> exp.Expression:
    """Carry `vocab` and `source` through the events sort as ENUMs rather than strings.

    When every branch of the insert's UNION ALL gives one of these columns as a
    string literal (or a CASE of string literals), it is cast to an ENUM of all
    those strings, listed alphabetically. The sort then moves one-byte values instead of strings and
    orders `source` by its ENUM position, which is its alphabetical order, so the
    rows come out in exactly the same order; the table's VARCHAR columns receive
    the same text. On a MIMIC-III-sized load this takes a few seconds off the sort.
    A column given any other way in some branch is left as written."""
    tree = tree.copy()
    branches = _union_under_star(tree.expression)
    names = [e.alias_or_name for e in branches[0].expressions] if branches else []
    for column in columns:
        if column not in names:
            continue
        position = names.index(column)
        values = [_literal_values(b.expressions[position]) for b in branches]
        if any(v is None for v in values):
            continue
        enum = exp.DataType.build(f"ENUM({', '.join(repr(v) for v in sorted(set().union(*values)))})", dialect="duckdb")
        for branch in branches:
            old = branch.expressions[position]
            cast = exp.cast(old.this.copy() if isinstance(old, exp.Alias) else old.copy(), enum)
            old.replace(exp.alias_(cast, column) if isinstance(old, exp.Alias) else cast)
    return tree


def _literal_values(e: exp.Expression) -> set[str] | None:
    """The texts a string literal, or a CASE of string literals, can take (aliased or not); else None."""
    e = e.this if isinstance(e, exp.Alias) else e
    if isinstance(e, exp.Literal) and e.is_string:
        return {e.name}
    if isinstance(e, exp.Case) and e.args.get("default") is not None:
        parts = [i.args.get("true") for i in e.args.get("ifs", [])] + [e.args["default"]]
        values = [_literal_values(p) for p in parts]
        return None if any(v is None for v in values) else set().union(*values)
    return None


def _with_subject_range(tree: exp.Expression) -> exp.Expression:
    """INSERT INTO events SELECT * FROM (<query>) WHERE $lo <= subject_id < $hi ORDER BY <its order>.

    DuckDB pushes the range filter down into the query's scans, so each range
    reads (and sorts) only its own subjects."""
    tree = tree.copy()
    query = tree.expression
    order = query.args["order"]
    query.set("order", None)
    subject = exp.column("subject_id")
    cond = exp.and_(exp.GTE(this=subject.copy(), expression=exp.Placeholder(this="lo")),
                    exp.LT(this=subject.copy(), expression=exp.Placeholder(this="hi")))
    ranged = exp.select("*").from_(query.subquery(copy=False)).where(cond)
    ranged.set("order", order)
    tree.set("expression", ranged)
    return tree


def _subject_bounds(lake, schemas: dict, ranges: int) -> list[int]:
    """Ascending subject ids cutting the subjects into `ranges` parts; the last bound is past the largest id."""
    fractions = [i / ranges for i in range(ranges + 1)]
    row = one_row(lake.con, render(qualify(load_sql("etl/tuning.sql")["subject_bounds"].tree, schemas)),
                  {"fractions": fractions})
    if not row or not row[0]:
        return []
    bounds = sorted(set(row[0]))
    bounds[-1] += 1
    return bounds


def _text(name: str) -> str:
    st = load_sql("etl/tuning.sql")[name]
    return st.raw or st.text


_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _bytes(setting: str) -> float:
    """'953.6 MiB' -> bytes (DuckDB's way of showing a memory setting)."""
    number, _, unit = setting.strip().partition(" ")
    try:
        return float(number) * _UNITS.get(unit.strip().upper() or "B", 1)
    except ValueError:
        return math.inf
