"""The point-in-time join: the one function that turns samples and feature views into SQL.

Every training set, and every `latest` table materialization, goes through
`point_in_time_query`. For each feature view it builds one CTE:

- kind `window`: a range join of the samples to the view's rows of the same
  entity with time <= index_time (< when not inclusive) and, when every
  selected feature looks back a bounded time, time >= index_time - the
  longest lookback; when the view names a `visit` column and the samples
  have a visit_id, rows of the sample's own visit are left out of the join;
  then one aggregate per feature, each with a FILTER that
  applies the feature's own lookback and `where` condition, grouped by sample.
- kind `latest`: an ASOF LEFT JOIN that takes the entity's last row at or
  before index_time; a TTL turns values of rows older than index_time - TTL
  into NULL.

A feature's lookback is the shorter of its window and the TTL (the view's,
or the one given to the training set). The result has one row per sample
(`__row`), ordered by it, with columns named `<view>__<feature>`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from ..sqlfiles import DIALECT, fill, load_sql, render
from .view import Feature, FeatureView

TEMPLATES = "fs/pit.sql"


@dataclass
class ViewPart:
    """One view in a training set: the view, its query qualified to a dataset, the features asked for."""

    view: FeatureView
    query: exp.Expression
    features: list[Feature]


def output_name(view: FeatureView, feature: Feature) -> str:
    """Column name of a feature in a training set: <view>__<feature>."""
    return f"{view.name}__{feature.name}"


def point_in_time_query(samples: str, parts: list[ViewPart], *, inclusive: bool = True,
                        ttl: dt.timedelta | None = None, carry: dict[str, str] | None = None,
                        sample_visits: bool = False) -> tuple[exp.Expression, dict]:
    """Build the training-set query: one row per sample of `samples` (a relation with
    __row, subject_id and/or visit_id, __index_time), one column per feature.

    `carry` maps sample columns to keep (after __row) to their output names;
    `sample_visits` says the samples have a visit_id (so views with a `visit`
    column leave the sample's own visit out).
    Returns the query tree and the parameters to bind (lookback intervals)."""
    params: dict[str, dt.timedelta] = {}

    def lookback_param(value: dt.timedelta) -> exp.Expression:
        for name, v in params.items():
            if v == value:
                return exp.Placeholder(this=name)
        name = f"lookback_{len(params)}"
        params[name] = value
        return exp.Placeholder(this=name)

    final = _template("final")
    final = fill(final, tables={"__samples": exp.to_table(samples)})
    for column, alias in (carry or {}).items():
        final = final.select(exp.alias_(exp.column(column, "s", quoted=True), alias, quoted=True), copy=False)
    ctes = []
    for i, part in enumerate(parts):
        cte_name = f"__part{i}"
        view_ttl = ttl if ttl is not None else part.view.ttl
        if part.view.kind == "window":
            body = _window_part(samples, part, view_ttl, inclusive, lookback_param, sample_visits)
        else:
            body = _latest_part(samples, part, view_ttl, inclusive, lookback_param)
        ctes.append((cte_name, body))
        final = final.join(exp.to_table(cte_name), on=exp.column("__row", cte_name).eq(exp.column("__row", "s")),
                           join_type="left", copy=False)
        for feature in part.features:
            column = exp.column(feature.name, cte_name, quoted=True)
            if part.view.kind == "window" and feature.agg == "count":
                column = _fill(_template_expr("zero_if_missing"), column)
            cast = exp.Cast(this=column, to=exp.DataType.build(feature.type, dialect=DIALECT))
            final = final.select(exp.alias_(cast, output_name(part.view, feature), quoted=True), copy=False)
    for name, body in ctes:
        final = final.with_(name, as_=body, copy=False)
    return final, params


def _window_part(samples, part: ViewPart, ttl, inclusive, lookback_param, sample_visits: bool = False):
    """Range join of samples to the view's rows, one restricted aggregate per feature.

    Each distinct feature condition (lookback, where) becomes a boolean column
    of the join, computed once, which the aggregates then test."""
    joined = _template("window_rows")
    joined = fill(joined, tables={"__samples": exp.to_table(samples), "__rows": _rows(part)})
    joined = _key_and_bound(joined, part.view.key, inclusive)
    if part.view.visit and sample_visits:
        own = fill(_template_expr("not_own_visit"), columns={"__visit": exp.column(part.view.visit, "v", quoted=True)})
        joined.set("joins", [_and_on(joined.args["joins"][0], own)])
    lookbacks = [_shorter(f.window, ttl) for f in part.features]
    if lookbacks and all(lb is not None for lb in lookbacks):
        joined.set("joins", [_and_on(joined.args["joins"][0], _not_before(lookback_param(max(lookbacks))))])
    if all(f.where is not None for f in part.features):
        # rows no feature selects need not be joined at all
        wheres = {render(_in_view(f.where)): _in_view(f.where) for f in part.features}
        joined.set("joins", [_and_on(joined.args["joins"][0], exp.paren(exp.or_(*wheres.values())))])
    q = _template("window_aggregate")
    condition_columns: dict[str, str] = {}
    for feature, lookback in zip(part.features, lookbacks):
        value = _in_view(feature.value) if feature.value is not None else None
        name = f"agg_{feature.agg}"
        if feature.agg == "count" and value is None:
            name = "agg_count_rows"
        agg = _template_expr(name)
        if value is not None:
            agg = _fill(agg, value)
        conditions = []
        if lookback is not None:
            conditions.append(_not_before(lookback_param(lookback)))
        if feature.where is not None:
            conditions.append(exp.paren(_in_view(feature.where)))
        if value is not None and feature.agg in ("last", "first", "distinct", "histogram"):
            conditions.append(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
        if conditions:
            condition = exp.and_(*conditions)
            text = render(condition)
            if text not in condition_columns:
                condition_columns[text] = f"__c{len(condition_columns)}"
                joined = joined.select(exp.alias_(condition, condition_columns[text]), copy=False)
            agg = _with_filter(agg, exp.column(condition_columns[text], "v"))
        # after the join, index_time is a column of the joined rows
        agg = agg.transform(lambda n: exp.column("__index_time", "v")
                            if isinstance(n, exp.Column) and n.table == "s" and n.name == "__index_time" else n)
        q = q.select(exp.alias_(agg, feature.name, quoted=True), copy=False)
    return fill(q, tables={"__joined": joined.subquery("v")})


def _latest_part(samples, part: ViewPart, ttl, inclusive, lookback_param):
    """ASOF join of samples to the view's rows; values of rows older than the TTL become NULL."""
    q = _template("latest_join")
    q = fill(q, tables={"__samples": exp.to_table(samples), "__rows": _rows(part)})
    q = _key_and_bound(q, part.view.key, inclusive)
    for feature in part.features:
        value = _in_view(feature.value) if feature.value is not None else exp.column(feature.name, "v")
        if ttl is not None:
            value = _fill(_template_expr("latest_within"), value)
            value = _fill_placeholder(value, lookback_param(ttl))
        q = q.select(exp.alias_(value, feature.name, quoted=True), copy=False)
    return q


# -- tree helpers ------------------------------------------------------------

def _template(name: str) -> exp.Select:
    return load_sql(TEMPLATES)[name].tree.copy()


def _template_expr(name: str) -> exp.Expression:
    """The single projection of a one-expression template."""
    return _template(name).expressions[0].copy()


def _rows(part: ViewPart) -> exp.Expression:
    """The view's rows with its key as __key and its event time as __time."""
    q = fill(_template("view_rows"), tables={"__view": part.query.subquery("__v")},
             columns={"__key": exp.column(part.view.key, quoted=True),
                      "__event_time": exp.column(part.view.event_time, quoted=True)})
    return q.subquery("v")


def _key_and_bound(q: exp.Select, key: str, inclusive: bool) -> exp.Select:
    """Point s.__key at the samples' key column; make the time bound strict when not inclusive."""
    def edit(node):
        if isinstance(node, exp.Column) and node.table == "s" and node.name == "__key":
            return exp.column(key, "s", quoted=True)
        if not inclusive and isinstance(node, exp.LTE) and node.expression.name == "__index_time":
            return exp.LT(this=node.this.copy(), expression=node.expression.copy())
        return node

    return q.transform(edit)


def _not_before(lookback: exp.Expression) -> exp.Expression:
    return _fill_placeholder(_template_expr("not_before"), lookback)


def _and_on(join: exp.Join, cond: exp.Expression) -> exp.Join:
    join = join.copy()
    join.set("on", exp.and_(join.args["on"], cond))
    return join


def _with_filter(agg: exp.Expression, cond: exp.Expression) -> exp.Expression:
    """Restrict an aggregate to the rows where `cond` holds.

    Arguments become CASE WHEN cond THEN arg END: aggregates skip NULLs (the
    `distinct` template drops them with list_distinct), and DuckDB runs this
    several times faster than FILTER (WHERE cond) over many aggregates."""
    target = agg if isinstance(agg, (exp.AggFunc, exp.Anonymous)) else next(agg.find_all(exp.AggFunc))
    if isinstance(target, exp.ArrayAgg):
        new = target.copy()
        new.set("this", exp.Case(ifs=[exp.If(this=cond.copy(), true=new.this)]))
    else:
        new = target.copy()

        def when(arg):
            return exp.Case(ifs=[exp.If(this=cond.copy(), true=arg)])

        if isinstance(new, exp.Anonymous):
            new.set("expressions", [when(e) for e in new.expressions])
        else:
            for key in ("this", "expression"):
                arg = new.args.get(key)
                if isinstance(arg, exp.Star):
                    arg = exp.Literal.number(1)
                if arg is not None:
                    new.set(key, when(arg))
    if target is agg:
        return new
    target.replace(new)
    return agg


def _fill(template: exp.Expression, value: exp.Expression) -> exp.Expression:
    """Replace every __value column of a template with a copy of `value`."""
    return fill(template, columns={"__value": value})


def _fill_placeholder(template: exp.Expression, value: exp.Expression) -> exp.Expression:
    return template.transform(
        lambda n: value.copy() if isinstance(n, exp.Placeholder) and n.name == "lookback" else n)


def _in_view(text: str) -> exp.Expression:
    """Parse a value or where expression; its unqualified columns are the view's (alias v)."""
    return _parsed_in_view(text).copy()


@functools.lru_cache(maxsize=4096)
def _parsed_in_view(text: str) -> exp.Expression:
    tree = sqlglot.parse_one(text, read=DIALECT)
    for col in list(tree.find_all(exp.Column)):
        if not col.table:
            col.set("table", exp.to_identifier("v"))
    return tree


def _shorter(a: dt.timedelta | None, b: dt.timedelta | None) -> dt.timedelta | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
