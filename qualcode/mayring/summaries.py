"""Case summaries: Mayring's summarising step per case, MAXQDA's summary grid.

A summary belongs to one document and one category; it is written next to the
category's segments of that document (:func:`segments_for`) and exported as a grid —
documents as rows (with their attributes), categories as columns (:func:`summary_grid`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.codings import get_coder
from qualcode.documents import attributes_of, resolve_document
from qualcode.errors import NotFound
from qualcode.mayring.tables import CaseSummary
from qualcode.models import Coder, Coding, Document, utcnow

if TYPE_CHECKING:
    from qualcode.schemas.mayring import SummarySet
    from qualcode.schemas.reports import SummariesReport, SummariesRow


def set_summary(
    session: Session, doc_ref: str | int, code_path: str, text: str, coder: str
) -> SummarySet:
    """Write (or, with an empty text, remove) the summary of a category in a document."""
    doc = resolve_document(session, doc_ref)
    tree = CodeTree.load(session)
    code = tree.resolve(code_path)
    row = session.execute(
        select(CaseSummary).where(CaseSummary.document_id == doc.id, CaseSummary.code_id == code.id)
    ).scalar_one_or_none()
    text = text.strip()
    if not text:
        if row is not None:
            session.delete(row)
            session.flush()
        return {
            "id": None,
            "document": doc.name,
            "code": tree.path(code),
            "text": text,
            "deleted": row is not None,
        }
    c = get_coder(session, coder)
    if row is None:
        row = CaseSummary(document_id=doc.id, code_id=code.id, text=text, coder_id=c.id)  # type: ignore[arg-type]
    else:
        row.text, row.coder_id, row.updated_at = text, c.id, utcnow()
    session.add(row)
    session.flush()
    return {
        "id": row.id,
        "document": doc.name,
        "code": tree.path(code),
        "text": text,
        "deleted": False,
    }


def get_summary(session: Session, doc_id: int, code_id: int) -> str:
    row = session.execute(
        select(CaseSummary.text).where(
            CaseSummary.document_id == doc_id, CaseSummary.code_id == code_id
        )
    ).scalar_one_or_none()
    return row or ""


def list_summaries(
    session: Session,
    doc: str | None = None,
    code: str | None = None,
    rq: str | None = None,
) -> list[dict]:
    """Summaries in document and code-tree order (``code`` includes its sub-codes)."""
    tree = CodeTree.load(session)
    scope: set[int] | None = None
    if code:
        root = tree.resolve(code)
        scope = {root.id} | {d.id for d in tree.descendants(root)}  # type: ignore[assignment]
    if rq:
        from qualcode.mayring.questions import question_code_ids

        ids = question_code_ids(session, rq, tree)
        scope = ids if scope is None else scope & ids
    stmt = (
        select(CaseSummary, Document.name)
        .join(Document, Document.id == CaseSummary.document_id)  # type: ignore[arg-type]
        .order_by(Document.name)
    )
    if doc:
        stmt = stmt.where(CaseSummary.document_id == resolve_document(session, doc).id)
    coders: dict = dict(session.execute(select(Coder.id, Coder.name)).all())
    order = {c.id: i for i, c in enumerate(tree.ordered())}
    rows = []
    for s, dname in session.execute(stmt):
        if s.code_id not in tree.by_id or (scope is not None and s.code_id not in scope):
            continue
        rows.append(
            {
                "id": s.id,
                "document": dname,
                "code": tree.path(s.code_id),
                "text": s.text,
                "coder": coders.get(s.coder_id),
                "updated_at": s.updated_at.isoformat(timespec="seconds"),
                "_order": (dname, order.get(s.code_id, 0)),
            }
        )
    rows.sort(key=lambda r: r.pop("_order"))
    return rows


def segments_for(session: Session, doc_id: int, code_id: int) -> list[dict]:
    """The category's segments (with its sub-codes) in one document, in text order; a span
    several coders coded identically appears once."""
    tree = CodeTree.load(session)
    if code_id not in tree.by_id:
        raise NotFound(f"code {code_id} no longer exists", "pick another code")
    ids = {code_id} | {d.id for d in tree.descendants(tree.by_id[code_id])}
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"document {doc_id} no longer exists", "pick another document")
    seen = set()
    out = []
    stmt = (
        select(Coding.start, Coding.end, Coding.code_id)
        .where(Coding.document_id == doc_id, Coding.code_id.in_(ids), Coding.orphaned.is_(False))  # type: ignore[attr-defined]
        .order_by(Coding.start, Coding.end)
    )
    for s, e, cid in session.execute(stmt):
        if (s, e, cid) in seen:
            continue
        seen.add((s, e, cid))
        out.append({"start": s, "end": e, "code": tree.path(cid), "text": doc.text[s:e]})
    return out


def summary_grid(
    session: Session, rq: str | None = None, code: str | None = None
) -> SummariesReport:
    """Documents × categories: ``{"attribute_names": [...], "code_paths": [...], "rows":
    [{document, document_id, attributes: {…}, summaries: [{code, text}]}], "summary_count"}``
    — the codes that have a summary, in tree order (a row's summaries in that order); every
    document, also those without any summary (an empty row says something)."""
    items = list_summaries(session, code=code, rq=rq)
    tree = CodeTree.load(session)
    used = {i["code"] for i in items}
    codes = [tree.path(c) for c in tree.ordered() if tree.path(c) in used]
    docs = list(session.execute(select(Document.id, Document.name).order_by(Document.name)))
    attrs = attributes_of(session)
    keys: list[str] = []
    for d in attrs.values():
        for k in d:
            if k not in keys:
                keys.append(k)
    by_doc: dict[str, dict[str, str]] = {}
    for i in items:
        by_doc.setdefault(i["document"], {})[i["code"]] = i["text"]
    rows: list[SummariesRow] = [
        {
            "document": name,
            "document_id": did,
            "attributes": {k: attrs.get(did, {}).get(k) for k in keys},  # type: ignore[misc]
            "summaries": [
                {"code": c, "text": by_doc[name][c]} for c in codes if c in by_doc.get(name, {})
            ],
        }
        for did, name in docs
    ]
    return {"attribute_names": keys, "code_paths": codes, "rows": rows, "summary_count": len(items)}
