"""`suggest --apply`: codings only from the score the held-out documents bear out (issue 25).

The figures are computed by hand: the Wilson lower bound of a precision p over n
suggestions at one-sided 90 % (z = 1.2816) is
(p + z²/2n − z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n); for p = 1 it is n / (n + z²).
"""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.suggest import calibrate

Z2 = 1.2816**2


def _level(g: float) -> int:
    return calibrate.APPLY_GRID.index(g)


def test_all_right_suggestions_are_bounded_by_their_number():
    # 19 suggestions at 0.95, all right, each from its own document; 2 wrong ones at 0.92
    scores = np.r_[np.full(19, 0.95), np.full(2, 0.92)]
    right = np.r_[np.ones(19, bool), np.zeros(2, bool)]
    docs = np.arange(21)
    b = calibrate.precision_bounds(scores, right, docs)
    assert b[_level(0.95)] == pytest.approx(19 / (19 + Z2), abs=1e-4)  # 0.9204
    assert b[_level(0.93)] == pytest.approx(19 / (19 + Z2), abs=1e-4)
    assert b[_level(0.96)] is None  # no suggestion scored that high
    # from 0.92 down, 19 of 21 right: at most n = 21 independent ones, so at most
    # Wilson(19/21, 21) = (0.9439 − 0.0909) / 1.0782 = 0.7911
    assert b[_level(0.92)] <= 0.7911 + 1e-4
    assert calibrate.apply_from(b, 0.9) == 0.93  # not 0.9: the two wrong ones at 0.92
    assert calibrate.apply_from(b, 0.8) == 0.93
    assert calibrate.apply_from(b, 0.95) is None  # 19 of 19 do not show 95 %
    assert calibrate.apply_from(None, 0.9) == 0.9  # no held-out documents: the score alone


def test_errors_of_one_document_count_as_fewer_suggestions():
    # 100 suggestions at 0.95, 90 right; the ten wrong ones in one document of ten
    # (clustered) or spread over ten documents of ten suggestions each (one per document)
    scores, right = np.full(100, 0.95), np.r_[np.zeros(10, bool), np.ones(90, bool)]
    clustered = np.repeat(np.arange(10), 10)  # document 0 holds every wrong one
    spread = np.tile(np.arange(10), 10)  # every document holds one wrong one
    lb_clustered = calibrate.precision_bounds(scores, right, clustered)[_level(0.95)]
    lb_spread = calibrate.precision_bounds(scores, right, spread)[_level(0.95)]
    # spread: no document effect, the bound of 100 independent suggestions
    p = 0.9
    wilson_100 = (p + Z2 / 200 - 1.2816 * np.sqrt(p * (1 - p) / 100 + Z2 / 40000)) / (1 + Z2 / 100)
    assert lb_spread == pytest.approx(wilson_100, abs=1e-4)  # 0.8516
    # clustered: the bootstrap over ten documents sees 0 or 1, 2, … bad documents
    # (variance 0.09 · 0.9 / 10 = 0.0081 → about 11 independent suggestions' worth)
    assert lb_clustered < 0.8 < lb_spread


def test_weights_count_for_the_passages_they_stand_for():
    # one wrong "no code" paragraph standing for 9 among 10 right ones: precision 10/19
    scores = np.full(11, 0.9)
    right = np.r_[np.ones(10, bool), False]
    w = np.r_[np.ones(10), 9.0]
    b = calibrate.precision_bounds(scores, right, np.arange(11), w)[_level(0.9)]
    assert b < 10 / 19  # a lower bound of 0.53, never of 10/11


def test_no_held_out_suggestion_bears_out_any_level():
    for scores in (np.zeros(0), np.full(3, 0.01)):  # none at all, none reaching 0.05
        b = calibrate.precision_bounds(scores, np.ones(len(scores), bool), np.arange(len(scores)))
        assert b == [None] * len(calibrate.APPLY_GRID)
        assert calibrate.apply_from(b, 0.9) is None
