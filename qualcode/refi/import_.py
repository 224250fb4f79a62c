"""Import REFI-QDA files (``.qdpx`` projects, ``.qdc`` codebooks, bare ``.qde``) into a project.

Two phases, so that nothing is ever half-imported:

1. :func:`read_file` parses and checks **everything** (XML, zip, references,
   offsets) into a :class:`Plan` without touching the database; any problem is
   one :class:`~qualcode.errors.InvalidInput`.
2. :func:`apply_plan` runs inside one audited transaction: it first checks the
   plan against the project (name clashes), then calls ``before_write`` (the
   automatic backup), then writes with bulk inserts. ``qualcode undo`` reverts it.

Merging: codes are matched by path (an existing code is reused, new codes keep
the file's GUIDs); documents by name (same text → reused, different text →
error unless ``rename``); coders by name (REFI ``User``); identical codings are
not duplicated, so importing the same file twice changes nothing.

Offsets: REFI positions count characters of the plain text. Texts are stored
NFC with ``\\n`` line endings; positions counted on the original text (a
``\\r\\n`` is two characters) are translated to the stored text. Tools that count
``\\r\\n`` as one character are served by ``crlf_as_one``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode import audit
from qualcode.codebook import PALETTE, CodeTree, insert_rows
from qualcode.errors import Conflict, InvalidInput
from qualcode.models import (
    Code,
    Coder,
    Coding,
    Document,
    DocumentAttribute,
    Memo,
    Passage,
    new_guid,
    utcnow,
)
from qualcode.refi.common import (
    REFI_TO_ATTR,
    VALUE_ELEMENTS,
    derived_guid,
    gc_paused,
    local,
    namespace,
    norm_guid,
    normalize_with_map,
    parse_description,
)
from qualcode.refi.safety import Archive, open_archive, parse_xml
from qualcode.textutil import name_key

UNKNOWN_CODER = "import"
MAX_ERRORS = 10


# --- the plan: everything read from the file, checked, nothing written ----------------------------


@dataclass
class PCode:
    guid: str
    name: str
    names: tuple[str, ...]  # path from the top
    parent: str | None
    color: str | None
    codable: bool
    fields: dict[str, str]
    notes: list[str] = field(default_factory=list)


@dataclass
class PCoding:
    guid: str
    start: int
    end: int
    code: str
    user: str | None
    memo: str
    created: datetime | None
    notes: list[str] = field(default_factory=list)


@dataclass
class PSource:
    guid: str
    name: str
    text: str
    attrs: dict[str, tuple[str, str]]  # key → (value, type)
    codings: list[PCoding]
    notes: list[str] = field(default_factory=list)
    created: datetime | None = None


@dataclass
class PNote:
    guid: str
    title: str
    text: str
    user: str | None
    created: datetime | None


@dataclass
class Plan:
    kind: str  # codebook | project
    source: str
    codes: list[PCode] = field(default_factory=list)  # parents before children
    users: dict[str, str] = field(default_factory=dict)
    sources: list[PSource] = field(default_factory=list)
    notes: dict[str, PNote] = field(default_factory=dict)
    project_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "codes": len(self.codes),
            "users": len(self.users),
            "documents": len(self.sources),
            "codings": sum(len(s.codings) for s in self.sources),
            "notes": len(self.notes),
        }


class _Errors:
    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[str] = []
        self.warnings: list[str] = []

    def add(self, msg: str) -> None:
        self.items.append(msg)

    def check(self) -> None:
        if self.items:
            more = (
                f" (and {len(self.items) - MAX_ERRORS} more)"
                if len(self.items) > MAX_ERRORS
                else ""
            )
            raise InvalidInput(
                f"{self.what}: nothing imported; " + "; ".join(self.items[:MAX_ERRORS]) + more,
                "the file is damaged or uses features qualcode cannot read",
            )


def _kids(el: Element, name: str) -> list[Element]:
    return [c for c in el if local(c.tag) == name]


def _kid(el: Element, name: str) -> Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def _text(el: Element | None) -> str:
    """The text of a leaf element (REFI text elements have no child elements)."""
    if el is None:
        return ""
    return el.text or ""


def _bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    return default


_WHEN: dict[str, datetime | None] = {}


def _when(value: str | None) -> datetime | None:
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


def _color(value: str | None) -> str | None:
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


def _clean_name(value: str | None) -> str:
    """A name as given, NFC, without surrounding space and without line breaks or tabs."""
    import unicodedata

    if not value:
        return ""
    value = value.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return unicodedata.normalize("NFC", value).strip()


def _note_refs(el: Element) -> list[str]:
    return [g for g in (norm_guid(r.get("targetGUID")) for r in _kids(el, "NoteRef")) if g]


def _check_root(root: Element, expected: str, what: str, warnings: list[str]) -> None:
    name = local(root.tag)
    if name != expected:
        other = {
            "Project": "a REFI-QDA project (.qdpx/.qde)",
            "CodeBook": "a REFI-QDA codebook (.qdc)",
        }.get(name)
        hint = (
            f"this is {other}; use the matching file suffix"
            if other
            else "this is not a REFI-QDA file"
        )
        raise InvalidInput(f"{what}: the root element is <{name}>, expected <{expected}>", hint)
    ns = namespace(root.tag)
    if ns and not ns.lower().startswith("urn:qda-xml"):
        warnings.append(f"unexpected XML namespace {ns!r}; read as REFI-QDA")


def _read_codes(codes_el: Element | None, errors: _Errors, plan: Plan) -> dict[str, PCode]:
    by_guid: dict[str, PCode] = {}
    if codes_el is None:
        return by_guid

    def walk(el: Element, parent: PCode | None, depth: int) -> None:
        for c in el:
            tag = local(c.tag)
            if tag == "Codes":  # some tools wrap sub-codes in another <Codes>
                walk(c, parent, depth)
                continue
            if tag != "Code":
                continue
            name = _clean_name(c.get("name"))
            path_names = (*(parent.names if parent else ()), name or "?")
            g = norm_guid(c.get("guid"))
            if not name:
                errors.add(
                    f"a code without a name (guid {c.get('guid')!r}, under {'/'.join(path_names[:-1]) or 'the top'})"
                )
                continue
            if g is None:
                g = derived_guid("imported-code", "/".join(path_names))
                plan.warnings.append(
                    f"code {'/'.join(path_names)!r} has no valid guid; one was made up"
                )
            if g in by_guid:
                errors.add(f"two codes have the guid {g}")
                continue
            if depth > 50:
                errors.add("the code tree is nested more than 50 levels deep")
                return
            desc = parse_description(_text(_kid(c, "Description")).replace("\r\n", "\n"))
            code = PCode(
                g,
                name,
                path_names,
                parent.guid if parent else None,
                _color(c.get("color")),
                _bool(c.get("isCodable")),
                desc,
                _note_refs(c),
            )
            by_guid[g] = code
            plan.codes.append(code)
            walk(c, code, depth + 1)

    walk(codes_el, None, 0)
    return by_guid


def _variable_value(el: Element, type_: str) -> tuple[str, str] | None:
    for c in el:
        tag = local(c.tag)
        if tag not in VALUE_ELEMENTS:
            continue
        value = _text(c).strip()
        if value == "":
            return None
        if tag == "BooleanValue":
            return ("true" if _bool(value, False) else "false"), "boolean"
        try:
            if tag == "IntegerValue":
                return str(int(value)), "integer"
            if tag == "FloatValue":
                float(value.replace(",", "."))
                return value, "float"
            if tag == "DateValue":
                return date.fromisoformat(value[:10]).isoformat(), "date"
        except ValueError:
            return value, "text"  # not what the type says: keep the text
        return value, "text"  # TextValue, DateTimeValue
    return None


_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")


def decode_text(data: bytes, name: str) -> str:
    """The text of a source file: UTF-8 (BOM optional), UTF-16 with BOM, else Windows-1252.

    A BOM is not part of the text (positions do not count it).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{name}: broken UTF-16 text ({exc.reason})", "re-export it as UTF-8"
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise InvalidInput(
            f"{name}: binary content, not a text file", "a text source must be plain text"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    head = text[:100_000]
    if len(_BINARY.findall(head)) > max(8, len(head) // 50):
        raise InvalidInput(
            f"{name}: binary content, not a text file", "a text source must be plain text"
        )
    return text


def _source_text(el: Element, archive: Archive | None, what: str, errors: _Errors) -> str | None:
    path = (el.get("plainTextPath") or "").strip()
    inline = _kid(el, "PlainTextContent")
    label = el.get("name") or el.get("guid") or "?"
    if path:
        scheme, _, rest = path.partition("://")
        if not _:
            scheme, rest = "internal", path
        if scheme.lower() != "internal":
            if inline is not None:
                return _text(inline)
            errors.warnings.append(
                f"source {label!r} skipped: its text is a file outside the archive ({path}); only texts inside the file are read"
            )
            return None
        if archive is None:
            if inline is not None:
                return _text(inline)
            errors.add(f"source {label!r} needs {path}, but {what} is not a .qdpx archive")
            return None
        from urllib.parse import unquote

        member = next(
            (
                m
                for name in dict.fromkeys((rest, unquote(rest)))
                for m in (archive.find("sources/" + name), archive.find(name))
                if m
            ),
            None,
        )
        if member is None:
            if inline is not None:
                return _text(inline)
            errors.add(f"source {label!r}: {path} is missing from the archive")
            return None
        try:
            return decode_text(archive.read(member), member)
        except InvalidInput as exc:
            errors.add(f"source {label!r}: {exc.message}")
            return None
    if inline is not None:
        return _text(inline)
    errors.add(f"source {label!r} has neither plainTextPath nor PlainTextContent")
    return None


def _unique_name(name: str, taken: set[str]) -> str:
    if name.casefold() not in taken:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 5:
        stem, suffix, dot = name, "", ""
    n = 2
    while True:
        cand = f"{stem} ({n}){dot}{suffix}"
        if cand.casefold() not in taken:
            return cand
        n += 1


def _coding_of(
    c: Element,
    src: PSource,
    codes: dict[str, PCode],
    errors: _Errors,
    span: tuple[int, int],
    user: str | None,
    memo: str,
    notes: list[str],
    label: str,
) -> None:
    """Add the ``<Coding>`` ``c`` on ``span`` of ``src`` (or note an error)."""
    start, end = span
    ref = None
    notes = list(notes)
    for child in c:
        tag = local(child.tag)
        if tag == "CodeRef":
            ref = child
        elif tag == "NoteRef":
            ref_g = norm_guid(child.get("targetGUID"))
            if ref_g:
                notes.append(ref_g)
    cg = norm_guid(ref.get("targetGUID")) if ref is not None else None
    if cg is None or cg not in codes:
        target = ref.get("targetGUID") if ref is not None else None
        errors.add(f"source {src.name!r}, {label}: the coding refers to an unknown code {target!r}")
        return
    guid = norm_guid(c.get("guid")) or derived_guid(
        "imported-coding", f"{src.guid}:{start}:{end}:{cg}:{len(src.codings)}"
    )
    user = norm_guid(c.get("creatingUser")) or user
    src.codings.append(
        PCoding(guid, start, end, cg, user, memo, _when(c.get("creationDateTime")), notes)
    )


def _read_project(root: Element, archive: Archive | None, what: str, crlf_as_one: bool) -> Plan:
    plan = Plan("project", what)
    _check_root(root, "Project", what, plan.warnings)
    errors = _Errors(what)
    users_el = _kid(root, "Users")
    for u in _kids(users_el, "User") if users_el is not None else []:
        g = norm_guid(u.get("guid"))
        if g is None:
            plan.warnings.append(f"a user without a valid guid ({u.get('name')!r}) was ignored")
            continue
        plan.users[g] = _clean_name(u.get("name") or u.get("id")) or f"user-{g[:8]}"
    cb = _kid(root, "CodeBook")
    codes = _read_codes(_kid(cb, "Codes") if cb is not None else None, errors, plan)

    variables: dict[str, tuple[str, str]] = {}
    vars_el = _kid(root, "Variables")
    for v in _kids(vars_el, "Variable") if vars_el is not None else []:
        g = norm_guid(v.get("guid"))
        name = (v.get("name") or "").strip()
        if g is None or not name:
            plan.warnings.append(f"a variable without guid or name ({name!r}) was ignored")
            continue
        variables[g] = (
            name,
            REFI_TO_ATTR.get((v.get("typeOfVariable") or "Text").strip().lower(), "text"),
        )

    # Notes (memos), texts inline or in the archive.
    notes_el = _kid(root, "Notes")
    for n in _kids(notes_el, "Note") if notes_el is not None else []:
        g = norm_guid(n.get("guid"))
        if g is None:
            plan.warnings.append("a note without a valid guid was ignored")
            continue
        text = (
            _source_text(n, archive, what, errors)
            if (n.get("plainTextPath") or _kid(n, "PlainTextContent") is not None)
            else _text(_kid(n, "Description"))
        )
        if text is None:
            continue
        from qualcode.textutil import normalize

        plan.notes[g] = PNote(
            g,
            (n.get("name") or "").strip(),
            normalize(text).strip("\n"),
            norm_guid(n.get("creatingUser")),
            _when(n.get("creationDateTime")),
        )
    plan.project_notes = _note_refs(root)
    description = _text(_kid(root, "Description")).strip()
    if description:
        g = derived_guid("project-description", description)
        plan.notes[g] = PNote(
            g,
            "Projektbeschreibung / Project description",
            description.replace("\r\n", "\n"),
            None,
            None,
        )
        plan.project_notes.append(g)

    # Sources.
    taken: set[str] = set()
    seen_guids: set[str] = set()
    skipped_kinds: dict[str, int] = defaultdict(int)
    sources_el = _kid(root, "Sources")
    for s in list(sources_el) if sources_el is not None else []:
        kind = local(s.tag)
        if kind != "TextSource":
            if kind:
                skipped_kinds[kind] += 1
            continue
        g = norm_guid(s.get("guid"))
        if g is None:
            errors.add(f"text source {s.get('name')!r} has no valid guid")
            continue
        if g in seen_guids:
            errors.add(f"two sources have the guid {g}")
            continue
        seen_guids.add(g)
        raw = _source_text(s, archive, what, errors)
        if raw is None:
            continue
        text, omap = normalize_with_map(raw, crlf_as_one=crlf_as_one)
        fallback = (
            Path((s.get("plainTextPath") or "").partition("://")[2] or "").name or f"source-{g[:8]}"
        )
        name = _unique_name(_clean_name(s.get("name")) or fallback, taken)
        taken.add(name.casefold())
        attrs: dict[str, tuple[str, str]] = {}
        for vv in _kids(s, "VariableValue"):
            ref = _kid(vv, "VariableRef")
            vg = norm_guid(ref.get("targetGUID")) if ref is not None else None
            if vg not in variables:
                plan.warnings.append(f"source {name!r}: a value of an unknown variable was ignored")
                continue
            key, type_ = variables[vg]  # type: ignore[index]
            value = _variable_value(vv, type_)
            if value is not None:
                attrs[key] = value
        src = PSource(g, name, text, attrs, [], _note_refs(s), _when(s.get("creationDateTime")))
        description = _text(_kid(s, "Description")).replace("\r\n", "\n").strip()
        if description:  # a document description becomes a memo on the document
            dg = derived_guid("source-description", g)
            plan.notes[dg] = PNote(dg, "Beschreibung / Description", description, None, None)
            src.notes.append(dg)
        n = len(text)

        empty = 0
        for sel in _kids(s, "PlainTextSelection"):
            try:
                ostart, oend = (
                    int((sel.get("startPosition") or "").strip()),
                    int((sel.get("endPosition") or "").strip()),
                )
            except ValueError:
                errors.add(
                    f"source {name!r}: selection {sel.get('guid')!r} has no whole-number start/end positions"
                )
                continue
            if ostart > oend:
                ostart, oend = oend, ostart
            start = omap.map(ostart) if omap else ostart
            end = omap.map(oend, end=True) if omap else oend
            label = f"selection {ostart}-{oend}"
            if start < 0 or end > n:
                errors.add(
                    f"source {name!r}: {label} lies outside the text ({len(raw)} characters)"
                )
                continue
            sel_codings: list[Element] = []
            sel_notes: list[str] = []
            memo = ""
            for child in sel:
                tag = local(child.tag)
                if tag == "Coding":
                    sel_codings.append(child)
                elif tag == "NoteRef":
                    ref_g = norm_guid(child.get("targetGUID"))
                    if ref_g:
                        sel_notes.append(ref_g)
                elif tag == "Description":
                    memo = _text(child).replace("\r\n", "\n").strip()
            if start == end or not sel_codings:
                empty += 1
                continue
            sel_user = norm_guid(sel.get("creatingUser"))
            for c in sel_codings:
                _coding_of(c, src, codes, errors, (start, end), sel_user, memo, sel_notes, label)
        for c in _kids(s, "Coding"):  # a code on the whole document
            if n:
                _coding_of(
                    c,
                    src,
                    codes,
                    errors,
                    (0, n),
                    norm_guid(s.get("creatingUser")),
                    "",
                    [],
                    "whole document",
                )
        if empty:
            plan.warnings.append(
                f"source {name!r}: {empty} empty or uncoded selections were skipped"
            )
        plan.sources.append(src)
        if len(errors.items) > 50:
            break
    for kind, k in sorted(skipped_kinds.items()):
        plan.warnings.append(
            f"{k} {kind} element{'s' if k != 1 else ''} skipped (qualcode imports text sources only)"
        )

    for tag, what_ in (("Sets", "sets"), ("Links", "links"), ("Graphs", "graphs")):
        el = _kid(root, tag)
        if el is not None and len(el):
            plan.warnings.append(f"{len(el)} {what_} were not imported (qualcode has no {what_})")

    # Cases: their variable values apply to the sources they reference (unless set there).
    cases_el = _kid(root, "Cases")
    by_guid = {s.guid: s for s in plan.sources}
    for case in _kids(cases_el, "Case") if cases_el is not None else []:
        values = {}
        for vv in _kids(case, "VariableValue"):
            ref = _kid(vv, "VariableRef")
            vg = norm_guid(ref.get("targetGUID")) if ref is not None else None
            if vg in variables:
                key, type_ = variables[vg]  # type: ignore[index]
                value = _variable_value(vv, type_)
                if value is not None:
                    values[key] = value
        for sref in _kids(case, "SourceRef"):
            src_ = by_guid.get(norm_guid(sref.get("targetGUID")) or "")
            if src_ is not None:
                for key, value in values.items():
                    src_.attrs.setdefault(key, value)

    for ref in [
        *plan.project_notes,
        *(g for s in plan.sources for g in s.notes),
        *(g for c in plan.codes for g in c.notes),
    ]:
        if ref not in plan.notes:
            plan.warnings.append(f"a reference to the unknown note {ref} was ignored")
    errors.check()
    plan.warnings.extend(errors.warnings)
    return plan


def read_file(path: str | Path, *, crlf_as_one: bool = False) -> Plan:
    """Parse and check a ``.qdpx``, ``.qdc`` or ``.qde`` file completely (no database access)."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"no such file: {p}", "check the path")
    try:
        with gc_paused():
            return _read_file(p, crlf_as_one)
    except RecursionError as exc:
        raise InvalidInput(
            f"{p.name}: the XML is nested too deeply", "the file is damaged or hostile"
        ) from exc


def _read_file(p: Path, crlf_as_one: bool) -> Plan:
    import zipfile

    if zipfile.is_zipfile(p):
        archive = open_archive(p)
        try:
            member = archive.find("project.qde")
            if member is None:
                qdes = [n for n in archive.members if n.lower().endswith(".qde") and "/" not in n]
                if len(qdes) != 1:
                    raise InvalidInput(
                        f"{p.name}: no project.qde in the archive",
                        "a .qdpx is a zip with project.qde and sources/; is this a REFI-QDA project?",
                    )
                member = qdes[0]
            root = parse_xml(archive.read(member), f"{p.name}/{member}")
            return _read_project(root, archive, p.name, crlf_as_one)
        finally:
            archive.close()
    if p.suffix.lower() == ".qdpx":
        raise InvalidInput(
            f"{p.name}: not a zip archive, so not a .qdpx project",
            "a .qdpx is a zip with project.qde and sources/",
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {p}: {exc.strerror}", "check the path") from exc
    root = parse_xml(data, p.name)
    if local(root.tag) == "Project":
        return _read_project(root, None, p.name, crlf_as_one)
    plan = Plan("codebook", p.name)
    _check_root(root, "CodeBook", p.name, plan.warnings)
    errors = _Errors(p.name)
    codes_el = _kid(root, "Codes")
    if codes_el is None:
        raise InvalidInput(
            f"{p.name}: the codebook has no <Codes> element",
            "the file is damaged or not a REFI-QDA codebook",
        )
    _read_codes(codes_el, errors, plan)
    errors.check()
    if _kid(root, "Sets") is not None:
        plan.warnings.append("code sets were not imported (qualcode has no sets)")
    return plan


# --- applying the plan -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    source: str
    documents_imported: list[str] = field(default_factory=list)
    documents_reused: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    codes_created: int = 0
    codes_merged: int = 0
    codes_updated: int = 0
    codings_imported: int = 0
    codings_skipped: int = 0
    attributes: int = 0
    memos: int = 0
    coders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup: str | None = None

    def as_json(self) -> dict:
        return {
            "file": self.source,
            "documents": {
                "imported": self.documents_imported,
                "reused": self.documents_reused,
                "renamed": self.renamed,
            },
            "codes": {
                "created": self.codes_created,
                "merged": self.codes_merged,
                "updated": self.codes_updated,
            },
            "codings": {"imported": self.codings_imported, "skipped": self.codings_skipped},
            "attributes": self.attributes,
            "memos": self.memos,
            "coders": self.coders,
            "warnings": self.warnings,
            "backup": self.backup,
        }


def project_has_data(session: Session) -> bool:
    for model in (Document, Code, Coding, Memo):
        if session.execute(select(model.id).limit(1)).first():  # type: ignore[attr-defined]
            return True
    return False


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@gc_paused()
def apply_plan(
    session: Session,
    plan: Plan,
    *,
    rename: bool = False,
    update_codes: bool = False,
    nlp_obj=None,
    source_path: str | None = None,
    before_write: Callable[[], str | None] | None = None,
) -> ImportResult:
    """Write a checked plan into the project (call inside one ``transaction``)."""
    res = ImportResult(plan.source, warnings=list(plan.warnings))

    # 1. Decide everything that can fail, before writing anything.
    existing_docs = {
        name: (did, sha)
        for did, name, sha in session.execute(select(Document.id, Document.name, Document.sha256))
    }
    taken = {n.casefold() for n in existing_docs}
    doc_target: dict[str, int | str] = {}  # source guid → existing doc id, or the new name
    conflicts = []
    for s in plan.sources:
        hit = existing_docs.get(s.name)
        if hit is None:
            doc_target[s.guid] = s.name
            taken.add(s.name.casefold())
        elif hit[1] == _sha(s.text):
            doc_target[s.guid] = hit[0]
        elif rename:
            new = _unique_name(s.name, taken)
            taken.add(new.casefold())
            doc_target[s.guid] = new
            res.renamed[s.name] = new
        else:
            conflicts.append(s.name)
    if conflicts:
        shown = ", ".join(repr(c) for c in conflicts[:5]) + (
            f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        )
        raise Conflict(
            f"{plan.source}: nothing imported; {len(conflicts)} document(s) with the same name but a different text are already in the project: {shown}",
            "import again with --rename to add them under new names, or remove/rename the existing documents",
        )
    if before_write is not None:
        res.backup = before_write()

    # 2. Coders.
    coders = {c.name: c for c in session.execute(select(Coder)).scalars()}
    coder_guids = {c.guid for c in coders.values()}
    coder_id: dict[str | None, int] = {}

    def coder_for(user: str | None) -> int:
        if user in coder_id:
            return coder_id[user]
        name = plan.users.get(user or "", UNKNOWN_CODER)
        c = coders.get(name)
        if c is None:
            c = Coder(name=name, guid=user if user and user not in coder_guids else new_guid())
            session.add(c)
            session.flush()
            coders[name] = c
            coder_guids.add(c.guid)
            res.coders.append(name)
        coder_id[user] = c.id  # type: ignore[assignment]
        return c.id  # type: ignore[return-value]

    # 3. Codes: merge by path.
    tree = CodeTree.load(session)
    code_guids = {c.guid for c in tree.by_id.values()}
    code_id: dict[str, int] = {}
    n_codes = len(tree.by_id)
    for pc in plan.codes:
        parent_id = code_id[pc.parent] if pc.parent else None
        key = name_key(pc.name)
        found = next((c for c in tree.children.get(parent_id, []) if c.name_key == key), None)
        if found is not None:
            code_id[pc.guid] = found.id  # type: ignore[assignment]
            res.codes_merged += 1
            changed = False
            for f in ("description", "definition", "anchor", "rule"):
                new = pc.fields.get(f, "")
                if new and (update_codes or not getattr(found, f)) and getattr(found, f) != new:
                    setattr(found, f, new)
                    changed = True
            if update_codes:
                if pc.color and found.color != pc.color:
                    found.color = pc.color
                    changed = True
                if found.codable != pc.codable:
                    found.codable = pc.codable
                    changed = True
            res.codes_updated += changed
            continue
        siblings = tree.children.get(parent_id, [])
        parent = tree.by_id.get(parent_id) if parent_id else None
        code = Code(
            name=pc.name,
            name_key=key,
            parent_id=parent_id,
            color=pc.color or (parent.color if parent else PALETTE[n_codes % len(PALETTE)]),
            codable=pc.codable,
            position=max((c.position for c in siblings), default=-1) + 1,
            guid=pc.guid if pc.guid not in code_guids else new_guid(),
            **pc.fields,
        )
        session.add(code)
        session.flush()
        n_codes += 1
        code_guids.add(code.guid)
        tree.by_id[code.id] = code  # type: ignore[index]
        tree.children.setdefault(parent_id, []).append(code)
        code_id[pc.guid] = code.id  # type: ignore[assignment]
        res.codes_created += 1

    # 4. Documents (bulk), passages, attributes.
    now = utcnow()
    doc_guids = set(session.execute(select(Document.guid)).scalars())
    new_docs = [s for s in plan.sources if isinstance(doc_target[s.guid], str)]
    doc_rows = []
    for s in new_docs:
        g = s.guid if s.guid not in doc_guids else new_guid()
        doc_guids.add(g)
        doc_rows.append(
            {
                "name": doc_target[s.guid],
                "text": s.text,
                "sha256": _sha(s.text),
                "source_path": source_path,
                "imported_at": s.created or now,
                "guid": g,
            }
        )
    if doc_rows:
        _insert_rows(session, Document, doc_rows)
        for s, row in zip(new_docs, doc_rows, strict=True):
            doc_target[s.guid] = row["id"]
            res.documents_imported.append(row["name"])
    new_guids = {s.guid for s in new_docs}
    res.documents_reused = [s.name for s in plan.sources if s.guid not in new_guids]
    _store_passages(session, [(row["id"], row["text"]) for row in doc_rows], nlp_obj)

    reused_ids = [doc_target[s.guid] for s in plan.sources if s.guid not in new_guids]
    have_attrs: set[tuple[int, str]] = set()
    if reused_ids:
        have_attrs = set(
            session.execute(
                select(DocumentAttribute.document_id, DocumentAttribute.key).where(
                    DocumentAttribute.document_id.in_(reused_ids)
                )
            ).all()
        )  # type: ignore[attr-defined,arg-type]
    attr_rows = []
    for s in plan.sources:
        did = doc_target[s.guid]
        for key, (value, type_) in s.attrs.items():
            if (did, key) not in have_attrs:
                attr_rows.append({"document_id": did, "key": key, "value": value, "type": type_})
    _insert_rows(session, DocumentAttribute, attr_rows)
    res.attributes = len(attr_rows)

    # 5. Codings (bulk), without duplicating identical ones.
    existing: dict[tuple, int] = {}
    if reused_ids:
        for cid, did, s_, e_, code_, coder_ in session.execute(
            select(
                Coding.id,
                Coding.document_id,
                Coding.start,
                Coding.end,
                Coding.code_id,
                Coding.coder_id,
            ).where(Coding.document_id.in_(reused_ids))  # type: ignore[attr-defined]
        ):
            existing[(did, s_, e_, code_, coder_)] = cid
    coding_guids: set[str] = set()
    if session.execute(select(func.count(Coding.id))).scalar_one():
        coding_guids = set(session.execute(select(Coding.guid)).scalars())
    rows: list[dict] = []
    by_key: dict[tuple, dict] = {}
    coding_target: dict[str, list[tuple]] = defaultdict(list)  # note guid → coding keys
    for s in plan.sources:
        did = doc_target[s.guid]
        for c in s.codings:
            key = (did, c.start, c.end, code_id[c.code], coder_for(c.user))
            for ng in c.notes:
                coding_target[ng].append(key)
            if key in existing or key in by_key:
                res.codings_skipped += 1
                if key in by_key and c.memo and not by_key[key]["memo"]:
                    by_key[key]["memo"] = c.memo
                continue
            g = c.guid if c.guid not in coding_guids else new_guid()
            coding_guids.add(g)
            row = {
                "document_id": did,
                "start": c.start,
                "end": c.end,
                "code_id": key[3],
                "coder_id": key[4],
                "memo": c.memo,
                "guid": g,
                "created_at": c.created or now,
            }
            by_key[key] = row
            rows.append(row)
    for row in rows:
        row["orphaned"] = False
    _insert_rows(session, Coding, rows)
    res.codings_imported = len(rows)

    # 6. Memos from notes, attached to what references them; unreferenced notes → project memos.
    targets: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for g in plan.project_notes:
        targets[g].append(("project", None))
    for s in plan.sources:
        for g in s.notes:
            targets[g].append(("document", doc_target[s.guid]))  # type: ignore[arg-type]
    for pc in plan.codes:
        for g in pc.notes:
            targets[g].append(("code", code_id[pc.guid]))
    for g, keys in coding_target.items():
        for key in keys:
            cid = existing.get(key) or by_key[key].get("id")
            targets[g].append(("coding", cid))
    have_memos = {
        (t, i, txt)
        for t, i, txt in session.execute(select(Memo.target_type, Memo.target_id, Memo.text))
    }
    memo_guids = set(session.execute(select(Memo.guid)).scalars())
    for g, note in plan.notes.items():
        for target_type, target_id in targets.get(g) or [("project", None)]:
            if not note.text or (target_type, target_id, note.text) in have_memos:
                continue
            have_memos.add((target_type, target_id, note.text))
            guid = g if g not in memo_guids else new_guid()
            memo_guids.add(guid)
            session.add(
                Memo(
                    target_type=target_type,
                    target_id=target_id,
                    title=note.title,
                    text=note.text,
                    coder_id=coder_for(note.user) if note.user in plan.users else None,
                    guid=guid,
                    created_at=note.created or now,
                    updated_at=note.created or now,
                )
            )
            res.memos += 1
    session.flush()
    return res


def _store_passages(session: Session, docs: list[tuple[int, str]], nlp_obj) -> None:
    from qualcode.documents import UNITS, compute_passages

    rows = []
    for did, text in docs:
        ordinals = dict.fromkeys(UNITS, 0)
        for unit, s, e in compute_passages(text, nlp_obj):
            rows.append(
                {"document_id": did, "start": s, "end": e, "ordinal": ordinals[unit], "unit": unit}
            )
            ordinals[unit] += 1
    if not rows:
        return
    _insert_rows(session, Passage, rows)


def _insert_rows(session: Session, model: type, rows: list[dict]) -> None:
    """Insert many rows at once (ids set on ``rows``) and record them in the audit log."""
    if rows:
        insert_rows(session, model, rows)
        audit.record_rows(session, model.__table__.name, "insert", rows)  # type: ignore[attr-defined]


# --- backup -------------------------------------------------------------------------------------------


def backup_sqlite(db_file: str | Path) -> Path:
    """Copy a SQLite project with the online backup API to ``<db>.bak-<UTC timestamp>``."""
    import sqlite3

    src_path = Path(db_file)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = src_path.with_name(f"{src_path.name}.bak-{stamp}")
    n = 2
    while target.exists():
        target = src_path.with_name(f"{src_path.name}.bak-{stamp}-{n}")
        n += 1
    src = sqlite3.connect(str(src_path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def import_file(
    engine,
    path: str | Path,
    *,
    coder: str,
    command: str | None = None,
    rename: bool = False,
    update_codes: bool = False,
    crlf_as_one: bool = False,
    nlp_obj=None,
    backup: bool = True,
) -> ImportResult:
    """Read, check and import ``path`` in one audited transaction (for the TUI, scripts, benchmarks).

    The same two phases as ``qualcode refi import``: nothing is written unless the
    whole file is fine; an SQLite project with data is backed up first.
    """
    from qualcode.database import transaction

    p = Path(path)
    plan = read_file(p, crlf_as_one=crlf_as_one)
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    with transaction(engine, command or f"qualcode refi import {p.name}", coder) as session:

        def before_write() -> str | None:
            if backup and db and db != ":memory:" and project_has_data(session):
                return str(backup_sqlite(db))
            return None

        res = apply_plan(
            session, plan, rename=rename, update_codes=update_codes, nlp_obj=nlp_obj,
            source_path=str(p.absolute()), before_write=before_write,
        )  # fmt: skip
        audit.set_summary(
            session,
            f"REFI import {p.name}: {len(res.documents_imported)} documents, {res.codes_created} codes, {res.codings_imported} codings",
        )
    return res
