"""What export and import share: namespaces, GUIDs, the code description layout, offsets."""

from __future__ import annotations

import bisect
import gc
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a big, acyclic structure is built.

    The collector would rescan the growing heap again and again: about 40 % of
    parsing the 25 MB ``project.qde`` of 50,000 codings, and ≈ 0.5 s of importing it.
    Element trees, plans and row dicts hold no reference cycles, so nothing piles up.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Stable GUIDs for things qualcode has no guid column for (variables, selections).
_GUID_NS = uuid.UUID("6f1d4c52-8c1e-4a57-9d4e-2f6b1a7c9e30")

ATTR_TO_REFI = {
    "text": "Text",
    "boolean": "Boolean",
    "integer": "Integer",
    "float": "Float",
    "date": "Date",
}
REFI_TO_ATTR = {
    "text": "text",
    "boolean": "boolean",
    "integer": "integer",
    "float": "float",
    "date": "date",
    "datetime": "text",
}
VALUE_ELEMENTS = {
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
}


_NS_BYTES = _GUID_NS.bytes


def derived_guid(kind: str, key: str) -> str:
    """A GUID that is the same in every export (e.g. of the variable ``Format``).

    Equal to ``uuid.uuid5(_GUID_NS, f"{kind}:{key}")``, computed without the UUID object.
    """
    d = bytearray(hashlib.sha1(_NS_BYTES + f"{kind}:{key}".encode()).digest()[:16])
    d[6] = (d[6] & 0x0F) | 0x50
    d[8] = (d[8] & 0x3F) | 0x80
    h = d.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)


def norm_guid(value: str | None) -> str | None:
    """``{ABC…}`` / ``abc…`` → ``abc…`` (how references are compared); None when not a GUID."""
    if not value:
        return None
    m = _GUID_RE.match(value.strip())
    return m.group(1).lower() if m else None


_LOCAL: dict[object, str] = {}


def local(tag: object) -> str:
    """The element name without its namespace (files of older tools use other namespaces)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
        if len(_LOCAL) < 10_000:
            _LOCAL[tag] = name
    return name


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


# --- the description of a code: description, definition, anchor example, coding rule ---------------

LABELS = {
    "definition": "Definition",
    "anchor": "Ankerbeispiel / Anchor example",
    "rule": "Kodierregel / Coding rule",
}
_STRICT = re.compile(
    r"(?:^|\n\n)(Definition|Ankerbeispiel / Anchor example|Kodierregel / Coding rule):\n"
)
_STRICT_FIELDS = {v: k for k, v in LABELS.items()}
_LENIENT = re.compile(
    r"(?:^|\n\n?)[ \t]*(?P<label>definition|definición|anchor examples?|ankerbeispiele?|anchor|"
    r"kodierregeln?|codierregeln?|coding rules?|kodierregel)[ \t]*:[ \t]*\n?",
    re.IGNORECASE,
)


def format_description(description: str, definition: str, anchor: str, rule: str) -> str:
    """One readable text for REFI's ``Description`` (which has no fields of its own)::

        <description>

        Definition:
        <definition>

        Ankerbeispiel / Anchor example:
        <anchor>

        Kodierregel / Coding rule:
        <rule>

    Empty parts are left out; :func:`parse_description` restores the four fields exactly.
    """
    parts = [description] if description else []
    for key, value in (("definition", definition), ("anchor", anchor), ("rule", rule)):
        if value:
            parts.append(f"{LABELS[key]}:\n{value}")
    return "\n\n".join(parts)


def parse_description(text: str) -> dict[str, str]:
    """Split a code's Description into description, definition, anchor and rule.

    Files written by qualcode use the exact layout of :func:`format_description`.
    Other tools' texts are read leniently: a line starting with ``Definition:``,
    ``Ankerbeispiel:`` / ``Anchor example:`` or ``Kodierregel:`` / ``Coding rule:``
    (after a line break) starts that field; everything else is the description.
    """
    out = {"description": "", "definition": "", "anchor": "", "rule": ""}
    if not text:
        return out
    matches = list(_STRICT.finditer(text))
    fields: list[tuple[str, int, int]] = []
    if matches:
        fields = [(_STRICT_FIELDS[m.group(1)], m.start(), m.end()) for m in matches]
    else:
        for m in _LENIENT.finditer(text):
            label = m.group("label").lower()
            key = (
                "definition"
                if label.startswith("defini")
                else "anchor"
                if label.startswith(("anchor", "anker"))
                else "rule"
            )
            fields.append((key, m.start(), m.end()))
    if not fields:
        out["description"] = text
        return out
    out["description"] = text[: fields[0][1]]
    for i, (key, _s, e) in enumerate(fields):
        end = fields[i + 1][1] if i + 1 < len(fields) else len(text)
        value = text[e:end]
        if not matches:
            value = value.strip()
        out[key] = value if not out[key] else out[key] + "\n\n" + value
    if not matches:
        out["description"] = out["description"].strip()
    return out


# --- offsets: positions counted on a foreign text → positions in the normalised text --------------

_SPECIAL = re.compile(r"\r\n|[\r\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_REPLACE = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n\n"}


@dataclass
class OffsetMap:
    """Maps positions of an original text to positions of its normalised form.

    ``units`` are the spans that changed length: ``(orig_start, orig_end, new_start, new_end)``;
    elsewhere positions shift by the accumulated difference. A position inside a
    changed unit (between ``\\r`` and ``\\n``) maps to the unit's start for a start
    offset and to its end for an end offset.
    """

    o_start: list[int] = field(default_factory=list)
    o_end: list[int] = field(default_factory=list)
    n_start: list[int] = field(default_factory=list)
    n_end: list[int] = field(default_factory=list)
    then: OffsetMap | None = None

    def add(self, os_: int, oe: int, ns: int, ne: int) -> None:
        self.o_start.append(os_)
        self.o_end.append(oe)
        self.n_start.append(ns)
        self.n_end.append(ne)

    def map(self, pos: int, *, end: bool = False) -> int:
        i = bisect.bisect_right(self.o_start, pos) - 1
        if i < 0:
            out = pos
        elif pos >= self.o_end[i]:
            out = pos - self.o_end[i] + self.n_end[i]
        elif pos == self.o_start[i]:
            out = self.n_start[i]
        else:
            out = self.n_end[i] if end else self.n_start[i]
        return self.then.map(out, end=end) if self.then is not None else out


def normalize_with_map(text: str, *, crlf_as_one: bool = False) -> tuple[str, OffsetMap | None]:
    """``textutil.normalize`` (BOM, line endings, control characters, NFC) plus an offset map.

    Returns ``(normalised, None)`` when nothing changed. With ``crlf_as_one`` the
    original positions count ``\\r\\n`` as one character (as some tools do).
    """
    from qualcode.textutil import normalize

    target = normalize(text)
    if target == text:
        return text, None
    first = OffsetMap()
    if crlf_as_one and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if text.startswith("\ufeff"):
        first.add(0, 1, 0, 0)
        body_start = 1
    else:
        body_start = 0
    pieces: list[str] = []
    pos = body_start
    shift = -body_start
    for m in _SPECIAL.finditer(text, body_start):
        s, e = m.span()
        pieces.append(text[pos:s])
        rep = _REPLACE.get(m.group(), "")
        ns = s + shift
        first.add(s, e, ns, ns + len(rep))
        shift += len(rep) - (e - s)
        pieces.append(rep)
        pos = e
    pieces.append(text[pos:])
    step1 = "".join(pieces)
    if step1 == target:
        return target, first
    # NFC changed something: map character clusters (a starter with its combining marks).
    second = OffsetMap()
    out: list[str] = []
    i, n, new_pos = 0, len(step1), 0
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(step1[j]) or 0x1160 <= ord(step1[j]) <= 0x11FF):
            j += 1
        cluster = step1[i:j]
        norm = unicodedata.normalize("NFC", cluster)
        if len(norm) != len(cluster):
            second.add(i, j, new_pos, new_pos + len(norm))
        out.append(norm)
        new_pos += len(norm)
        i = j
    if "".join(out) != target:  # exotic composition across clusters: keep offsets, clamp later
        return target, first
    first.then = second
    return target, first
