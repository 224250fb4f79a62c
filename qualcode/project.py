"""Project summary (`qualcode status`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from qualcode import nlp
from qualcode.database import get_setting
from qualcode.models import SCHEMA_VERSION, AuditEntry, Code, Coder, Coding, Document, Memo, Passage


def status(session: Session, engine: Engine) -> dict:
    def count(model, *where) -> int:
        stmt = select(func.count()).select_from(model)
        for w in where:
            stmt = stmt.where(w)
        return session.execute(stmt).scalar_one()

    coders = [
        {"name": name, "codings": n}
        for name, n in session.execute(
            select(Coder.name, func.count(Coding.id))
            .join(Coding, Coding.coder_id == Coder.id, isouter=True)
            .group_by(Coder.id, Coder.name)
            .order_by(Coder.name)
        )
    ]
    model = get_setting(session, "nlp.model")
    return {
        "database": engine.url.render_as_string(hide_password=True),
        "backend": engine.dialect.name,
        "schema_version": SCHEMA_VERSION,
        "documents": count(Document),
        "passages": count(Passage, Passage.unit == "paragraph"),
        "sentences": count(Passage, Passage.unit == "sentence"),
        "codes": count(Code),
        "codings": count(Coding),
        "orphaned_codings": count(Coding, Coding.orphaned.is_(True)),  # type: ignore[attr-defined]
        "memos": count(Memo),
        "coders": coders,
        "audit_entries": count(AuditEntry),
        "nlp": nlp.describe(model),
    }
