"""The passage index: every paragraph of the corpus as a vector, plus its structure.

Built once per state of the documents and cached twice: in memory (per process, for
the warm queries of the TUI) and in the cache folder beside the project (for the next
process; :mod:`qualcode.suggest.store`), keyed by a hash of the documents' ids, names and content hashes and of
the NLP pipeline. Importing, updating or removing a document changes the hash, so the
next query rebuilds the index; nothing is ever served stale.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlmodel import Session

from qualcode import nlp
from qualcode.models import Document, Passage, SuggestCache
from qualcode.suggest.features import (
    FEATURE_VERSION,
    BagSpace,
    TextSpace,
    analyse,
    doc_structure,
    position_features,
)
from qualcode.suggest.passages import DOCUMENTS_SQL, PassageIndex
from qualcode.suggest.vectors import Vectors

_mem_lock = threading.Lock()
_mem: dict[tuple[str, str], tuple[str, object]] = {}  # (db url, key) → (content hash, object)


@functools.cache
def _docs_stmt():
    return select(Document.id, Document.name, Document.sha256).order_by(Document.id)


@functools.cache
def _setting_stmt():
    from qualcode.models import Meta

    return select(Meta.value).where(Meta.key == "nlp.model")


def documents_hash(session: Session, nlp_name: str) -> str:
    """Hash of every document's id, name and content hash (one aggregated row on SQLite and
    PostgreSQL: fetching thousands of rows would cost more than the query it protects)."""
    from sqlalchemy import text

    h = hashlib.sha256(f"features={FEATURE_VERSION};nlp={nlp_name}".encode())
    conn = session.connection()
    sql = DOCUMENTS_SQL.get(conn.dialect.name)
    if sql is not None:
        h.update((conn.execute(text(sql)).scalar() or "").encode())
        return h.hexdigest()
    for did, name, sha in conn.execute(_docs_stmt()):
        h.update(f"|{did}:{name}:{sha}".encode())
    return h.hexdigest()


def db_url(session: Session) -> str:
    bind = session.get_bind()
    url = getattr(bind, "url", None)
    return url.render_as_string(hide_password=True) if url is not None else str(id(bind))


def get_nlp(session: Session):
    return nlp.load(_nlp_setting(session))


def cached(session: Session, key: str, content_hash: str, build, valid=None):
    """The object stored under ``key`` for ``content_hash``: memory, else database, else ``build()``.

    ``valid(obj)`` rejects a stored object of another format (written by an older version
    under the same key and hash): it is rebuilt, never misread."""
    url = db_url(session)
    with _mem_lock:
        hit = _mem.get((url, key))
    if hit is not None and hit[0] == content_hash:
        return hit[1]
    obj = _load_db(session, key, content_hash)
    if obj is not None and valid is not None and not valid(obj):
        obj = None
    if obj is None:
        obj = build()
        _store_db(session, key, content_hash, obj)
    with _mem_lock:
        _mem[(url, key)] = (content_hash, obj)
    return obj


def _load_db(session: Session, key: str, content_hash: str):
    from qualcode import cache as files

    return files.load(db_url(session), key, content_hash)


def store(session: Session, key: str, content_hash: str, obj) -> None:
    _store_db(session, key, content_hash, obj)


def load_any(session: Session, key: str):
    """The object stored under ``key``, whatever content hash it was made for (or None)."""
    from qualcode import cache as files

    return files.load_latest(db_url(session), key)


def _store_db(session: Session, key: str, content_hash: str, obj) -> None:
    """Store in the cache folder beside the project (see :mod:`qualcode.suggest.store`);
    a cache that cannot be written is only slower. Caches an older version kept inside the
    project file are removed from it on the way."""
    from qualcode import cache as files

    if files.save(db_url(session), key, content_hash, obj):
        _drop_cache_rows(session)


def _drop_cache_rows(session: Session) -> None:
    from sqlalchemy import text

    from qualcode.database import transaction

    bind = session.get_bind()
    opts = bind.get_execution_options() if hasattr(bind, "get_execution_options") else {}
    if opts.get("qualcode_write"):
        return  # the caller holds the write lock: a second writer would wait for it
    try:
        if session.execute(select(SuggestCache.key).limit(1)).first() is None:
            return
        engine = getattr(bind, "engine", bind)
        with transaction(engine, "suggest cache", "auto", record=False) as w:
            w.execute(text("DELETE FROM suggest_cache"))
    except Exception:  # noqa: BLE001 - no table (older project) or busy: try next time
        pass


def clear_memory() -> None:
    with _mem_lock:
        _mem.clear()


def get_index(session: Session, nlp_obj=None) -> PassageIndex:
    """The passage index of the current documents (cached). spaCy is loaded only to build it:
    the cache key names the configured pipeline, so a warm query never loads it."""
    setting = _nlp_setting(session)
    content_hash = documents_hash(session, repr(nlp.configured(setting)))
    index = cached(
        session,
        "index",
        content_hash,
        lambda: build_index(session, nlp_obj or nlp.load(setting), content_hash),
    )
    index.V.ready()
    return index


def _nlp_setting(session: Session) -> str | None:
    from qualcode.models import Meta

    try:
        return (
            session.connection().execute(select(Meta.value).where(Meta.key == "nlp.model")).scalar()
        )
    except Exception:  # settings table unreadable: the default pipeline
        return None


def build_index(
    session: Session, nlp_obj, content_hash: str = "", *, use_chars: bool = True
) -> PassageIndex:
    docs = {
        did: (name, text)
        for did, name, text in session.execute(
            select(Document.id, Document.name, Document.text).order_by(Document.id)
        )
    }
    rows = session.execute(
        select(Passage.document_id, Passage.start, Passage.end)
        .where(Passage.unit == "paragraph")
        .order_by(Passage.document_id, Passage.start)
    ).all()
    per_doc: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in rows:
        per_doc.setdefault(did, []).append((s, e))
    for did, (_, text) in docs.items():
        if did not in per_doc:  # documents imported without passages: split on blank lines
            from qualcode.textutil import paragraphs

            per_doc[did] = paragraphs(text)
    doc_ids, starts, ends, heads, relpos, contexts, texts = [], [], [], [], [], [], []
    by_doc: dict[int, tuple[int, int]] = {}
    for did in sorted(per_doc):
        if did not in docs:
            continue
        text = docs[did][1]
        spans = per_doc[did]
        st = doc_structure(text, spans)
        lo = len(doc_ids)
        n = len(text) or 1
        for k, (s, e) in enumerate(spans):
            doc_ids.append(did)
            starts.append(s)
            ends.append(e)
            heads.append(st.headings[k] is not None)
            relpos.append((s + e) / 2 / n)
            ctx = st.context[k]
            contexts.append(ctx[:-1] if st.headings[k] is not None else ctx)
            texts.append(text[s:e])
        by_doc[did] = (lo, len(doc_ids))
    lemmas, vectors = analyse(nlp_obj, texts)
    space = TextSpace()
    V = space.fit(lemmas, vectors, use_chars=use_chars)
    V.Z = V.Z.astype(np.float16)  # stored half size; `ready()` widens it when loaded
    heading_texts = sorted({h for ctx in contexts for h in ctx})
    hl = {}
    # heading texts are mostly passages themselves: reuse their lemmas
    text_to_row = {}
    for i, t in enumerate(texts):
        if heads[i]:
            text_to_row.setdefault(t.strip().lstrip("#").strip(), i)
    missing = [h for h in heading_texts if h not in text_to_row]
    missing_lemmas, _ = analyse(nlp_obj, missing) if missing else ([], None)
    for h, lem in zip(missing, missing_lemmas, strict=True):
        hl[h] = lem
    for h in heading_texts:
        if h in text_to_row:
            hl[h] = lemmas[text_to_row[h]]
    hspace = BagSpace()
    H = hspace.fit_transform([[w for h in ctx for w in hl.get(h, [])] for ctx in contexts])
    return PassageIndex(
        content_hash=content_hash,
        nlp_name=nlp_obj.name,
        doc_ids=np.asarray(doc_ids, dtype=np.int64),
        starts=np.asarray(starts, dtype=np.int64),
        ends=np.asarray(ends, dtype=np.int64),
        is_heading=np.asarray(heads, dtype=bool),
        n_lemmas=np.asarray([len(lem) for lem in lemmas], dtype=np.int32),
        relpos=np.asarray(relpos, dtype=np.float32),
        context=contexts,
        V=V,
        space=space,
        H=H,
        hspace=hspace,
        context_lemmas=hl,
        doc_len={did: len(t) for did, (_, t) in docs.items()},
        doc_names={did: name for did, (name, _) in docs.items()},
        by_doc=by_doc,
    )


def position_matrix(relpos: np.ndarray) -> sp.csr_matrix:
    return position_features(np.asarray(relpos, dtype=np.float32))


@dataclass
class Units:
    """Spans with their text vectors and structure."""

    doc_ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    T: Vectors
    contexts: list[tuple[str, ...]]
    relpos: np.ndarray


def span_units(
    session: Session, index: PassageIndex, nlp_obj, spans: list[tuple[int, int, int]]
) -> Units:
    """Text vectors and structure of arbitrary spans ``(document_id, start, end)``."""
    rows: list[int | None] = [index.row_of(d, s, e) for d, s, e in spans]
    need = [k for k, r in enumerate(rows) if r is None]
    parts: list[Vectors] = []
    order: list[int] = []
    have = [k for k, r in enumerate(rows) if r is not None]
    if have:
        parts.append(index.V[[rows[k] for k in have]])
        order.extend(have)
    if need:
        doc_ids = sorted({spans[k][0] for k in need})
        texts = dict(
            session.execute(
                select(Document.id, Document.text).where(Document.id.in_(doc_ids))
            ).all()
        )  # type: ignore[attr-defined]
        lem, vec = analyse(nlp_obj, [texts[spans[k][0]][spans[k][1] : spans[k][2]] for k in need])
        parts.append(index.space.transform(lem, vec))
        order.extend(need)
    if parts:
        stacked = Vectors.stack(parts)
        inv = np.empty(len(order), dtype=np.int64)
        inv[np.asarray(order)] = np.arange(len(order))
        T = stacked[inv]
    else:
        T = index.V[[]]
    contexts, relpos = [], []
    for d, s, e in spans:
        c, p = index.structure_of(d, s, e)
        contexts.append(c)
        relpos.append(p)
    return Units(
        doc_ids=np.asarray([d for d, _, _ in spans], dtype=np.int64),
        starts=np.asarray([s for _, s, _ in spans], dtype=np.int64),
        ends=np.asarray([e for _, _, e in spans], dtype=np.int64),
        T=T,
        contexts=contexts,
        relpos=np.asarray(relpos, dtype=np.float32),
    )
