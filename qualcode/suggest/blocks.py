"""Feature blocks of the code classifier, fitted on the training units of one project.

* ``words`` — TF-IDF of word uni- and bigrams of the passage text (sublinear tf);
* ``chars`` — TF-IDF of character 2–5-grams within word boundaries (``char_wb``), so that
  "Personalmangel" and "Mangel an Personal" share evidence;
* ``heading`` — TF-IDF of the headings / agenda items above the passage;
* ``position`` — soft bins of the passage's relative position in its document.

Every block's rows are L2-normalised. The self-tuner (:mod:`qualcode.suggest.tune`) gives
each block a weight (0 = not used); the two text blocks with weight 1 are the strong
plain baseline a practitioner would write. The kernel of a configuration is the weighted
sum of the blocks' kernels, so the blocks are fitted once and every configuration reuses them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from qualcode.suggest.features import position_features

TEXT_BLOCKS = ("words", "chars")
BLOCKS = ("words", "chars", "heading", "position")


def _vectorizer(kind: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if kind == "chars":
        return TfidfVectorizer(
            sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), dtype=np.float32
        )
    return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), dtype=np.float32)


class Featurizer:
    """The fitted vectorizers; ``transform`` gives every block for any passages."""

    def __init__(self) -> None:
        self.vec: dict[str, object] = {}

    def fit_transform(
        self, texts: list[str], contexts: list[str], relpos: np.ndarray
    ) -> dict[str, sp.csr_matrix]:
        out: dict[str, sp.csr_matrix] = {}
        for name, source in (("words", texts), ("chars", texts), ("heading", contexts)):
            v = _vectorizer("chars" if name == "chars" else "words")
            try:
                out[name] = v.fit_transform(source).tocsr()
            except ValueError:  # no token at all (e.g. no headings anywhere)
                continue
            v.stop_words_ = None  # type: ignore[attr-defined]  # only for introspection; large
            self.vec[name] = v
        out["position"] = position_features(np.asarray(relpos, dtype=np.float32))
        return out

    @property
    def blocks(self) -> list[str]:
        return [b for b in BLOCKS if b in self.vec or b == "position"]

    def transform(
        self, texts: list[str], contexts: list[str], relpos: np.ndarray, only=None
    ) -> dict[str, sp.csr_matrix]:
        out: dict[str, sp.csr_matrix] = {}
        for name, source in (("words", texts), ("chars", texts), ("heading", contexts)):
            if name in self.vec and (only is None or name in only):
                out[name] = self.vec[name].transform(source).tocsr()  # type: ignore[attr-defined]
        if only is None or "position" in only:
            out["position"] = position_features(np.asarray(relpos, dtype=np.float32))
        return out
