"""Finding a source's raw files in a folder."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .spec import FoundFile, RawTable, Source


def find_files(source: Source, directory: Path,
               only: list[str] | None = None) -> tuple[list[FoundFile], list[RawTable]]:
    """Match the source's raw tables to files under `directory` (recursively, case-insensitive).

    Returns (found, absent optional tables). A missing required file is an InputError."""
    if not directory.is_dir():
        raise InputError("directory not found", path=directory, expected=f"a folder holding the {source.name} export")
    index: dict[str, list[Path]] = {}
    for p in sorted(directory.rglob("*")):
        if not p.is_file():
            continue
        low = p.name.lower()
        suffix = next((s for s in source.formats if low.endswith(s)), None)
        if suffix is None:
            continue
        rel = p.relative_to(directory).as_posix().lower()[: -len(suffix)]
        index.setdefault(rel, []).append(p)
        index.setdefault(low[: -len(suffix)], []).append(p)
    wanted = source.tables
    if only:
        names = {t.lower() for t in only}
        for n in names:
            source.table(n)  # raises for unknown names
        # tables the canonical SQL cannot do without are always loaded
        wanted = [t for t in source.tables if t.name in names or t.always]
    found, absent = [], []
    for t in wanted:
        hit = None
        for stem in t.files:
            cands = index.get(stem.lower())
            if cands:
                # prefer the first suffix in the source's order (e.g. .csv.gz before .csv)
                hit = sorted(set(cands), key=lambda p: _suffix_rank(p, source.formats))[0]
                break
        if hit is None:
            if t.required:
                expected = " or ".join(f"{t.files[0]}{s}" for s in source.formats)
                raise InputError(f"missing file for table '{t.name}'", path=directory, expected=expected)
            absent.append(t)
        else:
            found.append(FoundFile(t, hit))
    absent += [t for t in source.tables if t not in wanted]
    return found, absent


def _suffix_rank(p: Path, formats) -> int:
    low = p.name.lower()
    return next((i for i, s in enumerate(formats) if low.endswith(s)), len(formats))
