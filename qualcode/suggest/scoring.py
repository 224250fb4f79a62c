"""Scoring with a trained code model: what `suggest`, `next` and the workbench run.

Kept apart from training (:mod:`qualcode.suggest.model`) and free of SQLAlchemy, so that a
warm `suggest` of a SQLite project (:mod:`qualcode.suggest.fast`) can unpickle a cached
model and score a document without importing the ORM. A :class:`CodeModel` holds the
fitted feature blocks, the primal weights per block, the optional sequence stage and the
calibration (:mod:`qualcode.suggest.calibrate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qualcode.config import MODEL_VERSION as MODEL_VERSION  # (`status` reads it without numpy)
from qualcode.suggest import calibrate, tune
from qualcode.suggest.blocks import Featurizer
from qualcode.suggest.layout import DocLayout
from qualcode.suggest.threads import single_thread

NONE = -1  # the "no code" class


class Coded:
    """The human codings of each document, to tell which paragraphs a coder coded."""

    def __init__(self, codings) -> None:
        self.by_doc: dict[int, list[tuple[int, int, int]]] = {}
        for d, s, e, c in codings:
            self.by_doc.setdefault(d, []).append((s, e, c))

    def codes_in(self, d: int, s: int, e: int) -> set[int]:
        return {c for cs, ce, c in self.by_doc.get(d, ()) if cs < e and ce > s}


@dataclass
class CodeModel:
    content_hash: str
    classes: list[int]  # code ids and NONE
    featurizer: Featurizer
    weights: dict[str, float]  # block → kernel weight
    W: dict[str, np.ndarray]  # block → primal weights (features × classes)
    seq_B: np.ndarray | None  # sequence stage: a correction from (self, before, after) scores
    temperature: float
    platt: tuple[float, ...] | None
    n_examples: dict[int, int]
    explain: dict = field(default_factory=dict)
    isotonic: tuple[list[float], list[float]] | None = None
    version: str = MODEL_VERSION
    # per score level of calibrate.APPLY_GRID, a 90 % lower bound of the held-out precision
    # (None: no held-out documents)
    apply_bounds: list[float | None] | None = None

    def apply_from(self, min_score: float) -> float | None:
        """The score from which `--apply --min-score` writes codings (None: nowhere)."""
        return calibrate.apply_from(self.apply_bounds, min_score)

    @property
    def calibrated(self) -> bool:
        return self.platt is not None

    @property
    def code_ids(self) -> list[int]:
        return [c for c in self.classes if c != NONE]


@dataclass
class Spans:
    """Passages with what the blocks read: text, heading context, position, neighbours."""

    keys: list[tuple[int, int, int]]
    texts: list[str]
    contexts: list[str]
    relpos: np.ndarray

    @classmethod
    def of(cls, layouts: dict[int, DocLayout], keys: list[tuple[int, int, int]]) -> Spans:
        texts, ctx, pos = [], [], []
        for d, s, e in keys:
            lay = layouts[d]
            texts.append(lay.text[s:e])
            ctx.append(lay.context_of(s))
            pos.append(lay.relpos(s, e))
        return cls(keys, texts, ctx, np.asarray(pos, dtype=np.float32))


def _seq_features(S_self, S_prev, S_next) -> np.ndarray:
    return np.hstack([S_self, S_prev, S_next])


REST = 0.5  # the score of "none of these codes" where no "no code" class was learned


def _with_rest(S: np.ndarray, classes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Scores with a column for "none of these codes" (the "no code" class, or a constant
    where none could be learned — else a project's first code would be certain everywhere),
    and which columns are codes."""
    is_code = np.asarray([c != NONE for c in classes])
    if NONE in classes:
        return S, is_code
    return np.hstack([S, np.full((len(S), 1), REST)]), np.append(is_code, False)


def _log_examples(classes: list[int], n_examples: dict[int, int], width: int) -> np.ndarray:
    out = np.zeros(width)
    out[: len(classes)] = [np.log1p(n_examples.get(c, 0)) for c in classes]
    return out


def semantic_vectors(store, layouts, keys, texts) -> tuple[np.ndarray, int]:
    """Embeddings of the spans from the store: a span's own, else its paragraph's (a coding
    of a sentence inside an embedded paragraph), else zeros. Returns them and how many are
    zeros."""
    V, found = store.lookup(texts)
    miss = np.flatnonzero(~found)
    if len(miss) == 0:
        return V, 0
    para = []
    for i in miss:
        d, s, _ = keys[i]
        lay = layouts[d]
        p = lay.locate(s) if lay.starts else None
        para.append(lay.text[lay.starts[p] : lay.ends[p]] if p is not None else texts[i])
    V2, f2 = store.lookup(para)
    V[miss[f2]] = V2[f2]
    return V, int((~f2).sum())


def _store_of(session):
    """The project's embedding store, for a model that uses the semantic block."""
    from qualcode.suggest import semantic

    if session is None or not semantic.enabled():
        return None
    from qualcode.suggest.index import db_url

    return semantic.Store.open(db_url(session))


def _first_stage(model: CodeModel, units: Spans, store=None, layouts=None) -> np.ndarray:
    sem = None
    if "semantic" in model.W and store is not None and layouts is not None:
        sem = semantic_vectors(store, layouts, units.keys, units.texts)[0]
    X = model.featurizer.transform(
        units.texts, units.contexts, units.relpos, only=set(model.W), semantic=sem
    )
    S = np.zeros((len(units.keys), len(model.classes)))
    for b, Wb in model.W.items():
        S += np.asarray(X[b] @ Wb, dtype=np.float64)
    return S


def calibrated(model: CodeModel, S: np.ndarray) -> np.ndarray:
    """The model's scores (passages × codes) from its classifier's raw scores ``S``
    (passages × classes): softmax, the calibration map, the isotonic correction."""
    S, is_code = _with_rest(S, model.classes)
    P = calibrate.softmax(S, model.temperature)
    if model.platt is not None:
        log_n = _log_examples(model.classes, model.n_examples, S.shape[1])
        P = calibrate.apply_platt(model.platt, P, is_code, log_n, S)
        if model.isotonic is not None:
            P = calibrate.apply_isotonic(model.isotonic, P)
    return P[:, is_code]


@single_thread
def score_spans(
    session,
    model: CodeModel,
    keys: list[tuple[int, int, int]],
    coded: Coded | None = None,
    layouts: dict[int, DocLayout] | None = None,
    store=None,
) -> tuple[list[int], np.ndarray]:
    """Calibrated scores (spans × codes) and the code ids of the columns. A model that uses
    the semantic block reads the spans' embeddings from ``store`` (default: the session's
    project's)."""
    codes = model.code_ids
    if not keys:
        return codes, np.zeros((0, len(codes)))
    if layouts is None:
        from qualcode.suggest.layout import load_layouts

        layouts = load_layouts(session, {d for d, _, _ in keys})
    want = list(keys)
    pairs = []
    if model.seq_B is not None:
        index = {k: i for i, k in enumerate(want)}
        for d, s, e in keys:
            lay = layouts[d]
            ids = []
            for p in lay.neighbours(s, e):
                if p is None:
                    ids.append(("none", None))
                    continue
                k = (d, lay.starts[p], lay.ends[p])
                got = coded.codes_in(*k) if coded is not None else set()
                if got:
                    ids.append(("coded", got))
                    continue
                if k not in index:
                    index[k] = len(want)
                    want.append(k)
                ids.append(("row", index[k]))
            pairs.append(ids)
    if "semantic" in model.W and store is None:
        store = _store_of(session)
    S1 = _first_stage(model, Spans.of(layouts, want), store, layouts)
    S = S1[: len(keys)]
    if model.seq_B is not None:
        pos = {c: j for j, c in enumerate(model.classes)}
        ncls = len(model.classes)

        def vec(item):
            kind, v = item
            if kind == "row":
                return S1[v]
            out = np.zeros(ncls)
            if kind == "coded":
                cols = [pos[c] for c in v if c in pos]
                if cols:
                    out[cols] = 1.0 / len(cols)
            return out

        prev = np.vstack([vec(a) for a, _ in pairs])
        nxt = np.vstack([vec(b) for _, b in pairs])
        S = S + tune.apply_primal(_seq_features(S, prev, nxt), model.seq_B)
    M = calibrated(model, S)
    # a passage without any word carries no evidence
    empty = np.asarray(
        [not any(ch.isalnum() for ch in t) for t in (layouts[d].text[s:e] for d, s, e in keys)]
    )
    if M.size:
        M[empty] = 0.0
    return codes, M


def top_k(
    codes: list[int],
    M: np.ndarray,
    paths: dict[int, str],
    k: int,
    min_score: float = 0.0,
) -> list[list[dict]]:
    out = []
    for r in range(M.shape[0]):
        order = np.argsort(-M[r], kind="stable")[:k]
        out.append(
            [
                {"code": paths[codes[j]], "score": round(float(M[r, j]), 4), "basis": "model"}
                for j in order
                if M[r, j] >= max(min_score, 0.005) and codes[j] in paths
            ]
        )
    return out
