"""Feature views: SQL over canonical tables plus a header that names its features.

A view yields rows of (entity key, event time, columns). Two kinds:

- ``latest``: each feature is a column of the view; a sample gets the values
  of the entity's latest row at or before its index_time (an ASOF join).
- ``window``: each feature is an aggregate (count, sum, mean, min, max, last,
  first, distinct, histogram, days_since, years_since) of a value expression
  over the entity's rows inside a window that ends at the sample's
  index_time (a range join), optionally restricted by a `where` condition.

A window view may name, in its `visit` header field, the column that holds
the visit a row belongs to (a hospital admission, with its ICU stays): rows
of the visit a sample is made in never count for that sample (when the
samples have a visit_id), however the time bound is drawn.

The version of a view is a hash of its sqlglot-normalized SQL and of the
header fields that change results (entity, event time, kind, TTL, visit, feature
definitions), so whitespace, comments and the description do not change it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from ..errors import SqlFileError
from ..sqlcheck import check_lake_select
from ..sqlfiles import DIALECT, cte_names, parse_sql_text, render

ENTITY_KEYS = {"subject": "subject_id", "visit": "visit_id"}
CANONICAL = ("subjects", "visits", "events")
KINDS = ("latest", "window")
AGGREGATES = ("count", "sum", "mean", "min", "max", "last", "first", "distinct", "histogram",
              "days_since", "years_since")
NEEDS_VALUE = {"sum", "mean", "min", "max", "last", "first", "distinct", "histogram"}
_UNITS = {"microsecond": "microseconds", "millisecond": "milliseconds", "second": "seconds", "minute": "minutes",
          "hour": "hours", "day": "days", "week": "weeks", "s": "seconds", "m": "minutes", "h": "hours",
          "d": "days", "w": "weeks"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$")


def parse_duration(value, where: str) -> dt.timedelta | None:
    """'30 days', '24 hours', '7d', a number of seconds or a timedelta -> timedelta (None stays None)."""
    if value is None or isinstance(value, dt.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    m = _DURATION.match(str(value).lower())
    unit = _UNITS.get(m.group(2)) if m else None
    if unit is None:
        raise SqlFileError(where, f"cannot read duration {value!r}; expected a number and a unit such as "
                                  "'30 days', '24 hours' or '90 minutes' (months and years vary in length: use days)")
    return dt.timedelta(**{unit: float(m.group(1))})


def duration_text(value: dt.timedelta | None) -> str | None:
    """A timedelta as the shortest exact 'N days|hours|minutes|seconds' text."""
    if value is None:
        return None
    seconds = value.total_seconds()
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} seconds"


@dataclass(frozen=True, kw_only=True)
class Feature:
    """One feature of a view.

    name: column name in training sets; type: DuckDB type it is cast to;
    agg: the aggregate (window views only); value: SQL expression over the
    view's columns (default: the column named like the feature, or nothing
    for count/days_since/years_since); window: how far back from index_time
    rows count (window views; None = all prior rows); where: SQL condition
    selecting the rows this feature aggregates."""

    name: str
    type: str
    agg: str | None = None
    value: str | None = None
    window: dt.timedelta | None = None
    where: str | None = None

    def spec(self) -> dict:
        """The feature as a plain dict (what a header holds)."""
        out = {"type": self.type}
        for k in ("agg", "value", "where"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.window is not None:
            out["window"] = duration_text(self.window)
        return out


@dataclass(kw_only=True)
class FeatureView:
    """A feature view: name, entity (subject|visit), kind (latest|window), the
    event-time column, an optional TTL, the SQL and its features.

    `sql` is written against canonical table names (subjects, visits, events)
    and may read code tables as vocab.<table>. Build one in Python with
    keyword arguments, or read a file with `FeatureView.from_file`."""

    name: str
    entity: str
    sql: str
    features: list[Feature] | dict
    event_time: str = "time"
    kind: str = "latest"
    ttl: dt.timedelta | str | None = None
    visit: str | None = None          # window views: the column naming a row's visit (the sample's own is left out)
    description: str = ""
    path: str | None = None
    tree: exp.Expression = field(init=False, repr=False)

    def __post_init__(self):
        where = self.path or f"feature view '{self.name}'"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(self.name or "")):
            raise SqlFileError(where, f"name {self.name!r} must be lower-case letters, digits and _ "
                                      "(it becomes a table name)")
        if self.entity not in ENTITY_KEYS:
            raise SqlFileError(where, f"entity {self.entity!r} is not one of: subject, visit")
        if self.kind not in KINDS:
            raise SqlFileError(where, f"kind {self.kind!r} is not one of: latest, window")
        self.ttl = parse_duration(self.ttl, where)
        if self.visit is not None and self.kind != "window":
            raise SqlFileError(where, "only a window view can leave out the sample's own visit (header key visit)")
        self.tree = _parse_query(self.sql, where)
        check_view_sql(self.tree, where)
        selects = {c.lower() for c in self.tree.named_selects}
        if "*" not in selects and not any(isinstance(e, exp.Star) for e in self.tree.expressions):
            for col in (ENTITY_KEYS[self.entity], self.event_time, *([self.visit] if self.visit else [])):
                if col.lower() not in selects:
                    raise SqlFileError(where, f"the query yields no column '{col}' "
                                              f"(it yields: {', '.join(self.tree.named_selects)})")
        self.features = _parse_features(self.features, self.kind, where)
        names = [f.name for f in self.features]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SqlFileError(where, f"feature names repeat: {', '.join(dupes)}")

    # -- reading --------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, path: str | Path = "<string>") -> FeatureView:
        """Parse a feature-view file's text (a `/* medlake ... */` header and one query)."""
        parsed = parse_sql_text(text, path)
        if len(parsed.statements) != 1:
            raise SqlFileError(path, f"a feature view holds exactly one query, found {len(parsed.statements)}")
        h = dict(parsed.header)
        missing = [k for k in ("name", "entity", "features") if k not in h]
        if missing:
            raise SqlFileError(path, f"header lacks {', '.join(missing)}; expected e.g.\n"
                                     "/* medlake\nname: my_view\nentity: subject\nkind: window\n"
                                     "event_time: time\nttl: 365 days\nfeatures:\n"
                                     "  n_labs_30d: {type: BIGINT, agg: count, window: 30 days}\n*/")
        unknown = sorted(set(h) - {"name", "entity", "kind", "event_time", "ttl", "visit", "description", "features"})
        if unknown:
            raise SqlFileError(path, f"unknown header keys: {', '.join(unknown)}")
        body = parsed.statements[0].sql
        return cls(name=h["name"], entity=h["entity"], kind=h.get("kind", "latest"),
                   event_time=h.get("event_time", "time"), ttl=h.get("ttl"), visit=h.get("visit"),
                   description=str(h.get("description") or "").strip(), features=h["features"],
                   sql=body, path=str(path))

    @classmethod
    def from_file(cls, path: str | Path) -> FeatureView:
        """Read a feature view from a .sql file."""
        path = Path(path)
        if not path.exists():
            raise SqlFileError(path, "feature view file not found")
        return cls.from_text(path.read_text(), path)

    @classmethod
    def from_spec(cls, spec: dict, sql: str) -> FeatureView:
        """Rebuild a view from the registry's stored spec and SQL."""
        return cls(sql=sql, **spec)

    # -- identity -------------------------------------------------------
    @property
    def key(self) -> str:
        """The entity key column: subject_id or visit_id."""
        return ENTITY_KEYS[self.entity]

    def spec(self) -> dict:
        """Header fields as plain data (what the registry stores beside the SQL)."""
        spec = {"name": self.name, "entity": self.entity, "kind": self.kind, "event_time": self.event_time,
                "ttl": duration_text(self.ttl), "description": self.description,
                "features": {f.name: f.spec() for f in self.features}}
        if self.visit is not None:
            spec["visit"] = self.visit
        return spec

    def normalized_sql(self) -> str:
        """The query without comments, with normalized identifiers and layout."""
        return render(_without_comments(normalize_identifiers(self.tree.copy(), dialect=DIALECT)))

    @functools.cached_property
    def version(self) -> str:
        """12 hex digits of a hash of the normalized SQL and the result-changing header fields."""
        feats = []
        for f in self.features:
            d = f.spec()
            for k in ("value", "where"):
                if k in d:
                    d[k] = _normalize_expr(d[k])
            d["type"] = render(exp.DataType.build(f.type, dialect=DIALECT))
            feats.append([f.name, d])
        doc = {"sql": self.normalized_sql(), "entity": self.entity, "kind": self.kind,
               "event_time": self.event_time.lower(), "ttl": self.ttl.total_seconds() if self.ttl else None,
               "features": feats}
        if self.visit is not None:
            doc["visit"] = self.visit.lower()
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:12]

    def source_tables(self) -> list[str]:
        """Tables the query reads (schema.table for qualified names), CTEs excluded."""
        ctes = cte_names(self.tree)
        out = set()
        for t in self.tree.find_all(exp.Table):
            if not isinstance(t.this, exp.Identifier):
                continue
            if not t.db and t.name.lower() in ctes:
                continue
            out.add(f"{t.db}.{t.name}".lower() if t.db else t.name.lower())
        return sorted(out)

    def needs_vocab(self) -> bool:
        """Whether the view reads code tables (schema vocab)."""
        return any(t.startswith("vocab.") for t in self.source_tables())

    def feature(self, name: str) -> Feature:
        """One feature by name (UnknownNameError listing the view's features)."""
        for f in self.features:
            if f.name == name:
                return f
        from ..errors import UnknownNameError

        raise UnknownNameError(f"feature view '{self.name}' has no feature '{name}' "
                               f"(it has: {', '.join(f.name for f in self.features)})")

    def text(self) -> str:
        """The view as a file: header and SQL."""
        import yaml

        header = yaml.safe_dump(self.spec(), sort_keys=False, default_flow_style=None).strip()
        return f"/* medlake\n{header}\n*/\n{self.sql.strip()}\n"


def check_view_sql(tree: exp.Expression, where: str) -> None:
    """The allowlist of task files (medlake.sqlcheck), for a view: one query over the dataset's
    canonical tables (subjects, visits, events), the code tables vocab.<table> and its own CTEs."""
    own = cte_names(tree)

    def table_allowed(t: exp.Table) -> str | None:
        db = t.args.get("db")
        if t.args.get("catalog") is not None or (db is not None and db.name.lower() != "vocab"):
            return (f"table {render(t)} is outside the dataset; a feature view reads the canonical tables "
                    f"({', '.join(CANONICAL)}), vocab.<table> or its own CTEs")
        if db is None and t.name.lower() not in (*CANONICAL, *own):
            return (f"unknown table '{t.name}'; a feature view reads the canonical tables "
                    f"({', '.join(CANONICAL)}), vocab.<table> or its own CTEs")
        return None

    check_lake_select(tree, where, subject="a feature view", table_allowed=table_allowed)


def _check_expression(tree: exp.Expression, name: str, key: str, where: str) -> None:
    """A feature's value or where expression: the view's columns and plain functions, no tables."""
    def no_tables(t: exp.Table) -> str:
        return f"feature '{name}': {key} reads table {render(t)}; it may use only the view's columns"

    check_lake_select(exp.select(tree.copy()), where, subject=f"feature '{name}'", table_allowed=no_tables)


def _parse_query(sql: str, where: str) -> exp.Expression:
    try:
        trees = [t for t in sqlglot.parse(sql, read=DIALECT) if t is not None]
    except sqlglot.errors.ParseError as e:
        raise SqlFileError(where, f"cannot parse SQL: {e}") from None
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        raise SqlFileError(where, "the SQL must be exactly one SELECT query")
    return trees[0]


def _normalize_expr(text: str) -> str:
    return render(_without_comments(normalize_identifiers(sqlglot.parse_one(text, read=DIALECT), dialect=DIALECT)))


def _without_comments(tree: exp.Expression) -> exp.Expression:
    for node in tree.walk():
        node.comments = None
    return tree


def _parse_features(features, kind: str, where: str) -> list[Feature]:
    if isinstance(features, dict):
        items = list(features.items())
    elif isinstance(features, (list, tuple)):
        items = [(f.name, f) if isinstance(f, Feature) else (None, f) for f in features]
    else:
        raise SqlFileError(where, "features must be a mapping of name -> type or {type, agg, value, window, where}")
    if not items:
        raise SqlFileError(where, "a feature view needs at least one feature")
    out = []
    for name, spec in items:
        if isinstance(spec, Feature):
            spec = {**spec.spec(), "name": spec.name}
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            raise SqlFileError(where, f"feature {name!r}: expected a type or a mapping, got {spec!r}")
        spec = dict(spec)
        name = spec.pop("name", name)
        out.append(_check_feature(name, spec, kind, where))
    return out


def _check_feature(name, spec: dict, kind: str, where: str) -> Feature:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SqlFileError(where, f"feature name {name!r} must be letters, digits and _")
    unknown = sorted(set(spec) - {"type", "agg", "value", "window", "where"})
    if unknown:
        raise SqlFileError(where, f"feature '{name}': unknown keys {', '.join(unknown)}")
    if "type" not in spec:
        raise SqlFileError(where, f"feature '{name}': no type (e.g. type: DOUBLE)")
    try:
        exp.DataType.build(str(spec["type"]), dialect=DIALECT)
    except (sqlglot.errors.ParseError, ValueError):
        raise SqlFileError(where, f"feature '{name}': {spec['type']!r} is not a DuckDB type") from None
    agg = spec.get("agg")
    if kind == "latest":
        if agg is not None or "window" in spec or "where" in spec:
            raise SqlFileError(where, f"feature '{name}': agg, window and where belong to kind: window views; "
                                      "a latest view takes each feature from its latest row")
    else:
        if agg not in AGGREGATES:
            raise SqlFileError(where, f"feature '{name}': agg {agg!r} is not one of: {', '.join(AGGREGATES)}")
        if agg in NEEDS_VALUE and spec.get("value") is None:
            spec["value"] = name if agg in ("last", "first") else None
            if spec["value"] is None:
                raise SqlFileError(where, f"feature '{name}': agg {agg} needs a value expression")
    for k in ("value", "where"):
        if spec.get(k) is not None:
            try:
                tree = sqlglot.parse_one(str(spec[k]), read=DIALECT)
            except sqlglot.errors.ParseError as e:
                raise SqlFileError(where, f"feature '{name}': cannot parse {k} {spec[k]!r}: {e}") from None
            _check_expression(tree, name, k, where)
    return Feature(name=name, type=str(spec["type"]), agg=agg,
                   value=None if spec.get("value") is None else str(spec["value"]),
                   window=parse_duration(spec.get("window"), where),
                   where=None if spec.get("where") is None else str(spec["where"]))


def ttl_seconds(ttl) -> float | None:
    """A TTL argument as seconds (for manifests)."""
    value = parse_duration(ttl, "ttl")
    return value.total_seconds() if isinstance(value, dt.timedelta) else None
