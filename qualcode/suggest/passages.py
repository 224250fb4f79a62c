"""The passage index of `similar` and `propose`: every paragraph of the corpus as a vector,
plus its structure. Built and cached by :mod:`qualcode.suggest.index`; this module imports
neither SQLAlchemy nor spaCy, so that a cached index loads without them (the fast path of
`qualcode similar`, :mod:`qualcode.suggest.fast`)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from qualcode.suggest.features import BagSpace, TextSpace
from qualcode.suggest.vectors import Vectors

# The documents' ids, names and content hashes in one aggregated row (part of the index key).
DOCUMENTS_SQL = {
    "sqlite": "SELECT group_concat(id || ':' || name || ':' || sha256, '|') FROM (SELECT id, name, sha256 FROM document ORDER BY id)",
    "postgresql": "SELECT string_agg(id::text || ':' || name || ':' || sha256, '|' ORDER BY id) FROM document",
}


@dataclass
class PassageIndex:
    content_hash: str
    nlp_name: str
    doc_ids: np.ndarray  # per passage
    starts: np.ndarray
    ends: np.ndarray
    is_heading: np.ndarray
    n_lemmas: np.ndarray
    relpos: np.ndarray
    context: list[tuple[str, ...]]  # heading stack above each passage
    V: Vectors  # text vectors (words + character topics), rows of unit length
    space: TextSpace
    H: sp.csr_matrix  # heading-context vectors
    hspace: BagSpace
    context_lemmas: dict[str, list[str]]
    doc_len: dict[int, int]
    doc_names: dict[int, str]
    by_doc: dict[int, tuple[int, int]] = field(default_factory=dict)  # doc id → row range [lo, hi)

    def row_of(self, doc_id: int, start: int, end: int) -> int | None:
        lo, hi = self.by_doc.get(doc_id, (0, 0))
        i = lo + bisect.bisect_left(self.starts[lo:hi].tolist(), start) if hi > lo else lo
        if lo <= i < hi and self.starts[i] == start and self.ends[i] == end:
            return i
        return None

    def locate(self, doc_id: int, pos: int) -> int | None:
        """The row of the paragraph containing (or last starting before) ``pos``."""
        lo, hi = self.by_doc.get(doc_id, (0, 0))
        if hi <= lo:
            return None
        i = lo + bisect.bisect_right(self.starts[lo:hi].tolist(), pos) - 1
        return max(i, lo)

    def heading_bag(self, context: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        for h in context:
            out.extend(self.context_lemmas.get(h, []))
        return out

    def structure_of(self, doc_id: int, start: int, end: int) -> tuple[tuple[str, ...], float]:
        """Heading context and relative position of any span of an indexed document."""
        i = self.locate(doc_id, start)
        ctx = self.context[i] if i is not None else ()
        if i is not None and self.is_heading[i] and self.starts[i] == start and ctx:
            ctx = ctx[:-1]  # a heading's own context is what is above it
        n = self.doc_len.get(doc_id, 0) or 1
        return ctx, min(1.0, max(0.0, (start + end) / 2 / n))
