"""`qualcode similar` without SQLAlchemy: the warm path of a SQLite project.

A warm `similar` of a paragraph needs only the cached passage index (memory-mapped arrays)
and three small reads; importing SQLAlchemy and SQLModel cost more than all of it (0.5 s
of a 0.9 s command on the reference workload). As :mod:`qualcode.fastread` does for
`status` and `report freq`: anything unusual — another backend or schema version, no
cached index for the current documents, a span that is not a paragraph (it needs spaCy),
an unknown document name, a document set — returns None and the caller takes the full
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


def _similar(conn, url: str, doc: str, start: int, end: int, top: int) -> list[dict] | None:
    import numpy as np

    from qualcode import cache, nlp
    from qualcode.suggest import _rank, exclude_span, passage_items

    row = conn.execute("SELECT id FROM document WHERE name = ?", (doc,)).fetchone()
    if row is None:
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
    return passage_items(SqliteReads(conn), index, _rank(index, index.V[[r]], exclude, top))
