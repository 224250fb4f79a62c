"""Self-tuning: which blocks, with which weights, and how much regularisation.

The classifier is a kernel ridge classifier (regularised least squares on one-hot
targets, class-balanced sample weights): its kernel is ``Σ_b w_b · K_b`` over the feature
blocks of :mod:`qualcode.suggest.blocks`. Each configuration (block weights and ``λ``) is
judged by cross-validation **grouped by document** (a document is never split between
training and held-out folds) on the project's own codings, by the macro-F1 of the first
suggestion; a configuration must beat the simpler one by ``MIN_GAIN`` to be chosen. The
search is greedy and deterministic: the text blocks first (both, words only, characters
only), then the heading, position and semantic blocks one at a time with a few weights
each (the best of them first, while one still gains), then
the sequence stage (the codes suggested for the paragraphs before and after). Each fold
is one Cholesky solve per ``λ`` on a Gram matrix of at most ``MAX_TUNE`` units, which is
why a whole search costs about as much as fitting one logistic regression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LAMBDAS = (0.3, 1.0, 3.0)
MIN_GAIN = 0.005
MIN_TUNE_UNITS = 30  # fewer coded units (or fewer than 3 coded documents): no search
MIN_TUNE_DOCS = 3
FOLDS = 4
MIN_COUNT = 3  # class weights treat rarer codes as if they had this many examples
STRUCT_WEIGHTS = {
    "heading": (0.25, 0.5, 1.0, 2.0),
    "position": (0.1, 0.25, 0.5, 1.0),
    "semantic": (0.25, 0.5, 1.0, 2.0),
}
TEXT_OPTIONS = (
    {"words": 1.0, "chars": 1.0},
    {"words": 1.0, "chars": 0.0},
    {"words": 0.0, "chars": 1.0},
)
BASELINE = {"words": 1.0, "chars": 1.0}
BASELINE_LAMBDA = 1.0


@dataclass
class Trial:
    weights: dict[str, float]
    lam: float
    sequence: bool
    macro_f1: float
    top1: float
    top3: float

    def as_dict(self) -> dict:
        return {
            "blocks": {k: v for k, v in self.weights.items() if v > 0},
            "lambda": self.lam,
            "sequence": self.sequence,
            "macro_f1": round(self.macro_f1, 4),
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
        }


@dataclass
class TuneResult:
    weights: dict[str, float]
    lam: float
    sequence: bool
    tuned: bool
    reason: str
    chosen: Trial | None = None
    baseline: Trial | None = None
    trials: list[Trial] = field(default_factory=list)
    oof: np.ndarray | None = None  # held-out scores of the chosen configuration
    folds: list[np.ndarray] = field(default_factory=list)


def sample_weights(Y: np.ndarray) -> np.ndarray:
    """Class-balanced weights (rows of ``Y`` may carry several codes, summing to 1)."""
    counts = np.maximum(Y.sum(axis=0), MIN_COUNT)
    n, k = Y.shape
    per_class = n / (k * counts)
    return np.asarray(Y @ per_class, dtype=np.float64)


def folds_by_document(doc_ids: np.ndarray, k: int = FOLDS, seed: int = 0) -> list[np.ndarray]:
    """Held-out index sets; all units of a document fall into one fold (seeded, deterministic)."""
    uniq = np.unique(doc_ids)
    rng = np.random.default_rng(seed)
    if len(uniq) >= 2:
        perm = rng.permutation(uniq)
        groups = [perm[i :: min(k, len(uniq))] for i in range(min(k, len(uniq)))]
        return [np.flatnonzero(np.isin(doc_ids, g)) for g in groups]
    perm = rng.permutation(len(doc_ids))
    return [np.sort(perm[i::k]) for i in range(k)]


def ridge_dual(K: np.ndarray, Y: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """``α`` of weighted kernel ridge: minimise Σ w_i ‖y_i − f(x_i)‖² + λ‖f‖²."""
    from scipy.linalg import cho_factor, cho_solve

    d = np.sqrt(w)
    A = d[:, None] * K * d[None, :]
    A[np.diag_indices_from(A)] += lam
    try:
        c = cho_factor(A, lower=True, check_finite=False)
        return d[:, None] * cho_solve(c, d[:, None] * Y, check_finite=False)
    except np.linalg.LinAlgError:
        return d[:, None] * np.linalg.lstsq(A, d[:, None] * Y, rcond=None)[0]


def combine(Ks: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    out = None
    for b, wt in weights.items():
        if wt > 0 and b in Ks:
            out = Ks[b] * wt if out is None else out + Ks[b] * wt
    if out is None:
        raise ValueError("no block with a positive weight")
    return out


def evaluate(
    S: np.ndarray, labels: list[frozenset[int]], is_code: np.ndarray
) -> tuple[float, float, float]:
    """Macro-F1, top-1 and top-3 of the first code suggestion (rows with codes only)."""
    rows = [i for i, lab in enumerate(labels) if lab]
    if not rows:
        return 0.0, 0.0, 0.0
    Q = np.where(is_code[None, :], S[rows], -np.inf)
    order = np.argsort(-Q, axis=1, kind="stable")[:, :3]
    first = order[:, 0]
    gold = [labels[i] for i in rows]
    hit = np.asarray([f in g for f, g in zip(first.tolist(), gold, strict=True)])
    top3 = np.mean([bool(set(o.tolist()) & g) for o, g in zip(order, gold, strict=True)])
    y_true = np.asarray(
        [f if f in g else min(g) for f, g in zip(first.tolist(), gold, strict=True)]
    )
    f1s = []
    for c in np.union1d(y_true, first):
        tp = np.sum((first == c) & (y_true == c))
        fp = np.sum((first == c) & (y_true != c))
        fn = np.sum((first != c) & (y_true == c))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)), float(hit.mean()), float(top3)


def oof_scores(
    K: np.ndarray, Y: np.ndarray, w: np.ndarray, folds: list[np.ndarray], lams
) -> dict[float, np.ndarray]:
    n = len(Y)
    out = {lam: np.zeros_like(Y) for lam in lams}
    for test in folds:
        train = np.setdiff1d(np.arange(n), test)
        if len(train) == 0:
            continue
        Ktr = K[np.ix_(train, train)]
        Kte = K[np.ix_(test, train)]
        for lam in lams:
            out[lam][test] = Kte @ ridge_dual(Ktr, Y[train], w[train], lam)
    return out


def label_index(labels: list[frozenset[int]], classes: list[int]) -> list[frozenset[int]]:
    pos = {c: j for j, c in enumerate(classes)}
    return [frozenset(pos[c] for c in lab if c in pos) for lab in labels]


def search(
    Ks: dict[str, np.ndarray],
    Y: np.ndarray,
    labels: list[frozenset[int]],
    is_code: np.ndarray,
    doc_ids: np.ndarray,
) -> TuneResult:
    """Choose block weights and ``λ`` by grouped cross-validation.

    ``labels`` are class indices per unit (empty for "no code" units)."""
    w = sample_weights(Y)
    n_coded = sum(1 for lab in labels if lab)
    n_docs = len(np.unique(doc_ids[[i for i, lab in enumerate(labels) if lab]])) if n_coded else 0
    folds = folds_by_document(doc_ids)
    if n_coded < MIN_TUNE_UNITS or n_docs < MIN_TUNE_DOCS:
        return TuneResult(
            dict(BASELINE),
            BASELINE_LAMBDA,
            False,
            tuned=False,
            reason=f"too few codings to tune ({n_coded} coded passages in {n_docs} documents; "
            f"tuning starts at {MIN_TUNE_UNITS} in {MIN_TUNE_DOCS}): the plain text configuration",
            folds=folds,
        )
    trials: list[Trial] = []
    cache: dict[tuple, dict[float, np.ndarray]] = {}

    def run(weights: dict[str, float]) -> list[Trial]:
        key = tuple(sorted((k, v) for k, v in weights.items() if v > 0))
        if key not in cache:
            cache[key] = oof_scores(combine(Ks, weights), Y, w, folds, LAMBDAS)
        got = []
        for lam, S in cache[key].items():
            t = Trial(dict(weights), lam, False, *evaluate(S, labels, is_code))
            trials.append(t)
            got.append(t)
        return got

    def best(ts: list[Trial]) -> Trial:
        return max(ts, key=lambda t: (round(t.macro_f1, 4), round(t.top1, 4), -abs(np.log(t.lam))))

    baseline = best([t for t in run(dict(BASELINE)) if t.lam == BASELINE_LAMBDA])
    current = best(run(dict(BASELINE)))
    for opt in TEXT_OPTIONS[1:]:
        cand = best(run(dict(opt)))
        if cand.macro_f1 > current.macro_f1 + MIN_GAIN:
            current = cand
    remaining = [b for b in STRUCT_WEIGHTS if b in Ks]
    while remaining:
        found = None
        for b in remaining:
            for wt in STRUCT_WEIGHTS[b]:
                cand = best(run({**current.weights, b: wt}))
                if cand.macro_f1 > current.macro_f1 + MIN_GAIN and (
                    found is None or cand.macro_f1 > found[1].macro_f1
                ):
                    found = (b, cand)
        if found is None:
            break
        remaining.remove(found[0])
        current = found[1]
    key = tuple(sorted((k, v) for k, v in current.weights.items() if v > 0))
    oof = cache[key][current.lam]
    result = TuneResult(
        current.weights,
        current.lam,
        False,
        tuned=True,
        reason="chosen by cross-validation grouped by document",
        chosen=current,
        baseline=baseline,
        trials=trials,
        oof=oof,
        folds=folds,
    )
    return result


SEQ_LAMBDAS = (0.3, 3.0, 30.0)


def ridge_primal(Z: np.ndarray, Y: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """Weights of weighted linear ridge on dense features (a bias column is added)."""
    Zb = np.hstack([Z, np.ones((len(Z), 1))])
    A = (Zb * w[:, None]).T @ Zb
    A[np.diag_indices_from(A)] += lam
    A[-1, -1] -= lam  # the bias is not penalised
    return np.linalg.solve(A + 1e-9 * np.eye(len(A)), (Zb * w[:, None]).T @ Y)


def apply_primal(Z: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.hstack([Z, np.ones((len(Z), 1))]) @ B


def sequence_cv(
    Z: np.ndarray, S1: np.ndarray, Y, w, folds, labels, is_code
) -> tuple[np.ndarray, float] | None:
    """Held-out scores of the sequence stage (a correction of the first stage's held-out
    scores ``S1`` from the features ``Z``) and its best ``λ``."""
    n = len(Y)
    best = None
    for lam in SEQ_LAMBDAS:
        S = np.zeros_like(Y)
        for test in folds:
            train = np.setdiff1d(np.arange(n), test)
            if len(train) == 0:
                return None
            B = ridge_primal(Z[train], Y[train] - S1[train], w[train], lam)
            S[test] = S1[test] + apply_primal(Z[test], B)
        f1 = evaluate(S, labels, is_code)[0]
        if best is None or f1 > best[0]:
            best = (f1, S, lam)
    assert best is not None
    return best[1], best[2]
