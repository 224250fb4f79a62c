"""Small readers of REFI-QDA XML: children by local name, texts, booleans, times, colours, names."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from qualcode.refi.common import local, norm_guid


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


def clean_name(value: str | None) -> str:
    """A name as given, NFC, without surrounding space and without line breaks or tabs."""
    import unicodedata

    if not value:
        return ""
    value = value.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return unicodedata.normalize("NFC", value).strip()


def note_refs(el: Element) -> list[str]:
    return [g for g in (norm_guid(r.get("targetGUID")) for r in kids(el, "NoteRef")) if g]
