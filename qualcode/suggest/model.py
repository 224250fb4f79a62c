"""The code classifier: learns from the human codings, scores any span, calibrated.

Training units are the coded spans (coder ``auto`` and orphaned codings excluded), one
row per (span, code). Features per unit (each block L2-normalised, weighted):

* text: lemma TF-IDF + character n-grams (+ word vectors) — :class:`TextSpace`;
* heading: TF-IDF of the lemmas of the headings / agenda items above the unit;
* position: soft bins of the relative position in the document;
* neighbours: the codes (and their parent categories) of the nearest coded span before
  and after it in the same document. Every training row is also added without its
  neighbour block, so the model works on documents with no codings yet.

Uncoded paragraphs that a coder has evidently read — in a document with human codings,
before the last of them, or anywhere in a document coded into its last third — are added
as a "no code" class, so that boilerplate ("Frau X begrüßt die Anwesenden", "Die Sitzung
endet um 16:30 Uhr") gets low scores for every code.

The classifier is a multinomial logistic regression (class-balanced, fixed seed). Its
probabilities are calibrated by Platt scaling fitted on cross-validated predictions
(folds by document): a score of 0.8 means the code was right about 8 times in 10 in
held-out documents. With too little data for cross-validation (fewer than 30 held-out
units or fewer than 5 right and 5 wrong first suggestions) the raw probabilities are
used and ``calibrated`` is false. Codes with fewer than two examples are scored by
similarity: the cosine to their example, mapped to a probability by a Platt fit of
"nearest other example has the same code" on the training units.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlmodel import Session

from qualcode.config import AUTO_CODER
from qualcode.errors import QualcodeError
from qualcode.models import Code, Coder, Coding, Document
from qualcode.suggest.features import analyse
from qualcode.suggest.index import PassageIndex, position_matrix

MODEL_VERSION = "2"  # bump when training changes: cached models of older versions are rebuilt
NONE = -1  # the "no code" class
SEED = 0


@dataclass
class Signals:
    """Which signals the classifier uses (the benchmark switches them off one by one)."""

    heading: bool = True
    position: bool = True
    neighbours: bool = True
    none_class: bool = True
    weights: tuple[float, float, float, float] = (
        1.0,
        0.6,
        0.3,
        0.6,
    )  # text, heading, position, neighbours
    C: float = 10.0

    def key(self) -> str:
        return f"h{int(self.heading)}p{int(self.position)}n{int(self.neighbours)}z{int(self.none_class)}w{self.weights}C{self.C}"


@dataclass
class Units:
    """Spans with their text vectors and structure."""

    doc_ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    T: sp.csr_matrix
    contexts: list[tuple[str, ...]]
    relpos: np.ndarray


@dataclass
class CodeModel:
    content_hash: str
    signals: Signals
    classes: list[int]  # code ids (and NONE) of the logistic regression
    lr: object | None
    platt: tuple[float, ...] | None  # on logit(p) and "ranked first"
    sim_platt: tuple[float, ...]  # on cosine, for codes with one example
    few_codes: list[int]  # code ids scored by similarity
    few_T: sp.csr_matrix | None  # their examples (rows)
    few_labels: np.ndarray | None
    n_examples: dict[int, int]
    code_parent: dict[int, int | None]
    neigh_cols: dict[str, int] = field(default_factory=dict)
    n_train_units: int = 0
    cv_units: int = 0

    @property
    def calibrated(self) -> bool:
        return self.platt is not None


# --- data --------------------------------------------------------------------------------


def human_codings(session: Session, doc_ids=None) -> list[tuple[int, int, int, int]]:
    """``(document_id, start, end, code_id)`` of the human, non-orphaned codings (deduplicated)."""
    stmt = (
        select(Coding.document_id, Coding.start, Coding.end, Coding.code_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Code, Code.id == Coding.code_id)
        .where(Coder.name != AUTO_CODER, Coding.orphaned.is_(False), Code.codable.is_(True))  # type: ignore[attr-defined]
    )
    if doc_ids is not None:
        stmt = stmt.where(Coding.document_id.in_(list(doc_ids)))  # type: ignore[attr-defined]
    rows = session.connection().execute(stmt).all()
    return sorted({tuple(r) for r in rows})  # type: ignore[misc]


def codings_hash(session: Session, doc_hash: str, signals: Signals) -> str:
    """What the model depends on: documents, the human codings, the code tree, the coders.

    Codings by ``auto`` are left out, so applying suggestions does not retrain the model."""
    h = hashlib.sha256(f"{doc_hash};{signals.key()};model={MODEL_VERSION}".encode())
    conn = session.connection()
    for r in conn.execute(
        select(
            Coding.id,
            Coding.document_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.coder_id,
            Coding.orphaned,
        )
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coder.name != AUTO_CODER)
        .order_by(Coding.id)
    ):
        h.update(repr(tuple(r)).encode())
    for r in conn.execute(select(Code.id, Code.parent_id, Code.codable).order_by(Code.id)):
        h.update(repr(tuple(r)).encode())
    for r in conn.execute(
        select(Coder.id, Coder.name).where(Coder.name != AUTO_CODER).order_by(Coder.id)
    ):
        h.update(repr(tuple(r)).encode())
    return h.hexdigest()


def span_units(
    session: Session, index: PassageIndex, nlp_obj, spans: list[tuple[int, int, int]]
) -> Units:
    """Text vectors and structure of arbitrary spans ``(document_id, start, end)``."""
    rows: list[int | None] = [index.row_of(d, s, e) for d, s, e in spans]
    need = [k for k, r in enumerate(rows) if r is None]
    parts: dict[int, sp.csr_matrix] = {}
    if need:
        doc_ids = sorted({spans[k][0] for k in need})
        texts = dict(
            session.execute(
                select(Document.id, Document.text).where(Document.id.in_(doc_ids))
            ).all()
        )  # type: ignore[attr-defined]
        lem, vec = analyse(nlp_obj, [texts[spans[k][0]][spans[k][1] : spans[k][2]] for k in need])
        M = index.space.transform(lem, vec)
        for j, k in enumerate(need):
            parts[k] = M[j]
    have = [k for k, r in enumerate(rows) if r is not None]
    blocks = []
    order = []
    if have:
        blocks.append(index.X[[rows[k] for k in have]])
        order.extend(have)
    if need:
        blocks.append(sp.vstack([parts[k] for k in need], format="csr"))
        order.extend(need)
    if blocks:
        stacked = sp.vstack(blocks, format="csr")
        inv = np.empty(len(order), dtype=np.int64)
        inv[np.asarray(order)] = np.arange(len(order))
        T = stacked[inv]
    else:
        T = sp.csr_matrix((0, index.X.shape[1]), dtype=np.float32)
    contexts, relpos = [], []
    for d, s, e in spans:
        c, p = index.structure_of(d, s, e)
        contexts.append(c)
        relpos.append(p)
    return Units(
        doc_ids=np.asarray([d for d, _, _ in spans], dtype=np.int64),
        starts=np.asarray([s for _, s, _ in spans], dtype=np.int64),
        ends=np.asarray([e for _, _, e in spans], dtype=np.int64),
        T=T.astype(np.float32),
        contexts=contexts,
        relpos=np.asarray(relpos, dtype=np.float32),
    )


class Neighbours:
    """The coded spans of each document, to find the codes next to any span."""

    def __init__(self, codings: list[tuple[int, int, int, int]]) -> None:
        by_span: dict[tuple[int, int, int], set[int]] = {}
        for d, s, e, c in codings:
            by_span.setdefault((d, s, e), set()).add(c)
        self.docs: dict[int, list[tuple[int, int, frozenset[int]]]] = {}
        for (d, s, e), cs in sorted(by_span.items()):
            self.docs.setdefault(d, []).append((s, e, frozenset(cs)))
        self.ends_sorted = {d: sorted(lst, key=lambda t: t[1]) for d, lst in self.docs.items()}

    def around(self, d: int, s: int, e: int) -> tuple[frozenset[int], frozenset[int]]:
        prev: frozenset[int] = frozenset()
        nxt: frozenset[int] = frozenset()
        best_end = -1
        for ps, pe, cs in self.ends_sorted.get(d, []):
            if pe <= s and pe > best_end and (ps, pe) != (s, e):
                prev, best_end = cs, pe
        best_start = None
        for ns, ne, cs in self.docs.get(d, []):
            if ns >= e and (ns, ne) != (s, e):
                nxt, best_start = cs, ns
                break
        del best_start
        return prev, nxt


def neighbour_matrix(
    units: Units, neigh: Neighbours | None, cols: dict[str, int], parent: dict[int, int | None]
) -> sp.csr_matrix:
    n = len(units.starts)
    if neigh is None or not cols:
        return sp.csr_matrix((n, max(1, len(cols))), dtype=np.float32)
    r, c = [], []
    for i in range(n):
        prev, nxt = neigh.around(int(units.doc_ids[i]), int(units.starts[i]), int(units.ends[i]))
        feats = set()
        for tag, cs in (("p", prev), ("n", nxt)):
            for code in cs:
                feats.add(f"{tag}{code}")
                if parent.get(code) is not None:
                    feats.add(f"{tag}P{parent[code]}")
        for f in feats:
            j = cols.get(f)
            if j is not None:
                r.append(i)
                c.append(j)
    m = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n, len(cols)))
    from qualcode.suggest.features import _l2

    return _l2(m)


def features(
    index: PassageIndex,
    units: Units,
    signals: Signals,
    neigh: Neighbours | None,
    model_cols: dict[str, int],
    parent,
) -> sp.csr_matrix:
    wt, wh, wp, wn = (np.float32(np.sqrt(w)) for w in signals.weights)
    blocks = [units.T * wt]
    if signals.heading:
        blocks.append(index.hspace.transform([index.heading_bag(c) for c in units.contexts]) * wh)
    if signals.position:
        blocks.append(position_matrix(units.relpos) * wp)
    if signals.neighbours:
        blocks.append(neighbour_matrix(units, neigh, model_cols, parent) * wn)
    return sp.hstack(blocks, format="csr", dtype=np.float32)


# --- training ----------------------------------------------------------------------------


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _platt(x: np.ndarray, y: np.ndarray) -> tuple[float, ...] | None:
    """Logistic calibration map: coefficients of ``x`` (one column per feature) and intercept."""
    if len(y) < 30 or y.sum() < 5 or (len(y) - y.sum()) < 5:
        return None
    from sklearn.linear_model import LogisticRegression

    x = x.reshape(len(y), -1)
    m = LogisticRegression(C=1.0, random_state=SEED).fit(x, y)
    return (*(float(v) for v in m.coef_[0]), float(m.intercept_[0]))


def _apply_platt(ab: tuple[float, ...], *x: np.ndarray) -> np.ndarray:
    z = np.full(np.shape(x[0]), ab[-1], dtype=np.float64)
    for coef, col in zip(ab[:-1], x, strict=True):
        z = z + coef * col
    return 1.0 / (1.0 + np.exp(-z))


def _first_mask(P: np.ndarray, is_code: np.ndarray) -> np.ndarray:
    """1.0 where a column is the first-ranked code of its row (the "no code" class left out)."""
    Q = np.where(is_code[None, :], P, -np.inf)
    first = np.zeros_like(P)
    if P.shape[0] and is_code.any():
        first[np.arange(P.shape[0]), Q.argmax(axis=1)] = 1.0
    return first


class Projection:
    """An orthonormal basis of the span of the training rows (dense ``r × d_used``).

    The optimal weights of an L2-regularised linear model lie in the span of its training
    rows (representer theorem), so fitting the logistic regression on the coordinates in
    this basis gives the same model with ``r`` parameters per class instead of one per
    n-gram — L-BFGS then takes milliseconds, not minutes. Exact (eigenvectors of the Gram
    matrix) for up to 1,000 training rows; beyond that the top 256 directions of a seeded
    randomized SVD. The basis uses no labels, so it is computed once and shared by the
    cross-validation folds.
    """

    def fit(self, X) -> Projection:
        X = sp.csr_matrix(X, dtype=np.float32)
        self.used = np.flatnonzero(X.getnnz(axis=0) > 0)
        Xu = X[:, self.used]
        if Xu.shape[0] <= 1000 and Xu.shape[0] * Xu.shape[1] <= 20_000_000:
            G = (Xu @ Xu.T).toarray().astype(np.float64)
            vals, vecs = np.linalg.eigh(G)
            keep = vals > max(vals.max(), 1e-12) * 1e-6
            U, sv = vecs[:, keep], np.sqrt(vals[keep])
            self.V = np.asarray((Xu.T @ (U / sv)).T, dtype=np.float32)
        else:
            from sklearn.utils.extmath import randomized_svd

            _, _, VT = randomized_svd(Xu, min(256, Xu.shape[0] - 1), n_iter=4, random_state=SEED)
            self.V = VT.astype(np.float32)
        return self

    def __call__(self, X) -> np.ndarray:
        X = sp.csr_matrix(X, dtype=np.float32)
        return np.asarray(X[:, self.used] @ self.V.T)


class _LR:
    """Multinomial logistic regression (L2, class-balanced, fixed seed) on projected features."""

    def __init__(self, C: float, proj: Projection) -> None:
        self.C = C
        self.proj = proj

    def fit_projected(self, Z: np.ndarray, y, sample_weight=None) -> _LR:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        # 300 L-BFGS iterations bound the training time on large projects; the optimum
        # is flat there and the scores are calibrated afterwards anyway.
        self.m = LogisticRegression(
            C=self.C, max_iter=300, class_weight="balanced", random_state=SEED
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.m.fit(Z, y, sample_weight=sample_weight)
        self.classes_ = self.m.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.m.predict_proba(self.proj(X))


@dataclass
class TrainSet:
    units: Units
    labels: list[frozenset[int]]  # codes per unit; empty = "no code"


def training_set(
    session: Session, index: PassageIndex, nlp_obj, codings, signals: Signals
) -> TrainSet:
    spans: dict[tuple[int, int, int], set[int]] = {}
    for d, s, e, c in codings:
        if d in index.by_doc:
            spans.setdefault((d, s, e), set()).add(c)
    keys = sorted(spans)
    labels = [frozenset(spans[k]) for k in keys]
    if signals.none_class:
        last_end: dict[int, int] = {}
        covered: dict[int, list[tuple[int, int]]] = {}
        for d, s, e in keys:
            last_end[d] = max(last_end.get(d, 0), e)
            covered.setdefault(d, []).append((s, e))
        neg = []
        for d, end in last_end.items():
            if end >= 2 / 3 * index.doc_len.get(d, end):
                end = index.doc_len.get(d, end) + 1  # coded into its last third: read to the end
            lo, hi = index.by_doc[d]
            for i in range(lo, hi):
                s, e = int(index.starts[i]), int(index.ends[i])
                if s >= end or index.is_heading[i] or index.n_lemmas[i] < 2:
                    continue
                if any(cs < e and ce > s for cs, ce in covered[d]):
                    continue
                neg.append((d, s, e))
        cap = max(10, 2 * len(keys))
        if len(neg) > cap:
            rng = np.random.default_rng(SEED)
            neg = [neg[i] for i in sorted(rng.choice(len(neg), cap, replace=False))]
        keys += neg
        labels += [frozenset()] * len(neg)
    return TrainSet(span_units(session, index, nlp_obj, keys), labels)


def _expand(
    F: sp.csr_matrix,
    F0: sp.csr_matrix | None,
    labels: list[frozenset[int]],
    idx: np.ndarray,
    allowed: set[int],
):
    """Rows per (unit, code) — with and without the neighbour block — and their weights."""
    rows, ys, ws = [], [], []
    for i in idx:
        codes = [c for c in labels[i] if c in allowed] or (
            [NONE] if not labels[i] and NONE in allowed else []
        )
        for c in codes:
            rows.append(i)
            ys.append(c)
            ws.append(1.0 / len(codes))
    rows_a = np.asarray(rows, dtype=np.int64)
    X = F[rows_a]
    y = np.asarray(ys)
    w = np.asarray(ws, dtype=np.float64)
    if F0 is not None:
        X = (
            sp.vstack([X, F0[rows_a]], format="csr")
            if sp.issparse(X)
            else np.vstack([X, F0[rows_a]])
        )
        y = np.concatenate([y, y])
        w = np.concatenate([w, w]) * 0.5
    return X, y, w


def single_thread(fn):
    """Run with one BLAS thread: on a busy 2-core machine, OpenBLAS threads spinning against
    each other make small dense products many times slower."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


@single_thread
def train(
    session: Session,
    index: PassageIndex,
    nlp_obj,
    signals: Signals | None = None,
    content_hash: str = "",
    codings=None,
) -> CodeModel:
    signals = signals or Signals()
    codings = human_codings(session) if codings is None else codings
    if not codings:
        raise QualcodeError(
            "nothing to learn from yet: the project has no codings by a human coder",
            "code a few passages per code first (`qualcode code …` or the workbench), then ask again",
        )
    parent = dict(session.execute(select(Code.id, Code.parent_id)).all())
    ts = training_set(session, index, nlp_obj, codings, signals)
    counts: dict[int, int] = {}
    for lab in ts.labels:
        for c in lab:
            counts[c] = counts.get(c, 0) + 1
    many = sorted(c for c, n in counts.items() if n >= 2)
    few = sorted(c for c, n in counts.items() if n < 2)
    n_neg = sum(1 for lab in ts.labels if not lab)
    classes = many + ([NONE] if signals.none_class and n_neg >= 2 and many else [])
    neigh = Neighbours(codings) if signals.neighbours else None
    cols: dict[str, int] = {}
    if signals.neighbours:
        for c in sorted(counts):
            for tag in ("p", "n"):
                cols.setdefault(f"{tag}{c}", len(cols))
                if parent.get(c) is not None:
                    cols.setdefault(f"{tag}P{parent[c]}", len(cols))
    F = features(index, ts.units, signals, neigh, cols, parent)
    F0 = features(index, ts.units, signals, None, cols, parent) if signals.neighbours else None
    lr = None
    platt = None
    cv_units = 0
    if len(classes) >= 2:
        allowed = set(classes)
        idx = np.arange(len(ts.labels))
        proj = Projection().fit(sp.vstack([F, F0]) if F0 is not None else F)
        ZF = proj(F)
        ZF0 = proj(F0) if F0 is not None else None
        X, y, w = _expand(ZF, ZF0, ts.labels, idx, allowed)
        lr = _LR(signals.C, proj).fit_projected(X, y, sample_weight=w)
        platt, cv_units = _calibrate(ZF, ZF0, ts, allowed, signals, proj)
    model = CodeModel(
        content_hash=content_hash,
        signals=signals,
        classes=list(lr.classes_) if lr is not None else [],  # type: ignore[attr-defined]
        lr=lr,
        platt=platt,
        sim_platt=_similarity_platt(ts),
        few_codes=few if lr is not None else sorted(counts),
        few_T=None,
        few_labels=None,
        n_examples=counts,
        code_parent=parent,
        neigh_cols=cols,
        n_train_units=sum(1 for lab in ts.labels if lab),
        cv_units=cv_units,
    )
    fc = set(model.few_codes)
    ex_rows, ex_lab = [], []
    for i, lab in enumerate(ts.labels):
        for c in lab:
            if c in fc:
                ex_rows.append(i)
                ex_lab.append(c)
    if ex_rows:
        model.few_T = ts.units.T[ex_rows]
        model.few_labels = np.asarray(ex_lab)
    return model


def _folds(ts: TrainSet, k: int = 5) -> list[np.ndarray]:
    docs = np.asarray(ts.units.doc_ids)
    uniq = np.unique(docs)
    rng = np.random.default_rng(SEED)
    if len(uniq) >= 3:
        perm = rng.permutation(uniq)
        groups = [perm[i::k] for i in range(min(k, len(uniq)))]
        return [np.flatnonzero(np.isin(docs, g)) for g in groups]
    perm = rng.permutation(len(docs))
    return [np.sort(perm[i::k]) for i in range(k)]


def _calibrate(
    F, F0, ts: TrainSet, allowed: set[int], signals: Signals, proj: Projection, limit: int = 4000
) -> tuple[tuple[float, ...] | None, int]:
    """Platt scaling on held-out (by document) predictions of the top three codes."""
    n = len(ts.labels)
    xs, ys = [], []
    held = 0
    for test in _folds(ts):
        train_idx = np.setdiff1d(np.arange(n), test)
        if len(train_idx) > limit:
            train_idx = np.sort(np.random.default_rng(SEED).choice(train_idx, limit, replace=False))
        X, y, w = _expand(F, F0, ts.labels, train_idx, allowed)
        if len(set(y.tolist())) < 2:
            continue
        m = _LR(signals.C, proj).fit_projected(X, y, sample_weight=w)
        # coded units and the "no code" paragraphs: every suggestion for the latter is wrong
        test_units = list(test)
        held += sum(1 for i in test if ts.labels[i])
        cls = list(m.classes_)
        is_code = np.asarray([c != NONE for c in cls])
        for FF in (F, F0) if F0 is not None else (F,):
            P = m.m.predict_proba(FF[test_units])
            first = _first_mask(P, is_code)
            for r, i in enumerate(test_units):
                order = [j for j in np.argsort(-P[r], kind="stable") if is_code[j]][:3]
                for j in order:
                    xs.append((P[r, j], first[r, j]))
                    ys.append(1 if cls[j] in ts.labels[i] else 0)
    if not xs:
        return None, held
    x = np.asarray(xs)
    return _platt(np.column_stack([_logit(x[:, 0]), x[:, 1]]), np.asarray(ys)), held


def _similarity_platt(ts: TrainSet) -> tuple[float, ...]:
    """Cosine to the nearest other example → probability that it has the same code."""
    pos = [i for i, lab in enumerate(ts.labels) if lab]
    if len(pos) > 3000:
        pos = sorted(np.random.default_rng(SEED).choice(pos, 3000, replace=False).tolist())
    if len(pos) >= 3:
        T = ts.units.T[pos]
        S = (T @ T.T).toarray()
        np.fill_diagonal(S, -1.0)
        nn = S.argmax(axis=1)
        x = S[np.arange(len(pos)), nn]
        y = np.asarray(
            [1 if ts.labels[pos[i]] & ts.labels[pos[j]] else 0 for i, j in enumerate(nn)]
        )
        ab = _platt(x, y) if len(pos) >= 30 else None
        if ab is not None and ab[0] > 0:
            return ab
    return (4.0, -3.0)  # prior: cosine 0.75 → 0.5, 0.5 → 0.27, 1.0 → 0.73


# --- scoring -----------------------------------------------------------------------------


@single_thread
def score(
    model: CodeModel, index: PassageIndex, units: Units, neigh: Neighbours | None
) -> tuple[list[int], np.ndarray, list[str]]:
    """Scores (units × codes) and for each code whether it comes from the model or similarity."""
    codes: list[int] = []
    cols: list[np.ndarray] = []
    basis: list[str] = []
    n = len(units.starts)
    if model.lr is not None:
        F = features(index, units, model.signals, neigh, model.neigh_cols, model.code_parent)
        P = model.lr.predict_proba(F)  # type: ignore[attr-defined]
        if model.platt is not None:
            is_code = np.asarray([c != NONE for c in model.classes])
            P = _apply_platt(model.platt, _logit(P), _first_mask(P, is_code))
        for j, c in enumerate(model.classes):
            if c != NONE:
                codes.append(int(c))
                cols.append(P[:, j])
                basis.append("model")
    if model.few_T is not None and len(model.few_codes):
        S = (units.T @ model.few_T.T).toarray() if n else np.zeros((0, model.few_T.shape[0]))
        for c in model.few_codes:
            mask = model.few_labels == c
            best = S[:, mask].max(axis=1) if n else np.zeros(0)
            prob = _apply_platt(model.sim_platt, best)
            prob[best <= 0] = 0.0
            codes.append(int(c))
            cols.append(prob)
            basis.append("similarity")
    M = np.vstack(cols).T if cols else np.zeros((n, 0))
    # a text without any content words carries no evidence
    empty = np.asarray(units.T.getnnz(axis=1) == 0)
    if M.size:
        M[empty] = 0.0
    return codes, M, basis


def top_k(
    codes: list[int],
    M: np.ndarray,
    basis: list[str],
    paths: dict[int, str],
    k: int,
    min_score: float = 0.0,
) -> list[list[dict]]:
    out = []
    for r in range(M.shape[0]):
        order = np.argsort(-M[r], kind="stable")[:k]
        out.append(
            [
                {"code": paths[codes[j]], "score": round(float(M[r, j]), 4), "basis": basis[j]}
                for j in order
                if M[r, j] > 0 and M[r, j] >= min_score and codes[j] in paths
            ]
        )
    return out
