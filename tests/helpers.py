"""Helpers shared by several test files (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODES_EXAMPLES = ROOT / "docs" / "examples" / "codes.sql"
