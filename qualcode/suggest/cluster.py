"""Candidate categories: cluster passages, label clusters by their distinctive lemmas.

The passages (uncoded content paragraphs, or the segments of one code) are represented
by their TF-IDF vectors (lemmas + character n-grams), reduced with a seeded truncated SVD
(LSA, at most 100 dimensions) and L2-normalised, then clustered with k-means (10 seeded
restarts). Without ``--n`` the number of clusters is the one with the best silhouette
between 2 and min(12, n/3), chosen on a seeded sample of at most 4,000 passages. Each cluster is labelled with the lemmas whose mean TF-IDF
in the cluster most exceeds their mean elsewhere, and shown with the three passages
nearest its centre.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from qualcode.errors import QualcodeError


def propose(
    session: Session,
    n: int | None = None,
    code: str | None = None,
    seed: int = 0,
    examples: int = 3,
) -> list[dict]:
    from qualcode.docsets import scope_ids
    from qualcode.models import Document
    from qualcode.suggest.index import get_index, get_nlp, span_units
    from qualcode.suggest.model import human_codings
    from qualcode.suggest.service import _coded_mask, _codings_by_doc, _out_of_scope
    from qualcode.suggest.threads import single_thread

    index = get_index(session)
    outside = _out_of_scope(session, index)  # --set: only the set's passages
    scope = set(scope_ids(session) or []) if scope_ids(session) is not None else None
    if code:
        from qualcode.codebook import CodeTree

        c = CodeTree.load(session).resolve(code)
        ids = {c.id} | {d.id for d in CodeTree.load(session).descendants(c)}
        spans = sorted(
            {
                (d, s, e)
                for d, s, e, cid in human_codings(session)
                if cid in ids and d in index.by_doc and (scope is None or d in scope)
            }
        )
        if len(spans) < 4:
            raise QualcodeError(
                f"the code {code!r} has {len(spans)} segment(s)",
                "splitting a code into sub-categories needs at least 4 segments",
            )
        units = span_units(session, index, get_nlp(session), spans)
        V = units.T
    else:
        mask = (
            ~_coded_mask(index, _codings_by_doc(session))
            & ~index.is_heading
            & (index.n_lemmas >= 3)
            & ~outside
        )
        mask &= ~structural_rows(session, index, mask)
        rows = np.flatnonzero(mask)
        if len(rows) < 4:
            raise QualcodeError(
                f"only {len(rows)} uncoded passages with content",
                "import more documents, or cluster a code's segments with --code",
            )
        spans = [(int(index.doc_ids[i]), int(index.starts[i]), int(index.ends[i])) for i in rows]
        V = index.V[rows]
    if n is not None and n > len(spans):
        raise QualcodeError(
            f"--n {n} is more than the {len(spans)} passages",
            f"use --n {max(2, len(spans) // 3)} or less",
        )
    labels, Z, centres = single_thread(_cluster)(V.sparse(), n, seed)
    words = index.space.word_names
    W = V.W[:, : len(words)].tocsr()  # the word columns come first
    doc_ids = sorted({d for d, _, _ in spans})
    texts = dict(
        session.execute(select(Document.id, Document.text).where(Document.id.in_(doc_ids))).all()
    )  # type: ignore[attr-defined]
    out = []
    order = sorted(range(centres.shape[0]), key=lambda k: (-int((labels == k).sum()), k))
    for rank, k in enumerate(order):
        members = np.flatnonzero(labels == k)
        inside = np.asarray(W[members].mean(axis=0)).ravel()
        others = np.flatnonzero(labels != k)
        outside = (
            np.asarray(W[others].mean(axis=0)).ravel() if len(others) else np.zeros_like(inside)
        )
        distinct = inside - outside
        top = [words[j] for j in np.argsort(-distinct, kind="stable")[:8] if distinct[j] > 0]
        sims = Z[members] @ centres[k]
        best = members[np.argsort(-sims, kind="stable")[:examples]]
        out.append(
            {
                "cluster": rank + 1,
                "size": int(len(members)),
                "label": ", ".join(top[:5]),
                "lemmas": top,
                "examples": [
                    {
                        "document": index.doc_names[spans[i][0]],
                        "start": spans[i][1],
                        "end": spans[i][2],
                        "text": texts[spans[i][0]][spans[i][1] : spans[i][2]],
                        "score": round(float(Z[i] @ centres[k]), 4),
                    }
                    for i in best
                ],
                "members": [
                    {
                        "document": index.doc_names[spans[i][0]],
                        "start": spans[i][1],
                        "end": spans[i][2],
                    }
                    for i in members
                ],
            }
        )
    return out


def structural_rows(session: Session, index, rows: np.ndarray | None = None) -> np.ndarray:
    """Which passages of the index are structural — a title, metadata block or the agenda
    (:func:`qualcode.structure.structural_flags`, seen in their documents) — for the
    documents with a row in ``rows`` (a mask; None: all)."""
    from qualcode.models import Document
    from qualcode.structure import structural_flags

    out = np.zeros(len(index.starts), dtype=bool)
    wanted = sorted(
        d for d, (lo, hi) in index.by_doc.items() if hi > lo and (rows is None or rows[lo:hi].any())
    )
    for k in range(0, len(wanted), 500):
        chunk = wanted[k : k + 500]
        for d, text in session.execute(
            select(Document.id, Document.text).where(Document.id.in_(chunk))  # type: ignore[attr-defined]
        ):
            lo, hi = index.by_doc[d]
            spans = list(zip(index.starts[lo:hi].tolist(), index.ends[lo:hi].tolist(), strict=True))
            out[lo:hi] = structural_flags(text, spans)
    return out


def _cluster(X, n: int | None, seed: int):
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    m = X.shape[0]
    dims = min(100, m - 1, X.shape[1] - 1)
    Z = (
        TruncatedSVD(n_components=max(1, dims), random_state=seed).fit_transform(X)
        if dims >= 2
        else X.toarray()
    )
    Z = normalize(Z).astype(np.float64)
    if n is None:
        # choose k on a seeded sample of at most 4,000 passages, then cluster all of them
        rng = np.random.default_rng(seed)
        S = Z[np.sort(rng.choice(m, 4000, replace=False))] if m > 4000 else Z
        best = None
        hi = max(2, min(12, S.shape[0] // 3))
        for k in range(2, hi + 1):
            km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(S)
            if len(set(km.labels_.tolist())) < 2:
                continue
            s = silhouette_score(S, km.labels_)
            if best is None or s > best[0] + 1e-9:
                best = (s, k)
        n = best[1] if best else 2
    km = KMeans(n_clusters=n, n_init=10, random_state=seed).fit(Z)
    centres = normalize(km.cluster_centers_)
    return km.labels_, Z, centres
