"""Shared pieces of the reports: coder filters and document groups by attribute."""

from __future__ import annotations

from typing import cast

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.config import AUTO_CODER
from qualcode.docsets import scope_ids
from qualcode.errors import InvalidInput, NotFound
from qualcode.models import Coder, Coding, Document, DocumentAttribute
from qualcode.names import coder_id
from qualcode.reports.freqcore import NONE_GROUP, order_groups, ratio, sort_key
from qualcode.textutil import name_key

__all__ = ["NONE_GROUP", "ratio"]


def coder_ids(
    session: Session, coder: str | None = None, include_auto: bool = False
) -> list[int] | None:
    """The coder ids a report counts: ``coder`` (comma-separated names allowed), else
    everybody except the automatic coder ``auto`` (unless ``include_auto``).

    ``None`` means "no filter" (all coders)."""
    rows = list(session.execute(select(Coder.id, Coder.name)))
    if coder:
        names = [n.strip() for n in coder.split(",") if n.strip()]
        if not names:
            raise InvalidInput("the coder name is empty", "give --coder NAME")
        by_name = {n: i for i, n in rows}
        ids = []
        for n in names:
            cid = coder_id(by_name, n)  # case and accents ignored
            if cid is None:
                known = ", ".join(sorted(by_name)) or "none yet"
                raise NotFound(f"unknown coder {n!r}", f"coders in this project: {known}")
            ids.append(cid)
        return ids
    if include_auto:
        return None
    return [i for i, n in rows if n != AUTO_CODER]


def coding_filter(session: Session, coder: str | None = None, include_auto: bool = False):
    """A WHERE clause on ``Coding`` for the coder selection and the command's document
    set (``--set``), or None for all codings.

    Excluding a few coders is written as ``NOT IN`` so that SQLite scans the table
    instead of looking up most of its rows through the coder index (much slower)."""
    where = _coder_filter(session, coder, include_auto)
    scope = scope_ids(session)
    if scope is None:
        return where
    in_set = Coding.document_id.in_(scope)  # type: ignore[attr-defined]
    return in_set if where is None else (where & in_set)


def document_ids(session: Session) -> list[int]:
    """The documents a report covers: the command's document set, else all."""
    scope = scope_ids(session)
    if scope is not None:
        return list(scope)
    return [d for (d,) in session.execute(select(Document.id))]


def _coder_filter(session: Session, coder: str | None, include_auto: bool):
    ids = coder_ids(session, coder, include_auto)
    if ids is None:
        return None
    every = [i for (i,) in session.execute(select(Coder.id))]
    excluded = sorted(set(every) - set(ids))
    if not excluded:
        return None
    if len(excluded) < len(ids):
        return Coding.coder_id.not_in(excluded)  # type: ignore[attr-defined]
    return Coding.coder_id.in_(ids)  # type: ignore[attr-defined]


def attribute_keys(session: Session) -> list[str]:
    return [
        k
        for (k,) in session.execute(
            select(DocumentAttribute.key).distinct().order_by(DocumentAttribute.key)
        )
    ]


def resolve_attribute(session: Session, by: str) -> str:
    """The stored attribute key for ``by`` (exact, else case-insensitive)."""
    keys = attribute_keys(session)
    if by in keys:
        return by
    matches = [k for k in keys if name_key(k) == name_key(by)]
    if len(matches) == 1:
        return matches[0]
    hint = (
        f"attributes in this project: {', '.join(keys)}"
        if keys
        else "no document has attributes yet; set them with `qualcode docs set DOC KEY=VALUE`"
    )
    raise NotFound(f"unknown attribute {by!r}", hint)


def document_groups(session: Session, by: str) -> tuple[str, dict[int, str], dict[str, int]]:
    """``(key, doc_id → group value, group value → number of documents)``.

    Groups are ordered by value (numbers numerically); documents without the
    attribute form the group ``(none)``, listed last."""
    key = resolve_attribute(session, by)
    values: dict[int, str] = {}
    order: dict[str, tuple] = {}
    for did, value, type_ in session.connection().execute(
        select(
            DocumentAttribute.document_id, DocumentAttribute.value, DocumentAttribute.type
        ).where(DocumentAttribute.key == key)
    ):
        values[did] = value
        order.setdefault(value, sort_key(value, type_))
    doc_ids = document_ids(session)
    values = {d: v for d, v in values.items() if d in set(doc_ids)}
    order = {v: order[v] for v in set(values.values())}
    group_of, sizes = order_groups(values, order, doc_ids)
    return key, group_of, sizes


def document_count(session: Session) -> int:
    scope = scope_ids(session)
    if scope is not None:
        return len(scope)
    return session.execute(select(func.count(Document.id))).scalar_one()


def raw_rows(session: Session, stmt) -> list[tuple]:
    """All rows of a Core ``select`` as plain tuples, fetched through the DB-API cursor.

    For the large reads of the reports (every coding, every passage): SQLAlchemy's
    Row objects cost more to build and to hash than the query itself. Only for
    statements whose parameters are numbers (they are inlined as literals)."""
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        if conn.dialect.name == "sqlite":  # sqlite3 rows are tuples already
            return cast("list[tuple]", cursor.fetchall())
        return [tuple(r) for r in cursor.fetchall()]
    finally:
        cursor.close()
