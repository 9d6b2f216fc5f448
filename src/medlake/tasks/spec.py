"""TaskSpec: what a task file's header declares, and the checking of parameters against it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError, SqlFileError

LABEL_TYPES = ("binary", "multiclass", "multilabel", "regression")
INPUT_KINDS = ("codes", "nested_codes", "series", "numeric", "categorical", "signal", "image")
PARAM_TYPES = ("integer", "number", "string", "boolean")
CONTRACT_COLUMNS = ("sample_id", "subject_id", "visit_id", "index_time", "label")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Param:
    """One declared parameter: its type, default and optional bounds or choices."""

    name: str
    type: str
    default: object = None
    choices: tuple | None = None
    min: float | None = None
    max: float | None = None
    description: str = ""

    def coerce(self, value, task: str):
        """Return `value` converted to this parameter's type, or raise ParameterError.

        Strings (as the CLI passes them) are parsed; other Python values must
        already have the right type (an int is accepted for a number); the
        strings "null" and "none" stand for no value."""
        if isinstance(value, str) and self.type != "string" and value.strip().lower() in ("", "null", "none"):
            value = None
        if value is None:
            if self.default is None:
                return None
            raise ParameterError(f"task '{task}': parameter '{self.name}' may not be null (expected {self.type})")
        out = _convert(value, self.type)
        if out is _BAD:
            raise ParameterError(f"task '{task}': parameter '{self.name}' got {value!r} "
                                 f"({type(value).__name__}); expected {self.type}")
        if self.choices is not None and out not in self.choices:
            raise ParameterError(f"task '{task}': parameter '{self.name}' got {out!r}; "
                                 f"expected one of: {', '.join(map(str, self.choices))}")
        if self.min is not None and out < self.min:
            raise ParameterError(f"task '{task}': parameter '{self.name}' got {out!r}; expected at least {self.min}")
        if self.max is not None and out > self.max:
            raise ParameterError(f"task '{task}': parameter '{self.name}' got {out!r}; expected at most {self.max}")
        return out


_BAD = object()


def _convert(value, kind: str):
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return _BAD
    if isinstance(value, bool):
        return _BAD
    if kind == "integer":
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return _BAD
        return _BAD
    if kind == "number":
        if isinstance(value, (int, float)):
            out = float(value)
        elif isinstance(value, str):
            try:
                out = float(value.strip())
            except ValueError:
                return _BAD
        else:
            return _BAD
        return out if math.isfinite(out) else _BAD
    if kind == "string":
        return value if isinstance(value, str) else _BAD
    return _BAD


@dataclass(frozen=True)
class TaskSpec:
    """A task as its SQL header declares it."""

    name: str
    description: str
    datasets: tuple[str, ...]
    label: dict
    params: dict[str, Param]
    inputs: dict[str, str]
    retrospective: bool
    path: Path | None = None
    builtin: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def label_type(self) -> str:
        return self.label["type"]

    @property
    def classes(self) -> list | None:
        return self.label.get("classes")

    def bind(self, params: dict) -> dict:
        """Every declared parameter with its checked value (defaults filled in)."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ParameterError(f"task '{self.name}' has no parameter '{unknown[0]}' (parameters: {known})")
        return {n: p.coerce(params[n], self.name) if n in params else p.default for n, p in self.params.items()}

    def to_dict(self) -> dict:
        """The spec as plain data (for printing and JSON)."""
        return {
            "name": self.name, "description": self.description, "datasets": list(self.datasets),
            "label": dict(self.label), "retrospective": self.retrospective, "inputs": dict(self.inputs),
            "params": {n: {"type": p.type, "default": p.default,
                           **({"choices": list(p.choices)} if p.choices else {}),
                           **({"min": p.min} if p.min is not None else {}),
                           **({"max": p.max} if p.max is not None else {})}
                       for n, p in self.params.items()},
            **self.extra,
        }


def parse_spec(header: dict, path: Path | str, *, builtin: bool = True, default_name: str | None = None) -> TaskSpec:
    """Build a TaskSpec from a parsed header; a malformed header is a SqlFileError naming the key."""
    def fail(msg: str):
        raise SqlFileError(path, f"task header: {msg}")

    name = header.get("name", default_name)
    if not isinstance(name, str) or not name.isidentifier():
        fail(f"'name' must be an identifier (letters, digits, _), got {name!r}")
    datasets = header.get("datasets", [])
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        fail(f"'datasets' must be a list of source names, got {datasets!r}")
    label = header.get("label", {"type": "binary"})
    if isinstance(label, str):
        label = {"type": label}
    if not isinstance(label, dict) or label.get("type") not in LABEL_TYPES:
        fail(f"'label.type' must be one of {', '.join(LABEL_TYPES)}, got {label!r}")
    if "classes" in label and not isinstance(label["classes"], list):
        fail(f"'label.classes' must be a list, got {label['classes']!r}")
    inputs = header.get("inputs", {}) or {}
    if not isinstance(inputs, dict):
        fail(f"'inputs' must map column -> kind, got {inputs!r}")
    for col, kind in inputs.items():
        if kind not in INPUT_KINDS:
            fail(f"input '{col}' has kind {kind!r}; expected one of {', '.join(INPUT_KINDS)}")
    params = {}
    for pname, decl in (header.get("params") or {}).items():
        if not isinstance(decl, dict) or decl.get("type") not in PARAM_TYPES:
            fail(f"parameter '{pname}' needs a type, one of {', '.join(PARAM_TYPES)}; got {decl!r}")
        if not str(pname).isidentifier():
            fail(f"parameter name {pname!r} must be an identifier")
        choices = decl.get("choices")
        p = Param(pname, decl["type"], None, tuple(choices) if choices else None, decl.get("min"), decl.get("max"),
                  decl.get("description", ""))
        default = decl.get("default")
        if default is not None:
            try:
                default = p.coerce(default, name)
            except ParameterError as e:
                fail(f"default of parameter '{pname}': {e}")
        params[pname] = Param(pname, p.type, default, p.choices, p.min, p.max, p.description)
    retro = header.get("retrospective", False)
    if not isinstance(retro, bool):
        fail(f"'retrospective' must be true or false, got {retro!r}")
    known = {"name", "description", "datasets", "label", "params", "inputs", "retrospective"}
    return TaskSpec(name, str(header.get("description", "")).strip(), tuple(datasets), label, params, inputs, retro,
                    Path(path), builtin, {k: v for k, v in header.items() if k not in known})
