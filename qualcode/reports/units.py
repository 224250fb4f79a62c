"""Passage units: which codes touch which paragraph (sorted spans + bisect, no pairwise scans)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from qualcode.errors import InvalidInput
from qualcode.models import Passage
from qualcode.reports.common import raw_rows

UNIT_ALIASES = {"passage": "paragraph", "paragraph": "paragraph", "sentence": "sentence"}


def passage_unit(unit: str) -> str:
    u = UNIT_ALIASES.get(unit.strip().lower())
    if u is None:
        raise InvalidInput(f"unknown unit {unit!r}", "use passage (= paragraph) or sentence")
    return u


@dataclass
class DocPassages:
    starts: list[int]
    ends: list[int]

    def touched(self, start: int, end: int) -> range:
        """Indexes of the passages that ``[start, end)`` overlaps (passages do not overlap)."""
        first = bisect.bisect_right(self.ends, start)  # first passage ending after start
        last = bisect.bisect_left(self.starts, end)  # passages starting before end
        return range(first, max(first, last))


def load_passages(
    session: Session, unit: str = "paragraph", doc_ids: list[int] | None = None
) -> dict[int, DocPassages]:
    """``doc_id → DocPassages`` of one unit, sorted by start."""
    from qualcode.docsets import restrict

    doc_ids = restrict(session, doc_ids)  # the command's document set (--set)
    stmt = select(Passage.document_id, Passage.start, Passage.end).where(Passage.unit == unit)
    if doc_ids is not None:
        stmt = stmt.where(Passage.document_id.in_(doc_ids))  # type: ignore[attr-defined]
    out: dict[int, DocPassages] = {}
    for did, s, e in raw_rows(session, stmt.order_by(Passage.document_id, Passage.start)):
        p = out.get(did)
        if p is None:
            p = out[did] = DocPassages([], [])
        p.starts.append(s)
        p.ends.append(e)
    if unit == "sentence":  # documents imported without sentences are split now
        from qualcode.documents import unsplit_sentences

        for did, spans in unsplit_sentences(session, doc_ids).items():
            out[did] = DocPassages([s for s, _ in spans], [e for _, e in spans])
    return out
