"""``qualcode check``: is the project consistent?

Checks, on SQLite and PostgreSQL alike:

- the database itself (SQLite ``PRAGMA quick_check`` and ``PRAGMA foreign_key_check``),
- references: every coding, passage, attribute, memo and sub-code points at a row that
  exists (generic orphan queries, so also where foreign keys were off), and a code's
  anchor example is an existing coding of that code,
- the code tree has no cycles and no two siblings share a name,
- every coding and passage lies inside its document's text; codings are not empty,
- the paragraph passages are exactly the paragraphs of the text
  (:func:`qualcode.textutil.paragraphs`), sentences lie inside paragraphs,
- the stored SHA-256 matches the text,
- the schema version matches this qualcode.

Problems make the check fail (exit code 1). Orphaned codings — codings whose text
disappeared when a document was re-imported with ``--update`` — are not corruption but
need a coder's review: they are listed as warnings.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from qualcode.models import (
    SCHEMA_VERSION,
    AuditChange,
    AuditEntry,
    Code,
    Coder,
    Coding,
    Document,
    DocumentAttribute,
    Memo,
    Meta,
    Passage,
)
from qualcode.textutil import name_key, paragraphs

if TYPE_CHECKING:
    from qualcode.schemas.project import Check as CheckResult

_LIMIT = 200  # problems listed per kind (all are counted)


class Report:
    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.orphaned: list[dict[str, Any]] = []

    def add(self, kind: str, message: str, **where: Any) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= _LIMIT:
            self.problems.append({"check": kind, "message": message, **where})


def _missing(session: Session, child_table, child_col, parent_table, parent_col=None, *extra):
    """Rows of ``child_table`` whose ``child_col`` names no row of ``parent_table``."""
    parent_col = parent_col if parent_col is not None else parent_table.c.id
    stmt = (
        select(child_table.c.id, child_col)
        .select_from(child_table.outerjoin(parent_table, child_col == parent_col))
        .where(child_col.is_not(None), parent_col.is_(None), *extra)
        .order_by(child_table.c.id)
    )
    return list(session.execute(stmt))


def _check_references(session: Session, rep: Report) -> None:
    doc, code, coder = Document.__table__, Code.__table__, Coder.__table__  # type: ignore[attr-defined]
    coding, passage, attr, memo = (
        Coding.__table__,
        Passage.__table__,
        DocumentAttribute.__table__,
        Memo.__table__,
    )  # type: ignore[attr-defined]
    entry, change = AuditEntry.__table__, AuditChange.__table__  # type: ignore[attr-defined]
    parent = code.alias("parent")
    checks = [
        ("coding", coding.c.document_id, doc, None, "document"),
        ("coding", coding.c.code_id, code, None, "code"),
        ("coding", coding.c.coder_id, coder, None, "coder"),
        ("passage", passage.c.document_id, doc, None, "document"),
        ("document_attribute", attr.c.document_id, doc, None, "document"),
        ("code", code.c.parent_id, parent, parent.c.id, "parent code"),
        ("memo", memo.c.coder_id, coder, None, "coder"),
        ("audit_change", change.c.entry_id, entry, None, "audit entry"),
    ]
    tables = {
        "coding": coding,
        "passage": passage,
        "document_attribute": attr,
        "code": code,
        "memo": memo,
        "audit_change": change,
    }
    for name, col, target, target_col, what in checks:
        for row_id, ref in _missing(session, tables[name], col, target, target_col):
            rep.add(
                "reference",
                f"{name} {row_id} points at {what} {ref}, which does not exist",
                table=name,
                id=row_id,
            )
    for target_type, target in (("document", doc), ("code", code), ("coding", coding)):
        for row_id, ref in _missing(
            session, memo, memo.c.target_id, target, None, memo.c.target_type == target_type
        ):
            rep.add(
                "reference",
                f"memo {row_id} is on {target_type} {ref}, which does not exist",
                table="memo",
                id=row_id,
            )
    # an anchor example is a coding of its own code (no foreign key: check it here)
    stmt = (
        select(code.c.id, code.c.name, code.c.anchor_coding_id, coding.c.code_id)
        .select_from(code.outerjoin(coding, coding.c.id == code.c.anchor_coding_id))
        .where(
            code.c.anchor_coding_id.is_not(None),
            coding.c.code_id.is_(None) | (coding.c.code_id != code.c.id),
        )
        .order_by(code.c.id)
    )
    for row_id, name, ref, other in session.execute(stmt):
        rep.add(
            "reference",
            f"code {row_id} ({name!r}) has coding {ref} as anchor example, which "
            + ("does not exist" if other is None else f"is a coding of code {other}"),
            table="code",
            id=row_id,
        )
    bad_types = session.execute(
        select(Memo.id, Memo.target_type).where(
            Memo.target_type.not_in(["project", "document", "code", "coding"])
        )
    ).all()  # type: ignore[attr-defined]
    for row_id, t in bad_types:
        rep.add(
            "reference", f"memo {row_id} has the unknown target type {t!r}", table="memo", id=row_id
        )


def _check_sqlite(session: Session, rep: Report) -> None:
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    for (result,) in conn.exec_driver_sql("PRAGMA quick_check").fetchall():
        if result != "ok":
            rep.add("storage", f"SQLite quick_check: {result}")
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        rep.add(
            "foreign_key",
            f"{table} row {rowid} points at a missing {parent} row",
            table=table,
            id=rowid,
        )


def _check_codes(session: Session, rep: Report) -> None:
    codes = {c.id: c for c in session.execute(select(Code)).scalars()}
    for c in codes.values():
        seen = {c.id}
        cur = c.parent_id
        while cur is not None and cur in codes:
            if cur in seen:
                rep.add(
                    "code_tree",
                    f"code {c.id} ({c.name!r}) is inside a cycle of parents",
                    table="code",
                    id=c.id,
                )
                break
            seen.add(cur)
            cur = codes[cur].parent_id
        if c.name_key != name_key(c.name):
            rep.add(
                "code_tree", f"code {c.id} ({c.name!r}) has a stale name key", table="code", id=c.id
            )
        if not c.name.strip():
            rep.add("code_tree", f"code {c.id} has an empty name", table="code", id=c.id)
    siblings: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    for c in codes.values():
        siblings[(c.parent_id, c.name_key)].append(c.id)  # type: ignore[arg-type]
    for (_parent, key), ids in siblings.items():
        if len(ids) > 1:
            rep.add(
                "code_tree",
                f"codes {sorted(ids)} are siblings with the same name {key!r}",
                table="code",
                id=min(ids),
            )


def _check_documents(session: Session, rep: Report) -> None:
    passages: dict[int, dict[str, list[tuple[int, int, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for pid, did, s, e, o, unit in session.execute(
        select(
            Passage.id,
            Passage.document_id,
            Passage.start,
            Passage.end,
            Passage.ordinal,
            Passage.unit,
        ).order_by(Passage.document_id, Passage.unit, Passage.ordinal)
    ):
        passages[did][unit].append((pid, s, e, o))
    codings: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for cid, did, s, e in session.execute(
        select(Coding.id, Coding.document_id, Coding.start, Coding.end)
    ):
        codings[did].append((cid, s, e))
    for did, name, text, sha in session.execute(
        select(Document.id, Document.name, Document.text, Document.sha256).order_by(Document.id)
    ):
        n = len(text)
        where = {"table": "document", "id": did, "document": name}
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
            rep.add("checksum", f"{name}: the stored SHA-256 does not match the text", **where)
        for cid, s, e in codings.get(did, []):
            if not (0 <= s < e <= n):
                rep.add(
                    "span",
                    f"coding {cid} on {name} has the span {s}-{e}, outside the text (0-{n}) or empty",
                    table="coding",
                    id=cid,
                    document=name,
                )
        units = passages.get(did, {})
        for unit, rows in units.items():
            if unit not in ("paragraph", "sentence"):
                rep.add("passage", f"{name}: passages of unknown unit {unit!r}", **where)
                continue
            ordinals = [o for _, _, _, o in rows]
            if ordinals != list(range(len(rows))):
                rep.add(
                    "passage",
                    f"{name}: the {unit} passages are not numbered 0…{len(rows) - 1}",
                    **where,
                )
            for pid, s, e, _o in rows:
                if not (0 <= s < e <= n):
                    rep.add(
                        "passage",
                        f"passage {pid} of {name} has the span {s}-{e}, outside the text (0-{n})",
                        table="passage",
                        id=pid,
                        document=name,
                    )
        paras = sorted((s, e) for _, s, e, _ in units.get("paragraph", []))
        expected = paragraphs(text)
        if paras != expected:
            missing = len(set(expected) - set(paras))
            extra = len(set(paras) - set(expected))
            rep.add(
                "passage",
                f"{name}: the paragraph passages do not match the text ({len(paras)} stored, {len(expected)} in the text; {missing} missing, {extra} wrong)",
                **where,
            )
        elif "sentence" in units:
            import bisect

            starts = [s for s, _ in paras]
            for pid, s, e, _o in units["sentence"]:
                i = bisect.bisect_right(starts, s) - 1
                if i < 0 or e > paras[i][1]:
                    rep.add(
                        "passage",
                        f"sentence passage {pid} of {name} ({s}-{e}) crosses a paragraph boundary",
                        table="passage",
                        id=pid,
                        document=name,
                    )


def _check_meta(session: Session, rep: Report) -> None:
    meta = session.get(Meta, "schema_version")
    if meta is None:
        rep.add("schema", "the project has no schema version")
    elif meta.value != str(SCHEMA_VERSION):
        rep.add(
            "schema",
            f"the project has schema version {meta.value}, this qualcode expects {SCHEMA_VERSION}",
        )


def _orphaned(session: Session) -> list[dict[str, Any]]:
    from qualcode.codebook import CodeTree

    tree = CodeTree.load(session)
    stmt = (
        select(Coding, Document.name, Document.text, Coder.name)
        .join(Document, Document.id == Coding.document_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.orphaned.is_(True))  # type: ignore[attr-defined]
        .order_by(Document.name, Coding.start, Coding.id)
    )
    out = []
    for coding, dname, text, cname in session.execute(stmt):
        out.append(
            {
                "id": coding.id,
                "document": dname,
                "start": coding.start,
                "end": coding.end,
                "code": tree.path(coding.code_id) if coding.code_id in tree.by_id else None,
                "coder": cname,
                "text": coding.orphan_text
                if coding.orphan_text is not None
                else text[coding.start : coding.end],
            }
        )
    return out


def check(session: Session) -> CheckResult:
    """Run all checks; ``ok`` is false when any problem was found."""
    rep = Report()
    _check_sqlite(session, rep)
    _check_meta(session, rep)
    _check_references(session, rep)
    _check_codes(session, rep)
    _check_documents(session, rep)
    orphaned = _orphaned(session)

    def count(model, *where) -> int:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    # passages are paragraphs (as `status` counts them); sentences are counted apart
    units = dict(session.execute(select(Passage.unit, func.count()).group_by(Passage.unit)).all())
    result: CheckResult = {
        "ok": not rep.problems,
        "backend": session.connection().dialect.name,
        "checked": {
            "documents": count(Document),
            "passages": units.get("paragraph", 0),
            "sentences": units.get("sentence", 0),
            "codes": count(Code),
            "codings": count(Coding),
            "memo_count": count(Memo),
        },
        "problems": rep.problems,  # type: ignore[typeddict-item]
        "problem_counts": dict(rep.counts),
        "orphaned_codings": len(orphaned),
        "orphans": orphaned,  # type: ignore[typeddict-item]
    }
    return result


def check_engine(engine: Engine) -> CheckResult:
    with Session(engine) as session:
        try:
            return check(session)
        finally:
            session.rollback()
