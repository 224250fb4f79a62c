"""Re-anchor codings when a document's text changes (``import --update``).

Old offsets are mapped onto the new text through the matching blocks of a
diff (difflib). A coding whose text is found again (at the mapped place, or
uniquely elsewhere) moves there; one whose text is gone is kept and marked
``orphaned`` for review — never silently dropped.
"""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import delete_rows
from qualcode.models import Coding, Document, Passage


def offset_map(old: str, new: str):
    """A function mapping an offset in ``old`` to the corresponding offset in ``new`` (or None)."""
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()

    def mapped(pos: int) -> int | None:
        for a, b, size in blocks:
            if a <= pos <= a + size and size:
                return b + (pos - a)
        return None

    return mapped


def reanchor_span(old: str, new: str, start: int, end: int, mapped) -> tuple[int, int] | None:
    piece = old[start:end]
    s, e = mapped(start), mapped(end)
    if s is not None and e is not None and new[s:e] == piece:
        return s, e
    if s is not None and new[s : s + len(piece)] == piece:
        return s, s + len(piece)
    first = new.find(piece)
    if first >= 0 and new.find(piece, first + 1) < 0:
        return first, first + len(piece)
    return None


def replace_text(session: Session, doc: Document, new_text: str, nlp_obj=None) -> dict[str, int]:
    """Give ``doc`` a new text: passages recomputed, codings re-anchored or orphaned."""
    from qualcode.documents import compute_passages, store_passages

    old = doc.text
    mapped = offset_map(old, new_text)
    moved = orphaned = 0
    for coding in session.execute(select(Coding).where(Coding.document_id == doc.id)).scalars():
        span = reanchor_span(old, new_text, coding.start, coding.end, mapped)
        if span is None:
            coding.orphaned = True
            # keep the span inside the new text so the row stays valid
            coding.start = min(coding.start, max(len(new_text) - 1, 0))
            coding.end = min(max(coding.end, coding.start + 1), len(new_text))
            orphaned += 1
        elif span != (coding.start, coding.end):
            coding.start, coding.end = span
            coding.orphaned = False
            moved += 1
    delete_rows(session, Passage, Passage.document_id == doc.id)
    doc.text = new_text
    session.flush()
    store_passages(session, doc.id, compute_passages(new_text, nlp_obj))  # type: ignore[arg-type]
    return {"moved": moved, "orphaned": orphaned}
