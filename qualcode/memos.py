"""Memos on the project, documents, codes and codings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree, resolve_code
from qualcode.documents import resolve_document
from qualcode.errors import InvalidInput, NotFound
from qualcode.models import Coding, Document, Memo, utcnow
from qualcode.textutil import is_id

if TYPE_CHECKING:
    from qualcode.schemas.common import Memo as MemoObject

TARGETS = ("project", "document", "code", "coding")


def resolve_target(session: Session, target_type: str, ref: str | None) -> int | None:
    if target_type == "project":
        return None
    if ref is None:
        raise InvalidInput(
            f"a {target_type} memo needs a target", "give the document name, code path or coding id"
        )
    if target_type == "document":
        return resolve_document(session, ref).id
    if target_type == "code":
        return resolve_code(session, ref).id
    if target_type == "coding":
        if not is_id(str(ref).strip()) or session.get(Coding, int(ref)) is None:
            raise NotFound(f"unknown coding {ref!r}", "`qualcode codings --json` lists coding ids")
        return int(ref)
    raise InvalidInput(f"unknown memo target {target_type!r}", f"use one of {', '.join(TARGETS)}")


def add_memo(
    session: Session,
    target_type: str,
    ref: str | None,
    text: str,
    title: str = "",
    coder_id: int | None = None,
) -> Memo:
    target_id = resolve_target(session, target_type, ref)
    memo = Memo(
        target_type=target_type, target_id=target_id, text=text, title=title, coder_id=coder_id
    )
    session.add(memo)
    session.flush()
    return memo


def set_memo(
    session: Session, target_type: str, ref: str | None, text: str, coder_id: int | None = None
) -> Memo | None:
    """The TUI's memo editor: one memo per target, created, updated or (empty text) deleted."""
    target_id = resolve_target(session, target_type, ref)
    memo = session.execute(
        select(Memo)
        .where(Memo.target_type == target_type, Memo.target_id == target_id)
        .order_by(Memo.id)
        .limit(1)
    ).scalar_one_or_none()
    if memo is None:
        if not text.strip():
            return None
        return add_memo(session, target_type, ref, text, coder_id=coder_id)
    if not text.strip():
        session.delete(memo)
        session.flush()
        return None
    if memo.text != text:
        memo.text = text
        memo.updated_at = utcnow()
        session.flush()
    return memo


def get_memo_text(session: Session, target_type: str, target_id: int | None) -> str:
    memo = session.execute(
        select(Memo)
        .where(Memo.target_type == target_type, Memo.target_id == target_id)
        .order_by(Memo.id)
        .limit(1)
    ).scalar_one_or_none()
    return memo.text if memo else ""


def list_memos(session: Session, target_type: str | None = None) -> list[MemoObject]:
    """The memos (on one kind of target: ``target_type``) in the one memo shape of every
    ``--json`` output: ``on`` and the ``document``, ``code`` or ``coding_id`` it is about."""
    from qualcode.docsets import session_execute
    from qualcode.reports.segcore import memo_rows

    where = ""
    if target_type:
        if target_type not in TARGETS:
            raise InvalidInput(
                f"unknown memo target {target_type!r}", f"use one of {', '.join(TARGETS)}"
            )
        where = f"memo.target_type = '{target_type}'"
    return memo_objects(session, memo_rows(session_execute(session), where))


def memo_objects(session: Session, rows: list[tuple]) -> list[MemoObject]:
    """Rows of :func:`qualcode.reports.segcore.memo_rows` as memo objects, with the names
    of the documents and the paths of the codes they are about."""
    from qualcode.reports.segcore import memo_object

    tree = CodeTree.load(session)
    names = dict(session.execute(select(Document.id, Document.name)).all())
    out: list[MemoObject] = []
    for row in rows:
        on, target = row[1], row[2]
        document = names.get(target) if on == "document" else None
        code = tree.path(target) if on == "code" and target in tree.by_id else None
        out.append(memo_object(row, document, code))
    return out


def memo_object_of(session: Session, memo_id: int) -> MemoObject:
    """One memo (by id) as a memo object."""
    from qualcode.docsets import session_execute
    from qualcode.reports.segcore import memo_rows

    return memo_objects(session, memo_rows(session_execute(session), f"memo.id = {int(memo_id)}"))[
        0
    ]


def delete_memo(session: Session, memo_id: int) -> None:
    memo = session.get(Memo, memo_id)
    if memo is None:
        raise NotFound(f"unknown memo {memo_id}", "`qualcode memo list` shows memo ids")
    session.delete(memo)
    session.flush()


def coding_notes(session: Session, coding_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Memos of the memo table on codings (`memo add --coding`, REFI notes), by coding id.

    A coded segment has its own memo too (``Coding.memo``: `code --memo`, the workbench's
    `o`); `codings --json` shows both, as ``memo`` and ``memos``; the segment reports show
    them together (:func:`qualcode.reports.segcore.segment_memo`). One reader for both:
    :func:`qualcode.reports.segcore.coding_notes`."""
    from qualcode.docsets import session_execute
    from qualcode.reports.segcore import coding_notes as read_notes

    return read_notes(session_execute(session), coding_ids)


def set_coding_memo(session: Session, coding_id: int, text: str) -> Coding:
    """The memo of a coded segment (``Coding.memo``); an empty text clears it."""
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFound(f"unknown coding {coding_id}", "`qualcode codings --json` lists coding ids")
    coding.memo = text.strip()
    session.flush()
    return coding
