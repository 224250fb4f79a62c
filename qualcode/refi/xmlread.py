"""Small readers of REFI-QDA XML: children by local name, texts, booleans, times, colours, names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from qualcode.refi.common import derived_guid, local, norm_guid


def kids(el: Element, name: str) -> list[Element]:
    return [c for c in el if local(c.tag) == name]


def kid(el: Element, name: str) -> Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def text_of(el: Element | None) -> str:
    """The text of a leaf element (REFI text elements have no child elements)."""
    if el is None:
        return ""
    return el.text or ""


def as_bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    return default


_WHEN: dict[str, datetime | None] = {}


def when(value: str | None) -> datetime | None:
    """An xsd:dateTime as aware UTC datetime (None when missing or unreadable); cached."""
    if not value:
        return None
    if value in _WHEN:
        return _WHEN[value]
    try:
        dt: datetime | None = datetime.fromisoformat(value.strip())
    except ValueError:
        dt = None
    if dt is not None:
        dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if len(_WHEN) > 100_000:
        _WHEN.clear()
    _WHEN[value] = dt
    return dt


def color(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lstrip("#")
    if len(v) == 3:
        v = "".join(ch * 2 for ch in v)
    if len(v) == 8:  # ARGB / RGBA of some tools: keep the colour part
        v = v[2:] if value.strip().startswith("#") else v[:6]
    if len(v) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in v):
        return None
    return "#" + v.upper()


# Bidirectional controls reorder what a name shows ("\u202eexe.txt" reads "txt.exe").
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_name(value: str | None) -> str:
    """A name as given, NFC, without surrounding space, line breaks, tabs or bidi controls."""
    import unicodedata

    if not value:
        return ""
    value = value.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    value = BIDI_CONTROLS.sub("", value)
    return unicodedata.normalize("NFC", value).strip()


def bidi_controls(value: str | None) -> list[str]:
    """The bidi control characters in ``value`` as ``U+202E`` (for a warning)."""
    return sorted({f"U+{ord(ch):04X}" for ch in BIDI_CONTROLS.findall(value or "")})


def note_refs(el: Element) -> list[str]:
    return [g for g in (ident(r.get("targetGUID")) for r in kids(el, "NoteRef")) if g]


_ODD_IDS: ContextVar[set[str] | None] = ContextVar("odd_ids", default=None)


@contextmanager
def collecting_odd_ids() -> Iterator[set[str]]:
    """Collect the ids that :func:`ident` read which are not GUIDs (for one warning)."""
    odd: set[str] = set()
    token = _ODD_IDS.set(odd)
    try:
        yield odd
    finally:
        _ODD_IDS.reset(token)


def ident(value: str | None) -> str | None:
    """A ``guid`` or ``targetGUID`` as a normalised GUID.

    Some tools write ids that are not GUIDs (``guid="code-1"``); such an id becomes
    a GUID derived from it, the same for the element and every reference to it, so
    references still resolve. None only when the attribute is missing or blank.
    """
    g = norm_guid(value)
    if g is not None or value is None:
        return g
    raw = value.strip()
    if not raw:
        return None
    odd = _ODD_IDS.get()
    if odd is not None:
        odd.add(raw)
    return derived_guid("refi-id", raw)
