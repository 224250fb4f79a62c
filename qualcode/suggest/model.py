"""The code classifier: learns from the human codings, tunes itself, scores any span.

Training units are the coded spans (coder ``auto``, orphaned codings and codes that are
not codable left out), one row per span with all its codes. Passages marked "not
relevant" and uncoded paragraphs that a coder has evidently read — in a document coded in
reading order (two codings at least), before the last coding, or anywhere in one coded
into its last third — are
added as a "no code" class, so that boilerplate ("Frau X begrüßt die Anwesenden") scores
low for every code.

The classifier is a kernel ridge classifier over weighted feature blocks
(:mod:`qualcode.suggest.blocks`), configured per project by grouped cross-validation
(:mod:`qualcode.suggest.tune`); with too few codings it uses the plain text
configuration. A second, optional **sequence stage** reads the first stage's scores of the
paragraphs just before and after a passage (or their codes, where a coder coded them):
consecutive passages of a protocol tend to belong to one category. It is kept only when
cross-validation says it helps. Scores are calibrated (:mod:`qualcode.suggest.calibrate`).

For big projects the training units are a deterministic sample: every code keeps its
examples up to an equal share of ``MAX_UNITS``; the search runs on at most ``MAX_TUNE``.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlmodel import Session

from qualcode.config import AUTO_CODER
from qualcode.errors import QualcodeError
from qualcode.models import Code, Coder, Coding
from qualcode.suggest import agenda as agenda_mod
from qualcode.suggest import calibrate, tune
from qualcode.suggest.blocks import SEMANTIC_DIM, Featurizer
from qualcode.suggest.layout import load_layouts
from qualcode.suggest.scoring import (  # noqa: F401 (re-exported)
    MODEL_VERSION,
    NONE,
    REST,
    Coded,
    CodeModel,
    Spans,
    _first_stage,
    _log_examples,
    _seq_features,
    _with_rest,
    calibrated,
    score_spans,
    semantic_vectors,
    single_thread,
    top_k,
)

SEED = 0
MAX_UNITS = 1500  # coded passages; with the 'no code' paragraphs at most 2,000 units
MAX_NONE = 500
MAX_TUNE = 1000


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


def codings_hash(session: Session, doc_hash: str, semantic: str = "off") -> str:
    """What the model depends on: documents, the human codings, the code tree, the coders.

    Codings by ``auto`` are left out, so applying suggestions does not retrain the model.
    On SQLite (:mod:`qualcode.suggest.fingerprint`) and PostgreSQL the rows are folded into
    one aggregated value by the database (fetching 50,000 rows to hash them would cost more
    than the warm query it protects)."""
    from sqlalchemy import text

    from qualcode.suggest import agenda

    h = hashlib.sha256(f"{doc_hash};model={MODEL_VERSION};semantic={semantic}".encode())
    conn = session.connection()
    h.update(agenda.fingerprint(agenda.rows(conn)).encode())  # the coding agenda
    dialect = conn.dialect.name
    if dialect == "sqlite":
        from qualcode.suggest.fingerprint import sqlite_codings

        part = sqlite_codings(lambda sql, params: conn.execute(text(sql), params).fetchone())
        h.update(part.encode())
        return h.hexdigest()
    rows = (
        'SELECT c.id, c.document_id, c.start, c."end", c.code_id, c.coder_id, c.orphaned '
        "FROM coding c JOIN coder k ON k.id = c.coder_id WHERE k.name != :auto"
    )
    codes = "SELECT id, parent_id, codable FROM code"
    agg = {
        "postgresql": "SELECT string_agg(v, '|' ORDER BY v) FROM (SELECT {cols} AS v FROM ({q}) t) u",
    }.get(dialect)
    if agg is not None:
        sep = " || ',' || "
        cast = "CAST({} AS TEXT)" if dialect == "postgresql" else "{}"
        cols_c = sep.join(
            cast.format(f"COALESCE(CAST({c} AS TEXT), '')")
            for c in ("id", "document_id", "start", '"end"', "code_id", "coder_id", "orphaned")
        )
        cols_k = sep.join(
            cast.format(f"COALESCE(CAST({c} AS TEXT), '')") for c in ("id", "parent_id", "codable")
        )
        for q, cols in ((rows, cols_c), (codes, cols_k)):
            sub = q
            h.update(
                (
                    conn.execute(text(agg.format(cols=cols, q=sub)), {"auto": AUTO_CODER}).scalar()
                    or ""
                ).encode()
            )
        return h.hexdigest()
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
    return h.hexdigest()


# --- the model ---------------------------------------------------------------------------


def _none_paragraphs(layouts, spans_by_doc: dict[int, list[tuple[int, int]]], linear=None):
    """Uncoded content paragraphs a coder has evidently read (see the module docstring):
    only in the documents ``linear`` names (None: all), those read from start to end."""
    out = []
    for d, covered in spans_by_doc.items():
        lay = layouts.get(d)
        if lay is None or (linear is not None and d not in linear):
            continue
        end = max(e for _, e in covered)
        if end >= 2 / 3 * len(lay.text):
            end = len(lay.text) + 1
        for i in lay.content:
            s, e = lay.starts[i], lay.ends[i]
            if s >= end or len(lay.text[s:e].split()) < 2:
                continue
            if any(cs < e and ce > s for cs, ce in covered):
                continue
            out.append((d, s, e))
    return out


IN_ORDER = 0.75  # share of a document's codings made further on than the one before


def _read_in_order(session: Session, doc_ids: set[int]) -> set[int]:
    """The documents whose human codings were made in reading order (each further on than
    the one before, mostly; imported codings count as made in their order): there an
    uncoded paragraph before the last coding was read and passed over. A researcher who
    follows `qualcode next` jumps about the document, and the paragraphs between the
    passages shown were not read — only the passages marked "not relevant" say "no code".
    One coding shows no order at all: a passage coded from the workbench's `N` (the
    engine's next) in the last third of a document made every other paragraph of it "no
    code", and the held-out suggestions for them wrong."""
    from sqlalchemy import text

    rows = session.connection().execute(
        text(
            "SELECT c.document_id, c.start FROM coding c JOIN coder k ON k.id = c.coder_id "
            "WHERE k.name != :auto ORDER BY c.id"
        ),
        {"auto": AUTO_CODER},
    )
    seq: dict[int, list[int]] = {}
    for d, s in rows:
        if d in doc_ids:
            seq.setdefault(d, []).append(s)
    out = set(doc_ids) - set(seq)
    for d, starts in seq.items():
        steps = len(starts) - 1
        forward = sum(b >= a for a, b in zip(starts, starts[1:], strict=False))
        if steps >= 1 and forward >= IN_ORDER * steps:
            out.add(d)
    return out


def _sample(keys, labels, limit: int) -> list[int]:
    """Indices to keep: every code keeps its examples up to an equal share (deterministic)."""
    if len(keys) <= limit:
        return list(range(len(keys)))
    rng = np.random.default_rng(SEED)
    rank = np.full(len(keys), np.inf)
    by_code: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        for c in lab or (NONE,):
            by_code.setdefault(c, []).append(i)
    for members in by_code.values():
        order = rng.permutation(len(members))
        for r, k in enumerate(order):
            rank[members[k]] = min(rank[members[k]], r)
    keep = np.lexsort((np.arange(len(keys)), rank))[:limit]
    return sorted(keep.tolist())


def _targets(labels: list[frozenset[int]], classes: list[int]) -> np.ndarray:
    pos = {c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(labels), len(classes)))
    for i, lab in enumerate(labels):
        cols = [pos[c] for c in lab if c in pos] or [pos[NONE]]
        Y[i, cols] = 1.0 / len(cols)
    return Y


def _product(A: sp.csr_matrix, B: sp.csr_matrix) -> np.ndarray:
    """``A @ B.T`` as a dense float64 array. A kernel between passages is dense, and a
    sparse × sparse product that fills every cell costs 2–3× a sparse × dense product on
    column blocks of ``B`` (a block stays under 64 MB whatever the vocabulary)."""
    if isinstance(A, np.ndarray):  # a dense block (semantic): one BLAS product
        return np.asarray(A @ np.asarray(B).T, dtype=np.float64)
    out = np.empty((A.shape[0], B.shape[0]), dtype=np.float64)
    step = int(max(16, min(1024, (64 << 20) // (4 * max(1, B.shape[1])))))
    for i in range(0, B.shape[0], step):
        out[:, i : i + step] = A @ B[i : i + step].toarray().T
    return out


def _gram(X: dict[str, sp.csr_matrix], rows=None, cols=None) -> dict[str, np.ndarray]:
    out = {}
    for b, m in X.items():
        out[b] = _product(m if rows is None else m[rows], m if cols is None else m[cols])
    return out


def _cross(A: dict[str, sp.csr_matrix], B: dict[str, sp.csr_matrix], weights) -> np.ndarray:
    out = None
    for b, wt in weights.items():
        if wt > 0 and b in A:
            k = _product(A[b], B[b])
            k *= wt
            if out is None:
                out = k
            else:
                out += k
    assert out is not None
    return out


@single_thread
def train(
    session: Session,
    content_hash: str = "",
    codings=None,
    prior: dict | None = None,
    negatives: list[tuple[int, int, int]] | None = None,
    agenda: agenda_mod.Agenda | None = None,
    self_train: bool = True,
    fixed: tune.TuneResult | None = None,
) -> CodeModel:
    """Train on the human codings (or ``codings``). ``negatives``: the passages known to
    carry no code, instead of those guessed from reading order. ``prior`` is the explanation of the
    last model: its tuned configuration is reused (no search) while the coded passages have
    grown by less than a quarter since it was tuned — so the model follows each new coding
    in a fraction of a second, and is re-tuned as the material grows. ``agenda``: the coding
    agenda's units (default: the project's, :mod:`qualcode.suggest.agenda`); with no codings
    the model is the agenda's (self-trained unless ``self_train`` is false), with few it
    brings its best-fitting passages as weighted agenda units. ``fixed``: a configuration to
    use without a search."""
    t0 = time.perf_counter()
    from_db = codings is None
    codings = human_codings(session) if codings is None else codings
    # passages a coder marked "not relevant" are explicit "no code" examples, not a code
    nr = _not_relevant_id(session)
    marked = sorted({(d, s, e) for d, s, e, c in codings if c == nr})
    codings = [row for row in codings if row[3] != nr]
    ag = agenda_mod.load(session) if agenda is None else agenda
    if not codings and not len(ag):
        raise QualcodeError(
            "nothing to learn from yet: the project has no codings by a human coder "
            "and no coding agenda",
            "code a few passages per code first (`qualcode code …` or the workbench), or write "
            "the codes' definitions (`qualcode codes edit CODE --definition …`), then ask again",
        )
    if not codings and self_train and not marked and PSEUDO_PER_CODE:
        return _self_trained(session, content_hash, ag)
    spans: dict[tuple[int, int, int], set[int]] = {}
    for d, s, e, c in codings:
        spans.setdefault((d, s, e), set()).add(c)
    keys = sorted(spans)
    labels = [frozenset(spans[k]) for k in keys]
    n_examples: dict[int, int] = {}
    for lab in labels:
        for c in lab:
            n_examples[c] = n_examples.get(c, 0) + 1
    n_defined = len(ag)
    if len(ag) and self_train and len(keys) < PSEUDO_UNTIL * len(ag.code_ids):
        ag = _with_pseudo(session, content_hash, ag, keys)
    keep = _sample(keys, labels, MAX_UNITS)
    keys, labels = [keys[i] for i in keep], [labels[i] for i in keep]
    layouts = load_layouts(session, {d for d, _, _ in keys} | {d for d, _, _ in marked})
    keys_ok = [i for i, k in enumerate(keys) if k[0] in layouts]
    keys, labels = [keys[i] for i in keys_ok], [labels[i] for i in keys_ok]
    covered: dict[int, list[tuple[int, int]]] = {}
    for d, s, e in keys:
        covered.setdefault(d, []).append((s, e))
    marked = [k for k in marked if k[0] in layouts]
    for d, s, e in marked:
        covered.setdefault(d, []).append((s, e))
    marked_set = set(marked)
    if negatives is not None:
        layouts.update(load_layouts(session, {d for d, _, _ in negatives} - set(layouts)))
        guessed = [k for k in negatives if k[0] in layouts and k not in marked_set]
    else:
        linear = _read_in_order(session, set(covered)) if from_db else None
        guessed = [k for k in _none_paragraphs(layouts, covered, linear) if k not in marked_set]
    neg_all = marked + guessed
    cap = max(10, min(len(keys), MAX_NONE))
    neg = neg_all
    if len(neg) > cap:  # the marks first, then a sample of the guessed ones
        rng = np.random.default_rng(SEED)
        rest = neg_all[len(marked) :]
        take = max(0, cap - len(marked))
        neg = marked[:cap] + [
            rest[i] for i in sorted(rng.choice(len(rest), min(take, len(rest)), replace=False))
        ]
    if len(neg) < 2 or not keys:  # too few to learn a "no code" class from
        neg = []
    none_weight = len(neg_all) / max(1, len(neg))
    codes = sorted(set(n_examples) | set(ag.codes))
    classes = codes + ([NONE] if neg else [])
    real_keys = keys + neg
    n_real = len(real_keys)
    all_labels = labels + [frozenset()] * len(neg) + [frozenset({c}) for c in ag.codes]
    ag_w = np.zeros(len(all_labels))  # 0 for the units, each agenda unit's own weight
    ag_w[n_real:] = ag.weights
    is_agenda = ag_w > 0
    units = Spans.of(layouts, real_keys)
    texts = units.texts + ag.texts
    contexts = units.contexts + ag.contexts
    relpos = np.concatenate([units.relpos, np.full(len(ag), 0.5, dtype=np.float32)])
    store, sem_state = semantic_store(session)
    sem = None
    if store is not None:
        sem, n_missing = (
            semantic_vectors(store, layouts, real_keys, units.texts)
            if n_real
            else (np.zeros((0, SEMANTIC_DIM), np.float32), 0)
        )
        if n_missing > SEMANTIC_MAX_MISSING * max(1, n_real):
            sem, sem_state = None, f"not used: {n_missing} training passages not embedded yet"
        elif len(ag):
            sem = np.vstack([sem, agenda_vectors(store, ag.texts)])
    feat = Featurizer()
    X = feat.fit_transform(texts, contexts, relpos, semantic=sem)
    if len(ag):  # an agenda unit has no place in a document
        X["position"] = sp.diags((~is_agenda).astype(np.float32)) @ X["position"]
        X["position"] = X["position"].tocsr()
    Y = _targets(all_labels, classes)
    is_code = np.asarray([c != NONE for c in classes])
    lab_idx = tune.label_index(all_labels, classes)
    doc_ids = np.asarray([d for d, _, _ in real_keys] + [-1] * len(ag), dtype=np.int64)
    # the documents an agenda unit was copied from: off the training side of their folds
    owners = [frozenset[int]()] * n_real + list(ag.docs)
    # the search runs on a sample of at most MAX_TUNE units (and every agenda unit)
    tune_rows = np.concatenate(
        [
            np.asarray(_sample(real_keys, all_labels[:n_real], MAX_TUNE), dtype=np.int64),
            np.arange(n_real, len(all_labels), dtype=np.int64),
        ]
    )
    reuse = fixed if fixed is not None else _reusable(prior, len(keys), set(X), len(ag) > 0)
    expected = None
    if reuse is not None:
        res = reuse
        if prior and prior.get("expected"):
            expected = {**prior["expected"], "scores": None, "rows": None}
    else:
        Xt = {b: m[tune_rows] for b, m in X.items()}
        Kt = _gram(Xt)
        tune_args = (
            Y[tune_rows],
            [lab_idx[i] for i in tune_rows],
            is_code,
            doc_ids[tune_rows],
            ag_w[tune_rows],
        )
        own_t = [owners[i] for i in tune_rows]
        res = tune.search(Kt, *tune_args, owners=own_t)
        res.tuned_on = len(keys)  # type: ignore[attr-defined]
        if n_real and int((~is_agenda[tune_rows]).sum()) <= tune.NESTED_MAX:
            got = tune.nested(Kt, *tune_args, owners=own_t)
            if got is not None:
                expected = _expected(got[0], tune_args, "nested", got[2], got[3])
                if expected is not None:  # the real units come first in tune_rows
                    expected["rows"] = tune_rows[: len(got[0])]
    weights = {b: w for b, w in res.weights.items() if w > 0 and b in X}
    a_w = float(res.agenda_weight) if len(ag) else 0.0
    # held-out scores of the chosen configuration on every unit: for the sequence stage and
    # the calibration (a sample's scores would be less confident than the final model's)
    K = _cross(X, X, weights)
    w_all = tune.sample_weights(Y, ag_w, a_w)
    folds = tune.folds_by_document(doc_ids[:n_real]) if n_real else []
    leave = tune.left_out(folds, doc_ids, owners)
    n_docs = len(np.unique(doc_ids[:n_real]))
    oof = tune.oof_scores(K, Y, w_all, folds, [res.lam], leave)[res.lam] if n_docs >= 2 else None
    if oof is not None:
        oof = oof[:n_real]
        if expected is None:
            rows = np.arange(n_real)
            expected = _expected(
                oof,
                (Y[rows], [lab_idx[i] for i in rows], is_code, doc_ids[rows], ag_w[rows]),
                "cross-validation" if not res.tuned else "cross-validation (search not nested)",
                tune.seen_in_folds(Y[:n_real], lab_idx[:n_real], folds, Y[is_agenda], leave),
                tune.training_documents(lab_idx[:n_real], doc_ids[:n_real], folds),
            )
    seq_B, sequence_cv = None, None
    cal_rows = np.arange(n_real)  # the units the calibration is fitted on
    cal_oof = oof
    if expected is not None:
        scores, rows_n = expected.pop("scores", None), expected.pop("rows", None)
        if scores is not None and rows_n is not None:
            cal_oof, cal_rows = scores, rows_n
    if res.tuned and oof is not None and a_w == 0 and (reuse is None or reuse.sequence):
        # judged on the search's sample: the neighbours' kernel is the costly part
        sub = tune_rows[tune_rows < n_real]
        Xr = {b: m[:n_real] for b, m in X.items()}
        Kr = K[:n_real, :n_real]
        Yr = Y[:n_real]
        if len(sub) < n_real:
            Ys = Yr[sub]
            sub_folds = tune.folds_by_document(doc_ids[sub])
            Ks = Kr[np.ix_(sub, sub)]
            sub_oof = tune.oof_scores(Ks, Ys, tune.sample_weights(Ys), sub_folds, [res.lam])[
                res.lam
            ]
        else:
            Ys, sub_folds, Ks, sub_oof = Yr, folds, Kr, oof
        seq = _sequence_stage(
            layouts,
            feat,
            {b: m[sub] for b, m in Xr.items()},
            Ks,
            weights,
            res.lam,
            sub_folds,
            sub_oof,
            [real_keys[i] for i in sub],
            Ys,
            [lab_idx[i] for i in sub],
            is_code,
            store if sem is not None else None,
        )
        if seq is not None:
            seq_B, S2, sequence_cv = seq
            if seq_B is not None:
                cal_oof, cal_rows = S2, sub
    # final first stage on every training unit
    alpha = tune.ridge_dual(K, Y, w_all, res.lam)
    W = {
        b: np.asarray(X[b].T @ alpha, dtype=np.float32) * np.float32(wt)
        for b, wt in weights.items()
    }
    # calibration on the held-out scores (not for self-training's examples: see _self_trained)
    T, platt, iso = 1.0, None, None
    platt_prior = False
    calibrating = cal_oof is not None and not (fixed is not None and not self_train)
    if calibrating:
        row_w = np.where(np.asarray([bool(all_labels[i]) for i in cal_rows]), 1.0, none_weight)
        S_cal, is_code_cal = _with_rest(cal_oof, classes)
        Y_cal = np.hstack([Y[cal_rows], np.zeros((len(cal_rows), S_cal.shape[1] - Y.shape[1]))])
        T = calibrate.fit_temperature(S_cal, Y_cal, row_w)
        log_n = _log_examples(classes, n_examples, S_cal.shape[1])
        platt = calibrate.fit_platt(
            calibrate.softmax(S_cal, T),
            [lab_idx[i] for i in cal_rows],
            is_code_cal,
            log_n,
            row_w,
            S_cal,
        )
        if platt is None:  # too little held-out evidence to trust a sharp softmax
            T = max(T, calibrate.UNCALIBRATED_MIN_T)
            platt_prior = True
        else:
            P_cal = calibrate.apply_platt(
                platt, calibrate.softmax(S_cal, T), is_code_cal, log_n, S_cal
            )
            iso = calibrate.fit_isotonic(P_cal, [lab_idx[i] for i in cal_rows], is_code_cal, row_w)
    elif not n_real:  # the agenda alone: no held-out evidence at all
        T, platt_prior = calibrate.ZERO_SHOT_T, True
    else:
        T, platt_prior = calibrate.UNCALIBRATED_MIN_T, True
    calibration = "project" if platt is not None else "prior"
    if platt is None and platt_prior:  # the prior maps: see calibrate.PRIOR_PLATT
        platt = calibrate.PRIOR_PLATT if n_real else calibrate.ZERO_SHOT_PLATT
    model = CodeModel(
        content_hash=content_hash,
        classes=classes,
        featurizer=feat,
        weights=weights,
        W=W,
        seq_B=seq_B,
        temperature=T,
        platt=platt,
        n_examples=n_examples,
        isotonic=iso,
    )
    if not n_real:
        model.zero_shot = True  # type: ignore[attr-defined]
    if calibrating:  # the same held-out passages: what `--apply` may write
        model.apply_bounds = _apply_bounds(
            model, cal_oof, [lab_idx[i] for i in cal_rows], doc_ids[cal_rows], row_w
        )
    # what `--apply --min-score` writes: from which score the held-out documents bear it out
    apply_levels = [{"min_score": m, "from_score": model.apply_from(m)} for m in (0.8, 0.9, 0.95)]
    model.explain = _plain(
        {
            "version": MODEL_VERSION,
            "tuned": res.tuned,
            "reason": res.reason if n_real else "no codings yet: the coding agenda alone",
            "blocks": weights,
            "lambda": res.lam,
            "tuned_on": getattr(res, "tuned_on", len(keys)),
            "sequence": seq_B is not None,
            "calibrated": calibration == "project",
            "calibration": calibration,
            "semantic": {"available": sem is not None, "state": sem_state},
            "agenda": {
                "units": n_defined,
                "codes": len(ag.code_ids),
                "weight": a_w,
                "passages": len(ag) - n_defined,
            },
            "expected": expected,
            "apply": apply_levels if model.apply_bounds is not None else None,
            "cross_validation": {
                "folds": len(folds),
                "units": int(len(tune_rows)),
                "held_out_units": int(n_real) if oof is not None else 0,
                "chosen": (res.chosen.as_dict() if res.chosen else None),
                "plain_text": (res.baseline.as_dict() if res.baseline else None),
                "sequence_stage": sequence_cv,
                "configurations_tried": len(res.trials) or getattr(res, "trials_count", 0),
            },
            "training": {
                "coded_passages": len(keys),
                "no_code_passages": len(neg),
                "codes": len(codes),
                "sampled": len(spans) > len(keys),
                "seconds": round(time.perf_counter() - t0, 2),
            },
        }
    )
    return model


PSEUDO_PER_CODE = 15  # zero-shot self-training: the passages the agenda fits best, per code
PSEUDO_SAMPLE = 2000  # paragraphs of the project the agenda-only model scores for them
PSEUDO_DOCS = 300


def _project_sample(session: Session):
    """A deterministic sample of the project's content paragraphs and their layouts."""
    from qualcode.models import Document

    ids = [d for (d,) in session.connection().execute(select(Document.id).order_by(Document.id))]
    rng = np.random.default_rng(SEED)
    if len(ids) > PSEUDO_DOCS:
        ids = sorted(rng.choice(ids, PSEUDO_DOCS, replace=False).tolist())
    layouts = load_layouts(session, ids)
    keys = []
    for d in sorted(layouts):
        lay = layouts[d]
        for i in lay.content:
            s, e = lay.starts[i], lay.ends[i]
            if len(lay.text[s:e].split()) >= 3:
                keys.append((d, s, e))
    if len(keys) > PSEUDO_SAMPLE:
        keys = [keys[i] for i in sorted(rng.choice(len(keys), PSEUDO_SAMPLE, replace=False))]
    return layouts, keys


PSEUDO_UNTIL = 0  # codings per agenda code below which the agenda brings its examples
PSEUDO_WEIGHT = 0.2  # each such example's weight, as a share of the agenda's


def _pseudo_examples(session: Session, content_hash: str, ag, skip=()):
    """The agenda-only model scores a sample of the project's paragraphs (not those in
    ``skip``); per code the ``PSEUDO_PER_CODE`` it fits best (each first for that code):
    ``[(key, code)]`` and the layouts they come from."""
    base = train(session, content_hash, codings=[], negatives=[], agenda=ag, self_train=False)
    layouts, keys = _project_sample(session)
    busy: dict[int, list[tuple[int, int]]] = {}
    for d, s, e in skip:
        busy.setdefault(d, []).append((s, e))
    keys = [k for k in keys if not any(s < k[2] and e > k[1] for s, e in busy.get(k[0], ()))]
    if not keys:
        return base, [], layouts
    codes, M = score_spans(session, base, keys, None, layouts)
    first = M.argmax(axis=1)
    out = []
    for j, c in enumerate(codes):
        rows = np.flatnonzero(first == j)
        top = rows[np.argsort(-M[rows, j], kind="stable")[:PSEUDO_PER_CODE]]
        out += [(keys[i], c) for i in sorted(top.tolist())]
    return base, out, layouts


def _with_pseudo(session: Session, content_hash: str, ag, coded_keys):
    """The agenda with the passages it fits best as more agenda units (few codings yet):
    they weigh ``PSEUDO_WEIGHT`` each, and with the agenda as the cross-validation sets."""
    _, pseudo, layouts = _pseudo_examples(session, content_hash, ag, coded_keys)
    out = agenda_mod.Agenda(
        list(ag.codes),
        list(ag.texts),
        list(ag.contexts),
        list(ag.weights),
        list(ag.keys),
        list(ag.docs),
    )
    for (d, s, e), c in pseudo:
        lay = layouts[d]
        out.add(c, lay.text[s:e], lay.context_of(s), PSEUDO_WEIGHT, (d, s, e))
    return out


def _self_trained(session: Session, content_hash: str, ag) -> CodeModel:
    """No codings yet: the agenda-only model scores a sample of the project's paragraphs,
    the ``PSEUDO_PER_CODE`` it fits best per code (each first for that code) become its
    examples beside the agenda, and the model is fitted again with the same configuration
    — the project's own wording joins the agenda's. Scores keep the prior calibration."""
    base, got, _ = _pseudo_examples(session, content_hash, ag)
    pseudo = [(*k, c) for k, c in got]
    if len({c for *_, c in pseudo}) < 2:
        return base
    fixed = tune.TuneResult(
        dict(base.weights),
        float(base.explain["lambda"]),
        False,
        tuned=False,
        reason="",
        agenda_weight=float(base.explain["agenda"]["weight"]),
    )
    model = train(
        session,
        content_hash,
        codings=pseudo,
        negatives=[],
        agenda=ag,
        self_train=False,
        fixed=fixed,
    )
    model.temperature, model.platt, model.isotonic = base.temperature, base.platt, None
    model.n_examples = {}
    model.seq_B = None
    ex = dict(base.explain)
    ex["reason"] = (
        f"no codings yet: the coding agenda, and the {len(pseudo)} passages it fits best "
        "as first examples (self-training)"
    )
    ex["training"] = {**ex["training"], "seconds": model.explain["training"]["seconds"]}
    ex["agenda"] = {**ex["agenda"], "passages": len(pseudo)}
    model.explain = ex
    return model


def _expected(
    S: np.ndarray,
    args,
    method: str,
    seen: np.ndarray | None = None,
    trained: np.ndarray | None = None,
) -> dict | None:
    """The macro-F1 to expect on new documents from held-out scores ``S`` of the real units
    of ``args`` (the search's arguments), with a 90 % interval (documents resampled); see
    :func:`qualcode.suggest.tune.expected_f1` for ``seen`` and ``trained``."""
    Y, labels, is_code, doc_ids, is_agenda = args
    real = np.flatnonzero(np.asarray(is_agenda) == 0)
    seen = np.ones(len(real), dtype=bool) if seen is None else np.asarray(seen)
    labels = [labels[i] for i in real]
    if not any(lab for lab, s in zip(labels, seen, strict=True) if s):
        return None
    docs = np.asarray(doc_ids)[real]
    f1 = tune.expected_f1(S, labels, is_code, docs, seen, trained)
    lo, hi = tune.bootstrap_interval(S, labels, is_code, docs, seen=seen, trained=trained)
    return {
        "macro_f1": round(f1, 4),
        "interval": [round(lo, 4), round(hi, 4)],
        "method": method,
        "documents": int(len(np.unique(np.asarray(doc_ids)[real]))),
        "scores": S if method == "nested" else None,
        "rows": None,
    }


def _apply_bounds(model: CodeModel, S: np.ndarray, labels, docs, row_w) -> list[float | None]:
    """:func:`qualcode.suggest.calibrate.precision_bounds` of the final model's scores on
    the held-out passages (raw scores ``S``): every suggestion that reaches a score level."""
    M = calibrated(model, S)
    col = {c: j for j, c in enumerate(model.classes)}
    cols = np.asarray([col[c] for c in model.code_ids], dtype=int)
    r, j = np.nonzero(M >= calibrate.APPLY_GRID[0])
    right = np.asarray([cols[jj] in labels[rr] for rr, jj in zip(r, j, strict=True)], dtype=bool)
    return calibrate.precision_bounds(M[r, j], right, np.asarray(docs)[r], np.asarray(row_w)[r])


def agenda_vectors(store, texts: list[str]) -> np.ndarray:
    """Embeddings of the agenda texts: from the store, the missing ones embedded now and
    stored (a few texts; the encoder loads once per changed agenda)."""
    from qualcode.suggest import semantic

    V, found = store.lookup(texts)
    missing = [t for t, f in zip(texts, found, strict=True) if not f]
    if missing and semantic.enabled():
        try:
            store.add(missing, semantic.load_encoder()(missing))
            V, found = semantic.Store(store.folder).lookup(texts)
        except (OSError, ValueError):  # a read-only cache: the other blocks carry the agenda
            pass
    return V


def _not_relevant_id(session: Session) -> int | None:
    """The reserved top-level code of "not relevant" marks (:mod:`qualcode.structure`)."""
    from qualcode.structure import NOT_RELEVANT

    return (
        session.connection()
        .execute(
            select(Code.id).where(Code.name == NOT_RELEVANT, Code.parent_id.is_(None))  # type: ignore[union-attr]
        )
        .scalar()
    )


def _plain(d: dict) -> dict:
    """Plain Python values (no numpy scalars), so that anyone can read it back."""
    import json

    return json.loads(json.dumps(d, default=float))


SEMANTIC_MAX_MISSING = 0.02  # more training passages without an embedding: no semantic block


def semantic_state(session: Session) -> str:
    """:func:`qualcode.suggest.semantic.model_state` of the session's project."""
    from qualcode.suggest import semantic
    from qualcode.suggest.index import db_url

    return semantic.model_state(db_url(session), lambda: semantic.documents_fingerprint(session))


def semantic_store(session: Session):
    """``(store, state)``: the embedding store when every passage is embedded, else
    ``(None, why)`` — and the background embedder is started when it has work to do."""
    from qualcode.suggest import semantic

    state = semantic_state(session)
    if state == "off":
        return None, "off (no sentence encoder installed, or QUALCODE_SEMANTIC=off)"
    from qualcode.suggest.index import db_url

    if state == "partial":
        bind = session.get_bind()
        semantic.start_background(bind.url.render_as_string(hide_password=False))  # type: ignore[union-attr]
        return None, "not used yet: the passages are being embedded in the background"
    return semantic.Store.open(db_url(session)), "used when the cross-validation picks it"


RETUNE_GROWTH = 1.25  # re-tune when the coded passages grew by a quarter since the last tuning


def _reusable(
    prior: dict | None, n_coded: int, blocks: set[str], has_agenda: bool = False
) -> tune.TuneResult | None:
    """The last tuning's result, when it still stands for the codings (see :func:`train`)."""
    if not prior or not prior.get("tuned") or prior.get("version") != MODEL_VERSION:
        return None
    tuned_on = int(prior.get("tuned_on") or 0)
    if not (tuned_on <= n_coded <= tuned_on * RETUNE_GROWTH + 5):
        return None
    weights = {b: float(w) for b, w in prior["blocks"].items()}
    if not set(weights) <= blocks:
        return None
    if bool((prior.get("semantic") or {}).get("available")) != ("semantic" in blocks):
        return None  # the embeddings arrived (or went): the blocks are chosen again
    if bool((prior.get("agenda") or {}).get("units")) != has_agenda:
        return None  # an agenda was written (or removed): chosen again
    cv = prior.get("cross_validation") or {}
    res = tune.TuneResult(
        weights,
        float(prior["lambda"]),
        bool(prior.get("sequence")),
        tuned=True,
        reason=f"configuration tuned on {tuned_on} coded passages, reused until they grow by a quarter",
        chosen=_trial(cv.get("chosen")),
        baseline=_trial(cv.get("plain_text")),
        folds=[],
        agenda_weight=float((prior.get("agenda") or {}).get("weight") or 0.0),
    )
    res.tuned_on = tuned_on  # type: ignore[attr-defined]
    res.trials_count = cv.get("configurations_tried", 0)  # type: ignore[attr-defined]
    return res


def _trial(d: dict | None) -> tune.Trial | None:
    if not d:
        return None
    return tune.Trial(
        dict(d["blocks"]),
        d["lambda"],
        d["sequence"],
        d["macro_f1"],
        d["top1"],
        d["top3"],
        float(d.get("agenda_weight") or 0.0),
    )


def _sequence_stage(layouts, feat, X, K, weights, lam, folds, oof, keys, Y, labels, is_code, store):
    """Held-out first-stage scores of each unit's neighbour paragraphs, the sequence stage
    fitted on them, kept when cross-validation says so: ``(B or None, held-out scores, figures)``."""
    nb_keys: list[tuple[int, int, int]] = []
    nb_index: dict[tuple[int, int, int], int] = {}
    pairs = []
    for d, s, e in keys:
        lay = layouts[d]
        before, after = lay.neighbours(s, e)
        ids = []
        for p in (before, after):
            if p is None:
                ids.append(-1)
                continue
            k = (d, lay.starts[p], lay.ends[p])
            if k not in nb_index:
                nb_index[k] = len(nb_keys)
                nb_keys.append(k)
            ids.append(nb_index[k])
        pairs.append(ids)
    if not nb_keys:
        return None
    # most neighbours are training units themselves: reuse their rows
    unit_row = {k: i for i, k in enumerate(keys)}
    fresh = [k for k in nb_keys if k not in unit_row]
    nb = Spans.of(layouts, fresh)
    sem = semantic_vectors(store, layouts, fresh, nb.texts)[0] if store is not None else None
    Xf = (
        feat.transform(nb.texts, nb.contexts, nb.relpos, only=set(weights), semantic=sem)
        if fresh
        else {}
    )
    fresh_row = {k: i for i, k in enumerate(fresh)}
    Xn = {}
    for b in weights:
        if b not in X:
            continue
        parts = [X[b][[unit_row[k] for k in nb_keys if k in unit_row]]]
        if fresh:
            parts.append(Xf[b][[fresh_row[k] for k in nb_keys if k in fresh_row]])
        stacked = (
            np.vstack(parts) if isinstance(X[b], np.ndarray) else sp.vstack(parts, format="csr")
        )
        order = [k for k in nb_keys if k in unit_row] + [k for k in nb_keys if k in fresh_row]
        inv = np.empty(len(order), dtype=np.int64)
        pos = {k: i for i, k in enumerate(nb_keys)}
        inv[[pos[k] for k in order]] = np.arange(len(order))
        Xn[b] = stacked[inv]
    Kn = _cross(Xn, X, weights)
    w = tune.sample_weights(Y)
    nb_doc = np.asarray([d for d, _, _ in nb_keys])
    unit_doc = np.asarray([d for d, _, _ in keys])
    S_nb = np.zeros((len(nb_keys), Y.shape[1]))
    n = len(Y)
    for test in folds:  # the units alone (no agenda unit): nothing more to leave out
        train_idx = tune.training_side(n, test)
        alpha = tune.ridge_dual(K[np.ix_(train_idx, train_idx)], Y[train_idx], w[train_idx], lam)
        rows = np.flatnonzero(np.isin(nb_doc, np.unique(unit_doc[test])))
        S_nb[rows] = Kn[np.ix_(rows, train_idx)] @ alpha
    zero = np.zeros(Y.shape[1])
    prev = np.vstack([S_nb[a] if a >= 0 else zero for a, _ in pairs])
    nxt = np.vstack([S_nb[b] if b >= 0 else zero for _, b in pairs])
    Z = _seq_features(oof, prev, nxt)
    got = tune.sequence_cv(Z, oof, Y, w, folds, labels, is_code)
    if got is None:
        return None
    S2, lam2 = got
    f1, top1, top3 = tune.evaluate(S2, labels, is_code)
    figures = {
        "macro_f1": round(f1, 4),
        "top1": round(top1, 4),
        "top3": round(top3, 4),
        "lambda": lam2,
    }
    base = tune.evaluate(oof, labels, is_code)[0]
    figures["macro_f1_without"] = round(base, 4)
    if f1 <= base + tune.MIN_GAIN:
        figures["kept"] = False
        return None, oof, figures
    figures["kept"] = True
    return tune.ridge_primal(Z, Y - oof, w, lam2), S2, figures
