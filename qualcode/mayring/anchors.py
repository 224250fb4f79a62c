"""Anchor examples: a real coded segment chosen by the researcher, else the stored text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput, NotFound
from qualcode.models import Code, Coding, Document

if TYPE_CHECKING:
    from qualcode.schemas.codes import CodeAnchor


def set_anchor_coding(session: Session, path: str, coding_id: int | None) -> CodeAnchor:
    """Make coding ``coding_id`` (of this code) the anchor example; None: the stored text."""
    tree = CodeTree.load(session)
    code = tree.resolve(path)
    out: CodeAnchor = {
        "id": code.id,  # type: ignore[typeddict-item]
        "code": tree.path(code),
        "coding_id": coding_id,
        "document": None,
        "start": None,
        "end": None,
        "text": code.anchor,
    }
    if coding_id is not None:
        coding = session.get(Coding, coding_id)
        if coding is None:
            raise NotFound(f"there is no coding {coding_id}", "`qualcode codings --json` lists ids")
        if coding.code_id != code.id:
            raise InvalidInput(
                f"coding {coding_id} is coded with {tree.path(coding.code_id)!r}, not {tree.path(code)!r}",
                f"choose a segment of {tree.path(code)!r}: `qualcode codings --code '{tree.path(code)}' --json`",
            )
        doc = session.get(Document, coding.document_id)
        assert doc is not None
        out["document"] = doc.name
        out["start"], out["end"] = coding.start, coding.end
        out["text"] = doc.text[coding.start : coding.end]
    code.anchor_coding_id = coding_id
    session.add(code)
    session.flush()
    return out


def anchor_segments(session: Session, codes: list[Code]) -> dict[int, dict]:
    """``code id → {text, document, start, end}`` of the chosen segments that still exist."""
    wanted = {c.anchor_coding_id: c.id for c in codes if c.anchor_coding_id is not None}
    if not wanted:
        return {}
    out: dict[int, dict] = {}
    stmt = (
        select(Coding.id, Coding.code_id, Coding.start, Coding.end, Document.name, Document.text)
        .join(Document, Document.id == Coding.document_id)  # type: ignore[arg-type]
        .where(Coding.id.in_(list(wanted)))  # type: ignore[union-attr]
    )
    for cid, code_id, s, e, name, text in session.execute(stmt):
        if wanted.get(cid) == code_id:  # still a segment of that code (not moved by a merge)
            out[code_id] = {
                "text": " ".join(text[s:e].split()),
                "document": name,
                "start": s,
                "end": e,
            }
    return out
