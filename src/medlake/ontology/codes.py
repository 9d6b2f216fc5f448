"""Codes: the Python face of the vocab schema (`lake.codes`).

Every method takes a vocabulary name and either one code (a str) or many
(a list, tuple, pyarrow Array/ChunkedArray, pandas Series or numpy array).
One code gives a plain Python answer; many give an Arrow table with one row
per input (in input order), computed by a single SQL query. Codes are
accepted with or without their dot ("4280" and "428.0" are the same code).

Unknown vocabularies raise UnknownNameError naming the known ones. An unknown
code raises UnknownNameError in the single forms of lookup, ancestors and
descendants; `map` of a code without a mapping is an empty list; the batched
forms never raise for a code: lookup gives NULL columns, map a NULL target,
ancestors and descendants no rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from ..database import Database
from ..errors import ParameterError, UnknownNameError
from .build import CodesLoadResult, load_codes

QUERY_SQL = "vocab/query.sql"
INPUT_TABLE = "codes_input"


class Codes:
    """Code systems of one lake: lookup, hierarchy (ancestors, descendants) and cross-maps."""

    def __init__(self, db: Database):
        self.db = db
        self._vocabs: dict[str, int] | None = None
        self._pairs: dict[tuple[str, str], set[str]] | None = None

    def __repr__(self) -> str:
        if not self.loaded():
            return "<Codes: no code tables loaded (medlake codes load)>"
        vocabs = self.vocabularies().to_pylist()
        return f"<Codes: {len(vocabs)} vocabularies ({', '.join(v['vocab'] for v in vocabs)})>"

    # -- building -------------------------------------------------------
    def load(self, directory: str | Path | None = None, show_progress: bool = False,
             only: list[str] | None = None) -> CodesLoadResult:
        """(Re)build the vocab tables from installed packages and, when given, a directory (its files win).

        `only` limits the build to some inputs, e.g. only=["ndc_atc", "atc_codes"] for the drug maps alone
        (input names: medlake.ontology.sources.INPUTS)."""
        self.db.for_writing("loading the code tables")
        result = load_codes(self.db, directory, show_progress=show_progress, only=only)
        self._vocabs = self._pairs = None
        return result

    def loaded(self) -> bool:
        """Whether this lake has vocab tables."""
        return bool(self.db.one(QUERY_SQL, "loaded")[0])

    # -- what is there ----------------------------------------------------
    def vocabularies(self) -> pa.Table:
        """One row per vocabulary: concepts, leaves, titled concepts, levels."""
        self._require_loaded()
        return self.db.arrow(QUERY_SQL, "vocabularies")

    def stats(self) -> dict[str, pa.Table]:
        """Vocabularies, cross-map pairs and the sources the tables were built from."""
        self._require_loaded()
        return {name: self.db.arrow(QUERY_SQL, name) for name in ("vocabularies", "map_pairs", "sources")}

    # -- one code or many -------------------------------------------------
    def standardize(self, vocab: str, code):
        """The code written the ICD way (dotted as events store it); many codes give a list."""
        self._require_loaded()
        table = self._run("standardize", code, {"vocab": vocab})
        values = table.column("code").to_pylist()
        return values[0] if isinstance(code, str) else values

    def lookup(self, vocab: str, code):
        """A code's entry {vocab, code, name, level, is_leaf}; many codes give an Arrow table."""
        vocab = self._require_vocab(vocab)
        table = self._run("lookup", code, {"vocab": vocab})
        if not isinstance(code, str):
            return table
        row = table.to_pylist()[0]
        if row["code"] is None:
            raise self._unknown_code(vocab, code)
        return {"vocab": vocab, "code": row["code"], "name": row["name"], "level": row["level"],
                "is_leaf": row["is_leaf"]}

    def ancestors(self, vocab: str, code, include_self: bool = False):
        """Ancestors nearest first (428.0 -> [428, 420-429, 390-459]); many codes give an Arrow table."""
        vocab = self._require_vocab(vocab)
        table = self._run("ancestors", code, {"vocab": vocab, "min_distance": 0 if include_self else 1})
        if not isinstance(code, str):
            return table
        if table.num_rows == 0 and not self._exists(vocab, code):
            raise self._unknown_code(vocab, code)
        return table.column("ancestor").to_pylist()

    def descendants(self, vocab: str, code, include_self: bool = False):
        """Descendants, nearest first then by code; many codes give an Arrow table."""
        vocab = self._require_vocab(vocab)
        table = self._run("descendants", code, {"vocab": vocab, "min_distance": 0 if include_self else 1})
        if not isinstance(code, str):
            return table
        if table.num_rows == 0 and not self._exists(vocab, code):
            raise self._unknown_code(vocab, code)
        return table.column("descendant").to_pylist()

    def map(self, src_vocab: str, dst_vocab: str, code, level: int | None = None, kind: str | None = None):
        """Codes of `dst_vocab` that `code` maps to (sorted); [] when it has none.

        `level` rolls the targets up to that level of the target hierarchy
        (NDC -> ATC level 3 gives M01A for M01AE51); with the same vocabulary
        on both sides it is the code's own ancestor at that level
        (map("ATC", "ATC", "M01AE51", level=1) == ["M"]). `kind` keeps one kind
        of map (ccs, gem, ndc_atc, ...). Many codes give an Arrow table
        (input, src_code, dst_code[, kind, flags]) with a NULL dst_code where
        nothing maps."""
        if self._require_vocab(src_vocab) == self._require_vocab(dst_vocab) and level is not None:
            vocab = self._require_vocab(src_vocab)
            self._check_level(vocab, level)
            table = self._run("rollup", code, {"src": vocab, "level": level})
            return table if not isinstance(code, str) else [c for c in table.column("dst_code").to_pylist() if c]
        src_vocab, dst_vocab = self._require_pair(src_vocab, dst_vocab, kind)
        params = {"src": src_vocab, "dst": dst_vocab, "kind": kind}
        if level is None:
            table = self._run("map", code, params)
        else:
            self._check_level(dst_vocab, level)
            table = self._run("map_level", code, {**params, "level": level})
        if not isinstance(code, str):
            return table
        return sorted({c for c in table.column("dst_code").to_pylist() if c is not None})

    def to_networkx(self, vocab: str):
        """The vocabulary as a networkx DiGraph, edges parent -> child, nodes carrying name, level, is_leaf."""
        import networkx as nx

        vocab = self._require_vocab(vocab)
        graph = nx.DiGraph(vocab=vocab)
        nodes = self.db.arrow(QUERY_SQL, "graph_nodes", params={"vocab": vocab})
        graph.add_nodes_from((r["code"], {"name": r["name"], "level": r["level"], "is_leaf": r["is_leaf"]})
                             for r in nodes.to_pylist())
        edges = self.db.arrow(QUERY_SQL, "graph_edges", params={"vocab": vocab})
        graph.add_edges_from(zip(edges.column("parent").to_pylist(), edges.column("child").to_pylist()))
        return graph

    # -- helpers ----------------------------------------------------------
    def _run(self, name: str, codes, params: dict[str, Any]) -> pa.Table:
        """Run a query of vocab/query.sql over the input codes (registered as one Arrow table)."""
        with self.db.registered(INPUT_TABLE, _input_table(codes)):
            return self.db.arrow(QUERY_SQL, name, params=params)

    def _require_loaded(self) -> None:
        if not self.loaded():
            raise UnknownNameError("no code systems in this lake; build them with `medlake codes load` "
                                   "(or lake.codes.load())")

    def _known_vocabs(self) -> dict[str, int]:
        if self._vocabs is None:
            self._require_loaded()
            rows = self.db.arrow(QUERY_SQL, "vocabularies").to_pylist()
            self._vocabs = {r["vocab"]: r["levels"] for r in rows}
        return self._vocabs

    def _require_vocab(self, vocab: str) -> str:
        known = self._known_vocabs()
        if vocab in known:
            return vocab
        by_upper = {v.upper(): v for v in known}
        if isinstance(vocab, str) and vocab.upper() in by_upper:
            return by_upper[vocab.upper()]
        raise UnknownNameError(f"unknown vocabulary '{vocab}' (known: {', '.join(sorted(known))})")

    def _require_pair(self, src: str, dst: str, kind: str | None) -> tuple[str, str]:
        src, dst = self._require_vocab(src), self._require_vocab(dst)
        if self._pairs is None:
            self._pairs = {}
            for r in self.db.arrow(QUERY_SQL, "map_pairs").to_pylist():
                self._pairs.setdefault((r["src_vocab"], r["dst_vocab"]), set()).add(r["kind"])
        kinds = self._pairs.get((src, dst))
        if not kinds:
            have = ", ".join(f"{s}->{d}" for s, d in sorted(self._pairs))
            raise UnknownNameError(f"no map from {src} to {dst} (maps: {have})")
        if kind is not None and kind not in kinds:
            raise UnknownNameError(f"no map of kind '{kind}' from {src} to {dst} (kinds: {', '.join(sorted(kinds))})")
        return src, dst

    def _check_level(self, vocab: str, level) -> None:
        levels = self._known_vocabs()[vocab]
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= levels:
            raise ParameterError(f"level {level!r} is out of range for {vocab} (expected an integer 1..{levels})")

    def _exists(self, vocab: str, code: str) -> bool:
        return self._run("lookup", code, {"vocab": vocab}).column("code")[0].is_valid

    def _unknown_code(self, vocab: str, code: str) -> UnknownNameError:
        std = self._run("standardize", code, {"vocab": vocab}).column("code")[0].as_py()
        shown = f"'{code}'" if std == code else f"'{code}' (read as '{std}')"
        return UnknownNameError(f"unknown {vocab} code {shown}")


def _input_table(codes) -> pa.Table:
    """(ord, input) for one code or many; values become strings."""
    if isinstance(codes, str):
        values = pa.array([codes], pa.string())
    elif isinstance(codes, (pa.Array, pa.ChunkedArray)):
        values = codes.cast(pa.string())
    elif codes is None:
        raise ParameterError("no code given (expected a code or a list of codes)")
    else:
        try:
            values = pa.array([None if c is None else str(c) for c in codes], pa.string())
        except TypeError:
            raise ParameterError(f"codes must be a string or a list of strings, not {type(codes).__name__}") from None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pa.table({"ord": pa.array(range(len(values)), pa.int64()), "input": values})
