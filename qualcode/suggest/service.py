"""The public functions of the suggestions (re-exported by :mod:`qualcode.suggest`).

Core module (no UI imports); the CLI (`qualcode similar|suggest|propose`) and the TUI
call these functions with their own session:

* :func:`similar` — passages most like a span, ``[{"document", "start", "end", "score", "text", "codes"}]``;
* :func:`similar_to_code` — uncoded passages most like a code's segments ("more like this");
* :func:`suggest_for_span` — the likeliest codes of a span, ``[{"code", "score", "basis"}]``;
* :func:`explain` — the configuration the engine chose for the project, and why;
* :func:`suggest` — suggestions for every uncoded paragraph; :func:`apply_suggestions`
  writes them as codings of the coder ``auto``;
* :func:`propose` — clusters of uncoded passages (or of one code's segments) as candidate
  categories, labelled by their top lemmas with three representative passages.

The passage index (for similar passages) and the trained code model are cached (in
memory and in the cache folder beside the project) under a hash of documents and
codings; see :mod:`qualcode.suggest.index`. The model does not need the index: it reads only the
documents it trains on or scores (:mod:`qualcode.suggest.model`).
"""

from __future__ import annotations

import bisect
import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sqlmodel import Session

from qualcode.errors import InvalidInput, NotFound, QualcodeError
from qualcode.textutil import check_span


def select(*args, **kwargs):
    """SQLAlchemy's select, imported on first use: a warm `similar` (:mod:`.fast`) needs none."""
    from sqlalchemy import select as sa_select

    return sa_select(*args, **kwargs)


@functools.cache
def _stmt(name: str):
    """Statements of the hot paths, built once (building a select costs more than running it)."""
    from sqlalchemy import bindparam, func

    from qualcode.models import Code, Coding, Document

    ids = bindparam("ids", expanding=True)
    return {
        "doc_len": select(Document.name, func.length(Document.text)).where(
            Document.id == bindparam("id")
        ),
        "codes": select(Code.id, Code.parent_id, Code.name),
        "texts": select(Document.id, Document.text).where(Document.id.in_(ids)),  # type: ignore[attr-defined]
        "codings_in": select(Coding.document_id, Coding.start, Coding.end, Coding.code_id)
        .where(Coding.orphaned.is_(False), Coding.document_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Coding.document_id, Coding.start),
    }[name]


def _check_span(session: Session, document_id: int, start: int, end: int) -> int:
    """Validate the span; returns the document's length (a light query: no ORM, no text)."""
    row = session.connection().execute(_stmt("doc_len"), {"id": int(document_id)}).first()
    if row is None:
        raise NotFound(
            f"unknown document id {document_id}", "`qualcode docs list` shows all documents"
        )
    name, n = row
    check_span(name, int(n), start, end, what="passage")
    return int(n)


def _paths(session: Session) -> dict[int, str]:
    return code_paths(session.connection().execute(_stmt("codes")))


def code_paths(rows) -> dict[int, str]:
    """Full paths of the codes from ``(id, parent_id, name)`` rows."""
    from qualcode.textutil import join_path

    by_id = {cid: (parent, name) for cid, parent, name in rows}
    out: dict[int, str] = {}
    for cid in by_id:
        names, cur, seen = [], cid, set()
        while cur is not None and cur in by_id and cur not in seen:
            seen.add(cur)
            parent, name = by_id[cur]
            names.append(name)
            cur = parent
        out[cid] = join_path(reversed(names))
    return out


def _doc_texts(session: Session, doc_ids) -> dict[int, str]:
    ids = sorted(set(doc_ids))
    if not ids:
        return {}
    return dict(session.connection().execute(_stmt("texts"), {"ids": ids}).all())


def _codings_by_doc(
    session: Session, doc_ids=None, *, human_only: bool = False
) -> dict[int, list[tuple[int, int, int]]]:
    from qualcode.config import AUTO_CODER
    from qualcode.models import Coder, Coding

    if doc_ids is not None and not human_only:
        rows = session.connection().execute(_stmt("codings_in"), {"ids": sorted(set(doc_ids))})
        out0: dict[int, list[tuple[int, int, int]]] = {}
        for d, s, e, c in rows:
            out0.setdefault(d, []).append((s, e, c))
        return out0
    stmt = select(Coding.document_id, Coding.start, Coding.end, Coding.code_id).where(
        Coding.orphaned.is_(False)
    )  # type: ignore[attr-defined]
    if human_only:
        stmt = stmt.join(Coder, Coder.id == Coding.coder_id).where(Coder.name != AUTO_CODER)
    if doc_ids is not None:
        stmt = stmt.where(Coding.document_id.in_(list(doc_ids)))  # type: ignore[attr-defined]
    out: dict[int, list[tuple[int, int, int]]] = {}
    for d, s, e, c in session.connection().execute(stmt.order_by(Coding.document_id, Coding.start)):
        out.setdefault(d, []).append((s, e, c))
    return out


def _codes_on(
    cod: dict[int, list[tuple[int, int, int]]], d: int, s: int, e: int, paths: dict[int, str]
) -> list[str]:
    return sorted({paths[c] for cs, ce, c in cod.get(d, []) if cs < e and ce > s and c in paths})


def _coded_mask(index, cod: dict[int, list[tuple[int, int, int]]]) -> np.ndarray:
    """Rows of the index that overlap at least one coding."""
    mask = np.zeros(len(index.starts), dtype=bool)
    for d, spans in cod.items():
        lo, hi = index.by_doc.get(d, (0, 0))
        if hi <= lo:
            continue
        starts = index.starts[lo:hi].tolist()
        for s, e, _ in spans:
            i = max(0, bisect.bisect_right(starts, s) - 1)
            while i < hi - lo and starts[i] < e:
                if index.ends[lo + i] > s:
                    mask[lo + i] = True
                i += 1
    return mask


def _query_vector(session: Session, index, document_id: int, start: int, end: int):
    from qualcode.suggest.features import analyse
    from qualcode.suggest.index import get_nlp

    row = index.row_of(document_id, start, end)
    if row is not None:
        return index.V[[row]]
    nlp_obj = get_nlp(session)  # only for a span that is not a paragraph
    text = _doc_texts(session, [document_id])[document_id]
    lem, vec = analyse(nlp_obj, [text[start:end]])
    return index.space.transform(lem, vec)


def _top(index, scores: np.ndarray, exclude, top: int) -> list[tuple[int, float]]:
    scores[index.is_heading] = 0.0
    if exclude is not None:
        scores[exclude] = 0.0
    k = min(top, int((scores > 0).sum()))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    ranked = sorted(part.tolist(), key=lambda i: (-scores[i], i))
    return [(i, float(scores[i])) for i in ranked]


class Reads:
    """What turns ranked index rows into items: texts, codings and code paths — read through
    the session here, through plain sqlite3 in the fast path (:mod:`.fast`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def texts(self, doc_ids) -> dict[int, str]:
        return _doc_texts(self.session, doc_ids)

    def codings(self, doc_ids) -> dict[int, list[tuple[int, int, int]]]:
        return _codings_by_doc(self.session, doc_ids)

    def paths(self) -> dict[int, str]:
        return _paths(self.session)


def passage_items(reads, index, ranked: list[tuple[int, float]]) -> list[dict]:
    if not ranked:
        return []
    doc_ids = sorted({int(index.doc_ids[i]) for i, _ in ranked})
    texts = reads.texts(doc_ids)
    cod = reads.codings(doc_ids)
    paths = reads.paths()
    out = []
    for i, sc in ranked:
        d, s, e = int(index.doc_ids[i]), int(index.starts[i]), int(index.ends[i])
        out.append(
            {
                "document": index.doc_names[d],
                "start": s,
                "end": e,
                "score": round(sc, 4),
                "text": texts[d][s:e],
                "codes": _codes_on(cod, d, s, e, paths),
            }
        )
    return out


def exclude_span(index, exclude: np.ndarray, d: int, start: int, end: int) -> np.ndarray:
    """``exclude`` with the passages overlapping the query span itself."""
    lo, hi = index.by_doc.get(d, (0, 0))
    if hi > lo:
        exclude[lo:hi] |= (index.starts[lo:hi] < end) & (index.ends[lo:hi] > start)
    return exclude


def similar(session: Session, document_id: int, start: int, end: int, top: int = 10) -> list[dict]:
    """The passages most similar to the span ``[start, end)`` of a document (cosine of
    lemma + character n-gram TF-IDF, plus word vectors when the pipeline has them).
    Passages overlapping the span itself and headings are left out."""
    from qualcode.suggest.index import get_index

    _check_span(session, document_id, start, end)
    index = get_index(session)
    d = int(document_id)
    q = _query_vector(session, index, d, start, end)
    own = exclude_span(index, np.zeros(len(index.starts), dtype=bool), d, start, end)
    if q.W.nnz == 0 and not np.any(q.Z):
        return []
    from qualcode.suggest.index import db_url
    from qualcode.suggest.meaning import similar_scores

    row = index.row_of(d, start, end)
    text = None if row is not None else _doc_texts(session, [d])[d][start:end]
    reads = Reads(session)
    scores = similar_scores(db_url(session), index, q, own, reads.texts, row, text)
    exclude = _out_of_scope(session, index) | own  # the document set limits the results only
    return passage_items(reads, index, _top(index, scores, exclude, top))


def _out_of_scope(session: Session, index) -> np.ndarray:
    """Rows of documents outside the session's document set (``--set``): never results."""
    from qualcode.docsets import scope_ids

    scope = scope_ids(session)
    if scope is None:
        return np.zeros(len(index.starts), dtype=bool)
    return ~np.isin(index.doc_ids, np.asarray(list(scope), dtype=np.int64))


def similar_to_code(
    session: Session, code_path: str, top: int = 10, *, uncoded_only: bool = True
) -> list[dict]:
    """Passages most like the segments of a code ("more like this"): cosine to the
    centroid of its segments (text vectors, and their embeddings' mean where they have
    them: :func:`qualcode.suggest.meaning.similarity`); by default only passages that are
    not coded yet."""
    from qualcode.codebook import CodeTree
    from qualcode.suggest.index import get_index, get_nlp, span_units
    from qualcode.suggest.model import human_codings

    tree = CodeTree.load(session)
    code = tree.resolve(code_path)
    ids = {code.id} | {c.id for c in tree.descendants(code)}  # a category: its sub-codes' segments
    index = get_index(session)
    spans = sorted(
        {(d, s, e) for d, s, e, c in human_codings(session) if c in ids and d in index.by_doc}
    )
    if not spans:
        raise QualcodeError(
            f"the code {code_path!r} has no segments yet",
            "code a passage with it first, then ask for more like it",
        )
    units = span_units(session, index, get_nlp(session), spans)
    centroid = units.T.centroid()
    own = np.zeros(len(index.starts), dtype=bool)  # the code's segments themselves
    for d, s, e in spans:
        lo, hi = index.by_doc[d]
        own[lo:hi] |= (index.starts[lo:hi] < e) & (index.ends[lo:hi] > s)
    if centroid.W.nnz == 0 and not np.any(centroid.Z):
        return []
    from qualcode.suggest.index import db_url
    from qualcode.suggest.meaning import passage_meaning, similarity, spans_meaning

    reads = Reads(session)
    url = db_url(session)
    meaning = passage_meaning(url, index, reads.texts)
    qm = spans_meaning(url, meaning, index, spans, reads.texts) if meaning is not None else None
    scores = similarity(index, centroid, own, meaning, qm)
    exclude = _out_of_scope(session, index) | own
    if uncoded_only:
        exclude |= _coded_mask(index, _codings_by_doc(session))
    return passage_items(reads, index, _top(index, scores, exclude, top))


def get_model(session: Session):
    """The code model for the current documents and codings (cached; trained when stale)."""
    from qualcode.suggest.index import cached, documents_hash, store
    from qualcode.suggest.model import codings_hash, semantic_state, train

    h = codings_hash(session, documents_hash(session, "model"), semantic_state(session))

    def build():
        model = train(session, h, prior=last_explain(session))
        store(session, EXPLAIN_KEY, h, model.explain)  # small, for `qualcode status`
        return model

    from qualcode.suggest.model import MODEL_VERSION, CodeModel

    return cached(
        session,
        "model",
        h,
        build,
        valid=lambda m: isinstance(m, CodeModel) and getattr(m, "version", None) == MODEL_VERSION,
    )


EXPLAIN_KEY = "model-explain"


def last_explain(session: Session) -> dict | None:
    """What the last trained model chose (without training), or None — also when that model
    is of an older version (its explanation may use other keys; it is rebuilt on use)."""
    from qualcode.config import MODEL_VERSION
    from qualcode.suggest.index import load_any

    ex = load_any(session, EXPLAIN_KEY)
    return ex if isinstance(ex, dict) and ex.get("version") == MODEL_VERSION else None


def suggest_for_span(
    session: Session, document_id: int, start: int, end: int, top: int = 3
) -> list[dict]:
    """The ``top`` likeliest codes of a span: ``[{"code": path, "score": p, "basis": "model"}]``.

    Raises :class:`QualcodeError` when there are no human codings to learn from."""
    from qualcode.suggest.model import Coded, human_codings, score_spans, top_k

    _check_span(session, document_id, start, end)
    d = int(document_id)
    model = get_model(session)
    codes, M = score_spans(session, model, [(d, start, end)], Coded(human_codings(session, [d])))
    return top_k(codes, M, _paths(session), top)[0]


def _has_words(text: str) -> bool:
    return any(len(w) > 1 and any(ch.isalpha() for ch in w) for w in text.split())


def uncoded_paragraphs(session: Session, doc_ids, *, include_headings: bool = False):
    """``(document_id, start, end)`` of the content paragraphs no coding (by anyone) overlaps
    (no headings, title, metadata blocks: :attr:`~qualcode.suggest.layout.DocLayout.todo`), and the layouts they come
    from."""
    from qualcode.suggest.layout import load_layouts

    layouts = load_layouts(session, doc_ids)
    cod = _codings_by_doc(session, list(layouts))
    out = []
    for d in sorted(layouts):
        lay = layouts[d]
        spans = cod.get(d, [])
        rows = range(len(lay.starts)) if include_headings else lay.todo
        for i in rows:
            s, e = lay.starts[i], lay.ends[i]
            if any(cs < e and ce > s for cs, ce, _ in spans):
                continue
            if _has_words(lay.text[s:e]):
                out.append((d, s, e))
    return out, layouts


def suggest(
    session: Session,
    doc: str | None = None,
    top: int = 3,
    min_score: float = 0.0,
    *,
    include_headings: bool = False,
) -> list[dict]:
    """Suggestions for every uncoded paragraph (no coding by anyone overlaps it; headings
    and passages without words are skipped):
    ``[{"document", "start", "end", "text", "suggestions": [{"code", "score", "basis"}]}]``.
    With ``min_score``, only suggestions at least that likely, and only passages with one."""
    from qualcode.documents import resolve_document
    from qualcode.models import Document
    from qualcode.suggest.model import Coded, human_codings, score_spans, top_k

    model = get_model(session)
    if doc is not None:
        doc_ids = [resolve_document(session, doc).id]
    else:
        doc_ids = [d for (d,) in session.execute(select(Document.id)).all()]
    from qualcode.docsets import restrict

    doc_ids = restrict(session, doc_ids) or []  # the command's document set (--set)
    names = dict(session.execute(select(Document.id, Document.name)).all())
    paths = _paths(session)
    results: list[dict] = []
    batch = 200  # documents per batch: bounded memory on big projects
    for b in range(0, len(doc_ids), batch):
        part = doc_ids[b : b + batch]
        keys, layouts = uncoded_paragraphs(session, part, include_headings=include_headings)
        coded = Coded(human_codings(session, part))
        codes, M = score_spans(session, model, keys, coded, layouts)
        for (d, s, e), sugg in zip(keys, top_k(codes, M, paths, top, min_score), strict=True):
            if min_score > 0 and not sugg:
                continue
            results.append(
                {
                    "document": names[d],
                    "start": s,
                    "end": e,
                    "text": layouts[d].text[s:e],
                    "suggestions": sugg,
                }
            )
    return results


def explain(session: Session) -> dict:
    """What the engine chose for this project and the cross-validated figures it chose on."""
    from qualcode.suggest.index import store

    model = get_model(session)
    if last_explain(session) != model.explain:  # a model cached before explanations were stored
        store(session, EXPLAIN_KEY, model.content_hash, model.explain)
    paths = _paths(session)
    out = dict(model.explain)
    out["code_examples"] = [
        {"code": paths[c], "coded_passages": model.n_examples.get(c, 0)}
        for c in model.code_ids
        if c in paths
    ]
    return out


def apply_from(session: Session, min_score: float) -> float | None:
    """The score from which `--apply --min-score` writes codings: the least score level
    ≥ ``min_score`` whose suggestions on held-out documents were right at least
    ``min_score`` of the time with 90 % confidence (None: no such level, nothing is
    written; without held-out documents, ``min_score`` itself). See
    :func:`qualcode.suggest.calibrate.precision_bounds`."""
    check_min_score(min_score)
    return get_model(session).apply_from(min_score)


def check_min_score(min_score: float) -> None:
    """`--apply --min-score` is a share of suggestions that must be right: in (0, 1]."""
    if not 0 < min_score <= 1:
        raise InvalidInput(f"--min-score {min_score:g} must be in (0, 1]", "e.g. --min-score 0.9")


def apply_suggestions(session: Session, items: list[dict], from_score: float | None) -> int:
    """Write every suggestion with ``score >= from_score`` (:func:`apply_from`; None:
    none) as a coding by the coder ``auto`` (audited bulk insert, so `qualcode undo`
    reverts it). Returns the number written."""
    from qualcode.codebook import CodeTree
    from qualcode.codings import bulk_insert_codings, get_coder
    from qualcode.config import AUTO_CODER
    from qualcode.models import Coding, Document

    if from_score is None:
        return 0
    tree = CodeTree.load(session)
    auto = get_coder(session, AUTO_CODER)
    doc_ids = dict(session.execute(select(Document.name, Document.id)).all())
    existing = set(
        session.execute(
            select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id)
        ).all()
    )
    rows = []
    for it in items:
        d = doc_ids.get(it["document"])
        if d is None:
            continue
        for sg in it["suggestions"]:
            if sg["score"] < from_score:
                continue
            code = tree.find(sg["code"])
            if code is None:
                continue
            key = (d, it["start"], it["end"], code.id, auto.id)
            if key in existing:
                continue
            existing.add(key)
            rows.append(
                {
                    "document_id": d,
                    "start": it["start"],
                    "end": it["end"],
                    "code_id": code.id,
                    "coder_id": auto.id,
                    "memo": f"suggested (score {sg['score']:.2f})",
                }
            )
    bulk_insert_codings(session, rows)
    return len(rows)


def propose(
    session: Session,
    n: int | None = None,
    code: str | None = None,
    seed: int = 0,
    examples: int = 3,
) -> list[dict]:
    from qualcode.suggest.cluster import propose as _propose

    return _propose(session, n=n, code=code, seed=seed, examples=examples)
