"""ACES task configurations compiled into medlake task files (docs/meds.md, "ACES").

An ACES config (predicates, trigger, windows) describes a cohort over MEDS
events. `compile_aces` turns one into a task file: a YAML header and one
SELECT over the `meds_events` block (the dataset as MEDS rows, the same rows
the MEDS export writes), so the task runs on any dataset of the lake.

The SELECT is built as text here from the parsed config and then checked as
every task file is (parsed by sqlglot, header and SQL checked by medlake.tasks).
Names from the config are quoted through sqlglot and values written as SQL
literals; the compiled file holds no parameters.

Supported: plain predicates (`code` as a string, `{regex: ...}` or `{any: [...]}`,
`value_min` / `value_max` with their `_inclusive` flags, other columns of the
MEDS rows given as further fields, as ACES reads them), derived
predicates (`expr: and(...)` / `or(...)`), `patient_demographics` (static
predicates that select subjects), `_ANY_EVENT`, the trigger, and windows whose `start` / `end` are
`null`, `REF`, `REF + DELTA`, `REF - DELTA`, `REF -> PREDICATE` or
`REF <- PREDICATE` (REF: trigger, start, end, WINDOW.start, WINDOW.end), with
`start_inclusive` / `end_inclusive`, `has` count constraints, one `label`
window and one `index_timestamp`.

Beyond ACES (docs/meds.md): `expr: not(P)` (holds at a time with events at
which P does not hold) and a count label, `label: {count: P}` (how often P
holds in the label window; a regression task).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlglot import exp

from ..errors import InputError, yaml_problem
from ..sqlfiles import parse_sql_text
from ..tasks import TaskSpec
from ..tasks.build import check_task_sql
from ..tasks.spec import parse_spec
from ..version import __version__

ANY_EVENT = "_ANY_EVENT"
# the longest window (seconds) a fixed distance from the trigger whose counts are taken by joining each trigger to
# its subject's rows in it (a week: the input, gap and target windows of the usual configs), not by running counts
NEAR_SPAN = 7 * 86400
WINDOW_FIELDS = {"start", "end", "start_inclusive", "end_inclusive", "has", "label", "index_timestamp"}
MEDS_COLUMNS = ("subject_id", "time", "code", "numeric_value", "text_value", "unit", "visit_id", "parent_visit_id",
                "end_time", "chart_time")
_DELTA_UNITS = {"y": 365 * 86400, "yr": 365 * 86400, "yrs": 365 * 86400, "year": 365 * 86400, "years": 365 * 86400,
                "d": 86400, "day": 86400, "days": 86400, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600,
                "hours": 3600, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "s": 1, "sec": 1,
                "secs": 1, "second": 1, "seconds": 1}
_DELTA_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_BOUND = re.compile(r"^\s*(?P<ref>[A-Za-z_][\w]*(?:\.(?:start|end))?)\s*"
                    r"(?:(?P<arrow>->|<-)\s*(?P<pred>[A-Za-z_]\w*)|(?P<op>[+-])\s*(?P<delta>.+?))?\s*$")
_EXPR = re.compile(r"^\s*(and|or|not)\s*\((.*)\)\s*$", re.I)
_PLAIN_FIELDS = {"code", "value_min", "value_max", "value_min_inclusive", "value_max_inclusive", "other_cols"}
_COUNT = re.compile(r"^\s*\(\s*(None|null|\d+)\s*,\s*(None|null|\d+)\s*\)\s*$", re.I)


@dataclass
class AcesTask:
    """A compiled ACES config: the task file's text and its spec."""

    name: str
    sql: str
    spec: TaskSpec


def compile_aces(config: str | os.PathLike | dict, *, name: str | None = None,
                 predicates: str | os.PathLike | dict | None = None) -> AcesTask:
    """Compile an ACES task config (a YAML file or its parsed dict) into a medlake task file.

    `predicates` (a YAML file or dict with a `predicates:` mapping, or the mapping
    itself) replaces or adds predicates, as MEDS-DEV's per-dataset predicate
    files do for configs that leave them `???`. The task is named `name`, else
    after the config file (else `aces_task`)."""
    path = Path(config) if not isinstance(config, dict) else None
    cfg = _read_yaml(path) if path else dict(config)
    task_name = name or (re.sub(r"\W", "_", path.stem).strip("_").lower() if path else "aces_task")
    if not task_name.isidentifier() or task_name[0].isdigit():
        task_name = f"aces_{task_name}"
    where = str(path or "<config>")
    preds = dict(cfg.get("predicates") or {})
    if predicates is not None:
        extra = _read_yaml(Path(predicates)) if not isinstance(predicates, dict) else predicates
        preds.update(extra.get("predicates", extra) or {})
    demographics = dict(cfg.get("patient_demographics") or {})
    compiler = _Compiler(where, preds, demographics, cfg.get("trigger"), cfg.get("windows") or {})
    body = compiler.select()
    description = _description(cfg, where)
    header = {
        "name": task_name,
        "description": description,
        "datasets": [],
        "label": {"type": "regression" if compiler.count_label else "binary"},
        "inputs": {},
        "retrospective": False,
        "aces": {"config": where, "compiled_by": f"medlake {__version__}"},
    }
    text = "/* medlake\n" + yaml.safe_dump(header, sort_keys=False, width=100) + "*/\n" + body + "\n"
    file = parse_sql_text(text, where)
    spec = parse_spec(file.header, where, builtin=False)
    check_task_sql(file, spec)
    return AcesTask(task_name, text, spec)


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise InputError("file not found", path=path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML: {yaml_problem(e)}", path=path) from None
    if not isinstance(data, dict):
        raise InputError("not a YAML mapping", path=path, expected="an ACES config (predicates, trigger, windows)")
    return data


def _description(cfg: dict, where: str) -> str:
    meta = cfg.get("metadata") or {}
    text = meta.get("description") if isinstance(meta, dict) else None
    first = " ".join(str(text).split()) if text else ""
    return (f"Compiled from the ACES config {where}. " + first).strip()


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return exp.Literal.string(str(value)).sql(dialect="duckdb")


def _codes_in(codes: list[str]) -> str:
    """The MEDS rows whose code is one of `codes`, tested on the lake's vocab and vcode (the code is
    `VOCAB//CODE`, or the code alone for vocabulary MEDS) so that no row's code string is built: a code
    `A//B//C` is vocab A with code `B//C` (no vocabulary name holds `//`), or vocab MEDS with that code."""
    by_vocab: dict[str, list[str]] = {}
    for code in dict.fromkeys(codes):
        by_vocab.setdefault("MEDS", []).append(code)
        if "//" in code:
            vocab, vcode = code.split("//", 1)
            by_vocab.setdefault(vocab, []).append(vcode)
    alts = [f"(e.vocab = {_literal(v)} AND e.vcode IN ({', '.join(_literal(c) for c in cs)}))"
            for v, cs in by_vocab.items()]
    return "(" + " OR ".join(alts) + ")"


def _seconds(text: str, where: str, window: str) -> int:
    """'24h', '2 days', '1d12h' -> whole seconds."""
    s = str(text).strip().lower().replace(",", " ")
    parts = _DELTA_PART.findall(s)
    if not parts or _DELTA_PART.sub("", s).strip():
        raise InputError(f"window '{window}': cannot read the time span {text!r}", path=where,
                         expected="a span such as 24h, 2d, 30 minutes, 1d12h")
    seconds = 0.0
    for number, unit in parts:
        if unit not in _DELTA_UNITS:
            raise InputError(f"window '{window}': unknown time unit {unit!r} in {text!r}", path=where,
                             expected="y, d, h, m or s (or days, hours, minutes, seconds)")
        seconds += float(number) * _DELTA_UNITS[unit]
    return round(seconds)


def _interval(seconds: int) -> str:
    """Whole seconds (>= 0) -> an INTERVAL in the largest whole unit."""
    for unit, size in (("DAY", 86400), ("HOUR", 3600), ("MINUTE", 60)):
        if seconds % size == 0:
            return f"INTERVAL {seconds // size} {unit}"
    return f"INTERVAL {seconds} SECOND"


def _shifted(column: str, seconds: int) -> str:
    """`column` moved by `seconds` (either sign), as SQL."""
    if seconds == 0:
        return column
    return f"{column} {'+' if seconds > 0 else '-'} {_interval(abs(seconds))}"


class _Compiler:
    def __init__(self, where: str, predicates: dict, demographics: dict, trigger, windows: dict):
        self.where = where
        self.plain: dict[str, str] = {}        # name -> condition on one MEDS row
        self.derived: dict[str, tuple[str, list[str]]] = {}
        self.static: dict[str, str] = {}       # demographics: name -> condition on a static row
        self.regexes: list[str] = []           # the regexes of plain predicates, matched once per distinct code
        self.regex_of: dict[str, int] = {}     # plain predicate -> the index of its regex
        self.literal_codes: dict[str, str] = {}   # plain predicate -> its code condition, for the others
        for pname, decl in predicates.items():
            self._predicate(str(pname), decl)
        for pname, decl in demographics.items():
            if not isinstance(decl, dict) or "code" not in decl:
                self._fail(f"patient_demographics '{pname}' needs a code")
            self.static[str(pname)] = self._condition(str(pname), decl, static=True)
            if pname in self.plain or pname in self.derived:
                self._fail(f"'{pname}' is both a predicate and a patient demographic")
        for pname, (_, args) in self.derived.items():
            for a in args:
                if not self._known(a):
                    self._fail(f"predicate '{pname}' uses '{a}', which is not defined")
        if not isinstance(trigger, str) or not self._known(trigger):
            self._fail(f"trigger {trigger!r} is not a defined predicate")
        self._not_static(trigger, "the trigger")
        self.trigger = trigger
        if not isinstance(windows, dict) or not windows:
            self._fail("no windows; an ACES task needs at least the window with its label")
        self.windows = {str(k): v for k, v in windows.items()}
        for wname, w in self.windows.items():
            if not isinstance(w, dict):
                self._fail(f"window '{wname}' must be a mapping (start, end, ...)")
            unknown = sorted(set(w) - WINDOW_FIELDS)
            if unknown:
                self._fail(f"window '{wname}': unknown field '{unknown[0]}' "
                           f"(fields: {', '.join(sorted(WINDOW_FIELDS))})")
        self.nodes: dict[str, tuple[str, str]] = {}   # node -> (kind, SQL)
        self.order: list[str] = []
        # node -> (never before the subject's first time, never after its last time), known from its form
        self.within: dict[str, tuple[bool, bool]] = {}
        self.referenced: set[str] = set()
        self.offsets: dict[str, int] = {}   # node -> its fixed distance from the trigger in seconds, when it has one
        self.all_times = False   # whether every time with a row must be in `preds` (_ANY_EVENT, not(...))
        self.counted: dict[str, tuple[str, str]] = {}   # predicate -> (running count column, what it adds up)
        self.count_windows: dict[str, None] = {}        # windows with a count, in order
        self.needs_record = False
        self.first_times: dict[str, None] = {}   # windows whose first time with a row is looked up
        self.near: dict[str, None] = {}          # windows counted among the rows near each trigger
        self.near_counts: dict[str, tuple[str, str]] = {}   # column -> (near window, predicate counted)
        self.near_source = "counted_rows"        # the rows the near counts and the found sides read
        self.near_rows: list[str] = []           # the plain predicates of `counted_rows`, when it is read
        self.found: dict[str, set[str]] = {}     # plain predicate -> "first" / "last", for `first_last`
        self.count_label = False

    def _fail(self, message: str):
        raise InputError(message, path=self.where)

    def _not_static(self, name: str, where: str) -> None:
        """A patient demographic selects subjects (as in ACES); it is not counted in windows."""
        if name in self.static:
            self._fail(f"{where} names the patient demographic '{name}'; demographics select subjects and may be "
                       "used only inside derived predicates")

    def _known(self, name: str) -> bool:
        return name in self.plain or name in self.derived or name in self.static or name == ANY_EVENT

    # -- predicates -----------------------------------------------------------------------
    def _predicate(self, name: str, decl) -> None:
        if decl == "???" or decl is None:
            self._fail(f"predicate '{name}' is not defined for this dataset ('???'); give it with --predicates FILE")
        if not isinstance(decl, dict):
            self._fail(f"predicate '{name}' must be a mapping with code or expr, got {decl!r}")
        if "expr" in decl:
            m = _EXPR.match(str(decl["expr"]))
            if not m:
                self._fail(f"predicate '{name}': expr {decl['expr']!r} is not and(a, b, ...), or(a, b, ...) or not(a)")
            args = [a.strip() for a in m.group(2).split(",") if a.strip()]
            if not args or any(not a.isidentifier() for a in args):
                self._fail(f"predicate '{name}': expr {decl['expr']!r} must list predicate names")
            if m.group(1).lower() == "not" and len(args) != 1:
                self._fail(f"predicate '{name}': not(...) takes one predicate name, got {decl['expr']!r}")
            self.derived[name] = (m.group(1).lower(), args)
            return
        self.plain[name] = self._condition(name, decl)

    def _condition(self, name: str, decl: dict, static: bool = False) -> str:
        code = decl.get("code")
        if code == "???" or code is None:
            self._fail(f"predicate '{name}' is not defined for this dataset ('???'); give it with --predicates FILE")
        if isinstance(code, str):
            parts = [_codes_in([code])]
            if not static:
                self.literal_codes[name] = parts[0]
        elif isinstance(code, dict) and set(code) == {"regex"}:
            if static:
                parts = [f"regexp_matches(e.code, {_literal(code['regex'])})"]
            else:   # a column of `code_matches`, joined to the rows (see select)
                if str(code["regex"]) not in self.regexes:
                    self.regexes.append(str(code["regex"]))
                self.regex_of[name] = self.regexes.index(str(code["regex"]))
                parts = [f"coalesce(e.r{self.regex_of[name]}, false)"]
        elif isinstance(code, dict) and set(code) == {"any"} and isinstance(code["any"], list) and code["any"]:
            parts = [_codes_in([str(c) for c in code["any"]])]
            if not static:
                self.literal_codes[name] = parts[0]
        else:
            self._fail(f"predicate '{name}': code must be a string, {{regex: ...}} or {{any: [...]}}; got {code!r}")
        for side, op, op_incl in (("min", ">", ">="), ("max", "<", "<=")):
            bound = decl.get(f"value_{side}")
            if bound is None:
                continue
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                self._fail(f"predicate '{name}': value_{side} must be a number, got {bound!r}")
            inclusive = decl.get(f"value_{side}_inclusive")   # ACES 0.7.3: unset means exclusive
            parts.append(f"e.numeric_value {op_incl if inclusive else op} {_literal(float(bound))}")
        # ACES reads any further field of a plain predicate as a column of the MEDS rows to match
        # (`unit: mg/dL`); `other_cols: {unit: mg/dL}` is read the same way
        others = {k: v for k, v in decl.items() if k not in _PLAIN_FIELDS}
        others.update(decl.get("other_cols") or {})
        for col, value in others.items():
            if col not in MEDS_COLUMNS or col in ("subject_id", "time", "code"):
                self._fail(f"predicate '{name}': unknown field '{col}' (a predicate has code, value_min, value_max, "
                           f"value_min_inclusive, value_max_inclusive, and columns of the MEDS rows to match: "
                           f"{', '.join(MEDS_COLUMNS[3:])})")
            parts.append(f"e.{_ident(col)} = {_literal(value)}")
        return " AND ".join(parts)

    def _holds(self, name: str) -> str:
        """The condition that predicate `name` holds at one time (a row of `preds`)."""
        if name == ANY_EVENT:
            self.all_times = True
        if name in self.derived:
            op, args = self.derived[name]
            if op == "not":
                self.all_times = True
                return f"(NOT {self._holds(args[0])})"
            return "(" + f" {op.upper()} ".join(self._holds(a) for a in args) + ")"
        return f"p.{_ident(name)} > 0"

    # -- windows ------------------------------------------------------------------------------
    def _node(self, node: str, stack: tuple = ()) -> str:
        """Resolve a time point (trigger, WINDOW.start, WINDOW.end) into a column of `t`, in dependency order."""
        if node in self.nodes:
            return node
        if node in stack:
            self._fail(f"windows refer to each other in a circle: {' -> '.join((*stack, node))}")
        if node == "trigger":
            self.nodes[node] = ("point", "t.trigger_time")
            self.within[node] = (True, True)
            self.offsets[node] = 0
            self.order.append(node)
            return node
        wname, side = node.rsplit(".", 1)
        if wname not in self.windows:
            self._fail(f"'{node}' names no window (windows: {', '.join(self.windows)})")
        w = self.windows[wname]
        text = w.get(side)
        if text is None or (isinstance(text, str) and text.strip().lower() in ("null", "none", "")):
            other = w.get("end" if side == "start" else "start")
            if other is None:
                self._fail(f"window '{wname}' has neither start nor end; one must refer to the trigger or a window")
            self.nodes[node] = ("open", "first_time" if side == "start" else "last_time")
            self.within[node] = (True, True)
            self.order.append(node)
            return node
        m = _BOUND.match(str(text))
        if not m:
            self._fail(f"window '{wname}': cannot read {side}: {text!r}")
        ref = m.group("ref")
        if ref in ("start", "end"):
            if ref == side:
                self._fail(f"window '{wname}': {side} refers to itself")
            ref = f"{wname}.{ref}"
        elif ref != "trigger" and not re.fullmatch(r"\w+\.(start|end)", ref):
            self._fail(f"window '{wname}': {side} refers to '{ref}'; expected trigger, start, end or WINDOW.start/end")
        ref = self._node(ref, (*stack, node))
        self.referenced.add(ref)
        col = f"t.{_ident(ref)}"
        after_first, before_last = self.within[ref]
        if m.group("op"):
            delta = _seconds(m.group("delta"), self.where, wname)
            sql = f"{col} {m.group('op')} {_interval(delta)}"
            self.within[node] = (after_first, False) if m.group("op") == "+" else (False, before_last)
            if self.offsets.get(ref) is not None:
                self.offsets[node] = self.offsets[ref] + (delta if m.group("op") == "+" else -delta)
        elif m.group("arrow"):
            pred = m.group("pred")
            if not self._known(pred):
                self._fail(f"window '{wname}': {side} looks for predicate '{pred}', which is not defined")
            self._not_static(pred, f"window '{wname}': {side}")
            # As ACES 0.7.3 computes it: a side that refers to the window's other side finds a P at the
            # other side's own time when the window is closed at the side P falls on (`->`: end_inclusive,
            # `<-`: start_inclusive); a side that refers to the trigger or another window never does.
            internal = ref.startswith(f"{wname}.")
            if m.group("arrow") == "->":
                op = ">=" if internal and w.get("end_inclusive", True) else ">"
            else:
                op = "<=" if internal and w.get("start_inclusive", True) else "<"
            self.nodes[node] = ("arrow", (self._holds(pred), op, col, pred, internal))
            self.within[node] = (True, True)   # the time of a row
            self.order.append(node)
            return node
        else:
            sql = col
            self.within[node] = (after_first, before_last)
            self.offsets[node] = self.offsets.get(ref)
        self.nodes[node] = ("point", sql)
        self.order.append(node)
        return node

    def _trigger_row(self) -> str:
        """The condition on one MEDS row that makes it the trigger's row, whose visit_id a sample takes
        (a plain trigger predicate; for any other trigger no row is, and visit_id is null)."""
        return self.plain.get(self.trigger, "false")

    def _plain_parts(self, name: str) -> set[str]:
        """The plain predicates that `name` is, or is derived from."""
        if name in self.plain:
            return {name}
        if name in self.derived:
            return set().union(*(self._plain_parts(a) for a in self.derived[name][1]))
        return set()

    def _read_off_rows(self, name: str) -> bool:
        """Whether the times at which `name` holds follow from the rows it holds on: a plain predicate, or an
        and/or of such (not a `not(...)`, `_ANY_EVENT` or a demographic, which need every time of a subject)."""
        if name in self.plain:
            return True
        if name in self.derived:
            op, args = self.derived[name]
            return op != "not" and all(self._read_off_rows(a) for a in args)
        return False

    def _choose_near_windows(self, counted_in: dict[str, list[str]]) -> None:
        """The windows whose counts are taken from the rows near each trigger (`near_counts_K`): both sides a
        fixed distance from the trigger, at most NEAR_SPAN apart, and every counted predicate read off its rows.
        Joining each trigger to its subject's rows in so short a span reads far fewer rows than grouping all of
        them by time for running counts; a longer or data-dependent window uses the latter, and so does every
        window when the trigger is `_ANY_EVENT` or a `not(...)`, which hold at nearly every time."""
        if not self._read_off_rows(self.trigger):
            return
        for wname, preds in counted_in.items():
            lo, hi = self.offsets.get(f"{wname}.start"), self.offsets.get(f"{wname}.end")
            if lo is not None and hi is not None and hi - lo <= NEAR_SPAN and all(map(self._read_off_rows, preds)):
                self.near[wname] = None

    def _choose_found_arrows(self, index_node: str) -> None:
        """`start: end <- P` / `end: start -> P` sides whose time nothing reads: a side of a window without counts
        or label, that no other side refers to and that is not the index time. Such a side only has to exist,
        and it does when the subject's first (last) time at which plain P holds lies before (after) the other
        side: one group-by over P's rows (`first_last`), not P's times in order."""
        for node in self.order:
            kind, what = self.nodes[node]
            if kind != "arrow":
                continue
            _, op, col, pred, internal = what
            wname, side = node.rsplit(".", 1)
            w = self.windows[wname]
            outward = (side == "start") == (op in ("<", "<="))   # away from the other side, so never inside out
            if (pred in self.plain and internal and outward and node not in self.referenced and node != index_node
                    and not w.get("has") and not w.get("label")):
                self.nodes[node] = ("found", ("first" if op in ("<", "<=") else "last", op, col, pred))
                self.found.setdefault(pred, set()).add(self.nodes[node][1][0])

    def _rows(self, names: list[str]) -> tuple[str, str]:
        """The MEDS rows (with a time) of the codes that the plain predicates `names` name or match, with the
        regex flags, and the condition that one of them holds on a row. Regex matches come from an inner join
        with the matching codes (whose keys DuckDB pushes into the scan), literal codes from the scan's filters."""
        regexes = sorted({self.regex_of[n] for n in names if n in self.regex_of})
        literal = " OR ".join(self.literal_codes[n] for n in names if n in self.literal_codes) or "false"
        holds = " OR ".join(f"({self.plain[n]})" for n in names) or "false"
        if not regexes:
            return f"SELECT e.* FROM meds_events AS e WHERE e.time IS NOT NULL AND ({literal})", holds
        flags = ", ".join(f"c.r{k}" for k in range(len(self.regexes)))
        on = "c.vocab = e.vocab AND c.vcode = e.vcode AND (" + " OR ".join(f"c.r{k}" for k in regexes) + ")"
        rows = f"SELECT e.*, {flags} FROM meds_events AS e JOIN code_matches AS c ON {on} WHERE e.time IS NOT NULL"
        if literal != "false":
            rows += (f"\n        UNION ALL SELECT e.*, {flags} FROM meds_events AS e LEFT JOIN code_matches AS c "
                     f"ON {on} WHERE e.time IS NOT NULL AND ({literal}) AND c.vocab IS NULL")
        return rows, holds

    def _count(self, wname: str, pred: str) -> str:
        """How often `pred` holds in window `wname`, with its inclusive flags: the rows that satisfy a plain
        predicate, the times at which a derived one or _ANY_EVENT holds. In a near window it is counted among
        the rows near the trigger (`_near_joins`); elsewhere it is the difference of the predicate's running
        count (`running`, per subject in time order) at the window's end and at its start, each found by an
        ASOF join (`_window_joins`)."""
        if wname in self.near:
            column = f"{wname}#{pred}"
            self.near_counts[column] = (wname, pred)
            return f"coalesce(t.{_ident(column)}, 0)"
        if pred == ANY_EVENT:
            self.all_times = True
        if pred not in self.counted:
            holds = "true" if pred == ANY_EVENT else self._holds(pred)
            self.counted[pred] = (f"n{len(self.counted)}", f"p.{_ident(pred)}" if pred in self.plain
                                  else f"CASE WHEN {holds} THEN 1 ELSE 0 END")
        self.count_windows.setdefault(wname, None)
        col = self.counted[pred][0]
        return (f"(coalesce(t.{_ident(f'{wname}.end#{col}')}, 0) - "
                f"coalesce(t.{_ident(f'{wname}.start#{col}')}, 0))")

    def _any_event_exists(self, wname: str) -> str:
        """Whether a window holds any time with a row (`_ANY_EVENT: (1, None)`), without counting every time:
        with an open, inclusive side, whether the subject's last (first) time, that side itself, lies in it;
        else whether the first time with a row from its start on (an ASOF join on the distinct times,
        `_window_joins`) comes before its end."""
        w = self.windows[wname]
        for side, other, op_incl, op in (("end", "start", ">=", ">"), ("start", "end", "<=", "<")):
            node = f"{wname}.{side}"
            if (self.nodes[node][0] == "open" or node in self.unbounding) and w.get(f"{side}_inclusive", True):
                self.needs_record = True
                column = "last_time" if side == "end" else "first_time"
                op = op_incl if w.get(f"{other}_inclusive", True) else op
                return (f"(SELECT r.{column} FROM record AS r WHERE r.subject_id = t.subject_id) {op} "
                        f"t.{_ident(f'{wname}.{other}')}")
        self.first_times[wname] = None
        return f"t.{_ident(f'{wname}#first_time')} {'<=' if w.get('end_inclusive', True) else '<'} " \
               f"t.{_ident(f'{wname}.end')}"

    def _near_joins(self, previous: str, first: int) -> tuple[list[str], str]:
        """CTEs that add the counts of the near windows: per window (`near_counts_K`), each trigger joined to its
        subject's rows in that window, with its inclusive flags, that a predicate counted there holds on. The
        rows are `events_per_time` when it holds every predicate counted, else `counted_rows`; a derived
        predicate holds at a time, so when a window counts one over `counted_rows` its joined rows are first
        summed per trigger and time (`near_times_K`)."""
        lines, joins = [], []
        per_row = self.near_source == "counted_rows"
        for k, wname in enumerate(self.near):
            cols = [(column, pred) for column, (w, pred) in self.near_counts.items() if w == wname]
            if not cols:
                continue
            w = self.windows[wname]
            start = _shifted("t.trigger_time", self.offsets[f"{wname}.start"])
            end = _shifted("t.trigger_time", self.offsets[f"{wname}.end"])
            join = [f"    FROM t0 AS t JOIN {self.near_source} AS p ON p.subject_id = t.subject_id",
                    f"        AND p.time {'>=' if w.get('start_inclusive', True) else '>'} {start} "
                    f"AND p.time {'<=' if w.get('end_inclusive', True) else '<'} {end}"]
            parts = set().union(*(self._plain_parts(pred) for _, pred in cols))
            names = [n for n in self.plain if n in parts]
            holds = " OR ".join(f"p.{_ident(n)}{'' if per_row else ' > 0'}" for n in names)
            regroup = per_row and any(pred not in self.plain for _, pred in cols)
            if per_row and not regroup:   # a row: whether each plain predicate holds on it
                counts = [f"count(*) FILTER (WHERE p.{_ident(pred)}) AS {_ident(column)}" for column, pred in cols]
            else:                         # a time: how many rows each plain predicate holds on
                counts = [f"sum(p.{_ident(pred)}) AS {_ident(column)}" if pred in self.plain
                          else f"count(*) FILTER (WHERE {self._holds(pred)}) AS {_ident(column)}"
                          for column, pred in cols]
            counts = ",\n".join(f"        {c}" for c in counts)
            if regroup:
                sums = ", ".join(f"count(*) FILTER (WHERE p.{_ident(n)}) AS {_ident(n)}" for n in names)
                lines += [f", near_times_{k} AS (",
                          f"    SELECT t.subject_id, t.trigger_time, p.time, {sums}", *join,
                          f"    WHERE {holds}",
                          "    GROUP BY t.subject_id, t.trigger_time, p.time",
                          ")",
                          f", near_counts_{k} AS (",
                          "    SELECT p.subject_id, p.trigger_time,", counts,
                          f"    FROM near_times_{k} AS p",
                          "    GROUP BY p.subject_id, p.trigger_time",
                          ")"]
            else:
                lines += [f", near_counts_{k} AS (",
                          "    SELECT t.subject_id, t.trigger_time,", counts, *join,
                          f"    WHERE {holds}",
                          "    GROUP BY t.subject_id, t.trigger_time",
                          ")"]
            joins.append(k)
        if not joins:
            return [], previous
        lines += [f", t{first} AS (",
                  "    SELECT t.*, " + ", ".join(f"c{k}.* EXCLUDE (subject_id, trigger_time)" for k in joins),
                  f"    FROM {previous} AS t",
                  *(f"    LEFT JOIN near_counts_{k} AS c{k} ON c{k}.subject_id = t.subject_id "
                    f"AND c{k}.trigger_time = t.trigger_time" for k in joins),
                  ")"]
        return lines, f"t{first}"

    def _window_joins(self, previous: str, first: int) -> tuple[list[str], str, int]:
        """CTEs that add, for every window with a count, each counted predicate's running count at the
        window's end (rows up to it, or before it when the end is exclusive) and just before its start (rows
        before it, or up to it when the start is exclusive); an unbounded start counts nothing before it.
        All these points are looked up in `running` by one ASOF join (`before X` is `up to X - 1 microsecond`:
        times are whole microseconds). The CTEs are numbered from `first`; the last one's name and the next
        free number come back with them."""
        lines = []
        for wname in self.first_times:
            w = self.windows[wname]
            lines += [f", t{first} AS (",
                      f"    SELECT t.*, q.time AS {_ident(f'{wname}#first_time')}",
                      f"    FROM {previous} AS t",
                      "    ASOF LEFT JOIN times AS q",
                      f"        ON t.subject_id = q.subject_id "
                      f"AND q.time {'>=' if w.get('start_inclusive', True) else '>'} "
                      f"t.{_ident(f'{wname}.start')}",
                      ")"]
            previous = f"t{first}"
            first += 1
        if not self.count_windows:
            return lines, previous, first
        probes = []
        for wname in self.count_windows:
            w = self.windows[wname]
            for side in ("end", "start"):
                node = f"{wname}.{side}"
                if side == "start" and node in self.unbounding:
                    continue
                inclusive = w.get(f"{side}_inclusive", True)
                before = (not inclusive) if side == "end" else inclusive
                at = f"t.{_ident(node)}" + (" - INTERVAL 1 MICROSECOND" if before else "")
                probes.append((node, at))
        union = "\n    UNION ALL ".join(
            f"SELECT t.subject_id, t.trigger_time, {k} AS probe, {at} AS at FROM {previous} AS t"
            for k, (_, at) in enumerate(probes))
        cols = ",\n".join(f"        max(CASE WHEN q.probe = {k} THEN q.{col} END) AS {_ident(f'{node}#{col}')}"
                          for k, (node, _) in enumerate(probes) for col, _ in self.counted.values())
        i = first
        lines += [f", t{i} AS (",
                 f"    {union}",
                 ")",
                 f", t{i + 1} AS (",
                 "    SELECT q.subject_id, q.trigger_time,",
                 cols,
                 f"    FROM (SELECT p.*, {', '.join(f'r.{col}' for col, _ in self.counted.values())}",
                 f"          FROM t{i} AS p ASOF LEFT JOIN running AS r",
                 "              ON p.subject_id = r.subject_id AND r.time <= p.at) AS q",
                 "    GROUP BY q.subject_id, q.trigger_time",
                 ")",
                 f", t{i + 2} AS (",
                 "    SELECT t.*, c.* EXCLUDE (subject_id, trigger_time)",
                 f"    FROM {previous} AS t",
                 f"    LEFT JOIN t{i + 1} AS c ON c.subject_id = t.subject_id AND c.trigger_time = t.trigger_time",
                 ")"]
        return lines, f"t{i + 2}", i + 3

    def select(self) -> str:
        for wname in self.windows:
            for side in ("start", "end"):
                self._node(f"{wname}.{side}")
        label = [(n, w["label"]) for n, w in self.windows.items() if w.get("label")]
        index = [(n, w["index_timestamp"]) for n, w in self.windows.items() if w.get("index_timestamp")]
        if len(label) != 1:
            self._fail(f"exactly one window needs a label; found {len(label)}")
        if len(index) != 1 or index[0][1] not in ("start", "end"):
            self._fail("exactly one window needs index_timestamp: start or end")
        lwin, lpred = label[0]
        if isinstance(lpred, dict):
            if set(lpred) != {"count"} or not isinstance(lpred["count"], str):
                self._fail(f"window '{lwin}': label must be a predicate name or {{count: PREDICATE}}, got {lpred!r}")
            lpred, self.count_label = lpred["count"], True
        if not isinstance(lpred, str) or not self._known(lpred):
            self._fail(f"window '{lwin}': label '{lpred}' is not a defined predicate")
        self._not_static(lpred, f"window '{lwin}': label")
        iwin, iside = index[0]
        # An open (null) side that includes its end, facing a side that cannot pass the record's first (last)
        # time, bounds nothing: every row of the window's side counts and the window is never empty-ended,
        # so neither the record's first (last) time nor a bound on it is needed.
        self.unbounding: set[str] = set()
        for wname, w in self.windows.items():
            for side, other, flag in (("start", "end", 0), ("end", "start", 1)):
                node = f"{wname}.{side}"
                if (self.nodes[node][0] == "open" and w.get(f"{side}_inclusive", True)
                        and self.within[f"{wname}.{other}"][flag] and node not in self.referenced
                        and node != f"{iwin}.{iside}"):
                    self.unbounding.add(node)
        for node in self.unbounding:
            infinity = "-infinity" if node.endswith(".start") else "infinity"
            self.nodes[node] = ("point", f"CAST('{infinity}' AS TIMESTAMP)")
        trigger_holds = self._holds(self.trigger) if self.trigger != ANY_EVENT else "true"
        if self.trigger == ANY_EVENT:
            self.all_times = True
        # the `has` constraints, checked before any SQL is written; then which windows count near the trigger
        needs = []
        for wname, w in self.windows.items():
            for pred, bounds in (w.get("has") or {}).items():
                if not self._known(pred):
                    self._fail(f"window '{wname}': has names predicate '{pred}', which is not defined")
                self._not_static(pred, f"window '{wname}': has")
                needs.append((wname, pred, *self._bounds(wname, pred, bounds)))
        counted_in: dict[str, list[str]] = {}
        for wname, pred, lo, hi in needs:
            if not (pred == ANY_EVENT and hi is None and lo in (None, 0, 1)):
                counted_in.setdefault(wname, []).append(pred)
        counted_in.setdefault(lwin, []).append(lpred)
        self._choose_near_windows(counted_in)
        self._choose_found_arrows(f"{iwin}.{iside}")
        checks = []
        for node in self.order:
            if self.nodes[node][0] == "found":
                checks.append(f"t.{_ident(node + '#found')}")
            elif node != "trigger" and self.nodes[node][0] != "open" and node not in self.unbounding:
                checks.append(f"t.{_ident(node)} IS NOT NULL")
        for wname in self.windows:
            s, e = f"{wname}.start", f"{wname}.end"
            # a found side lies beyond its window's other side by its definition
            if not ({s, e} & self.unbounding) and "found" not in (self.nodes[s][0], self.nodes[e][0]):
                checks.append(f"t.{_ident(s)} <= t.{_ident(e)}")
            for _, pred, lo, hi in (n for n in needs if n[0] == wname):
                if pred == ANY_EVENT and hi is None and lo in (None, 0, 1):
                    if lo == 1:
                        checks.append(self._any_event_exists(wname))
                    continue
                count = self._count(wname, pred)
                if lo is not None:
                    checks.append(f"{count} >= {lo}")
                if hi is not None:
                    checks.append(f"{count} <= {hi}")
        count = self._count(lwin, lpred)
        label_sql = f"CAST({count} AS DOUBLE)" if self.count_label else f"CAST({count} > 0 AS INTEGER)"
        # the plain predicates grouped by time: those of the trigger, of the arrows looked up by an ASOF join and
        # of the running counts; the rows only the near windows count or the found sides look for are not
        timed_parts = self._plain_parts(self.trigger).union(
            *(self._plain_parts(what[3]) for kind, what in self.nodes.values() if kind == "arrow"),
            *(self._plain_parts(pred) for pred in self.counted))
        timed = [n for n in self.plain if n in timed_parts]
        near_parts = set(self.found).union(*(self._plain_parts(p) for _, p in self.near_counts.values()))
        if near_parts <= timed_parts:   # the rows near the trigger are among the times grouped anyway
            self.near_source = "events_per_time"
        else:
            self.near_source = "counted_rows"
            self.near_rows = [n for n in self.plain if n in near_parts]
        # with patient_demographics, only the rows of the subjects they select can make a sample: the others are
        # left out before the rows are grouped
        lines: list[str] = []
        subjects = ""
        if self.static:
            conds = ",\n".join(f"        max(CASE WHEN {c} THEN 1 ELSE 0 END) AS {_ident(n)}"
                               for n, c in self.static.items())
            every = " AND ".join(f"{_ident(n)} > 0" for n in self.static)
            lines += ["WITH static_facts AS (",
                      "    SELECT e.subject_id,", conds,
                      "    FROM meds_events AS e",
                      "    WHERE e.time IS NULL",
                      "    GROUP BY e.subject_id",
                      ")",
                      ", selected_subjects AS (SELECT subject_id FROM static_facts WHERE " + every + ")"]
            subjects = " AND subject_id IN (SELECT subject_id FROM selected_subjects)"
        if self.regexes:
            # a regex is matched against each distinct code once, not against every row's code: against every
            # pair of a distinct vocabulary and a distinct code (two one-column DISTINCTs, which DuckDB answers on
            # the columns' dictionaries, cost a tenth of one DISTINCT over the pairs); a pair that no row has
            # joins no row
            matches = ", ".join(f"regexp_matches(code, {_literal(r)}) AS r{k}" for k, r in enumerate(self.regexes))
            lines += [(", " if lines else "WITH ") + "code_matches AS (",
                      "    SELECT * FROM (",
                      f"        SELECT vocab, vcode, {matches}",
                      "        FROM (SELECT v.vocab, c.vcode, "
                      "CASE WHEN v.vocab = 'MEDS' THEN c.vcode ELSE v.vocab || '//' || c.vcode END AS code",
                      "              FROM (SELECT DISTINCT vocab FROM meds_events) AS v",
                      "              CROSS JOIN (SELECT DISTINCT vcode FROM meds_events) AS c)",
                      "    )",
                      "    WHERE " + " OR ".join(f"r{k}" for k in range(len(self.regexes))),
                      ")"]
        rows, holds = self._rows(timed)
        plain_cols = [f"        sum(CASE WHEN {self.plain[n]} THEN 1 ELSE 0 END) AS {_ident(n)}" for n in timed]
        lines += [(", " if lines else "WITH ") + "events_per_time AS (",
                  "    SELECT",
                  "        e.subject_id,",
                  "        e.time,",
                  ",\n".join(plain_cols + [f"        min(CASE WHEN {self._trigger_row()} THEN e.visit_id END) "
                                           "AS trigger_visit_id"]),
                  f"    FROM ({rows}) AS e",
                  f"    WHERE ({holds}){subjects}",
                  "    GROUP BY e.subject_id, e.time",
                  ")"]
        if self.near_rows:
            rows, _ = self._rows(self.near_rows)
            flags = ", ".join(f"{self.plain[n]} AS {_ident(n)}" for n in self.near_rows)
            lines += [", counted_rows AS (",
                      f"    SELECT e.subject_id, e.time, {flags}",
                      f"    FROM ({rows}) AS e",
                      *([f"    WHERE {subjects.removeprefix(' AND ')}"] if subjects else []),
                      ")"]
        if self.found:
            holds = "" if self.near_source == "counted_rows" else " > 0"
            ends = ", ".join(f"{'min' if end == 'first' else 'max'}(time) FILTER (WHERE {_ident(n)}{holds}) "
                             f"AS {_ident(f'{n}#{end}')}" for n, which in self.found.items() for end in sorted(which))
            lines += [f", first_last AS (SELECT subject_id, {ends} FROM {self.near_source} GROUP BY subject_id)"]
        if self.all_times:
            # _ANY_EVENT or not(...): every time with a row, with the predicates' counts where they hold
            sums = ", ".join(f"coalesce(p.{_ident(n)}, 0) AS {_ident(n)}" for n in timed)
            lines += [", all_times AS (",
                      f"    SELECT a.subject_id, a.time, {sums}{', ' if sums else ''}p.trigger_visit_id",
                      "    FROM (SELECT DISTINCT subject_id, time FROM meds_events WHERE time IS NOT NULL"
                      f"{subjects}) AS a",
                      "    LEFT JOIN events_per_time AS p ON p.subject_id = a.subject_id AND p.time = a.time",
                      ")"]
        if self.first_times:
            lines += [", times AS (SELECT DISTINCT subject_id, time FROM meds_events "
                      f"WHERE time IS NOT NULL{subjects})"]
        times = "all_times" if self.all_times else "events_per_time"
        if self.needs_record or any(self.nodes[n][0] == "open" for n in self.order):
            source = "all_times" if self.all_times else f"meds_events WHERE time IS NOT NULL{subjects}"
            lines += [", record AS (",
                      "    SELECT subject_id, min(time) AS first_time, max(time) AS last_time",
                      f"    FROM {source}",
                      "    GROUP BY subject_id",
                      ")"]
        if self.static:
            lines += [", preds AS (",
                      f"    SELECT p.*, 1 AS {_ident(ANY_EVENT)}, "
                      + ", ".join(f"coalesce(s.{_ident(n)}, 0) AS {_ident(n)}" for n in self.static),
                      f"    FROM {times} AS p",
                      "    LEFT JOIN static_facts AS s ON s.subject_id = p.subject_id",
                      ")"]
        else:
            lines += [f", preds AS (SELECT *, 1 AS {_ident(ANY_EVENT)} FROM {times})"]
        lines += [", t0 AS (",
                  "    SELECT p.subject_id, p.time AS trigger_time, p.trigger_visit_id",
                  "    FROM preds AS p",
                  f"    WHERE {trigger_holds}"]
        if self.static:
            lines += ["        AND p.subject_id IN (SELECT subject_id FROM selected_subjects)"]
        lines += [")"]
        if self.counted:
            sums = ",\n".join(f"        sum({what}) OVER w AS {col}" for col, what in self.counted.values())
            lines += [", running AS (",
                      "    SELECT p.subject_id, p.time,", sums,
                      "    FROM preds AS p",
                      # a time at which nothing counted holds adds nothing: the ASOF lookups find the count at
                      # the last time before theirs that does
                      "    WHERE " + " OR ".join(f"({what}) > 0" for _, what in self.counted.values()),
                      "    WINDOW w AS (PARTITION BY p.subject_id ORDER BY p.time ROWS UNBOUNDED PRECEDING)",
                      ")"]
        previous = "t0"
        for i, node in enumerate(self.order, start=1):
            kind, what = self.nodes[node]
            if kind == "point":
                body = [f"    SELECT t.*, {what} AS {_ident(node)}", f"    FROM {previous} AS t"]
            elif kind == "open":
                body = [f"    SELECT t.*, r.{what} AS {_ident(node)}", f"    FROM {previous} AS t",
                        "    LEFT JOIN record AS r ON r.subject_id = t.subject_id"]
            elif kind == "found":   # whether the subject's first (last) time at which P holds is on the right side
                end, op, col, pred = what
                body = [f"    SELECT t.*, coalesce(s.{_ident(f'{pred}#{end}')} {op} {col}, false) "
                        f"AS {_ident(node + '#found')}",
                        f"    FROM {previous} AS t",
                        "    LEFT JOIN first_last AS s ON s.subject_id = t.subject_id"]
            else:   # REF -> P / REF <- P: the nearest time at which P holds, by an ASOF join
                holds, op, col, _, _ = what
                body = [f"    SELECT t.*, q.time AS {_ident(node)}", f"    FROM {previous} AS t",
                        f"    ASOF LEFT JOIN (SELECT p.subject_id, p.time FROM preds AS p WHERE {holds}) AS q",
                        f"        ON t.subject_id = q.subject_id AND q.time {op} {col}"]
            lines += [f", t{i} AS (", *body, ")"]
            previous = f"t{i}"
        more, previous, free = self._window_joins(previous, len(self.order) + 1)
        lines += more
        more, previous = self._near_joins(previous, free)
        lines += more
        lines += ["SELECT",
                  "    concat(t.subject_id, '-', epoch_us(t.trigger_time)) AS sample_id,",
                  "    t.subject_id,",
                  "    t.trigger_visit_id AS visit_id,",
                  f"    t.{_ident(iwin + '.' + iside)} AS index_time,",
                  f"    {label_sql} AS label,",
                  "    t.trigger_time",
                  f"FROM {previous} AS t",
                  "WHERE " + "\n    AND ".join(checks),
                  "ORDER BY t.subject_id, index_time, t.trigger_time"]
        return "\n".join(lines)

    def _bounds(self, wname: str, pred: str, bounds) -> tuple[int | None, int | None]:
        if isinstance(bounds, (list, tuple)) and len(bounds) == 2:
            lo, hi = bounds
        else:
            m = _COUNT.match(str(bounds))
            if not m:
                self._fail(f"window '{wname}': has {pred}: {bounds!r} is not (MIN, MAX) with None for no bound")
            lo, hi = m.group(1), m.group(2)
        out = []
        for v in (lo, hi):
            if v is None or str(v).lower() in ("none", "null"):
                out.append(None)
            elif isinstance(v, int) or str(v).isdigit():
                out.append(int(v))
            else:
                self._fail(f"window '{wname}': has {pred}: bound {v!r} is not a whole number or None")
        return out[0], out[1]
