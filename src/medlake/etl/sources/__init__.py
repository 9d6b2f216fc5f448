"""The EHR loaders: every module in this package defines `SOURCE` (an etl.spec.Source), found by name."""

from __future__ import annotations

import importlib
import pkgutil

from ...errors import UnknownNameError
from ..spec import Source


def sources() -> dict[str, Source]:
    """Every registered loader by name."""
    out = {}
    for mod in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{mod.name}")
        src = getattr(module, "SOURCE", None)
        if isinstance(src, Source):
            out[src.name] = src
    return out


def get_source(name: str) -> Source:
    """The loader called `name`, or UnknownNameError listing the known ones."""
    known = sources()
    if name not in known:
        raise UnknownNameError(f"unknown source '{name}' (known: {', '.join(sorted(known))})")
    return known[name]
