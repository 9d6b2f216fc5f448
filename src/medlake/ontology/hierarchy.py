"""Parent edges the files do not spell out, built from the structure of the codes themselves.

- ICD9CM, ICD10CM: a code without a parent from its hierarchy source (a code
  deleted before the release the hierarchy comes from, or one seen only in a
  map) hangs under its longest known prefix (428.0 -> 428).
- ICD9PROC: chapter (range) -> two-digit category -> three-digit -> four-digit.
- ICD10PCS: each leading character adds a level (section, body system,
  operation, body part, approach, device, qualifier).
- ATC: five levels from the code's length (A, A10, A10B, A10BA, A10BA02).
- CCS*_MULTI parents are given by the CCS files (1.1 -> 1).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .staging import RANK_OFFICIAL, Staging

# ICD-9-CM volume 3 (procedures): chapters by the two-digit categories they hold.
ICD9PROC_CHAPTERS: tuple[tuple[int, int, str], ...] = (
    (0, 0, "Procedures and interventions, not elsewhere classified"),
    (1, 5, "Operations on the nervous system"),
    (6, 7, "Operations on the endocrine system"),
    (8, 16, "Operations on the eye"),
    (17, 17, "Other miscellaneous diagnostic and therapeutic procedures"),
    (18, 20, "Operations on the ear"),
    (21, 29, "Operations on the nose, mouth, and pharynx"),
    (30, 34, "Operations on the respiratory system"),
    (35, 39, "Operations on the cardiovascular system"),
    (40, 41, "Operations on the hemic and lymphatic system"),
    (42, 54, "Operations on the digestive system"),
    (55, 59, "Operations on the urinary system"),
    (60, 64, "Operations on the male genital organs"),
    (65, 71, "Operations on the female genital organs"),
    (72, 75, "Obstetrical procedures"),
    (76, 84, "Operations on the musculoskeletal system"),
    (85, 86, "Operations on the integumentary system"),
    (87, 99, "Miscellaneous diagnostic and therapeutic procedures"),
)

ATC_LENGTHS = (1, 3, 4, 5, 7)
ICD10PCS_LENGTHS = (1, 2, 3, 4, 5, 6, 7)


STRUCTURED = ("ICD9CM", "ICD10CM", "ICD9PROC", "ICD10PCS", "ATC")


def complete(concepts: pa.Table, edges: pa.Table, maps: pa.Table) -> Staging:
    """The structural edges (and the intermediate nodes they need) for the staged rows, as a new Staging."""
    codes = _codes_by_vocab([(concepts, "vocab", "code"), (edges, "vocab", "child"), (edges, "vocab", "parent"),
                             (maps, "src_vocab", "src_code"), (maps, "dst_vocab", "dst_code")])
    parented = _codes_by_vocab([(edges, "vocab", "child")])
    st = Staging()
    for vocab in ("ICD9CM", "ICD10CM"):
        attach_by_prefix(st, vocab, codes.get(vocab, set()), parented.get(vocab, set()))
    icd9proc_structure(st, codes.get("ICD9PROC", set()))
    prefix_tree(st, "ICD10PCS", ICD10PCS_LENGTHS, codes.get("ICD10PCS", set()))
    prefix_tree(st, "ATC", ATC_LENGTHS, codes.get("ATC", set()))
    return st


def _codes_by_vocab(columns: list[tuple[pa.Table, str, str]]) -> dict[str, set[str]]:
    """Distinct codes of the structured vocabularies found in (table, vocab column, code column) pairs."""
    pairs = pa.concat_tables([t.select([v, c]).rename_columns(["vocab", "code"]) for t, v, c in columns])
    pairs = pairs.filter(pc.is_in(pairs["vocab"], value_set=pa.array(STRUCTURED)))
    pairs = pairs.group_by(["vocab", "code"]).aggregate([])
    out: dict[str, set[str]] = {}
    for vocab, code in zip(pairs["vocab"].to_pylist(), pairs["code"].to_pylist()):
        out.setdefault(vocab, set()).add(code)
    return out


def _plain(code: str) -> bool:
    return bool(code) and "-" not in code


def attach_by_prefix(st: Staging, vocab: str, seen: set[str], has_parent: set[str]) -> None:
    """Give every parentless code its longest known proper prefix as parent."""
    codes = {c.replace(".", "") for c in seen if _plain(c)}
    parented = {c.replace(".", "") for c in has_parent}
    for code in sorted(codes - parented):
        for k in range(len(code) - 1, 2, -1):
            if code[:k] in codes:
                st.edge(vocab, code, code[:k])
                break


def _icd9proc_chapter(two_digits: str) -> tuple[str, str] | None:
    if not two_digits.isdigit():
        return None
    n = int(two_digits)
    for lo, hi, title in ICD9PROC_CHAPTERS:
        if lo <= n <= hi:
            return f"{lo:02d}-{hi:02d}", title
    return None


def icd9proc_structure(st: Staging, seen: set[str]) -> None:
    """Chapter -> 2-digit -> 3-digit -> 4-digit edges for every ICD-9-CM procedure code seen."""
    codes = {c.replace(".", "") for c in seen if _plain(c)}
    chapters_seen: set[str] = set()
    linked: set[str] = set()
    for code in sorted(codes):
        chain = [code[:k] for k in (2, 3, 4) if k <= len(code)]
        for child, parent in zip(chain[1:], chain[:-1]):
            if child not in linked:
                st.edge("ICD9PROC", child, parent)
                linked.add(child)
        top = chain[0]
        chapter = _icd9proc_chapter(top)
        if chapter is None or top in linked:
            continue
        ch_code, title = chapter
        if ch_code not in chapters_seen:
            st.concept("ICD9PROC", ch_code, title, RANK_OFFICIAL)
            chapters_seen.add(ch_code)
        st.edge("ICD9PROC", top, ch_code)
        linked.add(top)


def prefix_tree(st: Staging, vocab: str, lengths: tuple[int, ...], seen: set[str]) -> None:
    """Edges from each code to its prefix at the next shorter allowed length."""
    codes = {c for c in seen if _plain(c)}
    linked: set[str] = set()
    for code in sorted(codes):
        chain = [code[:k] for k in lengths if k < len(code)] + [code]
        for child, parent in zip(reversed(chain[1:]), reversed(chain[:-1])):
            if child in linked:
                break  # the chain above is already there
            st.edge(vocab, child, parent)
            linked.add(child)
