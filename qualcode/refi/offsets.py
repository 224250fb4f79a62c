"""Which unit a REFI-QDA file counts its positions in: code points or UTF-16 code units.

REFI-QDA positions count characters (Unicode code points). NVivo counts UTF-16 code
units instead, as .NET strings do: every character outside the Basic Multilingual Plane
(emoji, some CJK, historic scripts) counts twice. Texts without such characters read
the same either way; in texts with them, every selection after one is shifted.

:func:`decide` weighs what the file says (its ``origin``) and what its selections show:

* a position that would fall between the two halves of a surrogate pair cannot be a
  UTF-16 position (it would split a character);
* a position past the end of the text in code points, but within it in UTF-16 units,
  cannot be a code point position;
* a position inside an emoji sequence (before a skin-tone modifier, after a zero-width
  joiner) is unlikely: the reading with fewer of them wins;
* otherwise, the reading under which more of the shifted selections start and end on
  line and word boundaries wins (people select words, sentences and lines); a tie
  goes to the origin (NVivo → UTF-16), else to the standard (code points);
* a file qualcode wrote (without "for NVivo" in its origin) counts code points.

:class:`Utf16Map` converts positions; :func:`to_utf16` converts back (export for NVivo).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

CODEPOINTS = "codepoints"
UTF16 = "utf16"
UNITS = (CODEPOINTS, UTF16)

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def has_astral(text: str) -> bool:
    """True when some character counts twice in UTF-16."""
    return _ASTRAL.search(text) is not None


class Utf16Map:
    """Positions in UTF-16 code units of ``text`` ↔ positions in code points."""

    def __init__(self, text: str) -> None:
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]  # code point positions
        self.units = [cp + k for k, cp in enumerate(self.astral)]  # their UTF-16 positions
        self.n_units = len(text) + len(self.astral)

    def to_codepoint(self, unit: int) -> int | None:
        """The code point position of a UTF-16 position; None when it splits a character."""
        j = bisect.bisect_left(self.units, unit - 1)
        if j < len(self.units) and self.units[j] == unit - 1:
            return None
        return unit - bisect.bisect_right(self.units, unit - 2)

    def to_unit(self, cp: int) -> int:
        return cp + bisect.bisect_left(self.astral, cp)


def to_utf16(text: str, positions: list[int]) -> list[int]:
    """Code point positions of ``text`` as UTF-16 code units (for NVivo)."""
    if not has_astral(text):
        return positions
    m = Utf16Map(text)
    return [m.to_unit(p) for p in positions]


_WORD = re.compile(r"\w")


def _starts_well(text: str, pos: int) -> bool:
    if pos <= 0:
        return True
    if pos >= len(text):
        return False
    before, at = text[pos - 1], text[pos]
    if before == "\n":
        return True
    return not at.isspace() and not (_WORD.match(before) and _WORD.match(at))


def _ends_well(text: str, pos: int) -> bool:
    if pos >= len(text):
        return True
    if pos <= 0:
        return False
    before, at = text[pos - 1], text[pos]
    if at == "\n":
        return True
    return not before.isspace() and not (_WORD.match(before) and _WORD.match(at))


_JOINERS = re.compile("[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")


def _splits_cluster(text: str, pos: int) -> bool:
    """True when ``pos`` falls inside what a reader sees as one character: before a skin-tone
    modifier, variation selector, tag or combining mark, or after a zero-width joiner."""
    if pos <= 0 or pos >= len(text):
        return False
    at = text[pos]
    return bool(_JOINERS.match(at) or unicodedata.combining(at) or text[pos - 1] == "\u200d")


@dataclass
class Evidence:
    """What the selections of texts with astral characters say about the unit."""

    shifted: int = 0  # selections whose positions differ between the readings
    split_utf16: int = 0  # … that would split a character as UTF-16 units
    beyond_codepoints: int = 0  # … that end past the text as code points, not as UTF-16
    bounds_utf16: int = 0  # … that start and end on line/word boundaries as UTF-16 units
    bounds_codepoints: int = 0  # … as code points
    cluster_utf16: int = 0  # … that would cut an emoji sequence (👍🏽) as UTF-16 units
    cluster_codepoints: int = 0  # … as code points

    def add(self, text: str, start: int, end: int, umap: Utf16Map | None = None) -> None:
        umap = umap or Utf16Map(text)
        if not umap.astral or start >= end:
            return
        s16, e16 = umap.to_codepoint(start), umap.to_codepoint(end)
        if (s16, e16) == (start, end):
            return
        self.shifted += 1
        n = len(text)
        if s16 is None or e16 is None:
            self.split_utf16 += 1
        elif _splits_cluster(text, s16) or _splits_cluster(text, e16):
            self.cluster_utf16 += 1
        elif _starts_well(text, s16) and _ends_well(text, e16) and e16 <= n:
            self.bounds_utf16 += 1
        if end > n and end <= umap.n_units:
            self.beyond_codepoints += 1
        elif _splits_cluster(text, start) or _splits_cluster(text, end):
            self.cluster_codepoints += 1
        elif end <= n and _starts_well(text, start) and _ends_well(text, end):
            self.bounds_codepoints += 1


@dataclass
class Decision:
    unit: str
    reason: str = ""  # why, for the import summary; empty when nothing differs
    shifted: int = 0


def _n(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def is_nvivo(origin: str | None) -> bool:
    return "nvivo" in (origin or "").casefold()


def decide(origin: str | None, ev: Evidence, forced: str | None = None) -> Decision:
    """The unit the file's positions count (see the module docstring)."""
    if forced:
        if forced not in UNITS:
            raise ValueError(forced)
        why = f"--offsets {forced}; {_n(ev.shifted, 'selection')} affected" if ev.shifted else ""
        return Decision(forced, why, ev.shifted)
    if not ev.shifted:
        return Decision(CODEPOINTS)
    nvivo = is_nvivo(origin)
    ours = (origin or "").casefold().startswith("qualcode") and not nvivo
    counts = (
        f"{ev.bounds_utf16} of {_n(ev.shifted, 'selection')} after such characters start and end"
        f" on a line or word boundary as UTF-16 units, {ev.bounds_codepoints} as code points"
    )
    if ev.split_utf16 and not ev.beyond_codepoints:
        return Decision(
            CODEPOINTS,
            f"{_n(ev.split_utf16, 'selection')} would split a character as UTF-16 units",
            ev.shifted,
        )
    if ours and not (ev.beyond_codepoints and not ev.split_utf16):
        return Decision(CODEPOINTS, f"written by {origin!r}, which counts code points", ev.shifted)
    origin_note = f"written by {origin!r}, which counts UTF-16 units; " if nvivo else ""
    if ev.beyond_codepoints and not ev.split_utf16:
        beyond = f"{_n(ev.beyond_codepoints, 'selection')} would end past the text as code points"
        return Decision(UTF16, f"{origin_note}{beyond}; {counts}", ev.shifted)
    if ev.cluster_codepoints != ev.cluster_utf16:
        unit = UTF16 if ev.cluster_codepoints > ev.cluster_utf16 else CODEPOINTS
        cut = max(ev.cluster_codepoints, ev.cluster_utf16)
        as_ = "code points" if unit == UTF16 else "UTF-16 units"
        why = f"{_n(cut, 'selection')} would cut an emoji sequence as {as_}; {counts}"
        return Decision(unit, (origin_note if unit == UTF16 else "") + why, ev.shifted)
    if ev.bounds_utf16 > ev.bounds_codepoints or (
        ev.bounds_utf16 == ev.bounds_codepoints and nvivo
    ):
        return Decision(UTF16, origin_note + counts, ev.shifted)
    return Decision(CODEPOINTS, counts, ev.shifted)
