"""Rewrites for the engines without DuckDB's list lambdas and struct lists: trino, postgres,
bigquery, snowflake (transpile.py applies them after the rewrites every dialect gets).

The task and feature SQL uses a few DuckDB idioms that sqlglot carries over
to Spark but not to these engines; each is rewritten to a form with the same
result:

- `list_transform(list_sort(list({k1: a, k2: b, ...})), lambda x: x.k2)`
  (a list in the order of a struct's fields) -> `array_agg(b ORDER BY a, b, ...)`,
  the ordered aggregate every one of them has (Snowflake: `WITHIN GROUP`).
  The sort keys are never NULL in medlake's SQL (times, sequence numbers,
  codes), so where NULLs sort makes no difference. A struct result
  (`lambda x: {code: x.code, ...}`) is a ROW typed from the query (Trino),
  a JSONB object (PostgreSQL, `jsonb_agg`), a STRUCT (BigQuery) or an OBJECT
  (Snowflake);
- `any_value(x)` (skips NULLs) -> Trino `arbitrary(x)`, PostgreSQL `min(x)`
  (any_value is PostgreSQL 16's), BigQuery `any_value(x)` (skips NULLs
  itself), Snowflake the first element of `array_agg(x)` (which drops NULLs);
- `list_slice(l, i, j)` -> Trino `slice`, PostgreSQL `l[i:j]`, Snowflake
  `array_slice` (0-based, end excluded), BigQuery the elements of
  `unnest(l) WITH OFFSET` in that range;
- `ends_with(s, t)` -> `substring(s, length(s) - length(t) + 1) = t` (Trino
  and PostgreSQL have no ends_with; a shorter s never equals t);
- `list_sort(list_distinct(list(x)))` (NULLs dropped) -> PostgreSQL
  `array_agg(DISTINCT x ORDER BY x) FILTER (WHERE x IS NOT NULL)` (NULL, not
  an empty list, when there is none: the `nullif(..., [])` around it goes); Trino gets
  the FILTER too (its array_distinct keeps one NULL);
- `list_sort(list(DISTINCT x))` -> PostgreSQL and BigQuery
  `array_agg(DISTINCT x ORDER BY x)` (BigQuery: NULLs put last);
- `generate_series(a, b)` as a list (not under unnest) -> PostgreSQL
  `ARRAY(SELECT generate_series(a, b))` (a set-returning function there);
- `arg_max(v, {t, v})` / `arg_min` (the key perhaps under CASE WHEN c, the
  feature store's conditional aggregates) -> Trino `max_by(v, ROW(t, v))`;
  the others the first element of `array_agg(v ORDER BY t DESC, v DESC)`
  (ASC for arg_min) over the rows where c holds, since their max_by cannot
  order by a struct (PostgreSQL has none); BigQuery and Snowflake drop NULL
  elements, so there each v is boxed in a one-field struct;
- `histogram(x)` -> Trino's own `histogram`; PostgreSQL a JSONB object of
  each distinct value's count (a subquery over `unnest(array_agg(x))`);
  BigQuery an array of (key, value) structs the same way; Snowflake an
  OBJECT through `object_agg` over `flatten(array_agg(x))`;
- ORDER BY x (DuckDB sorts NULLs last) -> BigQuery `ORDER BY x IS NULL, x`
  (NULLs come first there, and NULLS LAST is refused under windows and aggregates);
- a struct column `{k: v, ...}` -> PostgreSQL `jsonb_build_object('k', v, ...)`;
- `CAST([] AS STRUCT(...)[])` -> PostgreSQL `CAST('[]' AS JSONB)`; `CAST(x AS
  MAP(K, V))` (a histogram feature's type) -> PostgreSQL JSONB, BigQuery
  `ARRAY<STRUCT<key K, value V>>`;
- `HUGEINT` (DECIMAL(38, 0) elsewhere) -> BigQuery `BIGNUMERIC`;
- a subquery in FROM without an alias gets one (`__q0`, `__q1`, ...: PostgreSQL 15
  requires it).

What these engines are known to lack stays a difference: PostgreSQL and
BigQuery have no list of lists of different lengths (drug_recommendation's
drugs_hist), so that task's SQL is valid text for them but cannot run there.
"""

from __future__ import annotations

from sqlglot import exp

PORTABLE = ("trino", "postgres", "bigquery", "snowflake")


def edit(node: exp.Expression, dialect: str) -> exp.Expression:
    """The node rewritten for `dialect` (one of PORTABLE), or the node itself."""
    if isinstance(node, exp.Transform):
        return _sorted_list(node, dialect) or node
    if (dialect == "postgres" and isinstance(node, exp.Struct) and isinstance(node.parent, exp.Alias)
            and all(isinstance(p, exp.PropertyEQ) for p in node.expressions)):
        # a struct column (sleep_staging's signal): a JSONB object, as the structs in lists are
        return _fn("JSONB_BUILD_OBJECT", *[x for p in node.expressions
                                           for x in (exp.Literal.string(p.this.name), p.expression)])
    if isinstance(node, exp.Order) and dialect == "bigquery":
        return _nulls_last(node)
    if isinstance(node, exp.Subquery) and not node.alias and isinstance(node.parent, (exp.From, exp.Join)):
        # PostgreSQL before 16 requires an alias; the position in the FROM clause keeps it unique there
        joins = (node.parent.parent.args.get("joins") or []) if isinstance(node.parent, exp.Join) else []
        position = next((i + 1 for i, j in enumerate(joins) if j is node.parent), 0)
        node.set("alias", exp.TableAlias(this=exp.to_identifier(f"__q{position}")))
        return node
    if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
        return _any_value(node.this.this, dialect)
    if isinstance(node, exp.Filter) and dialect == "snowflake" and _is_first_of_agg(node.this):
        return _snowflake_filtered_first(node)
    name = node.name.lower() if isinstance(node, exp.Anonymous) else None
    if name == "list_slice" and len(node.expressions) == 3:
        return _slice(*node.expressions, dialect)
    if isinstance(node, exp.EndsWith) and dialect in ("trino", "postgres"):
        value, suffix = node.this, node.expression
        start = exp.Add(this=exp.Sub(this=exp.Length(this=value.copy()), expression=exp.Length(this=suffix.copy())),
                        expression=exp.Literal.number(1))
        return exp.EQ(this=exp.Substring(this=value, start=start), expression=suffix)
    if (isinstance(node, exp.ArraySort) and isinstance(node.this, exp.ArrayDistinct)
            and isinstance(node.this.this, exp.ArrayAgg) and dialect in ("trino", "postgres")):
        return _distinct_sorted(node.this.this.this, dialect)
    if (isinstance(node, exp.ArraySort) and isinstance(node.this, exp.ArrayAgg)
            and isinstance(node.this.this, exp.Distinct) and len(node.this.this.expressions) == 1
            and dialect in ("postgres", "bigquery")):
        return _ordered_distinct(node.this.this.expressions[0], dialect)
    if dialect == "postgres" and isinstance(node, exp.GenerateSeries) and not isinstance(node.parent, exp.Unnest):
        return exp.Array(expressions=[exp.select(node.copy())])  # a set-returning function there: its rows as an array
    if (dialect == "postgres" and isinstance(node, exp.Nullif) and isinstance(node.this, exp.Filter)
            and isinstance(node.expression, exp.Array) and not node.expression.expressions):
        return node.this  # the distinct list below is NULL already where DuckDB's is empty
    if isinstance(node, (exp.ArgMax, exp.ArgMin)) and _struct_key(node):
        return _arg_extreme(node, dialect)
    if name == "histogram" and len(node.expressions) == 1 and dialect != "trino":
        return _histogram(node.expressions[0], dialect)
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.MAP and dialect in ("postgres", "bigquery"):
        return _map_cast(node, dialect)
    if isinstance(node, exp.Cast) and dialect == "postgres" and _is_struct_list(node.to):
        return exp.Cast(this=exp.Literal.string("[]"), to=exp.DataType.build("JSONB", dialect="postgres"))
    if isinstance(node, exp.Cast) and dialect == "bigquery" and node.to.this == exp.DataType.Type.DECIMAL \
            and [e.sql() for e in node.to.expressions] == ["38", "0"]:
        return exp.Cast(this=node.this, to=exp.DataType(this=exp.DataType.Type.BIGDECIMAL))
    return node


# -- the pieces -----------------------------------------------------------------------------------


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _sorted_list(node: exp.Transform, dialect: str) -> exp.Expression | None:
    """list_transform(list_sort(list(STRUCT)), lambda x: BODY) as an ordered aggregate of BODY."""
    sort, fn = node.this, node.expression
    if not (isinstance(sort, exp.ArraySort) and isinstance(sort.this, exp.ArrayAgg)
            and isinstance(sort.this.this, exp.Struct) and isinstance(fn, exp.Lambda) and len(fn.expressions) == 1):
        return None
    fields = {p.this.name: p.expression for p in sort.this.this.expressions if isinstance(p, exp.PropertyEQ)}
    if len(fields) != len(sort.this.this.expressions):
        return None
    var = fn.expressions[0].name

    def field_of(e: exp.Expression) -> exp.Expression:
        if isinstance(e, exp.Dot) and e.this.name == var and e.expression.name in fields:
            return fields[e.expression.name].copy()
        if isinstance(e, exp.Column) and e.table == var and e.name in fields:
            return fields[e.name].copy()
        return e

    element = fn.this.copy().transform(field_of)
    # the keys are never NULL; BigQuery is told its own default so that sqlglot adds no NULLS clause
    order = [exp.Ordered(this=v.copy(), nulls_first=True if dialect == "bigquery" else None)
             for v in fields.values()]
    if dialect == "postgres" and isinstance(element, exp.Struct):
        obj = _fn("JSONB_BUILD_OBJECT", *[x for p in element.expressions
                                          for x in (exp.Literal.string(p.this.name), p.expression)])
        return _fn("JSONB_AGG", exp.Order(this=obj, expressions=order))
    return exp.ArrayAgg(this=exp.Order(this=element, expressions=order))


def _nulls_last(order: exp.Order) -> exp.Order:
    """BigQuery sorts NULLs first in ascending order and takes no NULLS LAST under an aggregate or a
    window: ORDER BY x (DuckDB: NULLs last) -> ORDER BY x IS NULL, x."""
    keys = []
    for o in order.expressions:
        if isinstance(o, exp.Ordered) and not o.args.get("desc") and o.args.get("nulls_first") is False:
            keys.append(exp.Ordered(this=exp.Is(this=o.this.copy(), expression=exp.null()), nulls_first=True))
            o.set("nulls_first", True)
        keys.append(o)
    order.set("expressions", keys)
    return order


def _any_value(value: exp.Expression, dialect: str) -> exp.Expression:
    if dialect == "postgres":
        return exp.Min(this=value)
    if dialect == "snowflake":
        return _first(exp.ArrayAgg(this=value))
    return exp.AnyValue(this=value)  # Trino's arbitrary and BigQuery's any_value skip NULLs


def _first(array: exp.Expression) -> exp.Expression:
    """The first element of a list (DuckDB's 1-based index; sqlglot writes each dialect's)."""
    return exp.Bracket(this=exp.paren(array, copy=False), expressions=[exp.Literal.number(1)], offset=1)


def _is_first_of_agg(node: exp.Expression) -> bool:
    return (isinstance(node, exp.Bracket) and isinstance(node.this, exp.Paren)
            and isinstance(node.this.this, exp.ArrayAgg))


def _snowflake_filtered_first(node: exp.Filter) -> exp.Expression:
    """(array_agg(x))[1] FILTER (WHERE c) -> (array_agg(IFF(c, x, NULL)))[1] (Snowflake has no FILTER)."""
    agg = node.this.this.this
    cond = node.expression.this
    agg.set("this", exp.If(this=cond.copy(), true=agg.this, false=exp.null()))
    return node.this


def _slice(lst: exp.Expression, start: exp.Expression, end: exp.Expression, dialect: str) -> exp.Expression:
    """DuckDB's list_slice(l, i, j): elements i..j, 1-based, both included."""
    if dialect == "trino":
        count = exp.Add(this=exp.Sub(this=end, expression=start.copy()), expression=exp.Literal.number(1))
        return _fn("SLICE", lst, start, exp.Greatest(this=count, expressions=[exp.Literal.number(0)]))
    if dialect == "postgres":
        return exp.Bracket(this=exp.paren(lst, copy=False), expressions=[exp.Slice(this=start, expression=end)])
    if dialect == "snowflake":
        return _fn("ARRAY_SLICE", lst, exp.Sub(this=start, expression=exp.Literal.number(1)), end)
    # BigQuery: ARRAY(SELECT e FROM UNNEST(l) AS e WITH OFFSET AS o WHERE o BETWEEN i - 1 AND j - 1 ORDER BY o)
    e, o = exp.to_identifier("__e"), exp.to_identifier("__o")
    unnest = exp.Unnest(expressions=[lst], alias=exp.TableAlias(columns=[e]), offset=o)
    where = exp.Between(this=exp.column(o.copy()), low=exp.Sub(this=start, expression=exp.Literal.number(1)),
                        high=exp.Sub(this=end, expression=exp.Literal.number(1)))
    query = exp.select(exp.column(e.copy())).from_(unnest).where(where).order_by(exp.column(o.copy()))
    return exp.Array(expressions=[query])


def _distinct_sorted(value: exp.Expression, dialect: str) -> exp.Expression:
    not_null = exp.Where(this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.null())))
    if dialect == "postgres":
        agg = exp.ArrayAgg(this=exp.Order(this=exp.Distinct(expressions=[value.copy()]),
                                          expressions=[exp.Ordered(this=value.copy())]))
        return exp.Filter(this=agg, expression=not_null)
    agg = exp.Filter(this=exp.ArrayAgg(this=value), expression=not_null)
    return exp.ArraySort(this=exp.ArrayDistinct(this=agg))


def _ordered_distinct(value: exp.Expression, dialect: str) -> exp.Expression:
    """list_sort(list(DISTINCT x)) as array_agg(DISTINCT x ORDER BY x) (NULLs last, as DuckDB sorts)."""
    order = exp.Ordered(this=value.copy(), nulls_first=True if dialect == "bigquery" else None)
    agg = exp.ArrayAgg(this=exp.Order(this=exp.Distinct(expressions=[value]), expressions=[order]))
    if dialect == "bigquery":
        _nulls_last(agg.this)
    return agg


def _struct_key(node: exp.Expression) -> tuple[exp.Expression | None, exp.Struct] | None:
    """(condition or None, struct) of arg_max's key: a struct, or CASE WHEN c THEN struct END (pit.py's
    conditional aggregates)."""
    key = node.expression
    if isinstance(key, exp.Struct):
        return None, key
    if (isinstance(key, exp.Case) and len(key.args.get("ifs") or []) == 1 and not key.args.get("default")
            and isinstance(key.args["ifs"][0].args.get("true"), exp.Struct)):
        return key.args["ifs"][0].this, key.args["ifs"][0].args["true"]
    return None


def _arg_extreme(node: exp.Expression, dialect: str) -> exp.Expression:
    """arg_max(v, {t: .., v: ..}) (arg_min), the key perhaps under CASE WHEN c: the v of the greatest
    (least) struct, its fields compared in order, over the rows where the key is not NULL."""
    cond, struct = _struct_key(node)
    values = [p.expression if isinstance(p, exp.PropertyEQ) else p for p in struct.expressions]
    if dialect == "trino":  # a ROW without field names: Trino compares rows field by field
        struct.replace(exp.Struct(expressions=[v.copy() for v in values]))
        return node
    # DuckDB's struct order puts a row whose value is NULL last, for arg_max and arg_min alike
    desc = isinstance(node, exp.ArgMax)
    order = [exp.Ordered(this=v.copy(), desc=desc, nulls_first=None if desc else False) for v in values]
    value = node.this
    if cond is not None and isinstance(value, exp.Case):  # CASE WHEN c THEN v END: v itself, rows kept by c
        value = value.args["ifs"][0].args["true"]
    if dialect == "postgres":
        agg = exp.ArrayAgg(this=exp.Order(this=value, expressions=order))
        return _first(exp.Filter(this=agg, expression=exp.Where(this=cond)) if cond is not None else agg)
    # BigQuery and Snowflake drop NULL elements (BigQuery: IGNORE NULLS; Snowflake always): each value
    # goes in a one-field struct (a NULL value stays), NULL where the row does not count
    boxed = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier("v"), expression=value)])
    element = exp.If(this=cond, true=boxed, false=exp.null()) if cond is not None else boxed
    agg = exp.ArrayAgg(this=exp.Order(this=element, expressions=order))
    if dialect == "bigquery":
        _nulls_last(agg.this)
        agg = exp.IgnoreNulls(this=agg)
    return exp.Dot(this=_first(agg), expression=exp.to_identifier("v"))


def _histogram(value: exp.Expression, dialect: str) -> exp.Expression:
    """Each distinct non-NULL value of the group to its count, NULL when there is none."""
    k, n, h = exp.to_identifier("__k"), exp.to_identifier("__n"), exp.to_identifier("__h")
    if dialect == "snowflake":
        flat = exp.Table(this=_fn("FLATTEN", exp.ArrayAgg(this=value)))
        counts = (exp.select(exp.alias_(exp.Cast(this=exp.column("value"), to=exp.DataType.build("VARCHAR")), k),
                             exp.alias_(exp.Count(this=exp.Star()), n))
                  .from_(exp.Table(this=_fn("TABLE", flat.this))).group_by(exp.column("value")))
        return exp.Subquery(this=exp.select(_fn("OBJECT_AGG", exp.column(k.copy()), exp.column(n.copy())))
                            .from_(exp.Subquery(this=counts, alias=exp.TableAlias(this=h))))
    unnest = exp.Unnest(expressions=[exp.ArrayAgg(this=value)], alias=exp.TableAlias(columns=[k]))
    counts = (exp.select(exp.column(k.copy()), exp.alias_(exp.Count(this=exp.Star()), n))
              .from_(unnest).where(exp.Not(this=exp.Is(this=exp.column(k.copy()), expression=exp.null())))
              .group_by(exp.column(k.copy())))
    if dialect == "postgres":
        agg = _fn("JSONB_OBJECT_AGG", exp.column(k.copy()), exp.column(n.copy()))
        return exp.Subquery(this=exp.select(agg).from_(exp.Subquery(this=counts, alias=exp.TableAlias(this=h))))
    # BigQuery: ARRAY(SELECT AS STRUCT __k AS key, __n AS value FROM (...) ORDER BY __k), NULL when empty
    pairs = exp.select(exp.alias_(exp.column(k.copy()), "key"), exp.alias_(exp.column(n.copy()), "value")) \
        .from_(exp.Subquery(this=counts, alias=exp.TableAlias(this=h))).order_by(exp.column(k.copy()))
    pairs.set("kind", "STRUCT")
    array = exp.Array(expressions=[pairs])
    return exp.Nullif(this=array, expression=exp.Array(expressions=[]))


def _map_cast(node: exp.Cast, dialect: str) -> exp.Expression:
    """CAST(x AS MAP(K, V)) where the engine has no MAP: PostgreSQL's histogram is JSONB already,
    BigQuery's an array of (key, value) structs."""
    if dialect == "postgres":
        return exp.Cast(this=node.this, to=exp.DataType.build("JSONB", dialect="postgres"))
    key, value = node.to.expressions
    entry = exp.DataType(this=exp.DataType.Type.STRUCT, nested=True, expressions=[
        exp.ColumnDef(this=exp.to_identifier("key"), kind=key), exp.ColumnDef(this=exp.to_identifier("value"),
                                                                              kind=value)])
    return exp.Cast(this=node.this, to=exp.DataType(this=exp.DataType.Type.ARRAY, nested=True, expressions=[entry]))


def _is_struct_list(to: exp.DataType) -> bool:
    return (to.this == exp.DataType.Type.ARRAY and len(to.expressions) == 1
            and isinstance(to.expressions[0], exp.DataType) and to.expressions[0].this == exp.DataType.Type.STRUCT)


def type_structs(tree: exp.Expression, schema: dict) -> exp.Expression:
    """Trino: the tree qualified and its types annotated from `schema`, so that sqlglot writes each
    struct with named fields as CAST(ROW(...) AS ROW(name type, ...)) (Trino's ROW has no field names)."""
    from sqlglot.optimizer.annotate_types import annotate_types
    from sqlglot.optimizer.qualify import qualify

    if not any(isinstance(p, exp.PropertyEQ) for s in tree.find_all(exp.Struct) for p in s.expressions):
        return tree
    tree = qualify(tree, schema=schema, dialect="duckdb", validate_qualify_columns=False, quote_identifiers=False)
    return annotate_types(tree, schema=schema, dialect="duckdb")
