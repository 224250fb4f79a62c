"""Feature blocks of the code classifier, fitted on the training units of one project.

* ``words`` — TF-IDF of word uni- and bigrams of the passage text (sublinear tf);
* ``chars`` — TF-IDF of character 2–5-grams within word boundaries (``char_wb``), so that
  "Personalmangel" and "Mangel an Personal" share evidence;
* ``heading`` — TF-IDF of the headings / agenda items above the passage;
* ``position`` — soft bins of the passage's relative position in its document;
* ``semantic`` — the passage's sentence embedding (:mod:`qualcode.suggest.semantic`), when
  the project's passages have been embedded in the background: meaning beyond shared words.

Every block's rows are L2-normalised. A new passage's words (and character n-grams) that
no training passage has carry no weight, but they still count in its length (see
:func:`unseen_lengths`). The self-tuner (:mod:`qualcode.suggest.tune`) gives
each block a weight (0 = not used); the two text blocks with weight 1 are the strong
plain baseline a practitioner would write. The kernel of a configuration is the weighted
sum of the blocks' kernels, so the blocks are fitted once and every configuration reuses them.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

from qualcode.suggest.features import count_matrix, position_features

TEXT_BLOCKS = ("words", "chars")
SEMANTIC_DIM = 512  # :data:`qualcode.suggest.semantic.DIM` (not imported: scoring stays light)
BLOCKS = ("words", "chars", "heading", "position", "semantic")


def _vectorizer(kind: str):
    return CharNgrams() if kind == "chars" else WordNgrams()


_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class WordNgrams:
    """TF-IDF (sublinear, smooth idf, rows L2-normalised) of word uni- and bigrams, as
    scikit-learn's ``TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))`` computes it
    (lower-cased tokens of two or more word characters), without scikit-learn — so that
    scoring with a stored model does not pay for importing it."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.idf: np.ndarray | None = None

    @staticmethod
    def _terms(text: str) -> list[str]:
        toks = _TOKEN.findall(text.lower())
        return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]

    def _counts(self, texts, grow: bool) -> sp.csr_matrix:
        return count_matrix((self._terms(t) for t in texts), self.vocab, grow)

    def fit_transform(self, texts) -> sp.csr_matrix:
        self.vocab = {}
        C = self._counts(texts, grow=True)
        if C.shape[1] == 0:
            raise ValueError("empty vocabulary")
        df = np.bincount(C.indices, minlength=C.shape[1])
        self.n_fit = C.shape[0]
        self.idf = (np.log((1.0 + C.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)
        return _sublinear_tfidf(C, self.idf)

    def transform(self, texts) -> sp.csr_matrix:
        unseen: list[list[str]] = []
        C = count_matrix((self._terms(t) for t in texts), self.vocab, False, unseen)
        return _sublinear_tfidf(
            C, self.idf, unseen_lengths(unseen, getattr(self, "n_fit", len(self.idf)))
        )


def unseen_lengths(unseen: list[list[str]], n_fit: int) -> np.ndarray:
    """Per passage, the squared TF-IDF length of its terms that no training passage has,
    each weighted as a term of one passage among the training passages would be.

    They carry no weight in the model, but they count in the passage's length, as they did
    in the cross-validation that fits the calibration: there the vocabulary is fitted on
    every training passage, so a held-out document's own words are in it and dilute its
    similarity to the other documents. Dropped from the length for new documents, they
    made a new passage look more like the training passages than a held-out one did, and
    its scores ran higher than the calibration had learned (issue 25: on small projects of
    the plenary corpus, new documents' first scores averaged 0.42 where 0.25 were right;
    0.37 with the unseen words counted, and 0.27 right)."""
    from collections import Counter

    idf = float(np.log((2.0 + n_fit) / 2.0) + 1.0)
    out = np.zeros(len(unseen))
    for i, terms in enumerate(unseen):
        if terms:
            tf = np.fromiter(Counter(terms).values(), dtype=np.float64)
            out[i] = float(np.sum(((1.0 + np.log(tf)) * idf) ** 2))
    return out


def _sublinear_tfidf(counts: sp.csr_matrix, idf, extra_sq: np.ndarray | None = None):
    from qualcode.suggest.features import _l2

    m = counts.tocsr().astype(np.float32)
    np.log(m.data, out=m.data)
    m.data += 1.0
    m.data *= idf[m.indices]
    return _l2(m, extra_sq)


class CharNgrams:
    """TF-IDF (sublinear, rows L2-normalised) of character 2–5-grams within words, as
    scikit-learn's ``char_wb`` analyzer cuts them (each lower-cased word padded with a
    space on both sides), but computed per distinct word once and combined with a sparse
    product (word counts × word-to-n-gram matrix): no Python work per n-gram, which is
    most of the time of ``char_wb`` on a large project. n-grams in more than half of the
    passages (of more than 20) are left out: they say little and make every product dense."""

    lo, hi = 2, 5

    def __init__(self) -> None:
        self.words: dict[str, int] = {}
        self.grams: dict[str, int] = {}
        self.W: sp.csr_matrix | None = None  # known words × kept n-grams
        self.idf: np.ndarray | None = None

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return text.lower().split()

    def _grams_of(self, word: str) -> list[str]:
        w = f" {word} "
        out = []
        for n in range(self.lo, self.hi + 1):
            if len(w) < n:
                break
            out.extend(w[i : i + n] for i in range(len(w) - n + 1))
        return out

    def _counts(self, texts, vocab: dict[str, int], grow: bool) -> sp.csr_matrix:
        return count_matrix((self._tokens(t) for t in texts), vocab, grow)

    def _word_matrix(self, words: list[str], grams: dict[str, int], grow: bool) -> sp.csr_matrix:
        return count_matrix((self._grams_of(w) for w in words), grams, grow)

    def _weigh(self, counts: sp.csr_matrix, extra_sq: np.ndarray | None = None):
        return _sublinear_tfidf(counts, self.idf, extra_sq)

    def fit_transform(self, texts) -> sp.csr_matrix:
        vocab: dict[str, int] = {}
        C = self._counts(texts, vocab, grow=True)
        words = [""] * len(vocab)
        for w, j in vocab.items():
            words[j] = w
        grams: dict[str, int] = {}
        W = self._word_matrix(words, grams, grow=True)
        G = (C @ W).tocsr()
        n = G.shape[0]
        df = np.bincount(G.indices, minlength=G.shape[1])
        keep = np.flatnonzero((df >= 1) & ((df <= 0.5 * n) | (n <= 20)))
        if len(keep) == 0:
            raise ValueError("empty vocabulary")
        names = [""] * len(grams)
        for g, j in grams.items():
            names[j] = g
        self.grams = {names[k]: i for i, k in enumerate(keep)}
        # left out as too common: they count in no passage's length, new or not
        self.common = {names[k] for k in np.flatnonzero(df > 0.5 * n)} if n > 20 else set()
        self.n_fit = n
        self.W = W[:, keep].tocsr()
        self.words = vocab
        self.idf = (np.log((1.0 + n) / (1.0 + df[keep])) + 1.0).astype(np.float32)
        return self._weigh(G[:, keep])

    def transform(self, texts) -> sp.csr_matrix:
        known = self._counts(texts, self.words, grow=False)
        G = known @ self.W
        # words never seen in training: their n-grams, looked up one word at a time
        new: dict[str, int] = {}
        rows, cols = [], []
        for i, t in enumerate(texts):
            for w in self._tokens(t):
                if w not in self.words:
                    j = new.setdefault(w, len(new))
                    rows.append(i)
                    cols.append(j)
        if new:
            words = [""] * len(new)
            for w, j in new.items():
                words[j] = w
            Wn = self._word_matrix(words, self.grams, grow=False)
            Cn = sp.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(new))
            )
            G = G + Cn @ Wn
        # n-grams no training passage has still count in the length (see unseen_lengths)
        common = getattr(self, "common", set())
        novel = [
            [g for g in self._grams_of(w) if g not in self.grams and g not in common]
            for w in new  # in the order of their column
        ]
        unseen: list[list[str]] = [[] for _ in texts]
        for i, j in zip(rows, cols, strict=True):
            unseen[i].extend(novel[j])
        n_fit = getattr(self, "n_fit", len(self.idf))
        return self._weigh(sp.csr_matrix(G), unseen_lengths(unseen, n_fit))


class Featurizer:
    """The fitted vectorizers; ``transform`` gives every block for any passages."""

    def __init__(self) -> None:
        self.vec: dict[str, object] = {}

    def fit_transform(
        self,
        texts: list[str],
        contexts: list[str],
        relpos: np.ndarray,
        semantic: np.ndarray | None = None,
    ) -> dict:
        """The blocks' features (sparse; ``semantic`` dense) of the training passages."""
        out: dict = {}
        for name, source in (("words", texts), ("chars", texts), ("heading", contexts)):
            v = _vectorizer("chars" if name == "chars" else "words")
            try:
                out[name] = v.fit_transform(source).tocsr()
            except ValueError:  # no token at all (e.g. no headings anywhere)
                continue
            self.vec[name] = v
        out["position"] = position_features(np.asarray(relpos, dtype=np.float32))
        if semantic is not None:
            out["semantic"] = np.asarray(semantic, dtype=np.float32)
            self.vec["semantic"] = "semantic"
        return out

    @property
    def blocks(self) -> list[str]:
        return [b for b in BLOCKS if b in self.vec or b == "position"]

    def transform(
        self,
        texts: list[str],
        contexts: list[str],
        relpos: np.ndarray,
        only=None,
        semantic: np.ndarray | None = None,
    ) -> dict:
        """The blocks' features of any passages; ``semantic`` holds their embeddings (rows of
        zeros where a passage has none yet: the other blocks score it alone)."""
        out: dict = {}
        if "semantic" in self.vec and (only is None or "semantic" in only):
            out["semantic"] = (
                np.asarray(semantic, dtype=np.float32)
                if semantic is not None
                else np.zeros((len(texts), SEMANTIC_DIM), dtype=np.float32)
            )
        for name, source in (("words", texts), ("chars", texts), ("heading", contexts)):
            if name in self.vec and (only is None or name in only):
                out[name] = self.vec[name].transform(source).tocsr()  # type: ignore[attr-defined]
        if only is None or "position" in only:
            out["position"] = position_features(np.asarray(relpos, dtype=np.float32))
        return out
