"""Merge, rename and split codes — in bulk SQL, fully recorded in the audit log.

``merge_codes(session, "A", "B")`` moves every coding of A to B:

- a coding that would become identical to one B already has (same document,
  span and coder) *collapses*: it is deleted; its memo is appended to the
  surviving coding's memo and memos written on it move to the survivor.
  Overlapping but not identical codings stay separate — nothing is lost;
- A's sub-codes move under B; a sub-code whose name B already has is merged
  into B's sub-code of that name (recursively);
- A's description, definition, anchor example and coding rule are appended to
  B's (separated by a blank line, skipped when B already contains the text);
  A's memos move to B (when B has a memo, their text is appended to it);
- A is deleted, unless ``keep``.

With a filter (documents, coder, document attributes, or a text pattern) only
the selected codings move and A stays with its sub-codes, definition and memos:
that is a *split*. Merging a code into one of its own sub-codes needs ``keep``
(or a filter), since A's other sub-codes would have nowhere to go.

Every change goes into the current audit entry, so ``qualcode undo`` restores
the merged-away code with its id, fields, memos and codings exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session

from qualcode import audit
from qualcode.codebook import (
    TEXT_FIELDS,
    CodeTree,
    add_code,
    check_new_path,
    join_path,
    split_path,
)
from qualcode.errors import Conflict, InvalidInput, NotFound
from qualcode.models import Code, Coder, Coding, Document, Memo, utcnow
from qualcode.names import check_name
from qualcode.recode.scope import Scope, chunks, make_scope
from qualcode.textutil import name_key

_C = Coding.__table__  # type: ignore[attr-defined]


def _empty_result(source: str, target: str) -> dict[str, Any]:
    return {
        "from": source,
        "to": target,
        "action": "merge",
        "moved": 0,
        "collapsed": 0,
        "subcodes_moved": 0,
        "subcodes_merged": 0,
        "memos_moved": 0,
        "source_deleted": False,
        "target_created": False,
        "sample": [],
    }


def merge_codes(
    session: Session,
    source_path: str,
    target_path: str,
    *,
    keep: bool = False,
    doc: str | Sequence[str] | None = None,
    coder: str | Sequence[str] | None = None,
    where: Mapping[str, str | Sequence[str]] | None = None,
    match: str | re.Pattern[str] | None = None,
    sample: int = 0,
) -> dict[str, Any]:
    """Move the codings of ``source_path`` to ``target_path`` (both must exist).

    Returns counts: ``moved``, ``collapsed`` (duplicates deleted),
    ``subcodes_moved``, ``subcodes_merged``, ``memos_moved``, ``source_deleted``
    and, with ``sample > 0``, up to that many affected codings with their text.
    """
    session.flush()
    tree = CodeTree.load(session)
    src, dst = tree.resolve(source_path), tree.resolve(target_path)
    scope = make_scope(session, doc=doc, coder=coder, where=where, match=match)
    return _merge(session, src.id, dst.id, keep=keep, scope=scope, sample=sample)  # type: ignore[arg-type]


def recode(
    session: Session,
    source_path: str,
    target_path: str,
    *,
    keep: bool = False,
    create: bool = False,
    doc: str | Sequence[str] | None = None,
    coder: str | Sequence[str] | None = None,
    where: Mapping[str, str | Sequence[str]] | None = None,
    match: str | re.Pattern[str] | None = None,
    sample: int = 0,
    force: bool = False,
) -> dict[str, Any]:
    """``qualcode recode --from --to``: merge, or — for a new target with ``create`` — rename/split.

    A new target name an existing code could be mistaken for needs ``force``
    (:func:`qualcode.codebook.check_new_path`).

    An unknown target is an error unless ``create``. With ``create`` and no
    filter and no ``keep`` the source code itself is renamed/moved to the new
    path (same id, colour, memos); otherwise the target is created and the
    selected codings move to it.
    """
    session.flush()
    tree = CodeTree.load(session)
    src = tree.resolve(source_path)
    scope = make_scope(session, doc=doc, coder=coder, where=where, match=match)
    try:  # an existing code by its path, leaf name or path suffix
        dst: Code | None = tree.resolve(target_path)
    except NotFound:
        if not create:
            raise
        dst = None
    if dst is not None and dst.id == src.id and split_path(target_path)[-1] != src.name:
        return _relocate(
            session, tree, src, target_path, sample=sample
        )  # only the spelling changes
    if dst is None:
        check_new_path(
            tree,
            target_path,
            skip=[src.id, *(c.id for c in tree.descendants(src))],  # type: ignore[list-item]
            force=force,
        )
        if not keep and not scope.active:
            return _relocate(session, tree, src, target_path, sample=sample)
        dst = add_code(session, target_path, force=True)
        result = _merge(session, src.id, dst.id, keep=keep, scope=scope, sample=sample)  # type: ignore[arg-type]
        result["target_created"] = True
        return result
    return _merge(session, src.id, dst.id, keep=keep, scope=scope, sample=sample)  # type: ignore[arg-type]


def _relocate(
    session: Session, tree: CodeTree, src: Code, target_path: str, *, sample: int
) -> dict[str, Any]:
    """Rename and/or move ``src`` to the (new) path ``target_path``; its id stays."""
    names = split_path(target_path)
    old_path = tree.path(src)
    parent: Code | None = None
    if len(names) > 1:
        parent_path = join_path(names[:-1])
        parent = tree.find(parent_path)
        if parent is not None and (parent.id == src.id or parent in tree.descendants(src)):
            raise InvalidInput(
                f"cannot move {old_path!r} under itself or its own sub-code",
                "choose another target path",
            )
        if parent is None:
            parent = add_code(session, parent_path, force=True)  # checked by the caller
            if parent in CodeTree.load(session).descendants(src):
                raise InvalidInput(
                    f"cannot move {old_path!r} under its own new sub-code {parent_path!r}",
                    "choose a target path outside the code",
                )
    new_name = check_name("code", names[-1])
    result = _empty_result(old_path, target_path)
    result["action"] = "rename"
    result["moved"] = session.execute(
        select(func.count(Coding.id)).where(Coding.code_id == src.id)
    ).scalar_one()
    if sample:
        result["sample"] = _sample(
            session, [Coding.code_id == src.id], set(), sample, old_path, target_path
        )
    new_parent = parent.id if parent else None
    if src.parent_id != new_parent:
        siblings = [c for c in CodeTree.load(session).children.get(new_parent, [])]
        src.position = max((s.position for s in siblings), default=-1) + 1
        src.parent_id = new_parent
    src.name = new_name
    src.name_key = name_key(new_name)
    session.flush()
    result["target_created"] = True
    return result


def _sample(
    session: Session, conds: list[Any], collapsed: set[int], n: int, source: str, target: str
) -> list[dict[str, Any]]:
    stmt = (
        select(
            Coding.id,
            Document.name,
            Coding.start,
            Coding.end,
            func.substr(Document.text, Coding.start + 1, Coding.end - Coding.start),
            Coder.name,
        )
        .join(Document, Document.id == Coding.document_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(*conds)
        .order_by(Coding.id)
        .limit(n)
    )
    return [
        {
            "coding_id": cid,
            "document": dname,
            "start": s,
            "end": e,
            "text": text,
            "coder": coder,
            "from": source,
            "to": target,
            "change": "collapsed" if cid in collapsed else "moved",
        }
        for cid, dname, s, e, text, coder in session.execute(stmt)
    ]


def _append(base: str, extra: str) -> str:
    extra = extra.strip()
    if not extra or extra in base:
        return base
    return f"{base.rstrip()}\n\n{extra}" if base.strip() else extra


def _selection(session: Session, src_id: int, scope: Scope) -> list[list[Any]]:
    """Lists of SQL conditions (ANDed), one per statement to run, selecting the codings to move."""
    base = [_C.c.code_id == src_id, *scope.sql()]
    if scope.pattern is None:
        return [base]
    ids = []
    for cid, did, s, e in session.execute(
        select(_C.c.id, _C.c.document_id, _C.c.start, _C.c.end).where(*base)
    ):
        if scope.pattern.search(scope.text_of(session, did)[s:e]):
            ids.append(cid)
    if not ids:
        return [[_C.c.id.in_([])]]
    return [[_C.c.code_id == src_id, _C.c.id.in_(list(chunk))] for chunk in chunks(ids)]


def _merge(
    session: Session,
    src_id: int,
    dst_id: int,
    *,
    keep: bool,
    scope: Scope,
    sample: int,
    redirect: dict[int, int] | None = None,
) -> dict[str, Any]:
    """Merge code ``src_id`` into ``dst_id``; ``redirect`` collects ``deleted id → id merged into``."""
    tree = CodeTree.load(session)
    src, dst = tree.by_id[src_id], tree.by_id[dst_id]
    src_path, dst_path = tree.path(src), tree.path(dst)
    if src.id == dst.id:
        raise InvalidInput(f"cannot merge {src_path!r} into itself", "give two different codes")
    whole = not keep and not scope.active
    if whole and dst in tree.descendants(src):
        raise Conflict(
            f"cannot merge {src_path!r} into its own sub-code {dst_path!r}",
            "use --keep (the category stays with its other sub-codes), or a filter to split it",
        )
    result = _empty_result(src_path, dst_path)
    conn = session.connection()
    selections = _selection(session, src.id, scope)  # type: ignore[arg-type]

    # 1. Codings that would duplicate one of the target: collapse (memo folded into the survivor).
    s, t = _C.alias("s"), _C.alias("t")
    collapsed_rows: list[dict[str, Any]] = []
    survivor_of: dict[int, int] = {}
    survivor_memo: dict[int, str] = {}
    for conds in selections:
        sconds = [cond_on(c, s) for c in conds]
        stmt = (
            select(s, t.c.id.label("_t_id"), t.c.memo.label("_t_memo"))
            .join(
                t,
                and_(
                    t.c.document_id == s.c.document_id,
                    t.c.start == s.c.start,
                    t.c.end == s.c.end,
                    t.c.coder_id == s.c.coder_id,
                    t.c.code_id == dst.id,
                ),
            )
            .where(*sconds)
        )
        for row in conn.execute(stmt).all():
            m = dict(row._mapping)
            t_id, t_memo = m.pop("_t_id"), m.pop("_t_memo")
            collapsed_rows.append(m)
            survivor_of[m["id"]] = t_id
            survivor_memo.setdefault(t_id, t_memo)
    collapsed = {r["id"] for r in collapsed_rows}
    if sample:
        result["sample"] = _sample(session, selections[0], collapsed, sample, src_path, dst_path)
    if collapsed_rows:
        for r in collapsed_rows:
            if r["memo"].strip():
                t_id = survivor_of[r["id"]]
                new = _append(survivor_memo[t_id], r["memo"])
                if new != survivor_memo[t_id]:
                    conn.execute(update(_C).where(_C.c.id == t_id).values(memo=new))
                    audit.record_update(
                        session, "coding", t_id, {"memo": survivor_memo[t_id]}, {"memo": new}
                    )
                    survivor_memo[t_id] = new
        ids = sorted(collapsed)
        for chunk in chunks(ids):
            for memo in session.execute(
                select(Memo).where(Memo.target_type == "coding", Memo.target_id.in_(chunk))
            ).scalars():  # type: ignore[union-attr]
                memo.target_id = survivor_of[memo.target_id]  # type: ignore[index]
        session.flush()
        audit.record_rows(session, "coding", "delete", collapsed_rows)
        for chunk in chunks(ids):
            conn.execute(delete(_C).where(_C.c.id.in_(chunk)))
        result["collapsed"] = len(collapsed_rows)

    # 2. Move the rest with one UPDATE per selection (ids recorded in one audit row).
    for conds in selections:
        ids = conn.execute(select(_C.c.id).where(*conds)).scalars().all()
        if not ids:
            continue
        if not dst.codable:
            raise InvalidInput(
                f"{dst_path!r} is a category that only groups codes; {len(ids)} codings cannot move there",
                f"make it codable (`qualcode codes edit {dst_path!r} --codable`) or choose one of its sub-codes",
            )
        audit.record_update_many(session, "coding", ids, {"code_id": src.id}, {"code_id": dst.id})
        conn.execute(update(_C).where(*conds).values(code_id=dst.id))
        result["moved"] += len(ids)
    from qualcode.codebook import release_anchors

    release_anchors(session)  # an anchor example that moved (or collapsed) is no longer its code's

    if not whole:
        return result

    # 3. Sub-codes: move under the target, or merge into its sub-code of the same name.
    for child in list(tree.children.get(src.id, [])):
        cur = CodeTree.load(session)
        clash = next(
            (
                c
                for c in cur.children.get(dst.id, [])
                if c.name_key == child.name_key and c.id not in (child.id, src.id)
            ),
            None,
        )
        if clash is not None:
            sub = _merge(
                session, child.id, clash.id, keep=False, scope=Scope(), sample=0, redirect=redirect
            )  # type: ignore[arg-type]
            result["subcodes_merged"] += 1
            for key in ("moved", "collapsed", "subcodes_moved", "subcodes_merged", "memos_moved"):
                result[key] += sub[key]
        else:
            child.parent_id = dst.id
            child.position = max((c.position for c in cur.children.get(dst.id, [])), default=-1) + 1
            session.flush()
            result["subcodes_moved"] += 1

    # 4. Definition and the other texts, memos.
    for f in TEXT_FIELDS:
        new = _append(getattr(dst, f), getattr(src, f))
        if new != getattr(dst, f):
            setattr(dst, f, new)
    memos = list(
        session.execute(
            select(Memo)
            .where(Memo.target_type == "code", Memo.target_id == src.id)
            .order_by(Memo.id)
        ).scalars()
    )
    if memos:
        main = session.execute(
            select(Memo)
            .where(Memo.target_type == "code", Memo.target_id == dst.id)
            .order_by(Memo.id)
            .limit(1)
        ).scalar_one_or_none()
        for memo in memos:
            if main is None:
                memo.target_id = dst.id
            else:
                head = f"[{memo.title or 'Memo'} — aus {src_path}]"
                main.text = _append(main.text, f"{head}\n{memo.text}")
                main.updated_at = utcnow()
                session.delete(memo)
        result["memos_moved"] += len(memos)
    session.flush()

    # 5. The source code goes away (it has no codings, sub-codes or memos left).
    left = session.execute(
        select(func.count(Coding.id)).where(Coding.code_id == src.id)
    ).scalar_one()
    if left:  # pragma: no cover - defensive: would break the foreign key
        raise Conflict(
            f"{src_path!r} still has {left} codings after the merge",
            "nothing was changed; please report this",
        )
    session.delete(src)
    session.flush()
    if redirect is not None:
        redirect[src.id] = dst.id  # type: ignore[index]
    result["source_deleted"] = True
    return result


def cond_on(cond: Any, alias: Any) -> Any:
    """The same condition on an alias of the coding table."""
    from sqlalchemy.sql import visitors

    def replace(col: Any) -> Any:
        if getattr(col, "table", None) is _C:
            return alias.c[col.key]
        return None

    return visitors.replacement_traverse(cond, {}, replace)
