"""Small facts about files that several layers need."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in 4 MiB chunks (hashlib releases the GIL, so it runs well in a thread)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def starts_with_bom(path: str | Path) -> bool:
    """Whether a (possibly gzip-compressed) text file starts with a UTF-8 byte-order mark."""
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            return f.read(3) == UTF8_BOM
    except (OSError, EOFError):
        return False


def file_facts(path: str | Path) -> dict:
    """What a load log keeps of a file it read: {path, size, sha256}, plus utf8_bom: true when the file
    starts with a UTF-8 byte-order mark (the loaders drop the mark and record that they did)."""
    path = Path(path)
    facts = {"path": str(path), "size": path.stat().st_size, "sha256": sha256_file(path)}
    if starts_with_bom(path):
        facts["utf8_bom"] = True
    return facts
