"""Read-side helpers of the workbench: what one document view needs, loaded once.

Writes always go through the core services (codebook, codings, memos, …) inside
``database.transaction``; these functions only read, in one query per table, so
that opening a document with thousands of codings stays fast.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.documents import attributes_of, coded_flags
from qualcode.models import Coder, Coding, Document, Passage


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


def load_document(session: Session, doc_id: int, tree: CodeTree | None = None) -> DocData:
    doc = session.get(Document, doc_id)
    if doc is None:
        from qualcode.errors import NotFound

        raise NotFound(f"document {doc_id} no longer exists", "pick another document")
    tree = tree or CodeTree.load(session)
    paragraphs: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    rows = session.execute(
        select(Passage.unit, Passage.start, Passage.end)
        .where(Passage.document_id == doc_id)
        .order_by(Passage.start, Passage.end)
    )
    for unit, s, e in rows:
        (sentences if unit == "sentence" else paragraphs).append((s, e))
    if not paragraphs and doc.text:
        paragraphs = [(0, len(doc.text))]
    coders = dict(session.execute(select(Coder.id, Coder.name)).all())
    spans = []
    orphaned: list[dict] = []
    stmt = (
        select(
            Coding.id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.coder_id,
            Coding.orphaned,
            Coding.orphan_text,
        )
        .where(Coding.document_id == doc_id)
        .order_by(Coding.start, Coding.end.desc(), Coding.id)  # type: ignore[attr-defined]
    )
    paths: dict[int, str] = {}
    for cid, s, e, code_id, coder_id, is_orphan, orphan_text in session.execute(stmt):
        code = tree.by_id.get(code_id)
        if code is not None and code_id not in paths:
            paths[code_id] = tree.path(code)
        if is_orphan:  # its span no longer means anything: list it, don't highlight it
            orphaned.append(
                {
                    "id": cid,
                    "code": paths.get(code_id, "?"),
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
                code=paths.get(code_id, "?"),
                color=code.color if code else "#888888",
                coder=coders.get(coder_id, "?"),
            )
        )
    attrs = attributes_of(session, [doc_id]).get(doc_id, {})
    return DocData(
        id=doc_id,
        name=doc.name,
        text=doc.text,
        attributes=attrs,
        paragraphs=paragraphs,
        sentences=sentences,
        spans=spans,
        orphaned=orphaned,
    )


def recent_codes(session: Session, coder: str, limit: int = 9) -> list[str]:
    """The coder's most recently used code paths, newest first."""
    tree = CodeTree.load(session)
    stmt = (
        select(Coding.code_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coder.name == coder)
        .order_by(Coding.id.desc())  # type: ignore[union-attr]
        .limit(500)
    )
    out: list[str] = []
    for (code_id,) in session.execute(stmt):
        if code_id in tree.by_id:
            path = tree.path(code_id)
            if path not in out:
                out.append(path)
        if len(out) >= limit:
            break
    return out


def memo_targets(session: Session, target_type: str) -> set[int]:
    """Ids of the documents or codes that have a memo (for the ✎ marks)."""
    from qualcode.models import Memo

    stmt = select(Memo.target_id).where(Memo.target_type == target_type).distinct()
    return {i for (i,) in session.execute(stmt) if i is not None}


def quick_documents(session: Session) -> list[dict]:
    """Documents with attributes but without the progress figures (cheap: no passages/codings)."""
    from qualcode.documents import attributes_of

    attrs = attributes_of(session)
    memos = memo_targets(session, "document")
    return [
        {"id": i, "name": n, "attributes": attrs.get(i, {}), "memo": i in memos, "progress": None}
        for i, n in session.execute(select(Document.id, Document.name).order_by(Document.name))
    ]
