"""`qualcode similar` and `qualcode suggest --doc` without SQLAlchemy: the warm path of a
SQLite project.

A warm `similar` of a paragraph needs only the cached passage index (memory-mapped arrays)
and three small reads; a warm `suggest --doc` needs the cached model (:mod:`.scoring`) and
one document's text, paragraphs and codings. Importing SQLAlchemy and SQLModel cost more
than all of it (0.5 s of a 0.9 s command on the reference workload). As :mod:`qualcode.fastread` does for
`status` and `report freq`: anything unusual — another backend or schema version, no
cached index for the current documents, a span that is not a paragraph (it needs spaCy),
an unknown document name, a document set, no cached model for the current codings (it
must be trained, which the full path does and stores) — returns None and the caller takes the full
path, which gives the same result (a test compares both).
"""

from __future__ import annotations

import hashlib
import sqlite3

from qualcode.suggest.features import FEATURE_VERSION
from qualcode.suggest.passages import DOCUMENTS_SQL


class SqliteReads:
    """:class:`qualcode.suggest.Reads` over a plain read-only sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _in(self, sql: str, ids) -> list[tuple]:
        ids = sorted({int(i) for i in ids})
        marks = ",".join("?" * len(ids))
        return self.conn.execute(sql.format(marks=marks), ids).fetchall() if ids else []

    def texts(self, doc_ids) -> dict[int, str]:
        return dict(self._in("SELECT id, text FROM document WHERE id IN ({marks})", doc_ids))

    def codings(self, doc_ids) -> dict[int, list[tuple[int, int, int]]]:
        out: dict[int, list[tuple[int, int, int]]] = {}
        for d, s, e, c in self._in(
            'SELECT document_id, start, "end", code_id FROM coding WHERE orphaned = 0 '
            "AND document_id IN ({marks}) ORDER BY document_id, start",
            doc_ids,
        ):
            out.setdefault(d, []).append((s, e, c))
        return out

    def paths(self) -> dict[int, str]:
        from qualcode.suggest import code_paths

        return code_paths(self.conn.execute("SELECT id, parent_id, name FROM code"))


def similar(db: str | None, doc: str, start: int, end: int, top: int) -> list[dict] | None:
    """The rows of `qualcode similar DOC --start --end`, or None (take the full path)."""
    from qualcode.config import database_url
    from qualcode.fastread import open_project

    conn = open_project(db)
    if conn is None:
        return None
    try:
        return _similar(conn, database_url(db), doc, start, end, top)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def named_and_numbered(conn, doc: str) -> bool:
    """``doc`` names one document and is the id of another: ambiguous, the full path
    (:func:`qualcode.documents.resolve_document`) refuses it."""
    from qualcode.textutil import is_id

    return is_id(doc) and (
        conn.execute(
            "SELECT 1 FROM document WHERE id = ? AND name <> ?", (int(doc), doc)
        ).fetchone()
        is not None
    )


def _similar(conn, url: str, doc: str, start: int, end: int, top: int) -> list[dict] | None:
    import numpy as np

    from qualcode import cache, nlp
    from qualcode.suggest.service import _top, exclude_span, passage_items

    row = conn.execute("SELECT id FROM document WHERE name = ?", (doc,)).fetchone()
    if row is None or named_and_numbered(conn, doc):
        return None  # an id, a near miss or an unknown name: the full path resolves or explains
    setting = conn.execute("SELECT value FROM meta WHERE key = 'nlp.model'").fetchone()
    nlp_name = repr(nlp.configured(setting[0] if setting else None))
    h = hashlib.sha256(f"features={FEATURE_VERSION};nlp={nlp_name}".encode())
    h.update((conn.execute(DOCUMENTS_SQL["sqlite"]).fetchone()[0] or "").encode())
    index = cache.load(url, "index", h.hexdigest())
    if index is None:
        return None
    d = int(row[0])
    r = index.row_of(d, start, end)
    if r is None:
        return None
    index.V.ready()
    exclude = exclude_span(index, np.zeros(len(index.starts), dtype=bool), d, start, end)
    from qualcode.suggest.meaning import similar_scores

    reads = SqliteReads(conn)
    scores = similar_scores(url, index, index.V[[r]], exclude, reads.texts, r)
    return passage_items(reads, index, _top(index, scores, exclude, top))


def suggest_doc(db: str | None, doc: str, top: int, min_score: float) -> list[dict] | None:
    """The rows of `qualcode suggest --doc DOC` from the cached model, or None (full path)."""
    from qualcode.config import database_url
    from qualcode.fastread import open_project

    conn = open_project(db)
    if conn is None:
        return None
    try:
        return _suggest_doc(conn, database_url(db), doc, top, min_score)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _model_hash(conn, url: str) -> str:
    """:func:`qualcode.suggest.model.codings_hash` of ``documents_hash(session, "model")``
    and :func:`qualcode.suggest.model.semantic_state`, from one read of the documents."""
    from qualcode.suggest import semantic
    from qualcode.suggest.fingerprint import sqlite_codings
    from qualcode.suggest.scoring import MODEL_VERSION

    documents = conn.execute(DOCUMENTS_SQL["sqlite"]).fetchone()[0]
    docs = hashlib.sha256(f"features={FEATURE_VERSION};nlp=model".encode())
    docs.update((documents or "").encode())
    state = semantic.model_state(url, lambda: semantic.fingerprint(documents))
    from qualcode.suggest.agenda import AGENDA_SQL, fingerprint

    h = hashlib.sha256(f"{docs.hexdigest()};model={MODEL_VERSION};semantic={state}".encode())
    h.update(fingerprint(conn.execute(AGENDA_SQL).fetchall()).encode())
    h.update(sqlite_codings(lambda sql, p: conn.execute(sql, p).fetchone()).encode())
    return h.hexdigest()


def _suggest_doc(conn, url: str, doc: str, top: int, min_score: float) -> list[dict] | None:
    from qualcode import cache
    from qualcode.config import AUTO_CODER
    from qualcode.suggest.layout import build_layouts
    from qualcode.suggest.scoring import MODEL_VERSION, Coded, CodeModel, score_spans, top_k
    from qualcode.suggest.service import _has_words

    row = conn.execute("SELECT id, name FROM document WHERE name = ?", (doc,)).fetchone()
    if row is None or named_and_numbered(conn, doc):
        return None  # the full path resolves, or refuses an ambiguous reference
    model = cache.load(url, "model", _model_hash(conn, url))
    if not isinstance(model, CodeModel) or getattr(model, "version", None) != MODEL_VERSION:
        return None
    d, name = int(row[0]), row[1]
    reads = SqliteReads(conn)
    spans = [
        (s, e)
        for s, e in conn.execute(
            "SELECT start, \"end\" FROM passage WHERE unit = 'paragraph' AND document_id = ? "
            "ORDER BY start",
            (d,),
        )
    ]
    layouts = build_layouts(reads.texts([d]), {d: spans} if spans else {})
    lay = layouts[d]
    anyone = reads.codings([d]).get(d, [])
    keys = []
    for i in lay.todo:  # as uncoded_paragraphs: no headings, title or metadata
        s, e = lay.starts[i], lay.ends[i]
        if any(cs < e and ce > s for cs, ce, _ in anyone):
            continue
        if _has_words(lay.text[s:e]):
            keys.append((d, s, e))
    human = conn.execute(
        'SELECT DISTINCT c.document_id, c.start, c."end", c.code_id FROM coding c '
        "JOIN coder k ON k.id = c.coder_id JOIN code o ON o.id = c.code_id "
        "WHERE k.name != ? AND c.orphaned = 0 AND o.codable = 1 AND c.document_id = ?",
        (AUTO_CODER, d),
    ).fetchall()
    store = None
    if "semantic" in model.W:
        from qualcode.suggest import semantic

        store = semantic.Store.open(url)
    codes, M = score_spans(None, model, keys, Coded(sorted(human)), layouts, store)
    out = []
    for (_, s, e), sugg in zip(keys, top_k(codes, M, reads.paths(), top, min_score), strict=True):
        if min_score > 0 and not sugg:
            continue
        out.append(
            {"document": name, "start": s, "end": e, "text": lay.text[s:e], "suggestions": sugg}
        )
    return out
