"""The ICD-10-CM tabular list (XML): chapters, sections, categories and codes, with titles.

Chapters are named by their range as the tabular writes it, e.g. "I00-I99"
for chapter 9; sections by their first-last range ("I30-I5A"; a section of
one category, such as B10, becomes "B10-B10" so it never shares a code with
its category).
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import InputError
from .staging import RANK_OFFICIAL, Staging

_RANGE_IN_DESC = re.compile(r"\(([A-Z][0-9A-Z]{2}-[A-Z][0-9A-Z]{2})\)\s*$")
_CODES_IN_DESC = re.compile(r"\s*\([A-Z][0-9A-Z.-]*\)\s*$")
VOCAB = "ICD10CM"


def read_tabular(path: Path, st: Staging) -> int:
    """Read the tabular XML into `st`; returns the number of nodes."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            root = ET.parse(f).getroot()
    except (ET.ParseError, OSError, EOFError) as e:
        raise InputError(f"cannot read the ICD-10-CM tabular XML: {e}", path=path,
                         expected="the CDC ICD-10-CM tabular list (icd10cm_tabular_*.xml)") from None
    n = 0
    for chapter in root.iter("chapter"):
        desc = (chapter.findtext("desc") or "").strip()
        m = _RANGE_IN_DESC.search(desc)
        if not m:
            raise InputError("chapter without a code range", path=path, value=desc,
                             expected="a chapter description ending in (A00-B99)")
        ch_code = m.group(1)
        st.concept(VOCAB, ch_code, desc[: m.start()].strip(), RANK_OFFICIAL)
        n += 1
        for section in chapter.iter("section"):
            sec_code = _section_code(section.get("id") or "")
            sec_desc = (section.findtext("desc") or "").strip()
            sec_desc = _CODES_IN_DESC.sub("", sec_desc).strip()
            st.concept(VOCAB, sec_code, sec_desc, RANK_OFFICIAL)
            st.edge(VOCAB, sec_code, ch_code)
            n += 1
            n += _diags(section, sec_code, st)
    return n


def _section_code(section_id: str) -> str:
    return section_id if "-" in section_id else f"{section_id}-{section_id}"


def _diags(parent_el: ET.Element, parent_code: str, st: Staging) -> int:
    n = 0
    stack = [(d, parent_code) for d in parent_el.findall("diag")]
    while stack:
        diag, parent = stack.pop()
        code = (diag.findtext("name") or "").strip().replace(".", "")
        st.concept(VOCAB, code, (diag.findtext("desc") or "").strip(), RANK_OFFICIAL)
        st.edge(VOCAB, code, parent)
        n += 1
        stack.extend((child, code) for child in diag.findall("diag"))
    return n
