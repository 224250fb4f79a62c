"""`similar` by meaning too: the text vectors' cosine beside the sentence embeddings'.

The passage index (:mod:`qualcode.suggest.index`) holds every paragraph's text vectors; the
embedding store (:mod:`qualcode.suggest.semantic`) holds the sentence embeddings the
background embedder computed. :func:`similarity` combines both for `qualcode similar` and
the workbench's similar passages, and lets the first passages found lend their own
neighbours (pseudo-relevance feedback). On the four labelled corpora of `make
bench-suggest` the share of the ten most similar passages (other documents) that share a
code (P@10; demo / question time / plenary speeches / Wikipedia) rose from 0.485 / 0.426 /
0.220 / 0.577 with the text vectors alone to 0.564 / 0.490 / 0.286 / 0.647 — the strong
baseline's 0.501 / 0.387 / 0.184 / 0.558 + 0.06 to 0.10.

No SQLAlchemy here: the warm path of `similar` (:mod:`qualcode.suggest.fast`) uses it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qualcode.suggest.passages import PassageIndex
    from qualcode.suggest.vectors import Vectors

_mem_lock = threading.Lock()
_mem: dict[str, tuple[str, object]] = {}  # db url → (content hash, Meaning)

MEANING_WEIGHT = 0.4  # share of the sentence embeddings' cosine in a `similar` score
FEEDBACK_ROWS = 5  # the first passages found, whose own neighbours join the query
FEEDBACK_WEIGHT = 1.0
DIMS = 128  # the embeddings' main directions kept (of 512): a quarter of the memory and time
SAMPLE = 4_000  # passages the directions are fitted on (seeded)
VERSION = 2  # of the cached Meaning: another version is rebuilt, never misread


@dataclass
class Meaning:
    """The sentence embeddings of the index's passages (rows as in the index), from the
    project's embedding store (:mod:`qualcode.suggest.semantic`), on their ``DIMS`` main
    directions (uncentred truncated SVD of the project's own embeddings, so that dot
    products stay cosines): unit rows, zeros where a passage is not embedded yet
    (``found`` false). Stored as float32 and memory-mapped: a warm `similar` converts
    nothing (40,000 passages: 20 MB)."""

    E: np.ndarray  # (passages, DIMS) float32
    found: np.ndarray
    components: np.ndarray  # (DIMS, 512): an embedding → its coordinates

    def project(self, v: np.ndarray) -> np.ndarray | None:
        """A stored embedding (512 values) on the directions, of unit length (None: zero)."""
        p = self.components @ np.asarray(v, dtype=np.float32).ravel()
        n = float(np.linalg.norm(p))
        return p / n if n > 0 else None


def directions(E: np.ndarray, seed: int = 0) -> np.ndarray:
    """The ``DIMS`` main directions of the rows of ``E`` (identity when there are few)."""
    n, dim = E.shape
    if n <= DIMS:
        return np.eye(dim, dtype=np.float32)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, SAMPLE, replace=False)) if n > SAMPLE else np.arange(n)
    _u, _s, vt = np.linalg.svd(E[rows].astype(np.float64), full_matrices=False)
    return np.ascontiguousarray(vt[:DIMS], dtype=np.float32)


def passage_meaning(url: str, index: PassageIndex, texts) -> Meaning | None:
    """The embeddings of the index's passages (cached beside the project, memory-mapped),
    or None when no encoder is on or nothing is embedded yet. ``texts(doc_ids)`` reads the
    documents' texts (a session or a plain sqlite3 connection). The cache key names the
    index and the store's generation: an embedder run that adds vectors makes a new one."""
    from qualcode import cache as files
    from qualcode.suggest import semantic

    if not semantic.enabled():
        return None
    store = semantic.Store.open(url)
    generation = store.generation()
    if generation.startswith("0:"):
        return None  # nothing embedded yet
    h = hashlib.sha256(
        f"meaning={VERSION};dims={DIMS};{index.content_hash};{semantic.encoder_name()};{generation}".encode()
    ).hexdigest()
    with _mem_lock:
        hit = _mem.get(url)
    if hit is not None and hit[0] == h:
        return hit[1]  # type: ignore[return-value]
    obj = files.load(url, "meaning", h)
    if not isinstance(obj, Meaning):
        docs = texts(sorted(index.by_doc))
        rows = [
            docs.get(int(d), "")[int(s) : int(e)]
            for d, s, e in zip(index.doc_ids, index.starts, index.ends, strict=True)
        ]
        E, found = store.lookup(rows)
        comps = directions(E[found])
        P = E @ comps.T
        norms = np.linalg.norm(P, axis=1, keepdims=True)
        P = np.where(norms > 0, P / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
        obj = Meaning(P, found, comps)
        files.save(url, "meaning", h, obj)
    with _mem_lock:
        _mem[url] = (h, obj)
    return obj


def similarity(
    index: PassageIndex,
    q: Vectors,
    exclude: np.ndarray | None,
    meaning: Meaning | None = None,
    q_meaning: np.ndarray | None = None,
) -> np.ndarray:
    """How like the query every passage of the index is (the scores `similar` ranks by).

    The cosine of the text vectors (words, character topics) and — where both the query
    and the passage are embedded — of the sentence embeddings, weighted
    ``1 − MEANING_WEIGHT : MEANING_WEIGHT``; then the five passages found first lend their
    own neighbours (pseudo-relevance feedback, the query expanded by the mean of their
    scores, weighted ``FEEDBACK_WEIGHT``): a passage that says the same in other words is
    found through them. Headings and ``exclude`` (the query itself) never lend; a document
    set limits the results, not the lenders, so that how alike two passages are does not
    depend on it. ``make bench-suggest`` measures it (P@10)."""
    use = meaning is not None and q_meaning is not None and bool(np.any(q_meaning))
    w = MEANING_WEIGHT * meaning.found if use else None  # type: ignore[union-attr]

    def mix(lex: np.ndarray, sem: np.ndarray, found: np.ndarray | bool) -> np.ndarray:
        """Per passage; ``found``: whether the query side has an embedding."""
        wf = w[:, None] * found if np.ndim(found) else w * found  # type: ignore[index, operator]
        return (1 - wf) * lex + wf * sem

    s = index.V.scores(q).astype(np.float64)
    if use:
        assert meaning is not None
        qe = np.asarray(q_meaning, dtype=np.float32).ravel()
        s = mix(s, meaning.E @ qe, True)
    pool = s.copy()
    pool[index.is_heading] = -np.inf
    if exclude is not None:
        pool[exclude] = -np.inf
    m = min(FEEDBACK_ROWS, int(np.isfinite(pool).sum()))
    if m > 0 and FEEDBACK_WEIGHT > 0:
        lent = np.argpartition(-pool, m - 1)[:m]
        lent = lent[(pool[lent] > 0)]
        if len(lent):
            lex = np.stack([index.V.scores(index.V[[r]]) for r in lent.tolist()], axis=1)
            if use:
                assert meaning is not None
                sem = meaning.E @ meaning.E[lent].T  # one pass for all the lenders
                fb = mix(lex, sem, meaning.found[lent][None, :]).mean(axis=1)
            else:
                fb = lex.mean(axis=1)
            s = (s + FEEDBACK_WEIGHT * fb) / (1 + FEEDBACK_WEIGHT)  # stays a 0–1 score
    return s


def similar_scores(
    url: str,
    index: PassageIndex,
    q: Vectors,
    exclude: np.ndarray | None,
    texts,
    row: int | None = None,
    span_text: str | None = None,
) -> np.ndarray:
    """:func:`similarity` of a query that is the index's passage ``row``, or any span whose
    text is ``span_text`` (its embedding is looked up; a span nobody embedded is compared by
    its text vectors alone)."""
    meaning = passage_meaning(url, index, texts)
    qm = None
    if meaning is not None:
        if row is not None and meaning.found[row]:
            qm = meaning.E[row]
        elif span_text is not None:
            from qualcode.suggest import semantic

            E, found = semantic.Store.open(url).lookup([span_text])
            qm = meaning.project(E[0]) if found[0] else None
    return similarity(index, q, exclude, meaning, qm)


def spans_meaning(
    url: str, meaning: Meaning, index: PassageIndex, spans, texts
) -> np.ndarray | None:
    """The mean embedding of the spans ``(document, start, end)`` — a paragraph's from the
    index, another span's from the store — of unit length; None when none is embedded."""
    from qualcode.suggest import semantic

    vecs = []
    missing = []
    for d, s, e in spans:
        r = index.row_of(d, s, e)
        if r is not None and meaning.found[r]:
            vecs.append(meaning.E[r])
        else:
            missing.append((d, s, e))
    if missing:
        docs = texts(sorted({d for d, _, _ in missing}))
        E, found = semantic.Store.open(url).lookup([docs[d][s:e] for d, s, e in missing])
        vecs += [v for v in (meaning.project(e) for e in E[found]) if v is not None]
    if not vecs:
        return None
    v = np.mean(np.asarray(vecs, dtype=np.float32), axis=0)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else None
