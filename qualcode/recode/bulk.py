"""Fast audited bulk insert of codings.

SQLAlchemy's ``INSERT … RETURNING`` for many rows is slow on SQLite; inside a
writing transaction (``BEGIN IMMEDIATE``: no other writer) the new ids are simply
the ones above the previous maximum, in insertion order. Other databases use
RETURNING.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session

from qualcode import audit
from qualcode.models import Coding, new_guid, utcnow

_C = Coding.__table__  # type: ignore[attr-defined]


def insert_codings(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert codings (``document_id, start, end, code_id, coder_id`` [, memo]) and record them."""
    if not rows:
        return []
    conn = session.connection()
    now = utcnow()
    for r in rows:
        r.setdefault("memo", "")
        r.setdefault("orphaned", False)
        r.setdefault("guid", new_guid())
        r.setdefault("created_at", now)
    if conn.dialect.name != "sqlite":
        from qualcode.codings import bulk_insert_codings

        return bulk_insert_codings(session, rows)
    session.flush()
    top = conn.execute(select(func.max(_C.c.id))).scalar() or 0
    conn.execute(insert(_C), rows)
    ids = list(conn.execute(select(_C.c.id).where(_C.c.id > top).order_by(_C.c.id)).scalars())
    if len(ids) != len(rows):  # pragma: no cover - would mean a concurrent writer
        raise RuntimeError("bulk insert: unexpected number of new coding ids")
    for r, i in zip(rows, ids, strict=True):
        r["id"] = i
    audit.record_rows(session, "coding", "insert", rows)
    return ids
