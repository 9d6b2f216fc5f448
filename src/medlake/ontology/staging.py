"""Rows read from code-system files, gathered as columns before they go into DuckDB as Arrow.

Codes are kept as the files write them (mostly without dots); the SQL that
builds the vocab tables writes them the ICD way (vocab.std_code), so dotting
lives in one place.
"""

from __future__ import annotations

import pyarrow as pa

# Which title wins when several inputs name one code: the lowest rank.
RANK_OFFICIAL = 1      # CMS / CDC / AHRQ title of the code itself
RANK_SECONDARY = 2     # another release of the official list
RANK_PACKAGE = 3       # titles of categories and chapters from a field package
RANK_MAP_FILE = 5      # the description column of a mapping file
RANK_ABBREVIATED = 6   # abbreviated labels (HCUP single-level CCS files)


class Staging:
    """Concepts, parent edges and cross-maps read so far, as parallel columns."""

    def __init__(self) -> None:
        self.concepts: dict[str, list] = {"vocab": [], "code": [], "name": [], "rank": []}
        self.edges: dict[str, list] = {"vocab": [], "child": [], "parent": []}
        self.maps: dict[str, list] = {"src_vocab": [], "src_code": [], "dst_vocab": [], "dst_code": [],
                                      "kind": [], "flags": []}

    def concept(self, vocab: str, code: str, name: str | None = None, rank: int = RANK_OFFICIAL) -> None:
        c = self.concepts
        c["vocab"].append(vocab)
        c["code"].append(code)
        c["name"].append(name or None)
        c["rank"].append(rank)

    def edge(self, vocab: str, child: str, parent: str) -> None:
        e = self.edges
        e["vocab"].append(vocab)
        e["child"].append(child)
        e["parent"].append(parent)

    def map(self, src_vocab: str, src_code: str, dst_vocab: str, dst_code: str, kind: str,
            flags: str | None = None) -> None:
        m = self.maps
        m["src_vocab"].append(src_vocab)
        m["src_code"].append(src_code)
        m["dst_vocab"].append(dst_vocab)
        m["dst_code"].append(dst_code)
        m["kind"].append(kind)
        m["flags"].append(flags)

    def arrow(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        """(concepts, edges, maps) as Arrow tables."""
        concepts = pa.table({
            "vocab": pa.array(self.concepts["vocab"], pa.string()),
            "code": pa.array(self.concepts["code"], pa.string()),
            "name": pa.array(self.concepts["name"], pa.string()),
            "rank": pa.array(self.concepts["rank"], pa.int32()),
        })
        edges = pa.table({k: pa.array(v, pa.string()) for k, v in self.edges.items()})
        maps = pa.table({k: pa.array(v, pa.string()) for k, v in self.maps.items()})
        return concepts, edges, maps
