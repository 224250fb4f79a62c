"""The layout of documents as the classifier sees it: paragraphs, headings, reading order.

Cheap to build (no NLP): the stored paragraph spans (blank-line paragraphs for documents
imported without them), which of them are headings, the heading context above each one
and its relative position. The classifier needs this only for the documents it trains on
or scores, so a project of 2,000 documents never has to be read whole for one suggestion.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.suggest.features import doc_structure

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass
class DocLayout:
    doc_id: int
    text: str
    starts: list[int]
    ends: list[int]
    is_heading: list[bool]
    context: list[str]  # the headings above each paragraph, joined (its own excluded)
    content: list[int]  # paragraph numbers that are not headings, in reading order
    _todo: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def todo(self) -> list[int]:
        """The paragraphs that are work, in reading order: content paragraphs that are no
        title, metadata block or agenda either (:func:`qualcode.structure.content_flags`,
        the progress's definition) — what `next`, `suggest` and `propose` offer. Computed
        on first use: training needs only :attr:`content`."""
        if self._todo is None:
            from qualcode.structure import content_flags

            flags = content_flags(self.text, list(zip(self.starts, self.ends, strict=True)))
            self._todo = [i for i in self.content if flags[i]]
        return self._todo

    def locate(self, pos: int) -> int:
        """The paragraph containing (or last starting before) ``pos``."""
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def relpos(self, start: int, end: int) -> float:
        n = len(self.text) or 1
        return min(1.0, max(0.0, (start + end) / 2 / n))

    def context_of(self, start: int) -> str:
        if not self.starts:
            return ""
        i = self.locate(start)
        return self.context[i]

    def neighbours(self, start: int, end: int) -> tuple[int | None, int | None]:
        """The content paragraphs just before and just after a span (not overlapping it)."""
        if not self.content:
            return None, None
        starts = [self.starts[i] for i in self.content]
        k = bisect.bisect_left(starts, end)  # first content paragraph starting at/after the end
        after = self.content[k] if k < len(self.content) else None
        j = bisect.bisect_right([self.ends[i] for i in self.content], start) - 1
        before = self.content[j] if j >= 0 else None
        return before, after


def load_layouts(session: Session, doc_ids) -> dict[int, DocLayout]:
    from sqlalchemy import select

    from qualcode.models import Document, Passage

    ids = sorted({int(d) for d in doc_ids})
    if not ids:
        return {}
    conn = session.connection()
    texts: dict[int, str] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        texts.update(
            conn.execute(select(Document.id, Document.text).where(Document.id.in_(chunk))).all()  # type: ignore[attr-defined]
        )
        for d, s, e in conn.execute(
            select(Passage.document_id, Passage.start, Passage.end)
            .where(Passage.unit == "paragraph", Passage.document_id.in_(chunk))  # type: ignore[attr-defined]
            .order_by(Passage.document_id, Passage.start)
        ):
            spans.setdefault(d, []).append((s, e))
    return build_layouts(texts, spans)


def build_layouts(
    texts: dict[int, str], spans: dict[int, list[tuple[int, int]]]
) -> dict[int, DocLayout]:
    """Layouts from documents' texts and their stored paragraph spans (blank-line
    paragraphs where a document has none)."""
    from qualcode.textutil import paragraphs

    out: dict[int, DocLayout] = {}
    for d, text in texts.items():
        sp = spans.get(d) or paragraphs(text)
        st = doc_structure(text, sp)
        heads = [h is not None for h in st.headings]
        ctx = [" ".join(c[:-1] if heads[i] else c) for i, c in enumerate(st.context)]
        out[d] = DocLayout(
            doc_id=d,
            text=text,
            starts=[s for s, _ in sp],
            ends=[e for _, e in sp],
            is_heading=heads,
            context=ctx,
            content=[i for i, h in enumerate(heads) if not h],
        )
    return out
