"""Text normalisation, front matter, paragraphs and typed attribute values."""

from __future__ import annotations

import bisect
import re
import unicodedata
from datetime import date

from qualcode.errors import InvalidInput

_BLANK_LINES = re.compile(r"\n[ \t\f\v\u00a0]*\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize(text: str) -> str:
    """NFC, ``\\n`` line endings, no BOM, no C0 control characters except tab and newline."""
    text = (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u2028", "\n")
        .replace("\u2029", "\n\n")
    )
    if text.startswith("\ufeff"):
        text = text[1:]
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def name_key(name: str) -> str:
    """How names compare: NFC, case-folded, trimmed."""
    return unicodedata.normalize("NFC", name).strip().casefold()


_FRONT_LINE = re.compile(r"^\s*([^:#][^:]*?)\s*:\s*(.*?)\s*$")


def split_front_matter(text: str, name: str = "the text") -> tuple[dict[str, str], str]:
    """Split a leading ``---`` block of ``key: value`` lines from the body.

    Returns ``({}, text)`` when there is no front matter: no ``---`` line first, no closing
    ``---`` line, or no ``key: value`` line between them (two rules of Markdown text). A
    block that holds ``key: value`` lines *and* a line that is not one, or a key twice, is
    refused (``name`` says where): its attributes would be lost and the block coded as text.
    """
    first, nl, _ = text.partition("\n")
    if first.rstrip() != "---" or not nl:
        return {}, text
    lines = text.split("\n")
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        return {}, text
    attrs: dict[str, str] = {}
    bad: tuple[int, str] | None = None
    for n, line in enumerate(lines[1:close], start=2):
        if not line.strip():
            continue
        m = _FRONT_LINE.match(line)
        if not m:
            bad = bad or (n, line)
            continue
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if m.group(1) in attrs:
            raise InvalidInput(
                f"{name}, line {n}: front matter key {m.group(1)!r} given twice",
                "keep one of its lines",
            )
        attrs[m.group(1)] = value
    if not attrs:  # horizontal rules, not front matter
        return {}, text
    if bad is not None:
        raise InvalidInput(
            f"{name}, line {bad[0]}: front matter line {bad[1].strip()!r} is not `key: value`",
            "write it as key: value, or remove it",
        )
    return attrs, "\n".join(lines[close + 1 :])


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs: blocks separated by blank lines, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _BLANK_LINES.finditer(text):
        _add_trimmed(text, pos, m.start(), spans)
        pos = m.end()
    _add_trimmed(text, pos, len(text), spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


_INT = re.compile(r"^[+-]?\d{1,18}$")
_FLOAT = re.compile(r"^[+-]?(\d+[.,]\d*|\d*[.,]\d+)$")
_BOOL = {"true": True, "false": False, "ja": True, "nein": False, "yes": True, "no": False}


def infer_type(value: str) -> str:
    """The type of an attribute value: integer, float, date (ISO), boolean or text."""
    v = value.strip()
    if _INT.match(v):
        return "integer"
    if _FLOAT.match(v):
        return "float"
    if v.lower() in _BOOL:
        return "boolean"
    try:
        date.fromisoformat(v)
        return "date"
    except ValueError:
        return "text"


def typed_value(value: str, type_: str) -> object:
    """The Python value of a stored attribute (for JSON output and sorting)."""
    try:
        if type_ == "integer":
            return int(value)
        if type_ == "float":
            return float(value.replace(",", "."))
        if type_ == "boolean":
            return _BOOL[value.strip().lower()]
    except (ValueError, KeyError):
        pass
    return value


def split_path(path: str) -> list[str]:
    """``"A/B\\/C"`` → ``["A", "B/C"]`` (a code path; ``\\/`` is a literal slash); refuses empty names."""
    parts, cur, i = [], [], 0
    while i < len(path):
        ch = path[i]
        if ch == "\\" and i + 1 < len(path) and path[i + 1] in "/\\":
            cur.append(path[i + 1])
            i += 2
            continue
        if ch == "/":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    parts = [p.strip() for p in parts]
    if not path.strip() or any(not p for p in parts):
        raise InvalidInput(
            f"invalid code path {path!r}: empty name",
            "write paths as Parent/Child (a '/' inside a name as \\/)",
        )
    return parts


def join_path(names) -> str:
    return "/".join(n.replace("\\", "\\\\").replace("/", "\\/") for n in names)


def check_span(name: str, length: int, start: int, end: int, what: str = "coding") -> None:
    """Refuse a span ``[start, end)`` that is empty, reversed or outside a text of ``length``."""
    if start < 0 or end < 0:
        raise InvalidInput(
            f"span {start}-{end} has a negative offset", "offsets count characters from 0"
        )
    if end < start:
        raise InvalidInput(f"span {start}-{end}: end is before start", "give --start before --end")
    if end == start:
        raise InvalidInput(f"span {start}-{end} is empty", f"a {what} needs at least one character")
    if end > length:
        raise InvalidInput(
            f"span {start}-{end} is outside {name!r} (it has {length} characters)",
            f"use offsets up to {length}",
        )


def coded_flags(starts_ends: list[tuple[int, int]], codings: list[tuple[int, int]]) -> list[bool]:
    """For each passage span, whether any coding overlaps it (codings sorted by start)."""
    if not codings:
        return [False] * len(starts_ends)
    codings = sorted(codings)
    starts = [s for s, _ in codings]
    # prefix max of ends lets us test overlap in O(log n)
    max_end: list[int] = []
    m = -1
    for _, e in codings:
        m = max(m, e)
        max_end.append(m)
    flags = []
    for s, e in starts_ends:
        i = bisect.bisect_left(starts, e) - 1  # codings starting before the passage end
        flags.append(i >= 0 and max_end[i] > s)
    return flags


def ascii_int(value: str | None) -> int | None:
    """A whole number written in ASCII digits (``" 12 "``, ``"-3"``), else None.

    Python's ``int()`` also takes ``"١٢"`` (Arabic-Indic digits), ``"1_2"`` and
    ``"+12"``; a position written like that is a damaged file, not a number.
    """
    if value is None:
        return None
    v = value.strip()
    digits = v[1:] if v[:1] == "-" else v
    if len(digits) > 18:  # no text is that long; int() of 5,000 digits raises ValueError
        return None
    return int(v) if digits.isdigit() and digits.isascii() else None


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 coding"``, ``"2 codings"`` (``words``: an irregular plural)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.MULTILINE)
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_CODE = re.compile(r"`([^`\n]*)`")


def quotation(text: str, document: str) -> str:
    """A span as a quotation: the Markdown markup of a ``.md`` document (``# `` headings,
    ``**bold**``, ``*emphasis*``, ```code```) taken out, the words kept."""
    if not document.lower().endswith((".md", ".markdown")):
        return text
    text = _MD_HEADING.sub("", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EM.sub(r"\1", text)
    return _MD_CODE.sub(r"\1", text)


def is_id(ref: str) -> bool:
    """``ref`` written as a row id: ASCII digits without a leading zero (``²``, ``３`` and
    ``02`` are names)."""
    return ref.isascii() and ref.isdigit() and str(int(ref)) == ref


YES = ("true", "1", "yes", "ja", "x", "wahr")
NO = ("false", "0", "no", "nein", "falsch")


def yes_no(value: object, what: str, default: bool = False) -> bool:
    """A yes/no field of an input file: a boolean, or one of :data:`YES`/:data:`NO` in any
    case (``codebook import`` reads ``codable`` so); empty or None is ``default``. Anything
    else (``Y``, ``behalten``, ``2``) raises, naming ``what``, the value and the accepted ones."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().casefold()
    if not text:
        return default
    if text in YES or text in NO:
        return text in YES
    raise InvalidInput(
        f"{what} is {value!r}, not a yes/no value (use {', '.join(YES)} or {', '.join(NO)})",
        "use true or false",
    )
