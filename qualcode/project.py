"""Project summary (`qualcode status`).

`qualcode status` must answer in well under 0.3 s, also in shell loops; importing
SQLAlchemy and SQLModel alone takes longer than that on a small machine. So for a
SQLite project file :func:`quick_status` reads the same figures with the standard
library's ``sqlite3`` (read-only); anything unusual (another backend, a missing
file, another schema version, a locked or damaged file) returns ``None`` and the
caller takes the full path, :func:`status`, with its checks and error messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from qualcode import nlp

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from qualcode.schemas.analysis import Explanation
    from qualcode.schemas.project import CoderCount, Status


def quick_status(db: str | None) -> Status | None:
    """:func:`status` of a SQLite project file via ``sqlite3``, or ``None`` if the full path is needed."""
    import sqlite3

    from qualcode.config import SCHEMA_VERSION, database_url
    from qualcode.fastread import open_project

    url = database_url(db)
    conn = open_project(db)
    if conn is None:
        return None
    try:

        def one(sql: str) -> int:
            return conn.execute(sql).fetchone()[0]

        meta = dict(
            conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('schema_version', 'nlp.model')"
            ).fetchall()
        )
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            return None
        by_coder: list[CoderCount] = [
            {"id": cid, "coder": name, "codings": n}
            for cid, name, n in conn.execute(
                "SELECT coder.id, coder.name, count(coding.id) FROM coder "
                "LEFT OUTER JOIN coding ON coding.coder_id = coder.id "
                "GROUP BY coder.id, coder.name ORDER BY coder.name"
            )
        ]
        result: Status = {
            "database": url,
            "backend": "sqlite",
            "schema_version": SCHEMA_VERSION,
            "documents": one("SELECT count(*) FROM document"),
            "passages": one("SELECT count(*) FROM passage WHERE unit = 'paragraph'"),
            "sentences": one("SELECT count(*) FROM passage WHERE unit = 'sentence'"),
            "unsplit_documents": one(
                "SELECT count(*) FROM document d WHERE "
                "EXISTS (SELECT 1 FROM passage p WHERE p.document_id = d.id AND p.unit = 'paragraph') "
                "AND NOT EXISTS (SELECT 1 FROM passage p WHERE p.document_id = d.id AND p.unit = 'sentence')"
            ),
            "codes": one("SELECT count(*) FROM code"),
            "codings": one("SELECT count(*) FROM coding"),
            "orphaned_codings": one("SELECT count(*) FROM coding WHERE orphaned = 1"),
            "memo_count": one("SELECT count(*) FROM memo"),
            "coders": [c["coder"] for c in by_coder],
            "by_coder": by_coder,
            "audit_entries": one("SELECT count(*) FROM audit_entry"),
            "nlp": nlp.describe(meta.get("nlp.model")),
            "suggestions": _explain_file(url),
        }
        return result
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        conn.close()


def _explain_file(url: str) -> Explanation | None:
    """What the suggestions engine chose when it last trained (a small cache entry; None
    for a model of an older version, rebuilt on its next use)."""
    from qualcode import cache
    from qualcode.config import MODEL_VERSION

    ex = cache.load_latest(url, "model-explain")
    ok = isinstance(ex, dict) and ex.get("version") == MODEL_VERSION
    return cast("Explanation", ex) if ok else None


def status(session: Session, engine: Engine) -> Status:
    from sqlalchemy import func, select

    from qualcode.database import get_setting
    from qualcode.documents import count_unsplit
    from qualcode.models import (
        SCHEMA_VERSION,
        AuditEntry,
        Code,
        Coder,
        Coding,
        Document,
        Memo,
        Passage,
    )

    def count(model, *where) -> int:
        stmt = select(func.count()).select_from(model)
        for w in where:
            stmt = stmt.where(w)
        return session.execute(stmt).scalar_one()

    by_coder: list[CoderCount] = [
        {"id": cid, "coder": name, "codings": n}
        for cid, name, n in session.execute(
            select(Coder.id, Coder.name, func.count(Coding.id))
            .join(Coding, Coding.coder_id == Coder.id, isouter=True)
            .group_by(Coder.id, Coder.name)
            .order_by(Coder.name)
        )
    ]
    model = get_setting(session, "nlp.model")
    result: Status = {
        "database": engine.url.render_as_string(hide_password=True),
        "backend": engine.dialect.name,
        "schema_version": SCHEMA_VERSION,
        "documents": count(Document),
        "passages": count(Passage, Passage.unit == "paragraph"),
        "sentences": count(Passage, Passage.unit == "sentence"),
        "unsplit_documents": count_unsplit(session),
        "codes": count(Code),
        "codings": count(Coding),
        "orphaned_codings": count(Coding, Coding.orphaned.is_(True)),  # type: ignore[attr-defined]
        "memo_count": count(Memo),
        "coders": [c["coder"] for c in by_coder],
        "by_coder": by_coder,
        "audit_entries": count(AuditEntry),
        "nlp": nlp.describe(model),
        "suggestions": _last_explain(session),
    }
    return result


def _last_explain(session) -> Explanation | None:
    from qualcode.suggest import last_explain

    return cast("Explanation | None", last_explain(session))


def explain_line(ex: dict | None) -> str:
    """One line for `qualcode status`: what the engine chose and on what figures."""
    if not ex:
        return "not trained yet (`qualcode suggest` trains on the codings)"
    blocks = "+".join(f"{b}" if w == 1 else f"{b}×{w:g}" for b, w in ex["blocks"].items())
    seq = ", sequence stage" if ex.get("sequence") else ""
    cv = ex["cross_validation"]
    tr = ex["training"]
    head = f"{tr['coded_passages']} coded passages, {tr['codes']} codes: {blocks}, λ {ex['lambda']:g}{seq}"
    ag = ex.get("agenda") or {}
    if ag.get("units"):
        head += f", agenda ×{ag.get('weight', 0):g}"
    exp = ex.get("expected") or {}
    if exp.get("macro_f1") is not None:
        lo, hi = exp["interval"]
        head += f"; expected macro-F1 {exp['macro_f1']:.2f} ({lo:.2f}–{hi:.2f}, {exp['method']})"
    if not ex.get("tuned"):
        if not tr["coded_passages"]:
            return head + " (no codings yet: the coding agenda alone)"
        return head + f" ({ex['reason']})"
    ch, pt = cv.get("chosen") or {}, cv.get("plain_text") or {}
    return (
        head + f"; cross-validated macro-F1 of the choice {ch.get('macro_f1', 0):.2f}"
        f" (plain text {pt.get('macro_f1', 0):.2f}) over {cv['folds']} folds by document"
    )
