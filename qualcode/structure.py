"""What there is to read in a protocol: headings and metadata lines, and passages marked
"not relevant".

Mayring's selection criterion leaves parts of a protocol outside the analysis (greetings,
the agenda, organisational remarks). A researcher marks such a passage **not relevant**:
a coding with the reserved code :data:`NOT_RELEVANT` (a top-level code of its own, grey),
so the mark is audited, undone with `undo`, counted as read in the progress, shown dimmed
in the workbench and exported to REFI-QDA as a code other tools show. Reports of
categories leave it out.

Headings (``# …``, ``TOP 3: …``, a short line without a full stop) and metadata blocks
(``Ort: …`` / ``**Zeit:** …`` lines, the agenda) are not content: the progress of a
document counts only its content paragraphs (and any paragraph that is coded), and
"next uncoded passage" skips them — so 100 % is reachable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

NOT_RELEVANT = "Nicht relevant"
NOT_RELEVANT_COLOR = "#9E9E9E"
NOT_RELEVANT_DESCRIPTION = (
    "Passagen außerhalb des Auswahlkriteriums (Mayring): gelesen und bewusst nicht kodiert. "
    "Zählen im Fortschritt als bearbeitet, in den Häufigkeiten nicht als Kategorie."
)

_MD_HEADING = re.compile(r"^#{1,6}\s")
_NUMBERED = re.compile(r"^(TOP\s*\d+|\d+(\.\d+)*\.?)(\s|:|$)", re.IGNORECASE)
_LABEL_LINE = re.compile(r"^\**\s*([^\W\d][\w./()\- ]{0,29}?)\s*:\**\s*:?\**\s*\S")
_BULLET = re.compile(r"^\s*([-*•]|\d+[.)])\s")
_SENTENCE_END = (".", "!", "?", "…", '"', "“", "”", "»", "«")
AGENDA = ("tagesordnung", "agenda")


def is_structural(text: str) -> bool:
    """Whether a paragraph is a heading or a metadata block rather than content."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return True
    first = lines[0].strip("*# ").rstrip(":").casefold()
    if first in AGENDA:  # "Tagesordnung:" and its numbered items
        return True
    if len(lines) <= 2 and all(_heading_line(line) for line in lines):
        return True
    if len(lines) <= 10 and all(_metadata_line(line) for line in lines):
        # "Ort: Aula" / several such lines; one "Ziel: Vernetzung." is a sentence
        return len(lines) > 1 or not lines[0].endswith(_SENTENCE_END)
    return False


def _heading_line(line: str) -> bool:
    if _MD_HEADING.match(line):
        return True
    if _BULLET.match(line) and not _NUMBERED.match(line):
        return False  # a list item is content
    if len(line) > 100 or line.endswith(_SENTENCE_END):
        return False
    return len(line.split()) <= 12 or bool(_NUMBERED.match(line))


def _metadata_line(line: str) -> bool:
    if _BULLET.match(line) or len(line) > 120:
        return False
    m = _LABEL_LINE.match(line)
    return m is not None and len(m.group(1).split()) <= 3


def content_flags(text: str, units: Sequence[tuple[int, int]]) -> list[bool]:
    """For each passage, whether it is content (not a heading or metadata block)."""
    return [not is_structural(text[s:e]) for s, e in units]


def progress(text: str, units: Sequence[tuple[int, int]], coded: Sequence[bool]) -> tuple[int, int]:
    """``(passages to read, passages done)``: content passages plus coded ones; done =
    coded (a not-relevant mark is a coding)."""
    todo = [c or k for c, k in zip(content_flags(text, units), coded, strict=True)]
    return sum(todo), sum(1 for t, k in zip(todo, coded, strict=True) if t and k)


def mark_not_relevant(
    session: Any, doc_ref: str, start: int, end: int, coder: str
) -> tuple[Any, bool]:
    """Mark ``[start, end)`` not relevant (creating the reserved code the first time)."""
    from qualcode.codebook import CodeTree, add_code
    from qualcode.codings import add_coding

    if CodeTree.load(session).find(NOT_RELEVANT) is None:
        add_code(
            session,
            NOT_RELEVANT,
            description=NOT_RELEVANT_DESCRIPTION,
            color=NOT_RELEVANT_COLOR,
            force=True,  # the reserved code, whatever the user's codes are called
        )
    return add_coding(session, doc_ref, start, end, "/" + NOT_RELEVANT, coder)


def unmark(session: Any, doc_ref: str, start: int, end: int, coder: str) -> int:
    """Remove ``coder``'s not-relevant marks overlapping ``[start, end)``."""
    from qualcode.codings import remove_codings

    return remove_codings(
        session, doc_ref, start, end, "/" + NOT_RELEVANT, coder, overlapping=True
    )  # "/": the top-level reserved code, not a user's code of that name
