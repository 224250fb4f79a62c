"""Scores that mean what they say: 0.8 = right about 8 times in 10 on unseen documents.

Fitted on the held-out (by document) scores of the cross-validation that chose the
configuration, "no code" paragraphs included (every suggestion for one of them is wrong,
weighted by how many such paragraphs the sample stands for):

1. a temperature for the softmax over the classifier's scores (least log-loss);
2. a logistic map of each of the three first codes of a passage from its softmax
   probability (logit), whether it is the first, and the classifier's raw score. The map
   keeps the order of a passage's codes (every feature rises with the classifier's score),
   so calibrating never changes which code is suggested first. (Up to model version 6 it
   also read how many examples a code has: on projects of 40 coded passages that demoted
   the rarer codes so often that top-3 fell by 0.07–0.09 — measured on the benchmark
   corpora, issue 25.);
3. with enough held-out evidence, a monotone (isotonic) correction of those scores: a
   logistic map rises towards 1 for ever clearer cases, but where codes overlap (speeches
   that touch two agenda items) even the clearest cases are right only 8 times in 10. It
   is blended with the logistic score (``ISOTONIC_SHARE``) so that it never ties two codes
   and never changes their order.
"""

from __future__ import annotations

import numpy as np

UNCALIBRATED_MIN_T = 0.3  # without a calibration map, no softmax sharper than this
ZERO_SHOT_T = 0.3  # the coding agenda alone (no codings): the softmax temperature
# The prior calibration map of a model from the coding agenda alone (no codings: no held-out
# evidence at all): coefficients of :func:`apply_platt` (logit p, first, log examples, raw
# score, intercept) fitted once on the test paragraphs of the four benchmark corpora (the
# first three suggestions of each, every corpus weighted alike; `python -m
# qualcode.bench.suggest`, issue 25). Left out per corpus, it misses by ECE 0.10–0.28 (the
# corpora differ in how often the agenda alone is right: 41–70 %). A few codings with too
# little held-out evidence for a map of their own: PRIOR_PLATT (none yet: the softmax at a
# temperature of at least UNCALIBRATED_MIN_T, as before).
ZERO_SHOT_PLATT: tuple[float, ...] | None = (0.7823, 1.5136, 0.0, 0.0, -0.0084)
PRIOR_PLATT: tuple[float, ...] | None = None
TEMPERATURES = tuple(float(t) for t in np.geomspace(0.01, 2.0, 40))


def softmax(S: np.ndarray, T: float) -> np.ndarray:
    Z = S / T
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_temperature(S: np.ndarray, Y: np.ndarray, w: np.ndarray) -> float:
    best = (np.inf, 1.0)
    for T in TEMPERATURES:
        P = softmax(S, T)
        nll = -float(np.sum(w * np.sum(Y * np.log(np.clip(P, 1e-12, 1)), axis=1)))
        if nll < best[0]:
            best = (nll, T)
    return best[1]


RAW_CLIP = (-0.5, 1.5)


def _features(
    P: np.ndarray, is_code: np.ndarray, log_n: np.ndarray, S: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    Q = np.where(is_code[None, :], P, -np.inf)
    first = np.zeros_like(P)
    if len(P) and is_code.any():
        first[np.arange(len(P)), Q.argmax(axis=1)] = 1.0
    raw = np.zeros_like(P) if S is None else np.clip(S, *RAW_CLIP)
    return logit(P), first, np.broadcast_to(log_n[None, :], P.shape), raw


def fit_platt(
    P: np.ndarray,
    labels: list[frozenset[int]],
    is_code: np.ndarray,
    log_n: np.ndarray,
    row_weight: np.ndarray,
    S: np.ndarray | None = None,
) -> tuple[float, ...] | None:
    """Coefficients (logit p, first, log examples, raw score, intercept); None with too
    little evidence. The coefficient of the examples is 0: a feature that differs between
    the codes of one passage other than through their scores could reorder them. The raw score (the classifier's output before the softmax) tells how
    much a passage resembles the training passages at all: the softmax only compares the
    codes, and a passage unlike everything seen can still have one code far ahead."""
    L, F, N, R = _features(P, is_code, log_n, S)
    xs, ys, ws = [], [], []
    code_cols = np.flatnonzero(is_code)
    for r in range(len(P)):
        top = code_cols[np.argsort(-P[r, code_cols], kind="stable")[:3]]
        for j in top:
            xs.append((L[r, j], F[r, j], R[r, j]))
            ys.append(1 if j in labels[r] else 0)
            ws.append(row_weight[r])
    y = np.asarray(ys)
    if len(y) < 30 or y.sum() < 5 or (len(y) - y.sum()) < 5:
        return None
    from sklearn.linear_model import LogisticRegression

    X, w = np.asarray(xs), np.asarray(ws)
    cols = [0, 1, 2]  # logit p, first, raw score: each must raise the score, or it goes
    while cols:
        m = LogisticRegression(C=1.0).fit(X[:, cols], y, sample_weight=w)
        coef = dict(zip(cols, (float(v) for v in m.coef_[0]), strict=True))
        if all(v >= 0 for v in coef.values()):
            return (
                coef.get(0, 0.0),
                coef.get(1, 0.0),
                0.0,
                coef.get(2, 0.0),
                float(m.intercept_[0]),
            )
        cols = [c for c in cols if coef[c] >= 0]
    return None


def apply_platt(
    ab: tuple[float, ...],
    P: np.ndarray,
    is_code: np.ndarray,
    log_n: np.ndarray,
    S: np.ndarray | None = None,
) -> np.ndarray:
    L, F, N, R = _features(P, is_code, log_n, S)
    z = ab[0] * L + ab[1] * F + ab[2] * N + ab[3] * R + ab[4]
    return 1.0 / (1.0 + np.exp(-z))


ISOTONIC_MIN = 400  # held-out (passage, code) pairs needed for the isotonic stage
ISOTONIC_SHARE = 0.9


def top3_pairs(P: np.ndarray, labels: list[frozenset[int]], is_code: np.ndarray, row_weight):
    """Scores, rightness and weights of every passage's three first codes."""
    code_cols = np.flatnonzero(is_code)
    xs, ys, ws = [], [], []
    for r in range(len(P)):
        top = code_cols[np.argsort(-P[r, code_cols], kind="stable")[:3]]
        for j in top:
            xs.append(P[r, j])
            ys.append(1.0 if j in labels[r] else 0.0)
            ws.append(row_weight[r])
    return np.asarray(xs), np.asarray(ys), np.asarray(ws)


def fit_isotonic(
    P: np.ndarray, labels: list[frozenset[int]], is_code: np.ndarray, row_weight: np.ndarray
) -> tuple[list[float], list[float]] | None:
    """Knots ``(x, y)`` of a monotone map of calibrated scores, or None (too little evidence)."""
    x, y, w = top3_pairs(P, labels, is_code, row_weight)
    if len(x) < ISOTONIC_MIN or y.sum() < 20 or (len(y) - y.sum()) < 20:
        return None
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, y, sample_weight=w)
    return [float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_]


def apply_isotonic(knots: tuple[list[float], list[float]], P: np.ndarray) -> np.ndarray:
    xs, ys = knots
    return ISOTONIC_SHARE * np.interp(P, xs, ys) + (1 - ISOTONIC_SHARE) * P


# --- how far `--apply` can trust a score ----------------------------------------------------
# A score is right as often as it says on average over the held-out documents; but the
# passages of one document err together (a speech about another committee's subject, an
# agenda item no other document has), so the project's next documents can fall short of it
# (plenary speeches: scores ≥ 0.9 right 92 % of the time between the training documents,
# 82 % on the other half of the corpus). `--apply --min-score m` therefore writes codings
# only from the score level g ≥ m whose held-out suggestions are right at least m of the
# time *with 90 % confidence*: the Wilson lower bound of their precision, at the sample
# size the document bootstrap allows (the passages of one document count as fewer than
# independent ones).
APPLY_GRID = tuple(round(0.05 + 0.01 * i, 2) for i in range(96))  # score levels 0.05 … 1.00
APPLY_Z = 1.2816  # one-sided 90 %
APPLY_BOOTSTRAP = 400


def _wilson_lower(p: float, n: float) -> float:
    z = APPLY_Z
    n = max(n, 1e-9)
    centre = p + z * z / (2 * n)
    half = z * float(np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)))
    return (centre - half) / (1 + z * z / n)


def precision_bounds(
    scores: np.ndarray, right: np.ndarray, docs: np.ndarray, weights: np.ndarray | None = None
) -> list[float | None]:
    """Per score level of :data:`APPLY_GRID`: a 90 % lower bound of the precision of the
    held-out suggestions (``scores``, ``right``, from document ``docs``) scored at least that
    (None: no suggestion there). ``weights``: how many passages each stands for."""
    s = np.asarray(scores, dtype=float)
    ok = np.asarray(right, dtype=float)
    w = np.ones(len(s)) if weights is None else np.asarray(weights, dtype=float)
    grid = np.asarray(APPLY_GRID)
    level = np.searchsorted(grid, s + 1e-12, side="right") - 1  # the highest level reached
    keep = level >= 0
    _, di = np.unique(np.asarray(docs)[keep], return_inverse=True)
    n_docs, n_lv = (int(di.max()) + 1 if keep.any() else 0), len(grid)
    if not n_docs:  # no held-out suggestion reaches the lowest level
        return [None] * n_lv

    def at_least(v: np.ndarray) -> np.ndarray:
        """Per document and level: the sum of ``v`` over its suggestions scored at least
        that level."""
        acc = np.zeros((n_docs, n_lv))
        np.add.at(acc, (di, level[keep]), v[keep])
        return acc[:, ::-1].cumsum(axis=1)[:, ::-1]

    Wd, Rd, W2 = at_least(w), at_least(w * ok), at_least(w * w)
    rng = np.random.default_rng(0)
    draws = rng.multinomial(n_docs, np.full(n_docs, 1 / max(n_docs, 1)), size=APPLY_BOOTSTRAP)
    Wb, Rb = draws @ Wd, draws @ Rd  # bootstrap × level
    out: list[float | None] = []
    for k in range(n_lv):
        sw = Wd[:, k].sum()
        if sw <= 0:
            out.append(None)
            continue
        p = Rd[:, k].sum() / sw
        n = sw * sw / W2[:, k].sum()  # Kish: what the weights leave of the suggestions
        has = Wb[:, k] > 0
        var = float(np.var(Rb[has, k] / Wb[has, k])) if has.sum() > 1 else 0.0
        if var > 0:
            n = min(n, p * (1 - p) / var)  # the documents' design effect
        out.append(round(_wilson_lower(float(p), float(n)), 4))
    return out


def apply_from(bounds: list[float | None] | None, min_score: float) -> float | None:
    """The least score level ≥ ``min_score`` whose held-out suggestions are right at least
    ``min_score`` of the time with 90 % confidence (:func:`precision_bounds`); None when
    there is none. Without held-out evidence (``bounds`` None) the score alone decides."""
    if bounds is None:
        return min_score
    for g, lb in zip(APPLY_GRID, bounds, strict=True):
        if g >= min_score - 1e-9 and lb is not None and lb >= min_score:
            return max(g, min_score)
    return None
