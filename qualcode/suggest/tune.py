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
# the coding agenda (:mod:`qualcode.suggest.agenda`): the weight of its units, a multiple of
# one example of their code; the prior where the evidence cannot choose
AGENDA_WEIGHTS = (0.0, 1.0, 3.0)
AGENDA_PRIOR = 1.0
SEMANTIC_PRIOR = 1.0  # the semantic block's weight where the evidence cannot choose
ZERO_SHOT_HEADING = 0.5  # with the agenda alone: its units' heading (the code's name) counts
SMALL_UNITS = 150  # below this many coded passages (or MIN_FULL_DOCS documents): a small search
MIN_FULL_DOCS = 6
NESTED_MAX = 700  # units of the search: up to this many, the reported figure is nested CV
BOOTSTRAP = 200
# The interval of the expected macro-F1: the bootstrap's (documents resampled) widened by
# this factor around the figure. Resampling the held-out scores leaves out how much the model
# itself would change with other training documents: on the small-project draws of the
# benchmark (`python -m qualcode.bench.suggest`, issue 25) the plain 90 % bootstrap interval
# held the macro-F1 then reached on the corpus's other documents in only 40–80 % of the
# draws; twice as wide, in 90 %.
INTERVAL_WIDEN = 2.0
PRIOR_UNITS = 10  # see expected_f1: how many held-out passages the codes' mean counts as


def min_gain(n_coded: int) -> float:
    """How much a configuration must beat the simpler one: more on small projects, where the
    folds' noise is larger than most differences (0.024 at 40 coded passages, 0.005 from 900)."""
    return max(MIN_GAIN, 0.15 / np.sqrt(max(1, n_coded)))


def prior_weights(Ks, has_agenda: bool) -> tuple[dict[str, float], float]:
    """The configuration the engine starts from: the text blocks, the semantic block when the
    embeddings are there, and the agenda at its prior weight."""
    w = dict(BASELINE)
    if "semantic" in Ks:
        w["semantic"] = SEMANTIC_PRIOR
    return w, (AGENDA_PRIOR if has_agenda else 0.0)


@dataclass
class Trial:
    weights: dict[str, float]
    lam: float
    sequence: bool
    macro_f1: float
    top1: float
    top3: float
    agenda: float = 0.0  # the agenda units' weight (a multiple of one example of their code)

    def as_dict(self) -> dict:
        return {
            "blocks": {k: v for k, v in self.weights.items() if v > 0},
            "agenda_weight": self.agenda,
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
    agenda_weight: float = 0.0


def sample_weights(Y: np.ndarray, agenda: np.ndarray | None = None, a: float = 1.0) -> np.ndarray:
    """Class-balanced weights (rows of ``Y`` may carry several codes, summing to 1). Rows in
    ``agenda`` (the coding agenda's units) weigh ``a`` × one example of their code and do not
    count as examples."""
    ag = np.zeros(len(Y)) if agenda is None else np.asarray(agenda, dtype=np.float64)
    real = ag == 0
    counts = np.maximum(Y[real].sum(axis=0), MIN_COUNT)
    n, k = max(1, int(real.sum())), Y.shape[1]
    per_class = n / (k * counts)
    w = np.asarray(Y @ per_class, dtype=np.float64)
    w[~real] *= a * ag[~real]  # an agenda unit's own weight (1; less for a pseudo-example)
    return w


SMALL_FOLDS = 8  # projects of fewer than MANY_DOCS documents: up to this many folds
MANY_DOCS = 16


def n_folds(n_docs: int) -> int:
    """Folds for a project of ``n_docs`` documents: 4 from ``MANY_DOCS`` documents; below,
    up to 8 (one document per fold up to 8), so that each fold trains on 7/8 of a small
    project — 4 folds train on 3/4 and, where every document counts, underestimate what
    the model trained on all of them reaches. From 16 documents on, 4 folds: on the plenary
    corpus (21 training documents) 8 folds chose a configuration worse on the test documents
    (macro-F1 0.490 against 0.505) and a calibration that held less well there (ECE 0.077
    against 0.045; `python -m qualcode.bench.suggest`, issue 25)."""
    return FOLDS if n_docs >= MANY_DOCS else max(FOLDS, min(n_docs, SMALL_FOLDS))


def folds_by_document(doc_ids: np.ndarray, k: int | None = None, seed: int = 0) -> list[np.ndarray]:
    """Held-out index sets; all units of a document fall into one fold (seeded, deterministic)."""
    uniq = np.unique(doc_ids)
    if k is None:
        k = n_folds(len(uniq))
    rng = np.random.default_rng(seed)
    if len(uniq) >= 2:
        perm = rng.permutation(uniq)
        groups = [perm[i :: min(k, len(uniq))] for i in range(min(k, len(uniq)))]
        return [np.flatnonzero(np.isin(doc_ids, g)) for g in groups]
    perm = rng.permutation(len(doc_ids))
    return [np.sort(perm[i::k]) for i in range(k)]


def left_out(folds, doc_ids, owners=None) -> list[np.ndarray]:
    """Per fold, the rows its training side leaves out besides the held-out ones: the agenda
    units that belong to one of its held-out documents — an anchor example copied verbatim
    from that document (:func:`qualcode.suggest.agenda.sources`), which would otherwise
    teach the fold the held-out passage itself. ``owners``: per row, the documents it
    belongs to (empty for the units and the other agenda units); ``doc_ids``: the rows'
    documents (the held-out rows' are read)."""
    if owners is None or not any(owners):
        return [np.zeros(0, dtype=np.int64) for _ in folds]
    owned = [(i, o) for i, o in enumerate(owners) if o]
    doc_ids = np.asarray(doc_ids)
    out = []
    for test in folds:
        held = set(doc_ids[test].tolist())
        out.append(np.asarray([i for i, o in owned if o & held], dtype=np.int64))
    return out


def training_side(n: int, test: np.ndarray, leave: np.ndarray | None = None) -> np.ndarray:
    """The rows of ``n`` a fold trains on: all but its held-out rows ``test`` and the rows
    ``leave`` (its entry of :func:`left_out`)."""
    train = np.setdiff1d(np.arange(n), test)
    return train if leave is None or not len(leave) else np.setdiff1d(train, leave)


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
    """Macro-F1, top-1 and top-3 of the first code suggestion (rows with codes only).

    The macro-F1 averages over the codes that occur in the rows' gold: a code that is only
    ever suggested wrongly here costs the recall of the codes it was wrongly given for, but
    adds no F1 of 0 of its own. On a large sample of the project every known code occurs,
    and the two readings agree; on the held-out folds of a small project they do not — a
    code coded in one document occurs in no fold that knew it (see :func:`seen_in_folds`),
    and its false alarms elsewhere would pull the estimate down by 0.05–0.09 below what the
    model reaches on new documents (measured on the plenary corpus)."""
    rows = [i for i, lab in enumerate(labels) if lab]
    if not rows:
        return 0.0, 0.0, 0.0
    Q = np.where(is_code[None, :], S[rows], -np.inf)
    order = np.argsort(-Q, axis=1, kind="stable")[:, :3]
    first = order[:, 0]
    gold = [labels[i] for i in rows]
    hit = np.asarray([f in g for f, g in zip(first.tolist(), gold, strict=True)])
    top3 = np.mean([bool(set(o.tolist()) & g) for o, g in zip(order, gold, strict=True)])
    f1s = f1_per_code(first, gold)
    return float(np.mean(list(f1s.values()))), float(hit.mean()), float(top3)


def f1_per_code(first: np.ndarray, gold: list[frozenset[int]]) -> dict[int, float]:
    """F1 of each code that occurs in ``gold``, for the first suggestions ``first`` (a
    first suggestion among a unit's codes is right; a wrong one counts against the unit's
    lowest code)."""
    y_true = np.asarray(
        [f if f in g else min(g) for f, g in zip(first.tolist(), gold, strict=True)]
    )
    out = {}
    for c in np.unique(y_true).tolist():
        tp = np.sum((first == c) & (y_true == c))
        fp = np.sum((first == c) & (y_true != c))
        fn = np.sum((first != c) & (y_true == c))
        out[c] = 0.0 if tp == 0 else float(2 * tp / (2 * tp + fp + fn))
    return out


def oof_scores(
    K: np.ndarray, Y: np.ndarray, w: np.ndarray, folds: list[np.ndarray], lams, leave=None
) -> dict[float, np.ndarray]:
    """Held-out scores per ``λ``; ``leave``: per fold, rows off its training side
    (:func:`left_out`)."""
    n = len(Y)
    out = {lam: np.zeros_like(Y) for lam in lams}
    for k, test in enumerate(folds):
        train = training_side(n, test, None if leave is None else leave[k])
        if len(train) == 0:
            continue
        Ktr = K[np.ix_(train, train)]
        Kte = K[np.ix_(test, train)]
        for lam in lams:
            out[lam][test] = Kte @ ridge_dual(Ktr, Y[train], w[train], lam)
    return out


def seen_in_folds(Y: np.ndarray, labels: list[frozenset[int]], folds, always=None, leave=None):
    """Per unit: whether the fold that held it out had one of its codes on the training side
    (units with no code count as seen). A code coded in one document only cannot be learned
    when that document is held out, while the model trained on everything knows it: such
    units say nothing about new documents. ``always``: the target rows of the coding
    agenda's units, rows ``len(labels) + j`` after the units; ``leave`` (:func:`left_out`):
    per fold, those of them off its training side."""
    n = len(labels)
    seen = np.ones(n, dtype=bool)
    always = np.zeros((0, Y.shape[1])) if always is None else np.asarray(always)
    for k, test in enumerate(folds):
        train = np.setdiff1d(np.arange(n), test)
        off = np.zeros(0, dtype=np.int64) if leave is None else np.asarray(leave[k]) - n
        extra = always[np.setdiff1d(np.arange(len(always)), off)].sum(axis=0)
        known = set(np.flatnonzero(Y[train].sum(axis=0) + extra > 0).tolist())
        for i in test:
            seen[i] = not labels[i] or bool(labels[i] & known)
    return seen


def documents_of(labels: list[frozenset[int]], doc_ids) -> dict[int, set]:
    """The documents each code is coded in, among the units ``labels``."""
    out: dict[int, set] = {}
    for d, lab in zip(doc_ids, labels, strict=True):
        for c in lab:
            out.setdefault(c, set()).add(d)
    return out


def training_documents(labels: list[frozenset[int]], doc_ids: np.ndarray, folds) -> np.ndarray:
    """Per unit: how many documents coded with its codes (the mean over its codes) the fold
    that held it out had on its training side — one or more fewer than the model trained on
    every document has (see :func:`expected_f1`)."""
    doc_ids = np.asarray(doc_ids)
    docs_of = documents_of(labels, doc_ids)
    out = np.zeros(len(labels))
    for test in folds:
        held = set(doc_ids[test].tolist())
        for i in test:
            if labels[i]:
                out[i] = float(np.mean([len(docs_of[c] - held) for c in labels[i]]))
    return out


def label_index(labels: list[frozenset[int]], classes: list[int]) -> list[frozenset[int]]:
    pos = {c: j for j, c in enumerate(classes)}
    return [frozenset(pos[c] for c in lab if c in pos) for lab in labels]


def _key(weights: dict[str, float], a: float) -> tuple:
    return (*sorted((k, v) for k, v in weights.items() if v > 0), ("agenda", a))


def search(
    Ks: dict[str, np.ndarray],
    Y: np.ndarray,
    labels: list[frozenset[int]],
    is_code: np.ndarray,
    doc_ids: np.ndarray,
    agenda: np.ndarray | None = None,
    owners=None,
) -> TuneResult:
    """Choose block weights, ``λ`` and the agenda's weight by grouped cross-validation.

    ``labels`` are class indices per unit (empty for "no code" units); ``agenda`` marks the
    coding agenda's units, which come last and are never held out; ``owners``: per row the
    documents it belongs to — an agenda unit copied from a held-out document is left off
    that fold's training side (:func:`left_out`). The search grows with
    the evidence: no search below ``MIN_TUNE_UNITS`` coded passages (only the agenda's
    weight, when there is an agenda and two documents), a small one (the semantic block on
    or off, the agenda's weight, ``λ`` 1) below ``SMALL_UNITS`` or ``MIN_FULL_DOCS``
    documents, the full greedy search above; a configuration must beat the one before by
    :func:`min_gain`."""
    n = len(Y)
    agw = np.zeros(n) if agenda is None else np.asarray(agenda, dtype=np.float64)
    agenda = agw > 0
    n_real = int((~agenda).sum())
    has_agenda = bool(agenda.any())
    real_labels = labels[:n_real]
    n_coded = sum(1 for lab in real_labels if lab)
    coded_rows = [i for i, lab in enumerate(real_labels) if lab]
    n_docs = len(np.unique(doc_ids[coded_rows])) if coded_rows else 0
    folds = folds_by_document(doc_ids[:n_real]) if n_real else []
    leave = left_out(folds, doc_ids, owners)
    prior, prior_a = prior_weights(Ks, has_agenda)
    if not n_real and "heading" in Ks:  # the agenda alone (measured on the benchmark corpora)
        prior["heading"] = ZERO_SHOT_HEADING
    gain = min_gain(n_coded)
    trials: list[Trial] = []
    cache: dict[tuple, dict[float, np.ndarray]] = {}

    def run(weights: dict[str, float], a: float, lams=LAMBDAS) -> list[Trial]:
        key = _key(weights, a)
        got_lams = cache.setdefault(key, {})
        todo = [lam for lam in lams if lam not in got_lams]
        if todo:
            w = sample_weights(Y, agw, a)
            got_lams.update(oof_scores(combine(Ks, weights), Y, w, folds, todo, leave))
        got = []
        for lam in lams:
            S = got_lams[lam][:n_real]
            t = Trial(dict(weights), lam, False, *evaluate(S, real_labels, is_code), a)
            trials.append(t)
            got.append(t)
        return got

    def best(ts: list[Trial]) -> Trial:
        return max(ts, key=lambda t: (round(t.macro_f1, 4), round(t.top1, 4), -abs(np.log(t.lam))))

    def result(t: Trial, tuned: bool, reason: str, baseline: Trial | None = None) -> TuneResult:
        a = float(t.agenda)
        oof = cache.get(_key(t.weights, a), {}).get(t.lam)
        return TuneResult(
            t.weights,
            t.lam,
            False,
            tuned=tuned,
            reason=reason,
            chosen=t if trials else None,
            baseline=baseline,
            trials=trials,
            oof=oof,
            folds=folds,
            agenda_weight=a,
        )

    too_few = (
        f"too few codings to tune ({n_coded} coded passages in {n_docs} documents; "
        f"tuning starts at {MIN_TUNE_UNITS} in {MIN_TUNE_DOCS})"
    )
    if n_coded < MIN_TUNE_UNITS or n_docs < MIN_TUNE_DOCS:
        if not has_agenda or n_docs < 2:
            t0 = Trial(dict(prior), BASELINE_LAMBDA, False, 0.0, 0.0, 0.0, prior_a)
            what = (
                "the plain text configuration" if prior == BASELINE else "the prior configuration"
            )
            res = result(t0, False, f"{too_few}: {what}")
            res.chosen = None
            return res
        # only the agenda's weight is chosen
        cands = [run(prior, a, (BASELINE_LAMBDA,))[0] for a in AGENDA_WEIGHTS]
        current = next(t for t in cands if t.agenda == prior_a)
        for t in cands:
            if t.macro_f1 > current.macro_f1 + gain:
                current = t
        return result(current, True, f"{too_few}: the agenda's weight chosen by cross-validation")

    baseline = best([t for t in run(dict(BASELINE), 0.0) if t.lam == BASELINE_LAMBDA])
    small = n_coded < SMALL_UNITS or n_docs < MIN_FULL_DOCS
    if small:
        current = run(prior, prior_a, (BASELINE_LAMBDA,))[0]
        # one step at a time, each from the configuration the steps before chose
        steps: list[list[tuple[str, float]]] = []
        if "semantic" in Ks:
            steps.append([("semantic", 0.0)])
        if has_agenda:
            steps.append([("agenda", a) for a in AGENDA_WEIGHTS if a != prior_a])
        for b, wt in (("heading", 0.5), ("position", 0.25)):
            if b in Ks:
                steps.append([(b, wt)])
        for step in steps:
            base = current
            for b, wt in step:
                weights = dict(base.weights) if b == "agenda" else {**base.weights, b: wt}
                a = wt if b == "agenda" else base.agenda
                cand = run(weights, a, (BASELINE_LAMBDA,))[0]
                if cand.macro_f1 > current.macro_f1 + gain:
                    current = cand
        return result(
            current,
            True,
            f"a small search ({n_coded} coded passages in {n_docs} documents): "
            "the prior configuration unless cross-validation grouped by document finds better",
            baseline,
        )

    a_now = prior_a
    current = best(run(dict(BASELINE), a_now))
    for opt in TEXT_OPTIONS[1:]:
        cand = best(run(dict(opt), a_now))
        if cand.macro_f1 > current.macro_f1 + gain:
            current = cand

    def tune_agenda(current: Trial) -> Trial:
        for a in AGENDA_WEIGHTS:
            cand = best(run(current.weights, a))
            if cand.macro_f1 > current.macro_f1 + gain:
                current = cand
        return current

    if has_agenda:
        current = tune_agenda(current)
    remaining = [b for b in STRUCT_WEIGHTS if b in Ks]
    while remaining:
        found = None
        for b in remaining:
            for wt in STRUCT_WEIGHTS[b]:
                cand = best(run({**current.weights, b: wt}, current.agenda))
                if cand.macro_f1 > current.macro_f1 + gain and (
                    found is None or cand.macro_f1 > found[1].macro_f1
                ):
                    found = (b, cand)
        if found is None:
            break
        remaining.remove(found[0])
        current = found[1]
    if has_agenda:
        current = tune_agenda(current)
    return result(current, True, "chosen by cross-validation grouped by document", baseline)


def fit_predict(
    Ks: dict[str, np.ndarray],
    Y: np.ndarray,
    agenda: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    res: TuneResult,
) -> np.ndarray:
    """Scores of the rows ``test`` by the configuration ``res`` fitted on the rows ``train``."""
    K = combine(Ks, res.weights)
    w = sample_weights(Y[train], agenda[train], res.agenda_weight)
    return K[np.ix_(test, train)] @ ridge_dual(K[np.ix_(train, train)], Y[train], w, res.lam)


def nested(
    Ks: dict[str, np.ndarray],
    Y: np.ndarray,
    labels: list[frozenset[int]],
    is_code: np.ndarray,
    doc_ids: np.ndarray,
    agenda: np.ndarray | None = None,
    owners=None,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray] | None:
    """Nested cross-validation: for each outer fold (whole documents) the search runs on the
    other documents alone and its choice scores the fold. Returns the held-out scores of
    every unit that is not an agenda unit — what the search's choice reaches on documents it
    did not see, the search included —, the outer folds, which units' codes the fold's
    training side had (a code coded in one document only cannot be learned when that
    document is held out, but the final model knows it: such units say nothing about new
    documents) and how many documents of them it had (:func:`training_documents`); None
    below two documents. ``owners`` as in :func:`search`: an agenda unit copied from an
    outer fold's document is on neither side of that fold's search."""
    n = len(Y)
    agw = np.zeros(n) if agenda is None else np.asarray(agenda, dtype=np.float64)
    agenda = agw > 0
    n_real = int((~agenda).sum())
    if len(np.unique(doc_ids[:n_real])) < 2:
        return None
    folds = folds_by_document(doc_ids[:n_real], seed=1)
    leave = left_out(folds, doc_ids, owners)
    S = np.zeros((n_real, Y.shape[1]))
    for test, off in zip(folds, leave, strict=True):
        inner = np.concatenate(
            [np.setdiff1d(np.arange(n_real), test), np.setdiff1d(np.flatnonzero(agenda), off)]
        )
        sub = {b: K[np.ix_(inner, inner)] for b, K in Ks.items()}
        own = None if owners is None else [owners[i] for i in inner]
        res = search(
            sub, Y[inner], [labels[i] for i in inner], is_code, doc_ids[inner], agw[inner], own
        )
        S[test] = fit_predict(Ks, Y, agw, inner, test, res)
    seen = seen_in_folds(Y[:n_real], labels[:n_real], folds, Y[agenda], leave)
    return S, folds, seen, training_documents(labels[:n_real], doc_ids[:n_real], folds)


def _document_curve(trained: np.ndarray, right: np.ndarray):
    """How often the first code is right, as a non-decreasing function of how many documents
    of the unit's code the training side had (isotonic, over the project's held-out units)."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(trained, right)

    def g(m) -> np.ndarray:
        return np.maximum(iso.predict(np.atleast_1d(np.asarray(m, dtype=np.float64))), 1e-3)

    return g


def _more_documents(r: np.ndarray | float) -> np.ndarray | float:
    """A code's F1 when its recall grows ``r``-fold and its precision stays (with precision
    and recall alike, F1 = 2PR/(P+R) grows 2r/(1+r)-fold)."""
    return 2 * r / (1 + r)


def expected_f1(
    S: np.ndarray,
    labels: list[frozenset[int]],
    is_code: np.ndarray,
    doc_ids: np.ndarray,
    seen: np.ndarray | None = None,
    trained: np.ndarray | None = None,
) -> float:
    """The macro-F1 over every code of the project that held-out scores ``S`` predict for
    new documents. Each code's F1 comes from its held-out units that the fold could know
    (``seen``, see :func:`seen_in_folds`); a code that no fold could know — coded in one
    document only — gets the mean F1 of the codes coded in the fewest documents, which
    were held out with as little left to learn from as the final model has for it. Each
    code's F1 leans towards the codes' mean with the weight of :data:`PRIOR_UNITS` held-out
    passages (empirical Bayes): a rare code's few held-out passages are mostly noise, and
    on the small-project draws of question time the unshrunk figure was 0.06 too low on
    average (0.292 against 0.353), shrunk 0.01 (0.341).

    ``trained`` (:func:`training_documents`): a held-out unit's code was learned from one
    or more documents fewer than the final model has — on a small project, the difference
    between 1 and 2 documents of a code, or 2 and 3. With it, each code's F1 is carried
    along the project's own learning curve (:func:`_document_curve`: how often the first
    code is right by the documents its code had) from where the folds measured it to the
    documents the final model has. On the small-project draws of the plenary corpus the
    figure was 0.046 too low on average and missed by 0.061; carried, 0.021 and 0.051
    (question time 0.069 → 0.060, the demo 0.045 → 0.040; issue 25)."""
    seen = np.ones(len(labels), dtype=bool) if seen is None else np.asarray(seen)
    rows = [i for i, lab in enumerate(labels) if lab]
    if not rows:
        return 0.0
    docs_of = documents_of(labels, doc_ids)
    ev = [i for i in rows if seen[i]]
    f1: dict[int, float] = {}
    if ev:
        first = np.where(is_code[None, :], S[ev], -np.inf).argmax(axis=1)
        gold = [labels[i] for i in ev]
        f1 = f1_per_code(first, gold)
    if not f1:
        return 0.0
    g = None
    if trained is not None:
        m = np.asarray(trained, dtype=np.float64)[ev]
        if len(np.unique(m)) >= 2:
            right = np.asarray([float(j in lab) for j, lab in zip(first, gold, strict=True)])
            g = _document_curve(m, right)
            total: dict[int, float] = {}
            count: dict[int, int] = {}
            for k, lab in enumerate(gold):
                for c in lab:
                    total[c] = total.get(c, 0.0) + m[k]
                    count[c] = count.get(c, 0) + 1
            cs = list(f1)
            r = g([len(docs_of[c]) for c in cs]) / g([total[c] / count[c] for c in cs])
            for c, v in zip(cs, _more_documents(r), strict=True):
                f1[c] = min(1.0, f1[c] * float(v))
    # a rare code's F1 from its few held-out passages is mostly noise (and an F1 of 0 where
    # 4 passages missed is likely even when it would be right one time in three): each
    # code's figure leans towards the codes' mean, with the weight of PRIOR_UNITS passages
    units = {c: sum(1 for g in gold if c in g) for c in f1}
    pool = float(np.mean(list(f1.values())))
    f1 = {c: (units[c] * v + PRIOR_UNITS * pool) / (units[c] + PRIOR_UNITS) for c, v in f1.items()}
    fewest = min(len(docs_of[c]) for c in f1)
    stand_in = float(np.mean([v for c, v in f1.items() if len(docs_of[c]) == fewest]))

    def stand(n_docs: int) -> float:
        # a code no fold knew has fewer documents than those codes: along the curve, down to its own
        if g is None:
            return stand_in
        return min(1.0, stand_in * float(_more_documents(g(n_docs)[0] / g(fewest)[0])))

    return float(np.mean([f1[c] if c in f1 else stand(len(d)) for c, d in docs_of.items()]))


def bootstrap_interval(
    S: np.ndarray,
    labels: list[frozenset[int]],
    is_code: np.ndarray,
    doc_ids: np.ndarray,
    level: float = 0.9,
    rounds: int = BOOTSTRAP,
    seen: np.ndarray | None = None,
    trained: np.ndarray | None = None,
) -> tuple[float, float]:
    """An interval of :func:`expected_f1` of held-out scores ``S``: whole documents
    resampled, widened by :data:`INTERVAL_WIDEN`."""
    docs = np.unique(doc_ids)
    seen = np.ones(len(labels), dtype=bool) if seen is None else np.asarray(seen)
    rows_of = {d: np.flatnonzero(doc_ids == d) for d in docs}
    rng = np.random.default_rng(0)
    vals = []
    for _ in range(rounds):
        pick = rng.choice(docs, len(docs), replace=True)
        rows = np.concatenate([rows_of[d] for d in pick])
        # a document drawn twice counts as two documents
        dup = np.concatenate([np.full(len(rows_of[d]), k) for k, d in enumerate(pick)])
        tr = None if trained is None else np.asarray(trained)[rows]
        vals.append(expected_f1(S[rows], [labels[i] for i in rows], is_code, dup, seen[rows], tr))
    lo, hi = np.quantile(vals, [(1 - level) / 2, 1 - (1 - level) / 2])
    mid = expected_f1(S, labels, is_code, doc_ids, seen, trained)
    lo, hi = min(lo, mid), max(hi, mid)
    return max(0.0, mid - INTERVAL_WIDEN * (mid - lo)), min(1.0, mid + INTERVAL_WIDEN * (hi - mid))


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
    Z: np.ndarray, S1: np.ndarray, Y, w, folds, labels, is_code, leave=None
) -> tuple[np.ndarray, float] | None:
    """Held-out scores of the sequence stage (a correction of the first stage's held-out
    scores ``S1`` from the features ``Z``) and its best ``λ``; ``leave`` as in
    :func:`oof_scores`."""
    n = len(Y)
    best = None
    for lam in SEQ_LAMBDAS:
        S = np.zeros_like(Y)
        for k, test in enumerate(folds):
            train = training_side(n, test, None if leave is None else leave[k])
            if len(train) == 0:
                return None
            B = ridge_primal(Z[train], Y[train] - S1[train], w[train], lam)
            S[test] = S1[test] + apply_primal(Z[test], B)
        f1 = evaluate(S, labels, is_code)[0]
        if best is None or f1 > best[0]:
            best = (f1, S, lam)
    assert best is not None
    return best[1], best[2]
