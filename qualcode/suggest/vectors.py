"""Compact passage vectors for "similar passages": sparse words + dense character topics.

The similarity index used to keep every passage's character n-gram TF-IDF row: about 400
non-zeros per passage, 140 MB on the 40,000-passage reference workload, more than the
project file itself. The character block is now reduced to its latent topics (truncated
SVD, "LSA", 128 dimensions, fitted on a seeded sample of at most 4,000 passages over the
32,768 most frequent n-grams): 256 bytes per passage, stored as float16. On four labelled
corpora (`make bench-suggest`, "similar passages") the share of the ten nearest passages
(other documents) that share a code rose with it: demo 0.474 → 0.485, Fragestunde
0.399 → 0.426, Plenarprotokolle 0.184 → 0.220, Wikipedia 0.546 → 0.577 — the topics join
spellings and compounds that the raw n-grams keep apart.

A vector is a pair ``(W, Z)``: the sparse block (word lemmas; in projects of fewer than
200 passages also the character n-grams themselves) and the dense block (character
topics, then word vectors when the pipeline has them), each scaled by the square root of
its weight, rows of unit length together. The cosine of two passages is ``W·W' + Z·Z'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

LSA_DIMS = 128
LSA_MAX_COLUMNS = 32_768
LSA_SAMPLE = 4_000
LSA_MIN_ROWS = 200  # below, the n-grams themselves (small anyway; topics need material)


@dataclass
class Vectors:
    W: sp.csr_matrix  # word block, float32
    Z: np.ndarray  # dense block (float16 on disk, float32 after `ready()`)

    def __len__(self) -> int:
        return self.W.shape[0]

    def __getitem__(self, rows) -> Vectors:
        return Vectors(self.W[rows], np.asarray(self.Z[rows], dtype=np.float32))

    def ready(self) -> Vectors:
        """float32 copies for arithmetic (the stored dense block is float16, memory-mapped)."""
        if self.Z.dtype != np.float32:
            self.Z = np.asarray(self.Z, dtype=np.float32)
        return self

    def scores(self, q: Vectors) -> np.ndarray:
        """Cosine of every row with the single vector ``q``."""
        s = np.asarray((self.W @ q.W.T).todense(), dtype=np.float32).ravel()
        if self.Z.shape[1]:
            s += self.Z.astype(np.float32, copy=False) @ q.Z.astype(np.float32).ravel()
        return s

    def centroid(self) -> Vectors:
        """The mean of the rows, of unit length."""
        w = sp.csr_matrix(self.W.mean(axis=0), dtype=np.float32)
        z = np.asarray(self.Z, dtype=np.float32).mean(axis=0, keepdims=True)
        return _unit(Vectors(w, z))

    def sparse(self) -> sp.csr_matrix:
        """Both blocks side by side (for clustering)."""
        return sp.hstack(
            [self.W, sp.csr_matrix(np.asarray(self.Z, dtype=np.float32))], format="csr"
        )

    @staticmethod
    def stack(parts: list[Vectors]) -> Vectors:
        return Vectors(
            sp.vstack([p.W for p in parts], format="csr", dtype=np.float32),
            np.vstack([np.asarray(p.Z, dtype=np.float32) for p in parts]),
        )


@dataclass
class Projection:
    """Character n-gram TF-IDF columns → latent topics."""

    columns: np.ndarray  # the n-gram columns the topics read (int32)
    components: np.ndarray  # (dims, len(columns)) float16

    @property
    def dims(self) -> int:
        return self.components.shape[0]

    def apply(self, C: sp.csr_matrix) -> np.ndarray:
        if self.dims == 0:
            return np.zeros((C.shape[0], 0), dtype=np.float32)
        V = self.components.astype(np.float32)
        return np.asarray(C[:, self.columns] @ V.T, dtype=np.float32)


def fit_projection(C: sp.csr_matrix, seed: int = 0) -> Projection:
    """Topics of the character block ``C`` (rows L2-normalised); none for small corpora."""
    from qualcode.suggest.threads import single_thread

    n, m = C.shape
    df = np.bincount(C.indices, minlength=m)
    columns = np.sort(np.argsort(-df, kind="stable")[:LSA_MAX_COLUMNS]).astype(np.int32)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, LSA_SAMPLE, replace=False)) if n > LSA_SAMPLE else np.arange(n)
    dims = min(LSA_DIMS, len(rows) - 1, len(columns) - 1)
    if n < LSA_MIN_ROWS or dims < 2:
        return Projection(columns[:0], np.zeros((0, 0), dtype=np.float16))

    def fit():
        from sklearn.decomposition import TruncatedSVD

        svd = TruncatedSVD(n_components=dims, n_iter=5, random_state=seed)
        svd.fit(C[rows][:, columns])
        return svd.components_

    return Projection(columns, single_thread(fit)().astype(np.float16))


def combine(
    sparse: list[tuple[sp.csr_matrix, float]], dense: list[tuple[np.ndarray, float]]
) -> Vectors:
    """Weighted blocks → unit vectors. Each block is L2-normalised per row first, then
    scaled by the square root of its weight."""
    W = sp.hstack(
        [_rows_unit(B.astype(np.float32)) * np.float32(np.sqrt(w)) for B, w in sparse],
        format="csr",
        dtype=np.float32,
    )
    parts = []
    for D, w in dense:
        D = np.asarray(D, dtype=np.float32)
        norms = np.linalg.norm(D, axis=1, keepdims=True)
        parts.append(D / np.maximum(norms, 1e-12) * np.float32(np.sqrt(w)))
    Z = np.hstack(parts) if parts else np.zeros((W.shape[0], 0), dtype=np.float32)
    return _unit(Vectors(W, Z))


def _rows_unit(m: sp.csr_matrix) -> sp.csr_matrix:
    from qualcode.suggest.features import _l2

    return _l2(m.tocsr().copy())


def _unit(v: Vectors) -> Vectors:
    sq = np.asarray(v.W.multiply(v.W).sum(axis=1)).ravel()
    Z = np.asarray(v.Z, dtype=np.float32)
    sq = sq + (Z * Z).sum(axis=1)
    inv = np.where(sq > 0, 1.0 / np.sqrt(np.maximum(sq, 1e-24)), 0.0).astype(np.float32)
    W = sp.diags(inv) @ v.W
    return Vectors(sp.csr_matrix(W, dtype=np.float32), Z * inv[:, None])
