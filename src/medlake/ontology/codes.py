"""Codes: the Python face of the vocab schema (lake.codes)."""

from __future__ import annotations

from pathlib import Path

from .build import CodesLoadResult, load_codes


class Codes:
    """Code systems of one lake."""

    def __init__(self, lake):
        self.lake = lake

    def load(self, directory: str | Path | None = None, show_progress: bool = False) -> CodesLoadResult:
        """(Re)build the vocab tables from installed packages and, when given, a directory."""
        return load_codes(self.lake, directory, show_progress=show_progress)
