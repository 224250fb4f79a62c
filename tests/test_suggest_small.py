"""Honest figures on small projects (issue 25, point 1): the expected macro-F1 of
`suggest --explain` comes from nested cross-validation (the search repeated without the
held-out documents) with an interval; the search grows with the evidence."""

from __future__ import annotations

import numpy as np

from qualcode.suggest import tune


def test_folds_and_gain_grow_with_the_evidence():
    assert [tune.n_folds(n) for n in (2, 5, 7, 8, 15, 16, 40, 500)] == [4, 5, 7, 8, 8, 4, 4, 4]
    assert round(tune.min_gain(40), 4) == 0.0237
    assert round(tune.min_gain(150), 4) == 0.0122
    assert tune.min_gain(1000) == tune.MIN_GAIN
    folds = tune.folds_by_document(np.repeat(np.arange(6), 3))
    assert len(folds) == 6 and all(
        len(np.unique(np.repeat(np.arange(6), 3)[f])) == 1 for f in folds
    )


def _data(n_docs: int, per_doc: int, n_codes: int, noise: int, seed: int = 0):
    """Units whose code shows in one block ("signal") and not in the others (noise)."""
    rng = np.random.default_rng(seed)
    n = n_docs * per_doc
    y = rng.integers(0, n_codes, n)
    doc = np.repeat(np.arange(n_docs), per_doc)
    X = np.eye(n_codes)[y] + 0.8 * rng.normal(size=(n, n_codes))
    Ks = {"words": X @ X.T, "chars": X @ X.T}
    for b in ("heading", "position", "semantic")[:noise]:
        Z = rng.normal(size=(n, 8))
        Ks[b] = Z @ Z.T
    Y = np.eye(n_codes)[y]
    labels = [frozenset({int(c)}) for c in y]
    return Ks, Y, labels, np.ones(n_codes, dtype=bool), doc


def test_a_small_project_gets_a_small_search():
    Ks, Y, labels, is_code, doc = _data(6, 10, 3, noise=3)
    res = tune.search(Ks, Y, labels, is_code, doc)
    assert res.reason.startswith("a small search (60 coded passages in 6 documents)")
    # the plain text baseline (3 λ), the prior, semantic off, heading, position
    assert len(res.trials) == 3 + 1 + 3
    big = tune.search(*_data(12, 20, 3, noise=3))
    assert big.reason == "chosen by cross-validation grouped by document"
    assert len(big.trials) > 30


def test_the_small_search_takes_each_step_from_the_one_before():
    # semantic is noise, position carries the codes: the search turns semantic off, then
    # tries position on top of that (not on the prior with semantic back on)
    rng = np.random.default_rng(2)
    n, n_codes = 60, 3
    y = rng.integers(0, n_codes, n)
    X = np.eye(n_codes)[y] + 1.2 * rng.normal(size=(n, n_codes))
    P = np.eye(n_codes)[y] + 0.3 * rng.normal(size=(n, n_codes))
    Z = 3 * rng.normal(size=(n, 8))
    Ks = {"words": X @ X.T, "chars": X @ X.T, "semantic": Z @ Z.T, "position": P @ P.T}
    labels = [frozenset({int(c)}) for c in y]
    doc = np.repeat(np.arange(6), 10)
    res = tune.search(Ks, np.eye(n_codes)[y], labels, np.ones(n_codes, dtype=bool), doc)
    assert res.reason.startswith("a small search")
    tried = [t.weights for t in res.trials[3:]]
    assert tried == [
        {"words": 1.0, "chars": 1.0, "semantic": 1.0},  # the prior
        {"words": 1.0, "chars": 1.0, "semantic": 0.0},  # better: taken
        {"words": 1.0, "chars": 1.0, "semantic": 0.0, "position": 0.25},
    ]
    assert res.weights == {"words": 1.0, "chars": 1.0, "semantic": 0.0, "position": 0.25}


def test_nested_cross_validation_scores_every_unit_out_of_sample():
    Ks, Y, labels, is_code, doc = _data(8, 12, 3, noise=3, seed=1)
    S, folds, seen, trained = tune.nested(Ks, Y, labels, is_code, doc)
    assert seen.all()  # every code is coded in several documents
    # every code is in each of the 8 documents, one document per fold: 7 on the training side
    assert (np.bincount(doc) == 12).all() and all(len(set(doc[f])) == 1 for f in folds)
    assert all(len({doc[i] for i in range(96) if labels[i] & {c}}) == 8 for c in range(3))
    assert trained.tolist() == [7.0] * 96
    assert S.shape == Y.shape and sorted(np.concatenate(folds).tolist()) == list(range(96))
    for f in folds:  # a fold is whole documents
        assert not set(doc[f]) & set(np.delete(doc, f))
    f1 = tune.evaluate(S, labels, is_code)[0]
    lo, hi = tune.bootstrap_interval(S, labels, is_code, doc)
    assert 0 < lo <= f1 <= hi <= 1
    # a code coded in one document only: its units say nothing when that document is held out
    labels2 = [frozenset({3}) if d == 0 else lab for d, lab in zip(doc, labels, strict=True)]
    Y2 = np.hstack([Y, np.zeros((len(Y), 1))])
    Y2[doc == 0] = 0
    Y2[doc == 0, 3] = 1
    seen2 = tune.nested(Ks, Y2, labels2, np.ones(4, dtype=bool), doc)[2]
    assert seen2.tolist() == (doc != 0).tolist()


def test_explain_reports_the_expected_macro_f1_with_an_interval(demo_cli):
    ex = demo_cli.json("suggest", "--explain")
    exp = ex["expected"]
    assert set(exp) == {"macro_f1", "interval", "method", "documents"}
    assert exp["method"] == "nested" and exp["documents"] == 7
    lo, hi = exp["interval"]
    assert 0 < lo <= exp["macro_f1"] <= hi <= 1
    assert ex["calibration"] == "project" and ex["calibrated"] is True
    text = demo_cli.ok("suggest", "--explain").stdout
    assert f"expected   macro-F1 {exp['macro_f1']:.3f} on new documents (90 % interval" in text
    status = demo_cli.ok("status").stdout
    assert f"expected macro-F1 {exp['macro_f1']:.2f} ({lo:.2f}–{hi:.2f}, nested)" in status


def _scores(first: list[int], n_codes: int) -> np.ndarray:
    """Held-out scores whose first suggestion is ``first``."""
    S = np.zeros((len(first), n_codes))
    S[np.arange(len(first)), first] = 1.0
    return S


def test_the_macro_f1_averages_over_the_codes_in_the_gold():
    # the third unit is given code 2, which no unit has: it costs code 0's recall, but code 2
    # adds no F1 of 0 of its own (by hand: code 0 2·1/(2·1+0+1) = 2/3, code 1 = 1)
    S = _scores([0, 2, 1], 3)
    labels = [frozenset({0}), frozenset({0}), frozenset({1})]
    f1, top1, _ = tune.evaluate(S, labels, np.ones(3, dtype=bool))
    assert round(f1, 4) == round((2 / 3 + 1) / 2, 4) and round(top1, 4) == round(2 / 3, 4)


def _one_document_per_fold(units):
    """Documents, labels, targets and folds of ``(document, code, first suggestion)`` units
    of three codes, one document per fold."""
    docs = np.asarray([u[0] for u in units])
    labels = [frozenset({u[1]}) for u in units]
    Y = np.eye(3)[[u[1] for u in units]]
    return docs, labels, Y, [np.flatnonzero(docs == d) for d in range(int(docs.max()) + 1)]


def test_the_expected_macro_f1_stands_in_for_a_code_no_fold_could_know():
    # units: (document, code, first suggestion); one document per fold
    units = [(0, 0, 0), (4, 0, 1), (1, 1, 1), (3, 1, 1), (5, 1, 1), (2, 2, 0)]
    docs, labels, Y, folds = _one_document_per_fold(units)
    # code 2 is coded in document 2 only: held out, no fold knew it
    seen = tune.seen_in_folds(Y, labels, folds)
    assert seen.tolist() == [True, True, True, True, True, False]
    # the agenda's units are always on the training side: then the code is known
    assert tune.seen_in_folds(Y, labels, folds, Y[[5]]).all()
    S = _scores([u[2] for u in units], 3)
    # by hand, over the seen units: code 0 tp 1, fn 1 → 2/3 (2 passages); code 1 tp 3, fp 1
    # → 6/7 (3 passages). Each leans towards their mean with the weight of PRIOR_UNITS = 10
    # passages; code 2 gets the figure of the codes coded in the fewest documents (code 0,
    # two documents); the mean over the project's three codes:
    mean = (2 / 3 + 6 / 7) / 2
    f0 = (2 * 2 / 3 + 10 * mean) / 12
    f1 = (3 * 6 / 7 + 10 * mean) / 13
    want = (f0 + f1 + f0) / 3
    assert tune.PRIOR_UNITS == 10
    got = tune.expected_f1(S, labels, np.ones(3, dtype=bool), docs, seen)
    assert round(got, 6) == round(want, 6)
    # before: code 2 dropped out (and its false alarm cost nothing) — (2/3 + 6/7) / 2
    assert round(got, 4) != round((2 / 3 + 6 / 7) / 2, 4)


def test_the_expected_macro_f1_follows_the_projects_learning_curve():
    # units: (document, code, first suggestion); one document per fold. Code 0 is coded in
    # documents 0–2, code 1 in 3–4, code 2 in 5 only.
    units = [(0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 1, 1), (4, 1, 0), (5, 2, 1)]
    docs, labels, Y, folds = _one_document_per_fold(units)
    seen = tune.seen_in_folds(Y, labels, folds)
    trained = tune.training_documents(labels, docs, folds)
    # held out, code 0 had 2 documents left, code 1 one, code 2 none
    assert trained.tolist() == [2, 2, 2, 1, 1, 0]
    S = _scores([u[2] for u in units], 3)
    # the curve, by hand: with 2 documents right 3 times in 3, with 1 right 1 time in 2:
    # g(1) = 1/2, g(2) = 1 (and 1 beyond, the last step held)
    # F1 as the folds measured it (seen units): code 0 tp 3, fp 1 → 6/7; code 1 tp 1, fn 1 → 2/3
    # carried to the final model's documents, F1 × 2r/(1+r) with r = g(k)/g(held-out mean):
    # code 0: r = g(3)/g(2) = 1 → 6/7; code 1: r = g(2)/g(1) = 2 → 2/3 × 4/3 = 8/9
    f0, f1 = 6 / 7, 8 / 9
    mean = (f0 + f1) / 2
    f0, f1 = (3 * f0 + 10 * mean) / 13, (2 * f1 + 10 * mean) / 12  # towards the mean
    # code 2 (one document, no fold knew it): the fewest-document codes' figure (code 1, 2
    # documents), carried down the curve to 1 document: r = g(1)/g(2) = 1/2 → × 2/3
    want = (f0 + f1 + f1 * 2 / 3) / 3
    got = tune.expected_f1(S, labels, np.ones(3, dtype=bool), docs, seen, trained)
    assert round(got, 6) == round(want, 6)
    assert round(got, 4) != round(
        tune.expected_f1(S, labels, np.ones(3, dtype=bool), docs, seen), 4
    )


def test_the_interval_is_the_bootstrap_widened(monkeypatch):
    Ks, Y, labels, is_code, doc = _data(8, 12, 3, noise=0, seed=2)
    S = tune.nested(Ks, Y, labels, is_code, doc)[0]
    mid = tune.expected_f1(S, labels, is_code, doc)
    lo2, hi2 = tune.bootstrap_interval(S, labels, is_code, doc)
    monkeypatch.setattr(tune, "INTERVAL_WIDEN", 1.0)
    lo1, hi1 = tune.bootstrap_interval(S, labels, is_code, doc)
    assert lo1 < mid < hi1
    assert round(mid - lo2, 6) == round(min(mid, 2 * (mid - lo1)), 6)
    assert round(hi2 - mid, 6) == round(min(1 - mid, 2 * (hi1 - mid)), 6)


def test_calibration_keeps_the_order_of_a_passages_codes():
    from qualcode.suggest import calibrate

    # held out: code 1 (one example) is first in half the passages and always wrong there;
    # code 0 (50 examples) is right wherever it is first or second
    rng = np.random.default_rng(3)
    P, labels = [], []
    for i in range(200):
        p1 = rng.uniform(0.5, 0.9) if i % 2 else rng.uniform(0.05, 0.3)
        P.append([1 - p1 - 0.02, p1, 0.02])
        labels.append(frozenset({0}))
    P = np.asarray(P)
    is_code = np.ones(3, dtype=bool)
    log_n = np.log1p(np.asarray([50.0, 1.0, 10.0]))
    ab = calibrate.fit_platt(P, labels, is_code, log_n, np.ones(len(P)))
    assert ab is not None and ab[2] == 0.0  # no coefficient for the number of examples
    Q = calibrate.apply_platt(ab, np.asarray([[0.3, 0.68, 0.02]]), is_code, log_n)
    assert Q[0].argmax() == 1  # the code the classifier ranks first stays first
