"""The batched inserts behind the import and bulk-coding speed-ups (codebook.insert_rows)."""

from __future__ import annotations

from sqlalchemy import select

from qualcode import audit
from qualcode.codebook import add_code, insert_rows
from qualcode.codings import bulk_insert_codings, get_coder
from qualcode.database import reading, transaction
from qualcode.documents import add_text_document
from qualcode.models import Coding, DocumentAttribute, Passage

TEXT = "Erster Absatz. Mit zwei Sätzen.\n\nZweiter Absatz.\n\nDritter Absatz hier."


def test_insert_rows_returns_the_ids_in_row_order(engine):
    with transaction(engine, "t", "tester") as session:
        doc = add_text_document(session, "a.txt", TEXT)
        existing = session.execute(select(Passage.id).order_by(Passage.id)).scalars().all()
        rows = [
            {"document_id": doc.id, "start": i, "end": i + 1, "ordinal": 10 + i, "unit": "sentence"}
            for i in range(5)
        ]
        ids = insert_rows(session, Passage, rows)
        assert ids == list(range(max(existing) + 1, max(existing) + 6))
        assert [r["id"] for r in rows] == ids
        stored = session.execute(
            select(Passage.id, Passage.start, Passage.ordinal)
            .where(Passage.id.in_(ids))
            .order_by(Passage.id)
        ).all()
        assert [tuple(r) for r in stored] == [
            (i, r["start"], r["ordinal"]) for i, r in zip(ids, rows, strict=True)
        ]
        assert insert_rows(session, Passage, []) == []


def test_new_document_passages_and_attributes_are_stored_and_undone(engine):
    with transaction(engine, "import", "tester") as session:
        doc = add_text_document(
            session, "b.txt", TEXT, {"Format": "Web", "Teilnehmende": "12", "Leer": ""}
        )
        doc_id = doc.id
    with reading(engine) as session:
        paras = session.execute(
            select(Passage.start, Passage.end, Passage.ordinal)
            .where(Passage.document_id == doc_id)
            .order_by(Passage.start)
        ).all()
        assert [tuple(p) for p in paras] == [(0, 31, 0), (33, 48, 1), (50, 70, 2)]
        attrs = session.execute(
            select(DocumentAttribute.key, DocumentAttribute.value, DocumentAttribute.type).order_by(
                DocumentAttribute.key
            )
        ).all()
        assert [tuple(a) for a in attrs] == [
            ("Format", "Web", "text"),
            ("Teilnehmende", "12", "integer"),
        ]
    with transaction(engine, "undo", "tester", record=False) as session:
        audit.undo(session)
    with reading(engine) as session:
        assert session.execute(select(Passage.id)).first() is None
        assert session.execute(select(DocumentAttribute.id)).first() is None


def test_bulk_codings_get_their_ids_and_undo_restores_exactly(engine):
    with transaction(engine, "setup", "tester") as session:
        doc = add_text_document(session, "c.txt", TEXT)
        code = add_code(session, "A/B")
        coder = get_coder(session, "anna")
        doc_id, code_id, coder_id = doc.id, code.id, coder.id
    with transaction(engine, "codings import", "tester") as session:
        rows = [
            {
                "document_id": doc_id,
                "start": s,
                "end": s + 5,
                "code_id": code_id,
                "coder_id": coder_id,
            }
            for s in (0, 10, 20)
        ]
        ids = bulk_insert_codings(session, rows)
    with reading(engine) as session:
        stored = session.execute(select(Coding.id, Coding.start).order_by(Coding.id)).all()
        assert [tuple(r) for r in stored] == list(zip(ids, (0, 10, 20), strict=True))
    with transaction(engine, "undo", "tester", record=False) as session:
        audit.undo(session)
    with reading(engine) as session:
        assert session.execute(select(Coding.id)).first() is None
    with transaction(engine, "redo", "tester", record=False) as session:
        audit.redo(session)
    with reading(engine) as session:
        stored = session.execute(select(Coding.id, Coding.start).order_by(Coding.id)).all()
        assert [tuple(r) for r in stored] == list(zip(ids, (0, 10, 20), strict=True))
