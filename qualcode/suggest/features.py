"""Representations of passages: lemmas, TF-IDF over lemmas and character n-grams, structure.

* **Lemmas** come from the loaded spaCy pipeline (:mod:`qualcode.nlp`): the lookup
  lemmatizer by default, an installed pipeline's lemmas when configured. Stop words,
  punctuation, numbers and one-letter tokens are dropped.
* **Words**: TF-IDF (sublinear tf) over the lemmas.
* **Character n-grams** (``char_wb`` 3–5) over the lemmas, so that a compound such as
  "Personalmangel" shares n-grams with "Mangel an Personal". They are computed per
  vocabulary word once and combined with a sparse product (``counts @ W``), which equals
  scikit-learn's ``char_wb`` analyzer on the lemma string but costs no Python per n-gram.
* **Word vectors**, when the pipeline has them: the mean vector of the content tokens.
* **Structure**: the headings / agenda items above a passage ("TOP 3 Perspektivendiskussion",
  "## Beschlüsse"), its relative position in the document, and (in the classifier) the
  codes of its coded neighbours.

Every block is L2-normalised and weighted so that the cosine of two passages is a
weighted mean of the per-block cosines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from qualcode.suggest.vectors import Projection

FEATURE_VERSION = (
    "3"  # 2: character block as latent topics (suggest/vectors.py); 3: suggest/passages.py
)
CHAR_MAX_DF = 0.5

_MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
_TOP = re.compile(r"^(?:top|tagesordnungspunkt|punkt)\s*\d+", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
_META = re.compile(r"^[^:]{1,40}:\s+\S")  # "Ort: Aula" — a key/value line, not a heading


def heading_of(text: str) -> tuple[int, str] | None:
    """``(level, heading text)`` when a paragraph is (or starts with) a heading, else None.

    Markdown headings, agenda items ("TOP 3: …", "3. Perspektivendiskussion") and short
    label lines ("Vereinbarte Handlungsschritte:") count; key/value lines ("Ort: Aula")
    and sentences do not.
    """
    stripped = text.strip()
    if not stripped:
        return None
    first = stripped.split("\n", 1)[0].strip()
    single = "\n" not in stripped
    m = _MD_HEADING.match(first)
    if m:
        return len(m.group(1)), first.lstrip("#").strip()
    if len(first) > 100:
        return None
    if _TOP.match(first):
        return 2, first
    if not single:
        return None
    m = _NUMBERED.match(first)
    if m and len(first) <= 80 and not first.endswith((".", ";", ",")):
        return 2 + m.group(1).count("."), first
    words = first.split()
    if (
        len(words) <= 8
        and len(first) <= 70
        and not first.endswith((".", "!", "?", ";", ",", "“", '"'))
    ):
        if _META.match(first):
            return None
        return 5, first.rstrip(":").strip()
    return None


@dataclass
class DocStructure:
    """Paragraph spans of one document with their heading context and heading flags."""

    starts: list[int]
    ends: list[int]
    headings: list[tuple[int, str] | None]
    context: list[tuple[str, ...]]  # the heading stack above (and including) each paragraph


def doc_structure(text: str, spans: list[tuple[int, int]]) -> DocStructure:
    stack: list[tuple[int, str]] = []
    heads: list[tuple[int, str] | None] = []
    ctx: list[tuple[str, ...]] = []
    for s, e in spans:
        h = heading_of(text[s:e])
        if h is not None:
            while stack and stack[-1][0] >= h[0]:
                stack.pop()
            stack.append(h)
        heads.append(h)
        ctx.append(tuple(t for _, t in stack[-3:]))
    return DocStructure([s for s, _ in spans], [e for _, e in spans], heads, ctx)


# --- lemmas ------------------------------------------------------------------------------


def analyse(nlp_obj, texts: list[str]) -> tuple[list[list[str]], np.ndarray | None]:
    """Lemmas of each text (lower-cased, no stop words/punctuation/numbers) and, when the
    pipeline has word vectors, the mean vector of the content tokens (rows L2-normalised)."""
    if nlp_obj.level != "pipeline" and not nlp_obj.has_vectors:
        return _analyse_lookup(nlp_obj.nlp, texts), None
    nlp = nlp_obj.nlp
    drop = [
        p
        for p in nlp.pipe_names
        if p in ("parser", "ner", "senter", "sentencizer", "entity_linker", "entity_ruler")
    ]
    lemmas: list[list[str]] = []
    vecs: list[np.ndarray] | None = [] if nlp_obj.has_vectors else None
    width = nlp.vocab.vectors.shape[1] if nlp_obj.has_vectors else 0
    with nlp.select_pipes(disable=drop):
        for doc in nlp.pipe(texts, batch_size=512):
            keep = [t for t in doc if not (t.is_punct or t.is_space or t.is_stop or t.like_num)]
            lemmas.append([x for x in (_clean(t.lemma_ or t.text) for t in keep) if x is not None])
            if vecs is not None:
                with_vec = [t.vector for t in keep if t.has_vector]
                v = np.mean(with_vec, axis=0) if with_vec else np.zeros(width, dtype=np.float32)
                n = float(np.linalg.norm(v))
                vecs.append((v / n if n > 0 else v).astype(np.float32))
    if vecs is None:
        return lemmas, None
    return lemmas, (np.vstack(vecs) if vecs else np.zeros((0, width), dtype=np.float32))


_STRIP = "-–—'’‚‘\"„“”«»()[]{}*_#/\\.:,;"


def _clean(lemma: str) -> str | None:
    lem = lemma.lower().strip(_STRIP)
    return lem if len(lem) > 1 and not lem.isdigit() else None


def _analyse_lookup(nlp, texts: list[str]) -> list[list[str]]:
    """The same lemmas as running the blank pipeline with the lookup lemmatizer, fast.

    Every decision (lookup lemma, stop word, punctuation, number) depends only on the
    token's text, so it is made once per distinct token and cached; spaCy only tokenizes.
    """
    from spacy.attrs import ORTH

    table = None
    if nlp.has_pipe("lemmatizer"):
        lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
        if lookups is not None and lookups.has_table("lemma_lookup"):
            table = lookups.get_table("lemma_lookup")
    vocab = nlp.vocab
    strings = vocab.strings
    cache: dict[int, str | None] = {}
    out: list[list[str]] = []
    for doc in nlp.tokenizer.pipe(texts, batch_size=1000):
        lem: list[str] = []
        for o in doc.to_array(ORTH).tolist():
            v = cache.get(o, "")
            if v == "":
                lex = vocab[o]
                if lex.is_punct or lex.is_space or lex.is_stop or lex.like_num:
                    v = None
                else:
                    text = strings[o]
                    base = table.get(text, text) if table is not None else text
                    v = _clean(base if isinstance(base, str) else base[0])
                cache[o] = v
            if v is not None:
                lem.append(v)
        out.append(lem)
    return out


# --- TF-IDF spaces -----------------------------------------------------------------------


def _l2(m: sp.csr_matrix, extra_sq: np.ndarray | None = None) -> sp.csr_matrix:
    """Scale the rows to unit length in place (all-zero rows stay zero). ``extra_sq``: per
    row, the squared length of components left out of ``m`` that still count in its length."""
    m = m.tocsr()
    if m.nnz == 0:
        return m
    sq = np.zeros(m.shape[0], dtype=np.float64)
    if extra_sq is not None:
        sq += extra_sq
    lengths = np.diff(m.indptr)
    nz = lengths > 0
    sq[nz] += np.add.reduceat(np.square(m.data, dtype=np.float64), m.indptr[:-1][nz])
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    m.data /= np.repeat(norms, lengths).astype(m.data.dtype)
    return m


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


def _char_ngrams(word: str, lo: int = 3, hi: int = 5) -> list[str]:
    w = f" {word} "
    out = []
    for n in range(lo, hi + 1):
        if len(w) < n:
            break
        out.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return out


@dataclass
class TextSpace:
    """Fitted TF-IDF spaces over lemmas (words) and their character n-grams (+ word vectors)."""

    vocab: dict[str, int] = field(default_factory=dict)
    idf_w: np.ndarray | None = None
    ngrams: dict[str, int] = field(default_factory=dict)
    idf_c: np.ndarray | None = None
    weights: tuple[float, float, float] = (0.5, 0.5, 0.0)  # words, char n-grams, vectors
    use_chars: bool = True
    vec_width: int = 0
    projection: Projection | None = None

    # -- fitting
    def fit(
        self, lemmas: list[list[str]], vectors: np.ndarray | None = None, *, use_chars: bool = True
    ):
        """Fit on the corpus and return its vectors (:class:`qualcode.suggest.vectors.Vectors`)."""
        from qualcode.suggest.vectors import fit_projection

        self.use_chars = use_chars
        counts, words = self._word_counts(lemmas, fit=True)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_w = _idf(df, n)
        Wb = self._weigh(counts, self.idf_w)
        C = None
        if use_chars:
            W, grams = self._word_ngram_matrix(words)
            # Two passes over row chunks, so that the unpruned n-gram matrix never exists
            # whole: first the document frequencies, then the kept columns only.
            chunk = 10_000
            dfc = np.zeros(W.shape[1], dtype=np.int64)
            for lo in range(0, n, chunk):
                part = (counts[lo : lo + chunk] @ W).tocsr()
                dfc += np.bincount(part.indices, minlength=W.shape[1])
                del part
            # n-grams in one passage say nothing about similarity, those in most passages (of
            # more than 20) neither
            keep = np.flatnonzero((dfc >= 2) & (dfc <= max(10, CHAR_MAX_DF * n)))
            Wk = W[:, keep].tocsr()
            del W
            self.ngrams = {grams[k]: i for i, k in enumerate(keep)}
            del grams
            self.idf_c = _idf(dfc[keep], n)
            parts = [
                self._weigh((counts[lo : lo + chunk] @ Wk).tocsr(), self.idf_c)
                for lo in range(0, n, chunk)
            ]
            C = (
                sp.vstack(parts, format="csr", dtype=np.float32)
                if parts
                else sp.csr_matrix((0, len(keep)), dtype=np.float32)
            )
            del parts
            self.projection = fit_projection(C)
        if vectors is not None:
            self.vec_width = vectors.shape[1]
        self.weights = _weights(use_chars, vectors is not None)
        return self._vectors(Wb, C, vectors)

    def transform(self, lemmas: list[list[str]], vectors: np.ndarray | None = None):
        """Vectors of new texts in the fitted space."""
        counts, _ = self._word_counts(lemmas, fit=False)
        Wb = self._weigh(counts, self.idf_w)
        C = None
        if self.use_chars:
            rows, cols, vals = [], [], []
            for i, lem in enumerate(lemmas):
                bag: dict[int, int] = {}
                for w in lem:
                    for g in _char_ngrams(w):
                        j = self.ngrams.get(g)
                        if j is not None:
                            bag[j] = bag.get(j, 0) + 1
                rows.extend([i] * len(bag))
                cols.extend(bag)
                vals.extend(bag.values())
            c = sp.csr_matrix(
                (np.asarray(vals, dtype=np.float32), (rows, cols)),
                shape=(len(lemmas), len(self.ngrams)),
            )
            C = self._weigh(c, self.idf_c)
        if self.vec_width and vectors is None:
            vectors = np.zeros((len(lemmas), self.vec_width), dtype=np.float32)
        return self._vectors(Wb, C, vectors if self.vec_width else None)

    def _vectors(self, Wb: sp.csr_matrix, C: sp.csr_matrix | None, vectors: np.ndarray | None):
        from qualcode.suggest.vectors import combine

        w_words, w_chars, w_vec = self.weights
        sparse, dense = [(Wb, w_words)], []
        if C is not None and w_chars > 0:
            if self.projection is not None and self.projection.dims:
                dense.append((self.projection.apply(C), w_chars))
            else:  # a small project: the n-grams themselves
                sparse.append((C, w_chars))
        if vectors is not None and w_vec > 0:
            dense.append((vectors, w_vec))
        return combine(sparse, dense)

    # -- helpers
    def _word_counts(
        self, lemmas: list[list[str]], *, fit: bool
    ) -> tuple[sp.csr_matrix, list[str]]:
        vocab = self.vocab if not fit else {}
        m = count_matrix(lemmas, vocab, fit)
        if fit:
            self.vocab = vocab
        words = [""] * len(vocab)
        if fit:
            for w, j in vocab.items():
                words[j] = w
        return m, words

    @staticmethod
    def _word_ngram_matrix(words: list[str]) -> tuple[sp.csr_matrix, list[str]]:
        grams: dict[str, int] = {}
        W = count_matrix((_char_ngrams(w) for w in words), grams, True)
        names = [""] * len(grams)
        for g, j in grams.items():
            names[j] = g
        return W, names

    @staticmethod
    def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
        """Sublinear tf × idf, rows L2-normalised (in place on a float32 copy)."""
        m = counts.tocsr().astype(np.float32)
        m.sum_duplicates()
        np.log(m.data, out=m.data)
        m.data += 1.0
        m.data *= idf[m.indices]
        return _l2(m)

    @property
    def word_names(self) -> list[str]:
        names = [""] * len(self.vocab)
        for w, j in self.vocab.items():
            names[j] = w
        return names


def _weights(chars: bool, vectors: bool) -> tuple[float, float, float]:
    if chars and vectors:
        return (0.4, 0.3, 0.3)
    if chars:
        return (0.5, 0.5, 0.0)
    if vectors:
        return (0.6, 0.0, 0.4)
    return (1.0, 0.0, 0.0)


class BagSpace:
    """TF-IDF over a bag of tokens (used for the heading context), L2-normalised."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.idf: np.ndarray | None = None

    def fit_transform(self, bags: list[list[str]]) -> sp.csr_matrix:
        ts = TextSpace()
        counts, _ = ts._word_counts(bags, fit=True)
        self.vocab = ts.vocab
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = _idf(df, max(1, counts.shape[0]))
        return TextSpace._weigh(counts, self.idf)

    def transform(self, bags: list[list[str]]) -> sp.csr_matrix:
        ts = TextSpace(vocab=self.vocab)
        counts, _ = ts._word_counts(bags, fit=False)
        return TextSpace._weigh(counts, self.idf)


def position_features(relpos: np.ndarray, bins: int = 8) -> sp.csr_matrix:
    """Soft one-hot of the relative position (Gaussian bumps at bin centres), L2-normalised."""
    centres = (np.arange(bins) + 0.5) / bins
    d = relpos.reshape(-1, 1) - centres.reshape(1, -1)
    m = np.exp(-0.5 * (d / (1.0 / bins)) ** 2).astype(np.float32)
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    return sp.csr_matrix(m)


def count_matrix(rows, vocab: dict[str, int], grow: bool, missed=None) -> sp.csr_matrix:
    """Counts (rows × vocabulary) of the strings of each row; with ``grow`` new strings are
    added to ``vocab``, else they are skipped (and, given a list ``missed``, listed there
    row by row)."""
    indptr, indices = [0], []
    for items in rows:
        skipped = []
        for x in items:
            j = vocab.get(x)
            if j is None:
                if not grow:
                    skipped.append(x)
                    continue
                j = vocab[x] = len(vocab)
            indices.append(j)
        indptr.append(len(indices))
        if missed is not None:
            missed.append(skipped)
    m = sp.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float32),
            np.asarray(indices, dtype=np.int64),
            np.asarray(indptr),
        ),
        shape=(len(indptr) - 1, len(vocab)),
    )
    m.sum_duplicates()
    return m
