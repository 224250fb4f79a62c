"""A document's passages: paragraphs and sentences, computed from its text and stored.

The lowest layer of the document modules: :mod:`qualcode.documents` (import) and
:mod:`qualcode.reanchor` (a new text for a document) both store passages through it.
"""

from __future__ import annotations

from sqlmodel import Session

from qualcode import audit
from qualcode.codebook import insert_rows
from qualcode.models import Passage
from qualcode.textutil import paragraphs

UNITS = ("paragraph", "sentence")


def compute_passages(text: str, nlp_obj=None) -> list[tuple[str, int, int]]:
    """``(unit, start, end)`` of paragraphs and, when an NLP pipeline is given, sentences."""
    paras = paragraphs(text)
    out = [("paragraph", s, e) for s, e in paras]
    if nlp_obj is not None and paras:
        from qualcode.nlp import sentence_spans

        out += [("sentence", s, e) for s, e in sentence_spans(nlp_obj, text, paras)]
    return out


def store_passages(session: Session, doc_id: int, spans: list[tuple[str, int, int]]) -> None:
    rows = []
    ordinals = dict.fromkeys(UNITS, 0)
    for unit, s, e in spans:
        rows.append(
            {"document_id": doc_id, "start": s, "end": e, "ordinal": ordinals[unit], "unit": unit}
        )
        ordinals[unit] += 1
    if not rows:
        return
    insert_rows(session, Passage, rows)  # batched; ids set on the rows
    audit.record_rows(session, "passage", "insert", rows)
