"""DuckDB trees in other dialects: sqlglot's transpiler plus the few rewrites it lacks.

medlake keeps one copy of every query, written for DuckDB. `transpile`
renders a tree for another engine through `sqlfiles.render`, after small
tree rewrites of the DuckDB constructs sqlglot 30 does not carry over (or
carries over wrongly):

- `epoch_us(t)` -> microseconds since the epoch (Spark `unix_micros`, BigQuery
  `unix_micros(timestamp(t))`, the others epoch seconds x 10^6);
- `CAST(x AS HUGEINT)` -> `DECIMAL(38, 0)` (the sortable first-seen numbers
  of the task blocks need more than 64 bits);
- `to_years/months/days/hours/minutes/seconds/microseconds(n)` -> `INTERVAL 'n' UNIT` (n a
  literal; else `n * INTERVAL '1' UNIT`);
- `epoch(a - b)` (seconds between two timestamps) -> the difference of their
  microseconds / 1e6 as DOUBLE, and `epoch(t)` -> microseconds / 1e6;
- `list_slice(l, i, j)` (1-based, inclusive) -> Spark `slice(l, i, j - i + 1)`;
- `concat(a, ...)` of non-strings -> the arguments cast to strings first;
- `any_value(x)` (which skips NULLs) -> Spark `any_value(x, true)`;
- `histogram(x)` -> Spark: the distinct values' counts through `transform`
  and `filter` over `collect_list(x)`, made a map (NULL when there are none);
- `favg(x)` (DuckDB's order-independent mean) -> `avg(x)`;
- `list(x ORDER BY x)` -> Spark `array_sort(collect_list(x))` (collect_list
  keeps no order), a FILTER clause staying on collect_list;
- `hash(x)` -> Spark `raise_error(...)`: DuckDB's hash has no Spark
  equivalent, so a row that needs it (the number of a ChestX-ray14 study,
  which has no study_id) fails with a message instead of a different number;
- `generate_series(a, b)` as a list (not under unnest, which sqlglot
  guards itself) -> Spark and Trino `IF(b < a, ARRAY(), SEQUENCE(a, b))`:
  their `sequence` counts down when a > b, where DuckDB's list is empty.

For trino, postgres, bigquery and snowflake, which lack list lambdas and
struct lists, portable.py rewrites the remaining idioms (sorted struct lists,
any_value, histogram, arg_max over a struct, ...); for Trino the tree is
then typed from the canonical tables' schema, so that its structs become
typed ROWs.

Parameters are bound as literals (`bind`): the engines the SQL goes to do
not share DuckDB's `$name` parameters.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from ..database import Database
from ..errors import MedlakeError
from ..sqlfiles import load_sql, render, render_checked
from ..tasks import literal_task_query
from . import portable

DIALECTS = ("duckdb", "spark", "trino", "postgres", "bigquery", "snowflake")

HASH_ERROR = ("medlake: this row needs DuckDB's hash(), which Spark computes differently (a ChestX-ray14 "
              "study has no study_id and is numbered by it); run this task on DuckDB")
_INTERVAL_UNITS = {"to_years": "YEAR", "to_months": "MONTH", "to_days": "DAY", "to_hours": "HOUR",
                   "to_minutes": "MINUTE", "to_seconds": "SECOND", "to_microseconds": "MICROSECOND"}


def check_dialect(dialect: str) -> str:
    """The dialect name, or MedlakeError listing those medlake writes."""
    name = (dialect or "").lower()
    if name not in DIALECTS:
        raise MedlakeError(f"unknown SQL dialect '{dialect}'; choose one of: {', '.join(DIALECTS)}")
    return name


def bind(tree: exp.Expression, values: dict) -> exp.Expression:
    """The tree with its `$name` placeholders replaced by literals (intervals for timedeltas)."""
    def literal(node):
        if isinstance(node, exp.Placeholder) and node.name in values:
            value = values[node.name]
            if isinstance(value, dt.timedelta):
                return _timedelta(value)
            return exp.convert(value)
        return node

    return tree.transform(literal)


def _timedelta(value: dt.timedelta) -> exp.Expression:
    """A timedelta as an interval literal in the largest unit that holds it whole."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    for unit, size in (("DAY", 86_400_000_000), ("HOUR", 3_600_000_000), ("MINUTE", 60_000_000),
                       ("SECOND", 1_000_000)):
        if micros % size == 0:
            return _interval(exp.Literal.number(micros // size), unit)
    return _interval(exp.Literal.number(micros), "MICROSECOND")


def rewrite(tree: exp.Expression, dialect: str) -> exp.Expression:
    """The tree with the DuckDB constructs `dialect` lacks rewritten (a copy; duckdb: unchanged)."""
    dialect = check_dialect(dialect)
    if dialect == "duckdb":
        return tree.copy()
    spark = dialect == "spark"

    def edit(node: exp.Expression) -> exp.Expression:
        name = node.name.lower() if isinstance(node, exp.Anonymous) else None
        if name == "epoch_us":
            return _micros(node.expressions[0], dialect)
        if name in _INTERVAL_UNITS and len(node.expressions) == 1:
            return _interval(node.expressions[0], _INTERVAL_UNITS[name])
        if isinstance(node, exp.ToDays):
            return _interval(node.this, "DAY")
        if isinstance(node, exp.TimeToUnix):
            return _seconds(node.this, dialect)
        if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.INT128:
            return exp.Cast(this=node.this, to=exp.DataType.build("DECIMAL(38, 0)"))
        if spark and name == "list_slice" and len(node.expressions) == 3:
            lst, start, end = node.expressions
            count = exp.Add(this=exp.Sub(this=end, expression=start.copy()), expression=exp.Literal.number(1))
            length = exp.Greatest(this=count, expressions=[exp.Literal.number(0)])
            return exp.Anonymous(this="SLICE", expressions=[lst, start, length])
        if spark and isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
            return exp.Anonymous(this="ANY_VALUE", expressions=[node.this.this, exp.true()])
        if isinstance(node, (exp.Concat, exp.ConcatWs)):
            node.set("expressions", [_as_string(e) for e in node.expressions])
            return node
        if spark and name == "histogram" and len(node.expressions) == 1:
            return _spark_histogram(node.expressions[0])
        if name == "favg" and len(node.expressions) == 1:
            return exp.Avg(this=node.expressions[0])
        if spark and isinstance(node, exp.ArrayAgg) and _sorted_by_itself(node) \
                and not isinstance(node.parent, exp.Filter):
            return exp.ArraySort(this=exp.ArrayAgg(this=node.this.this))
        if spark and isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg) \
                and _sorted_by_itself(node.this):
            return exp.ArraySort(this=exp.Filter(this=exp.ArrayAgg(this=node.this.this.this),
                                                 expression=node.expression))
        if spark and name == "hash":
            return exp.Cast(this=exp.Anonymous(this="RAISE_ERROR", expressions=[exp.Literal.string(HASH_ERROR)]),
                            to=exp.DataType.build("BIGINT"))
        if dialect in ("spark", "trino") and _bare_series(node):
            return exp.If(this=exp.LT(this=node.args["end"].copy(), expression=node.args["start"].copy()),
                          true=exp.Array(), false=node.copy())
        return node

    if dialect in portable.PORTABLE:
        tree = _bottom_up(tree.copy(), lambda node: portable.edit(edit(node), dialect))
        return portable.type_structs(tree, _schema(tree)) if dialect == "trino" else tree
    return _bottom_up(tree.copy(), edit)


def _bottom_up(tree: exp.Expression, edit) -> exp.Expression:
    """Apply `edit` to every node, children before their parent (so a rewrite sees rewritten arguments)."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = edit(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def transpile(tree: exp.Expression, dialect: str, pretty: bool = False) -> str:
    """The tree as SQL text of `dialect` (rewritten first; see the module's notes)."""
    return render(rewrite(tree, dialect), dialect=check_dialect(dialect), pretty=pretty)


def transpile_checked(tree: exp.Expression, dialect: str, pretty: bool = False) -> tuple[str, list[str]]:
    """(text, what sqlglot could not write in `dialect`): the text is wrong wherever the list is not empty."""
    return render_checked(rewrite(tree, dialect), check_dialect(dialect), pretty=pretty)


def task_sql(db: Database, name: str, dataset: str, dialect: str, pretty: bool = True,
             registered: dict | None = None, **params) -> tuple[str, list[str]]:
    """A task's SQL on a dataset for `dialect`, parameters bound as literals, tables named
    <dataset>.<table> (vocab.<table> for the code tables); returns (text, sqlglot's warnings).

    duckdb, spark and postgres are checked against DuckDB's samples by the tests (postgres:
    every task but drug_recommendation); trino, bigquery and snowflake are checked to parse
    back in their dialect. The warnings say where sqlglot knows it cannot write a construct."""
    check_dialect(dialect)
    _, _, tree = literal_task_query(db, name, dataset, registered, **params)
    return transpile_checked(tree, dialect, pretty=pretty)


def view_sql(view, dataset: str, dialect: str, samples: str | None = None, ttl=None, inclusive: bool = True,
             pretty: bool = True) -> tuple[str, list[str]]:
    """A feature view's SQL for `dialect`, its tables named <dataset>.<table>; with `samples` (a
    relation with __row, the view's key and __index_time) the point-in-time join of all its
    features over that relation instead, lookbacks written in as intervals. Returns (text, warnings)."""
    from ..featurestore.pit import ViewPart, point_in_time_query
    from ..featurestore.view import parse_duration
    from ..sqlfiles import qualify

    check_dialect(dialect)
    tree = qualify(view.tree, {None: dataset})
    if samples is not None:
        tree, lookbacks = point_in_time_query(samples, [ViewPart(view, tree, list(view.features))],
                                              inclusive=inclusive, ttl=parse_duration(ttl, "ttl"))
        tree = bind(tree, lookbacks)
    return transpile_checked(tree, dialect, pretty=pretty)


def rename_tables(tree: exp.Expression, names: dict[tuple[str, str], str]) -> exp.Expression:
    """Point qualified tables (schema, table) at other, unqualified names (Spark temporary views).
    A CTE of the same name as a new table name would hide it: that is an error."""
    tree = tree.copy()
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    clash = sorted(ctes & {n.lower() for n in names.values()})
    if clash:
        raise MedlakeError(f"the query names a CTE '{clash[0]}' like a table it reads; rename the CTE")
    for table in list(tree.find_all(exp.Table)):
        db = table.args.get("db")
        if db is None or table.args.get("catalog") is not None:
            continue
        new = names.get((db.name, table.name))
        if new is None:
            continue
        table.set("db", None)
        table.set("this", exp.to_identifier(new, quoted=True))
    return tree


def _schema(tree: exp.Expression) -> dict:
    """{schema: {table: {column: type}}} of the canonical and code tables a tree reads (sqlglot's
    type annotation needs it), from their CREATE TABLE statements."""
    tables = {}
    for relpath in ("schema/core.sql", "vocab/schema.sql", "signals/schema.sql", "images/schema.sql"):
        for st in load_sql(relpath).statements:
            if isinstance(st.tree, exp.Create) and st.tree.kind == "TABLE":
                table = st.tree.this
                tables[table.this.name] = {c.name: c.args["kind"].sql("duckdb") for c in table.expressions
                                           if isinstance(c, exp.ColumnDef)}
    found: dict = {}
    for t in tree.find_all(exp.Table):
        if t.db and t.name in tables:
            found.setdefault(t.db, {})[t.name] = tables[t.name]
    return found


# -- pieces ---------------------------------------------------------------------------

def _sorted_by_itself(node: exp.ArrayAgg) -> bool:
    """list(x ORDER BY x) (ascending)."""
    order = node.this
    return (isinstance(order, exp.Order) and len(order.expressions) == 1
            and not order.expressions[0].args.get("desc") and order.expressions[0].this == order.this)


def _bare_series(node: exp.Expression) -> bool:
    """generate_series(a, b) (both ends included, no step) made a list, not unnested on the spot."""
    return (isinstance(node, exp.GenerateSeries) and not node.args.get("is_end_exclusive")
            and node.args.get("step") is None and not isinstance(node.parent, (exp.Unnest, exp.Explode)))


def _micros(value: exp.Expression, dialect: str) -> exp.Expression:
    """Microseconds since the epoch of a timestamp, as a whole number."""
    if dialect == "spark":
        return exp.Anonymous(this="UNIX_MICROS", expressions=[value])
    if dialect == "bigquery":  # a DuckDB TIMESTAMP is a BigQuery DATETIME; UNIX_MICROS takes a TIMESTAMP (UTC)
        return exp.Anonymous(this="UNIX_MICROS", expressions=[exp.Anonymous(this="TIMESTAMP", expressions=[value])])
    seconds = exp.TimeToUnix(this=value)
    return exp.Cast(this=exp.Round(this=exp.Mul(this=seconds, expression=exp.Literal.number(1_000_000))),
                    to=exp.DataType.build("BIGINT"))


def _seconds(value: exp.Expression, dialect: str) -> exp.Expression:
    """DuckDB's epoch(): seconds (DOUBLE) of a timestamp, or of the interval between two timestamps."""
    if isinstance(value, exp.Paren):
        value = value.this
    if isinstance(value, exp.Sub):
        micros = exp.Sub(this=_micros(value.this, dialect), expression=_micros(value.expression, dialect))
    else:
        micros = _micros(value, dialect)
    return exp.Div(this=exp.Cast(this=exp.paren(micros), to=exp.DataType.build("DOUBLE")),
                   expression=exp.Literal.number("1000000.0"))


def _interval(count: exp.Expression, unit: str) -> exp.Expression:
    """count * INTERVAL '1' unit (count a literal or any whole-number expression)."""
    if isinstance(count, exp.Cast) and isinstance(count.this, exp.Literal):
        count = count.this
    one = exp.Interval(this=exp.Literal.string("1"), unit=exp.var(unit))
    if isinstance(count, exp.Literal) and not count.is_string:
        return exp.Interval(this=exp.Literal.string(count.this), unit=exp.var(unit))
    return exp.paren(exp.Mul(this=count, expression=one))


def _as_string(value: exp.Expression) -> exp.Expression:
    if isinstance(value, exp.Literal) and value.is_string:
        return value
    return exp.Cast(this=value, to=exp.DataType.build("VARCHAR"))


def _spark_histogram(value: exp.Expression) -> exp.Expression:
    """histogram(x) for Spark: each distinct non-NULL value (sorted) to its count, NULL when there is
    none (as DuckDB)::

        CASE WHEN SIZE(COLLECT_LIST(x)) > 0 THEN MAP_FROM_ENTRIES(TRANSFORM(
            ARRAY_SORT(ARRAY_DISTINCT(COLLECT_LIST(x))),
            k -> STRUCT(k AS key, CAST(SIZE(FILTER(COLLECT_LIST(x), y -> y = k)) AS BIGINT) AS value))) END
    """
    def values():
        return exp.Anonymous(this="COLLECT_LIST", expressions=[value.copy()])

    def fn(name, *args):
        return exp.Anonymous(this=name, expressions=list(args))

    k, y = exp.to_identifier("__k"), exp.to_identifier("__y")
    count = fn("SIZE", fn("FILTER", values(), exp.Lambda(this=exp.EQ(this=exp.column(y.copy()),
                                                                       expression=exp.column(k.copy())),
                                                          expressions=[y])))
    entry = fn("STRUCT", exp.alias_(exp.column(k.copy()), "key"),
               exp.alias_(exp.Cast(this=count, to=exp.DataType.build("BIGINT")), "value"))
    keys = fn("ARRAY_SORT", fn("ARRAY_DISTINCT", values()))
    histogram = fn("MAP_FROM_ENTRIES", fn("TRANSFORM", keys, exp.Lambda(this=entry, expressions=[k])))
    present = exp.GT(this=fn("SIZE", values()), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=present, true=histogram)])
