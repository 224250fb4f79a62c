"""Re-anchor codings when a document's text changes (``import --update``).

The old and the new text are aligned line by line, and changed stretches word by word
(difflib — fast and robust for protocols of many pages); offsets inside unchanged
stretches map exactly.
For each coding, in this order:

1. both ends map and the text between them is the coded text → it moves there;
2. both ends map and the text between them is nearly the same (a typo fixed, a word
   changed; similarity ≥ 85 %) → it moves there and covers the edited text;
3. the coded text occurs elsewhere in the new text → the occurrence nearest to where
   it was expected (inserted or moved paragraphs);
4. a close fuzzy match (rapidfuzz, ≥ 90 %) of a longer coded text → there;
5. otherwise it is kept, marked ``orphaned`` with the text it had (``orphan_text``)
   for review (``qualcode check`` lists it) — never silently dropped.

An orphaned coding whose text reappears in a later version is re-attached.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import delete_rows
from qualcode.models import Coding, Document, Passage
from qualcode.passages import compute_passages, store_passages

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
SIMILAR = 0.85  # step 2
FUZZY = 90.0  # step 4 (rapidfuzz score 0-100)
FUZZY_MIN_LEN = 20
FUZZY_WINDOW = 5000  # characters around the expected place


def _tokens(text: str) -> tuple[list[str], list[int]]:
    toks, starts = [], []
    for m in _TOKEN.finditer(text):
        toks.append(m.group())
        starts.append(m.start())
    return toks, starts


def _word_blocks(old: str, new: str, a0: int, b0: int) -> list[tuple[int, int, int]]:
    a, a_starts = _tokens(old)
    b, b_starts = _tokens(new)
    blocks = []
    for i, j, size in difflib.SequenceMatcher(None, a, b).get_matching_blocks():
        if size:
            end_a = a_starts[i + size - 1] + len(a[i + size - 1])
            blocks.append((a0 + a_starts[i], b0 + b_starts[j], end_a - a_starts[i]))
    return blocks


def char_blocks(old: str, new: str) -> list[tuple[int, int, int]]:
    """Matching stretches ``(old_start, new_start, length)`` in characters, by old offset.

    Lines are aligned first (cheap, and protocols are mostly unchanged lines); only the
    changed stretches are aligned word by word, so long documents stay fast.
    """
    a_lines = old.splitlines(keepends=True)
    b_lines = new.splitlines(keepends=True)
    a_off = [0]
    for line in a_lines:
        a_off.append(a_off[-1] + len(line))
    b_off = [0]
    for line in b_lines:
        b_off.append(b_off[-1] + len(line))
    blocks: list[tuple[int, int, int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_lines, b_lines).get_opcodes():
        if tag == "equal":
            blocks.append((a_off[i1], b_off[j1], a_off[i2] - a_off[i1]))
        elif tag == "replace":
            blocks += _word_blocks(
                old[a_off[i1] : a_off[i2]], new[b_off[j1] : b_off[j2]], a_off[i1], b_off[j1]
            )
    blocks.sort()
    return blocks


def offset_map(old: str, new: str) -> Callable[[int], int | None]:
    """A function mapping an offset in ``old`` to the same place in ``new`` (None if that text changed)."""
    blocks = char_blocks(old, new)
    starts = [a for a, _, _ in blocks]

    def mapped(pos: int) -> int | None:
        i = bisect.bisect_right(starts, pos) - 1
        # a position at the very start of a block may also be the end of the previous one
        for k in (i, i - 1):
            if 0 <= k < len(blocks):
                a, b, size = blocks[k]
                if a <= pos <= a + size:
                    return b + (pos - a)
        return None

    return mapped


def _similarity(x: str, y: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(x, y) / 100.0


def _nearest_occurrence(new: str, piece: str, expected: int) -> int | None:
    best: int | None = None
    pos = new.find(piece)
    while pos >= 0:
        if best is None or abs(pos - expected) < abs(best - expected):
            best = pos
        pos = new.find(piece, pos + 1)
    return best


def reanchor_span(
    old: str, new: str, start: int, end: int, mapped, piece: str | None = None
) -> tuple[int, int] | None:
    """The new ``(start, end)`` of the coded text ``old[start:end]`` (or ``piece``), or None."""
    piece = old[start:end] if piece is None else piece
    if not piece:
        return None
    s, e = mapped(start), mapped(end)
    if piece == old[start:end] and s is not None and e is not None and s < e:
        if new[s:e] == piece:
            return s, e
        if _similarity(new[s:e], piece) >= SIMILAR:
            return s, e
    if s is not None and new[s : s + len(piece)] == piece:
        return s, s + len(piece)
    if s is not None:
        expected = s
    elif e is not None:
        expected = max(0, e - len(piece))
    else:
        expected = round(start * len(new) / max(len(old), 1))
    found = _nearest_occurrence(new, piece, expected)
    if found is not None:
        return found, found + len(piece)
    if len(piece.strip()) >= FUZZY_MIN_LEN:
        from rapidfuzz import fuzz

        al = fuzz.partial_ratio_alignment(piece, new, score_cutoff=FUZZY)
        if (
            al is not None
            and al.dest_end > al.dest_start
            and abs((al.dest_end - al.dest_start) - len(piece)) <= len(piece) * 0.2
        ):
            return al.dest_start, al.dest_end
    return None


def replace_text(session: Session, doc: Document, new_text: str, nlp_obj=None) -> dict[str, int]:
    """Give ``doc`` a new text: passages recomputed, codings re-anchored or orphaned."""
    old = doc.text
    mapped = offset_map(old, new_text)
    n = len(new_text)
    moved = orphaned = restored = 0
    for coding in session.execute(
        select(Coding).where(Coding.document_id == doc.id).order_by(Coding.id)
    ).scalars():
        if coding.orphaned and coding.orphan_text:
            span = reanchor_span(
                old, new_text, coding.start, coding.end, mapped, piece=coding.orphan_text
            )
            if span is not None:
                coding.start, coding.end = span
                coding.orphaned = False
                coding.orphan_text = None
                restored += 1
            else:
                _clamp(coding, mapped(coding.start), n)
            continue
        span = reanchor_span(old, new_text, coding.start, coding.end, mapped)
        if span is None:
            coding.orphan_text = old[coding.start : coding.end]
            coding.orphaned = True
            _clamp(coding, mapped(coding.start), n)
            orphaned += 1
        elif span != (coding.start, coding.end):
            coding.start, coding.end = span
            moved += 1
    old_passages = [
        p for (p,) in session.execute(select(Passage.id).where(Passage.document_id == doc.id))
    ]
    doc.text = new_text
    session.flush()
    # New passages first, then the old ones go: SQLite would otherwise hand the freed
    # ids straight to the new rows, and undo could not restore the old ones by id.
    store_passages(session, doc.id, compute_passages(new_text, nlp_obj))  # type: ignore[arg-type]
    if old_passages:
        delete_rows(session, Passage, Passage.id.in_(old_passages))  # type: ignore[union-attr]
    return {"moved": moved, "orphaned": orphaned, "restored": restored}


def _clamp(coding: Coding, near: int | None, n: int) -> None:
    """Keep an orphaned coding's span valid (one character inside the new text, near its old place)."""
    start = coding.start if near is None else near
    start = min(max(start, 0), max(n - 1, 0))
    length = max(1, min(coding.end - coding.start, n - start))
    coding.start, coding.end = start, start + length
