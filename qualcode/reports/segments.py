"""Coded segments of a code: the quotations of a report, with document and attributes."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.docsets import session_execute
from qualcode.documents import attributes_of
from qualcode.models import Coder, Coding, Document
from qualcode.reports.common import coding_filter
from qualcode.reports.segcore import (
    merge_segments,
    segments_markdown,
    segments_sheets,
    write_segments_docx,
)

__all__ = ["coded_segments", "segments_markdown", "segments_sheets", "write_segments_docx"]


def coded_segments(
    session: Session,
    code: str,
    children: bool = False,
    coder: str | None = None,
    include_auto: bool = False,
) -> dict:
    """``{"code", "children", "documents", "segments": [{document, attributes, code, coder,
    start, end, text, memo, orphaned}]}`` in document-name and text order."""
    tree = CodeTree.load(session)
    c = tree.resolve(code)
    ids = [c.id] + ([d.id for d in tree.descendants(c)] if children else [])
    stmt = (
        select(
            Coding.document_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.memo,
            Coding.orphaned,
            Coder.name,
            Document.name,
            Coding.id,
        )
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Document, Document.id == Coding.document_id)
        .where(Coding.code_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Document.name, Coding.start, Coding.end, Coding.id)
    )
    where = coding_filter(session, coder, include_auto)
    if where is not None:
        stmt = stmt.where(where)
    rows = session.connection().execute(stmt).all()
    doc_ids = sorted({r[0] for r in rows})
    texts: dict[int, str] = {}
    if doc_ids:
        texts = {
            i: t
            for i, t in session.execute(
                select(Document.id, Document.text).where(Document.id.in_(doc_ids))
            )
        }  # type: ignore[attr-defined]
    attrs = attributes_of(session, doc_ids) if doc_ids else {}
    paths = {i: tree.path(i) for i in ids}
    segments = merge_segments(rows, texts, attrs, paths, session_execute(session))
    return {
        "code": tree.path(c),
        "children": children,
        "coder": coder,
        "documents": len(doc_ids),
        "definition": c.definition,
        "segments": segments,
    }
