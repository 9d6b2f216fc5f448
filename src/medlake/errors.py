"""Named errors. The library raises these; the CLI translates them once (exit 2)."""

from __future__ import annotations

MAX_VALUE_CHARS = 200


def cut(value) -> str:
    """A value as a message shows it: its repr, cut to MAX_VALUE_CHARS characters of text with the length said."""
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return f"{value[:MAX_VALUE_CHARS]!r}... ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else f"{text[:MAX_VALUE_CHARS]}... ({len(text):,} characters)"


def yaml_problem(error: Exception) -> str:
    """A YAML parser's error on one line: the problem and where it is (line and column from 1)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or " ".join(str(error).split())
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem


class MedlakeError(Exception):
    """Base class of every error medlake raises on purpose."""


class InputError(MedlakeError):
    """Bad input data: names the file, the line or column, the value and what was expected."""

    def __init__(self, message: str, *, path=None, line=None, column=None, value=None, expected=None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.value = value
        self.expected = expected
        parts = []
        if self.path:
            where = self.path
            if line is not None:
                where += f", line {line}"
            if column is not None:
                where += f", column '{column}'"
            parts.append(where)
        parts.append(message)
        if value is not None:
            parts.append(f"value {cut(value)}")
        if expected:
            parts.append(f"expected {expected}")
        super().__init__(": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if len(parts) > 2 else ""))


class SampleReadError(InputError):
    """A sample's signal window or image pixels cannot be read from its file (the message names the file).

    The header of such a file may well be in the lake: headers and pixels are read at different times."""


class SqlFileError(MedlakeError):
    """A .sql file or SQL text is malformed or refused (bad header, parse error, forbidden statement)."""

    def __init__(self, path, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class UnknownNameError(MedlakeError):
    """A dataset, task, feature view, vocabulary or source that does not exist."""


class ParameterError(MedlakeError):
    """A parameter of wrong name, type or value."""


class LeakageError(MedlakeError):
    """A task or feature uses data from after its index time."""


class LakeInUseError(MedlakeError):
    """Another process holds the lake file in a way that excludes this open (DuckDB's file lock)."""

    def __init__(self, message: str, *, pid: int | None = None):
        self.pid = pid
        super().__init__(message)


class OutOfMemoryError(MedlakeError):
    """DuckDB ran out of the memory it may use (it spills to disk first; this is past that)."""
