"""What to code next: the uncoded passage whose decision teaches the engine most.

Active learning by margin: the passage where the two likeliest answers are closest —
"no code" among them (the engine cannot decide between them) — teaches the classifier
most per coding. Passages the
engine is sure carry no code (boilerplate) are left for last. So that the researcher still
reads the material as Mayring asks, every ``READING_EVERY``-th pick (counted by the codings
made so far) is the first uncoded passage in reading order instead. Without codings yet,
reading order is all there is.
"""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

READING_EVERY = 4
NOTHING_BELOW = 0.05  # no code scored at least this: most likely a passage without a code


def next_passages(session: Session, doc: str | None = None, n: int = 1) -> list[dict]:
    """The next ``n`` passages to code: ``[{"document", "start", "end", "text", "reason",
    "uncertainty", "suggestions"}]`` (``reason``: ``"uncertain"`` or ``"reading order"``)."""
    from sqlalchemy import select

    from qualcode.documents import resolve_document
    from qualcode.errors import QualcodeError
    from qualcode.models import Document
    from qualcode.suggest import get_model, uncoded_paragraphs
    from qualcode.suggest.model import Coded, human_codings, score_spans, top_k
    from qualcode.suggest.service import _paths

    if doc is not None:
        doc_ids = [resolve_document(session, doc).id]
    else:
        doc_ids = [d for (d,) in session.execute(select(Document.id).order_by(Document.name))]
    from qualcode.docsets import restrict

    doc_ids = restrict(session, doc_ids) or []  # the command's document set (--set)
    names = dict(session.execute(select(Document.id, Document.name)).all())
    keys, layouts = uncoded_paragraphs(session, doc_ids)
    order = {d: k for k, d in enumerate(doc_ids)}
    keys.sort(key=lambda k: (order[k[0]], k[1]))  # reading order: documents by name
    if not keys:
        return []
    codings = human_codings(session)
    try:
        model = get_model(session) if codings else None
    except QualcodeError:
        model = None
    paths = _paths(session)
    if model is None:
        picks = [(k, "reading order", None) for k in keys[:n]]
        return [_item(names, layouts, k, why, None, []) for k, why, _ in picks]
    codes, M = score_spans(session, model, keys, Coded(codings), layouts)
    picks, uncertainty = pick(M, min(n, len(keys)), len(codings))
    out = []
    for i, why in picks:
        sugg = top_k(codes, M[i : i + 1], paths, 3)[0]
        out.append(_item(names, layouts, keys[i], why, float(uncertainty[i]), sugg))
    return out


def uncertainty_of(M: np.ndarray) -> np.ndarray:
    """1 − the margin between the two likeliest answers, "no code" among them (its
    likelihood: what the codes' scores leave, 1 − their sum); −1 where no code is likely at
    all. Without "no code" a passage where every code is unlikely (0.06 and 0.05) had the
    smallest margin of all and came first — mostly boilerplate, which the engine then learns
    nothing from (issue 25: on the demo, `next` order needed 152 decided paragraphs where
    document order needed 120)."""
    none = np.clip(1.0 - M.sum(axis=1, keepdims=True), 0.0, 1.0)
    A = np.hstack([M, none, np.zeros((len(M), 1))])
    top2 = -np.sort(-A, axis=1)[:, :2]
    unc = 1.0 - (top2[:, 0] - top2[:, 1])
    unc[M.max(axis=1, initial=0.0) < NOTHING_BELOW] = -1.0  # sure it is nothing: last
    return unc


def pick(M: np.ndarray, n: int, made: int) -> tuple[list[tuple[int, str]], np.ndarray]:
    """Rows of ``M`` (candidate passages in reading order × codes) to code next, with why;
    ``made``: codings so far (every ``READING_EVERY``-th pick is in reading order)."""
    uncertainty = uncertainty_of(M)
    by_gain = sorted(range(len(M)), key=lambda i: (-uncertainty[i], i))
    out: list[tuple[int, str]] = []
    used: set[int] = set()
    g = r = 0
    for step in range(min(n, len(M))):
        if (made + step) % READING_EVERY == READING_EVERY - 1:
            while r < len(M) and r in used:
                r += 1
            i, why = r, "reading order"
        else:
            while g < len(by_gain) and by_gain[g] in used:
                g += 1
            i, why = by_gain[g], "uncertain"
        used.add(i)
        out.append((i, why))
    return out, uncertainty


def _item(names, layouts, key, why, uncertainty, sugg) -> dict:
    d, s, e = key
    return {
        "document": names[d],
        "start": s,
        "end": e,
        "text": layouts[d].text[s:e],
        "reason": why,
        "uncertainty": None if uncertainty is None else round(max(uncertainty, 0.0), 4),
        "suggestions": sugg,
    }
