"""Read-side helpers of the workbench: what its panels show, in one query per table.

Writes always go through the core services (codebook, codings, memos, …) inside
``database.transaction``. The reads here are plain SQL text with ``:named``
parameters, written once and run on either source:

* a read-only :mod:`sqlite3` connection (:func:`qualcode.fastread.open_project`) — the
  first screen is drawn this way, before SQLAlchemy is even imported;
* a SQLAlchemy session (``text()``) — everything after the engine is open, and every
  other backend (PostgreSQL).

So the first frame and every later refresh show the same data by construction;
``tests/test_tui_startup.py`` also checks them against the core's ``list_codes`` /
``list_documents`` on the demo project.
"""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from qualcode.structure import content_flags, progress
from qualcode.textutil import coded_flags, join_path, typed_value


def rows(src: Any, sql: str, **params: object) -> list[tuple]:
    """The rows of ``sql`` from a :mod:`sqlite3` connection or a SQLAlchemy session."""
    if isinstance(src, sqlite3.Connection):
        return src.execute(sql, params).fetchall()
    from sqlalchemy import text

    return [tuple(r) for r in src.execute(text(sql), params)]


@dataclass
class Span:
    """One coding as the view shows it."""

    id: int
    start: int
    end: int
    code_id: int
    code: str
    color: str
    coder: str


@dataclass
class DocData:
    """A document with its passages and codings, plus the highlight intervals.

    ``bounds``/``active`` cut the text into intervals ``[bounds[i], bounds[i+1])``
    each covered by the codings ``active[i]`` (indices into ``spans``); computed
    once per load so that rendering a line is a bisect, not a scan.
    """

    id: int
    name: str
    text: str
    attributes: dict[str, object]
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    spans: list[Span]
    # codings whose text was changed away by `import --update` (kept for review, not shown)
    orphaned: list[dict] = field(default_factory=list)
    bounds: list[int] = field(default_factory=list)
    active: list[tuple[int, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.colors: dict[int, str] = {s.code_id: s.color for s in self.spans}
        self.build_intervals()

    def build_intervals(self) -> None:
        events: dict[int, list[tuple[int, int]]] = {}
        for i, s in enumerate(self.spans):
            events.setdefault(s.start, []).append((1, i))
            events.setdefault(s.end, []).append((0, i))
        bounds: list[int] = []
        active: list[tuple[int, ...]] = []
        cur: dict[int, None] = {}
        for pos in sorted(events):
            for kind, i in sorted(events[pos]):
                if kind == 0:
                    cur.pop(i, None)
                else:
                    cur[i] = None
            bounds.append(pos)
            active.append(tuple(cur))
        self.bounds, self.active = bounds, active

    def covering(self, start: int, end: int) -> list[tuple[int, int, tuple[int, ...]]]:
        """``(from, to, span indices)`` pieces of ``[start, end)``, in order."""
        out: list[tuple[int, int, tuple[int, ...]]] = []
        if start >= end:
            return out
        b = self.bounds
        pos = start
        while pos < end:
            i = bisect.bisect_right(b, pos) - 1
            nxt = min(b[i + 1] if i + 1 < len(b) else end, end)
            out.append((pos, nxt, self.active[i] if i >= 0 else ()))
            pos = nxt
        return out

    def spans_at(self, start: int, end: int) -> list[Span]:
        """Codings overlapping ``[start, end)`` (or containing ``start`` when empty)."""
        if end <= start:
            end = start + 1
        return [s for s in self.spans if s.start < end and s.end > start]

    def units(self, unit: str) -> list[tuple[int, int]]:
        return self.sentences if unit == "sentence" and self.sentences else self.paragraphs

    def coded(self, unit: str) -> list[bool]:
        return coded_flags(self.units(unit), sorted((s.start, s.end) for s in self.spans))

    def todo(self, unit: str) -> list[bool]:
        """Passages still to read: content (no heading or metadata) not coded or marked."""
        units = self.units(unit)
        return [
            c and not k
            for c, k in zip(content_flags(self.text, units), self.coded(unit), strict=True)
        ]

    def progress(self) -> tuple[int, int]:
        """``(paragraphs to read, paragraphs done)``, as in the document list."""
        return progress(self.text, self.paragraphs, self.coded("paragraph"))


@dataclass
class Codes:
    """The code tree as the panels need it: rows in tree order, and id → (path, colour)."""

    rows: list[dict]
    by_id: dict[int, tuple[str, str]]

    def path(self, code_id: int) -> str | None:
        hit = self.by_id.get(code_id)
        return hit[0] if hit else None


def load_codes(src: Any, *, counts: bool = False) -> Codes:
    """Codes depth-first in tree order (siblings by position, name, id), like
    :meth:`qualcode.codebook.CodeTree.ordered`; with ``counts`` each row also has its own
    ``codings`` and ``documents`` (as :func:`qualcode.codebook.list_codes`)."""
    codes = rows(src, "SELECT id, name, name_key, parent_id, position, codable, color FROM code")
    children: dict[int | None, list[tuple]] = {}
    for c in sorted(codes, key=lambda c: (c[4], c[2], c[0])):
        children.setdefault(c[3], []).append(c)
    n_by_code: dict[int, tuple[int, int]] = {}
    if counts:
        n_by_code = {
            cid: (int(n), int(d))
            for cid, n, d in rows(
                src,
                "SELECT code_id, count(id), count(DISTINCT document_id) FROM coding GROUP BY code_id",
            )
        }
    out: list[dict] = []
    by_id: dict[int, tuple[str, str]] = {}
    # depth-first; each entry carries its parent's names and path
    stack: list[tuple[tuple, list[str], str | None]] = [
        (c, [], None) for c in reversed(children.get(None, []))
    ]
    while stack:
        (cid, name, _key, _parent, _pos, codable, color), parent_names, parent = stack.pop()
        names = [*parent_names, name]
        path = join_path(names)
        by_id[cid] = (path, color)
        row = {
            "id": cid,
            "path": path,
            "name": name,
            "parent": parent,
            "depth": len(names),
            "color": color,
            "codable": bool(codable),
        }
        if counts:
            row["codings"], row["documents"] = n_by_code.get(cid, (0, 0))
        out.append(row)
        stack.extend((child, names, path) for child in reversed(children.get(cid, [])))
    return Codes(out, by_id)


def code_rows(src: Any) -> list[dict]:
    """The code tree panel: rows of :func:`load_codes` with counts and a ``memo`` flag."""
    codes = load_codes(src, counts=True).rows
    memos = memo_targets(src, "code")
    for r in codes:
        r["memo"] = r["id"] in memos
    return codes


def memo_targets(src: Any, target_type: str) -> set[int]:
    """Ids of the documents or codes that have a memo (for the ✎ marks)."""
    return {
        i
        for (i,) in rows(
            src, "SELECT DISTINCT target_id FROM memo WHERE target_type = :t", t=target_type
        )
        if i is not None
    }


def attributes(src: Any, doc_id: int | None = None) -> dict[int, dict[str, object]]:
    """Typed attributes of one document (or of all), in the order they were set."""
    sql = "SELECT document_id, key, value, type FROM document_attribute"
    params: dict[str, object] = {}
    if doc_id is not None:
        sql += " WHERE document_id = :doc"
        params["doc"] = doc_id
    out: dict[int, dict[str, object]] = {}
    for did, key, value, type_ in rows(src, sql + " ORDER BY id", **params):
        out.setdefault(did, {})[key] = typed_value(value, type_)
    return out


def documents(src: Any, *, progress: bool = True) -> list[dict]:
    """The document list: name, attributes, memo flag and (with ``progress``) the share of
    paragraphs coded, as :func:`qualcode.documents.list_documents` counts it; without it
    ``progress`` is None (big projects count it in a worker)."""
    attrs = attributes(src)
    memos = memo_targets(src, "document")
    docs = [
        {"id": i, "name": n, "attributes": attrs.get(i, {}), "memo": i in memos, "progress": None}
        for i, n in rows(src, "SELECT id, name FROM document ORDER BY name")
    ]
    if progress:
        figures = progress_figures(src)
        for d in docs:
            d.update(figures.get(d["id"], {}))
    return docs


def progress_figures(src: Any) -> dict[int, dict]:
    """Per document: paragraphs, coded paragraphs, their share and the number of codings."""
    paras: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in rows(
        src, "SELECT document_id, start, \"end\" FROM passage WHERE unit = 'paragraph'"
    ):
        paras.setdefault(did, []).append((s, e))
    spans: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in rows(src, 'SELECT document_id, start, "end" FROM coding'):
        spans.setdefault(did, []).append((s, e))
    out: dict[int, dict] = {}
    for did, text in rows(src, "SELECT id, text FROM document"):
        p = sorted(paras.get(did, []))
        # headings and metadata are no work: content (and coded) paragraphs count
        n, coded = progress(text, p, coded_flags(p, spans.get(did, [])))
        out[did] = {
            "passages": n,
            "coded_passages": coded,
            "progress": round(coded / n, 3) if n else 1.0,
            "codings": len(spans.get(did, [])),
        }
    return out


def load_document(src: Any, doc_id: int) -> DocData:
    """One document with its passages, codings (code path, colour, coder) and attributes."""
    found = rows(src, "SELECT name, text FROM document WHERE id = :doc", doc=doc_id)
    if not found:
        from qualcode.errors import NotFound

        raise NotFound(f"document {doc_id} no longer exists", "pick another document")
    name, text = found[0]
    codes = load_codes(src)
    paragraphs: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    for unit, s, e in rows(
        src,
        'SELECT unit, start, "end" FROM passage WHERE document_id = :doc ORDER BY start, "end"',
        doc=doc_id,
    ):
        (sentences if unit == "sentence" else paragraphs).append((s, e))
    if not paragraphs and text:
        paragraphs = [(0, len(text))]
    coders = dict(rows(src, "SELECT id, name FROM coder"))
    spans: list[Span] = []
    orphaned: list[dict] = []
    for cid, s, e, code_id, coder_id, is_orphan, orphan_text in rows(
        src,
        'SELECT id, start, "end", code_id, coder_id, orphaned, orphan_text FROM coding '
        'WHERE document_id = :doc ORDER BY start, "end" DESC, id',
        doc=doc_id,
    ):
        path, color = codes.by_id.get(code_id, ("?", "#888888"))
        if is_orphan:  # its span no longer means anything: list it, don't highlight it
            orphaned.append(
                {
                    "id": cid,
                    "code": path,
                    "coder": coders.get(coder_id, "?"),
                    "text": orphan_text or "",
                }
            )
            continue
        spans.append(
            Span(
                id=cid,
                start=s,
                end=e,
                code_id=code_id,
                code=path,
                color=color,
                coder=coders.get(coder_id, "?"),
            )
        )
    return DocData(
        id=doc_id,
        name=name,
        text=text,
        attributes=attributes(src, doc_id).get(doc_id, {}),
        paragraphs=paragraphs,
        sentences=sentences,
        spans=spans,
        orphaned=orphaned,
    )


def recent_codes(src: Any, coder: str, limit: int = 9) -> list[str]:
    """The coder's most recently used code paths, newest first."""
    codes = load_codes(src)
    out: list[str] = []
    for (code_id,) in rows(
        src,
        "SELECT coding.code_id FROM coding JOIN coder ON coder.id = coding.coder_id "
        "WHERE coder.name = :coder ORDER BY coding.id DESC LIMIT 500",
        coder=coder,
    ):
        path = codes.path(code_id)
        if path is not None and path not in out:
            out.append(path)
        if len(out) >= limit:
            break
    return out


def coders(src: Any) -> list[tuple[str, int]]:
    """The project's coders with their number of codings, most codings first."""
    return [
        (name, int(n))
        for name, n in rows(
            src,
            "SELECT coder.name, COUNT(coding.id) FROM coder "
            "LEFT JOIN coding ON coding.coder_id = coder.id "
            "GROUP BY coder.id, coder.name ORDER BY COUNT(coding.id) DESC, coder.name",
        )
    ]
