"""The feature blocks: a new passage's words no training passage has still count in its
length — as a held-out document's own words did in the cross-validation that fits the
calibration (issue 25). Figures recomputed by hand."""

from __future__ import annotations

import math

import numpy as np

from qualcode.suggest.blocks import CharNgrams, WordNgrams


def _idf(n: int, df: int) -> float:  # smooth idf, as fitted
    return math.log((1 + n) / (1 + df)) + 1


def test_unseen_words_and_bigrams_count_in_a_new_passages_length() -> None:
    v = WordNgrams()
    v.fit_transform(["alpha beta", "gamma delta"])
    row = v.transform(["alpha zeta"]).toarray()[0]
    # terms: alpha (known, df 1), zeta and "alpha zeta" (unseen: weighted as df 1 among 3)
    known, unseen = _idf(2, 1), _idf(3, 1)
    expect = known / math.sqrt(known**2 + 2 * unseen**2)
    assert math.isclose(row[v.vocab["alpha"]], expect, rel_tol=1e-5)
    assert math.isclose(float(row.sum()), expect, rel_tol=1e-5)  # nothing else has weight


def test_a_passage_of_known_words_is_unchanged() -> None:
    v = WordNgrams()
    fitted = v.fit_transform(["alpha beta", "gamma delta"]).toarray()
    again = v.transform(["alpha beta"]).toarray()
    assert np.allclose(again[0], fitted[0])
    assert math.isclose(float(np.linalg.norm(again[0])), 1.0, rel_tol=1e-6)


def test_unseen_character_ngrams_count_in_a_new_passages_length() -> None:
    v = CharNgrams()
    v.fit_transform(["ab", "cd"])
    row = v.transform(["ab ce"]).toarray()[0]
    # " ab " gives " a", "ab", "b ", " ab", "ab ", " ab " (all known, df 1); " ce " gives
    # " c" (known from " cd ") and five n-grams no training passage has
    known, unseen = _idf(2, 1), _idf(3, 1)
    length = math.sqrt(7 * known**2 + 5 * unseen**2)
    assert np.count_nonzero(row) == 7
    assert np.allclose(row[row > 0], known / length, rtol=1e-5)
