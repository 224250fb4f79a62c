"""Text sources of a REFI-QDA project: their texts, attributes, selections and codings.

A source is read in two steps, because the unit of its positions is decided for the
whole file (:mod:`.offsets`): :func:`read_source` reads the text, the attributes and
the raw selection positions; :func:`map_selections` turns the positions into spans of
the stored text and the codings into :class:`~qualcode.refi.plan.PCoding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from qualcode.errors import InvalidInput
from qualcode.names import name_problem
from qualcode.refi import xmlread as xr
from qualcode.refi.common import VALUE_ELEMENTS, OffsetMap, derived_guid, local, normalize_with_map
from qualcode.refi.offsets import UTF16, Decision, Evidence, Utf16Map, decide, has_astral
from qualcode.refi.plan import PCode, PCoding, Plan, PNote, PSource, _Errors, unique_name
from qualcode.refi.safety import Archive
from qualcode.textutil import ascii_int


def variable_value(el: Element, type_: str) -> tuple[str, str] | None:
    for c in el:
        tag = local(c.tag)
        if tag not in VALUE_ELEMENTS:
            continue
        value = xr.text_of(c).strip()
        if value == "":
            return None
        if tag == "BooleanValue":
            return ("true" if xr.as_bool(value, False) else "false"), "boolean"
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


MAX_POSITION_DIGITS = 18  # more digits than any text has characters: refused unconverted


def _short(value: str | None, width: int = 40) -> str | None:
    """A value from the file, cut for an error message."""
    if value is None or len(value) <= width:
        return value
    return value[: width - 4] + "…"


def decode_source(data: bytes, name: str) -> str:
    """The text of a source file: UTF-8 (BOM optional) or UTF-16 with a BOM — REFI-QDA
    sources are UTF-8, and a source read in another encoding would shift every selection
    after its first non-ASCII character, so anything else is refused with the byte offset
    (:func:`qualcode.readers.decode_text` without the Windows-1252 fallback).

    A BOM is not part of the text (positions do not count it).
    """
    from qualcode.readers import decode_text

    text, _encoding = decode_text(
        data,
        name,
        legacy=False,
        fix="REFI-QDA sources are UTF-8; re-export the project, or re-save that source as UTF-8",
        binary_hint="a text source must be plain text",
    )
    return text


def _size_error(label: str, what: str, size: int) -> str | None:
    """The error for a source text larger than the limit for one document, else None."""
    from qualcode.readers import ENV_MAX_FILE_MB, max_file_mb

    limit = max_file_mb()
    if size <= limit * 1024 * 1024:
        return None
    return (
        f"source {label!r}: {what} is {size / 1024 / 1024:.3g} MB, more than the {limit:.3g} MB"
        f" limit for one document (split it, or raise {ENV_MAX_FILE_MB})"
    )


def _inline(el: Element, label: str, errors: _Errors) -> str | None:
    text = xr.text_of(el)
    too_big = _size_error(label, "its text", len(text.encode("utf-8", "surrogatepass")))
    if too_big:
        errors.add(too_big)
        return None
    return text


def source_text(el: Element, archive: Archive | None, what: str, errors: _Errors) -> str | None:
    path = (el.get("plainTextPath") or "").strip()
    inline = xr.kid(el, "PlainTextContent")
    label = el.get("name") or el.get("guid") or "?"
    if path:
        scheme, _, rest = path.partition("://")
        if not _:
            scheme, rest = "internal", path
        if scheme.lower() != "internal":
            if inline is not None:
                return _inline(inline, label, errors)
            errors.warnings.append(
                f"source {label!r} skipped: its text is a file outside the archive ({path}); only texts inside the file are read"
            )
            return None
        if archive is None:
            if inline is not None:
                return _inline(inline, label, errors)
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
                return _inline(inline, label, errors)
            errors.add(f"source {label!r}: {path} is missing from the archive")
            return None
        too_big = _size_error(label, member, archive.members[member].file_size)
        if too_big:
            errors.add(too_big)
            return None
        try:
            return decode_source(archive.read(member), member)
        except InvalidInput as exc:
            errors.add(f"source {label!r}: {exc.message} ({exc.hint})")
            return None
    if inline is not None:
        return _inline(inline, label, errors)
    errors.add(f"source {label!r} has neither plainTextPath nor PlainTextContent")
    return None


def coding_of(
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
            ref_g = xr.ident(child.get("targetGUID"))
            if ref_g:
                notes.append(ref_g)
    cg = xr.ident(ref.get("targetGUID")) if ref is not None else None
    if cg is None or cg not in codes:
        target = ref.get("targetGUID") if ref is not None else None
        errors.add(f"source {src.name!r}, {label}: the coding refers to an unknown code {target!r}")
        return
    guid = xr.ident(c.get("guid")) or derived_guid(
        "imported-coding", f"{src.guid}:{start}:{end}:{cg}:{len(src.codings)}"
    )
    user = xr.ident(c.get("creatingUser")) or user
    src.codings.append(
        PCoding(guid, start, end, cg, user, memo, xr.when(c.get("creationDateTime")), notes)
    )


@dataclass
class Pending:
    """A source read from the file whose selections are not yet mapped."""

    el: Element
    src: PSource
    counted: str  # the text as the file's positions count it
    omap: OffsetMap | None
    selections: list[tuple[Element, int, int]] = field(default_factory=list)


def _fallback_name(el: Element, guid: str) -> str:
    """A name for a source without one: its file (``plainTextPath``), else ``source-<guid>``."""
    path = (el.get("plainTextPath") or "").strip()
    scheme, sep, rest = path.partition("://")
    if not sep:
        rest = path
    return xr.clean_name(Path(unquote(rest).replace("\\", "/")).name) or f"source-{guid[:8]}"


def read_source(
    s: Element,
    g: str,
    archive: Archive | None,
    what: str,
    crlf_as_one: bool,
    variables: dict[str, tuple[str, str]],
    taken: set[str],
    plan: Plan,
    errors: _Errors,
) -> Pending | None:
    raw = source_text(s, archive, what, errors)
    if raw is None:
        return None
    text, omap = normalize_with_map(raw, crlf_as_one=crlf_as_one)
    given = xr.clean_name(s.get("name"))
    problem = name_problem("document", given) if given else None
    if problem:
        errors.add(problem)
        return None
    name = unique_name(given or _fallback_name(s, g), taken)
    taken.add(name.casefold())
    if not given:
        after = "its guid" if name.startswith("source-") else "its file"
        plan.note("renamed", f"a source without a name was named {name!r} after {after}")
    elif name != given:
        plan.note("renamed", f"source {given!r} renamed to {name!r}: another source has that name")
    bidi = xr.bidi_controls(s.get("name"))
    if bidi:
        plan.note(
            "renamed",
            f"source {name!r}: bidirectional control characters ({', '.join(bidi)}) removed"
            " from its name",
        )
    attrs: dict[str, tuple[str, str]] = {}
    for vv in xr.kids(s, "VariableValue"):
        ref = xr.kid(vv, "VariableRef")
        vg = xr.ident(ref.get("targetGUID")) if ref is not None else None
        if vg not in variables:
            plan.note("skipped", f"source {name!r}: a value of an unknown variable was ignored")
            continue
        key, type_ = variables[vg]  # type: ignore[index]
        value = variable_value(vv, type_)
        if value is not None:
            attrs[key] = value
    src = PSource(g, name, text, attrs, [], xr.note_refs(s), xr.when(s.get("creationDateTime")))
    description = xr.text_of(xr.kid(s, "Description")).replace("\r\n", "\n").strip()
    if description:  # a document description becomes a memo on the document
        dg = derived_guid("source-description", g)
        plan.notes[dg] = PNote(dg, "Beschreibung / Description", description, None, None)
        src.notes.append(dg)
    counted = raw.replace("\r\n", "\n") if crlf_as_one else raw
    p = Pending(s, src, counted, omap)
    reversed_: list[str] = []
    for sel in xr.kids(s, "PlainTextSelection"):
        a, b = sel.get("startPosition"), sel.get("endPosition")
        too_long = next(
            (
                (attr, v)
                for attr, v in (("startPosition", a), ("endPosition", b))
                if v and len(v.strip()) > MAX_POSITION_DIGITS
            ),
            None,
        )
        if too_long:
            attr, v = too_long
            errors.add(
                f"source {name!r}: selection {_short(sel.get('guid'))!r} has a {attr} of"
                f" {len(v.strip()):,} characters ({_short(v.strip())!r}): positions must be"
                " whole numbers between 0 and the document's length"
            )
            continue
        ostart, oend = ascii_int(a), ascii_int(b)
        if ostart is None or oend is None:
            errors.add(
                f"source {name!r}: selection {_short(sel.get('guid'))!r} has no whole-number"
                f" start/end positions in ASCII digits ({_short(a)!r}, {_short(b)!r})"
            )
            continue
        if ostart > oend:
            reversed_.append(f"{ostart}-{oend}")
            ostart, oend = oend, ostart
        p.selections.append((sel, ostart, oend))
    if reversed_:
        plan.note(
            "converted",
            f"source {name!r}: {len(reversed_)} selection(s) end before they start"
            f" ({', '.join(reversed_[:3])}{' …' if len(reversed_) > 3 else ''}); read from the"
            " smaller to the larger position",
        )
    return p


def decide_offsets(origin: str | None, pending: list[Pending], forced: str | None) -> Decision:
    ev = Evidence()
    for p in pending:
        if p.selections and has_astral(p.counted):
            umap = Utf16Map(p.counted)
            for _sel, start, end in p.selections:
                ev.add(p.counted, start, end, umap)
    return decide(origin, ev, forced)


def map_selections(
    p: Pending, unit: str, codes: dict[str, PCode], plan: Plan, errors: _Errors
) -> None:
    """The selections of ``p`` as codings of its source (positions in ``unit``)."""
    src, omap, name = p.src, p.omap, p.src.name
    umap = Utf16Map(p.counted) if unit == UTF16 and has_astral(p.counted) else None
    n = len(src.text)
    empty = 0
    for sel, ostart, oend in p.selections:
        label = f"selection {ostart}-{oend}"
        start, end = ostart, oend
        if umap is not None:
            cs, ce = umap.to_codepoint(ostart), umap.to_codepoint(oend)
            if cs is None or ce is None:
                errors.add(
                    f"source {name!r}: {label} splits a character when read as UTF-16 code units"
                    " (try --offsets codepoints)"
                )
                continue
            start, end = cs, ce
        if start < 0 or end > len(p.counted):
            size = umap.n_units if umap is not None else len(p.counted)
            errors.add(
                f"source {name!r}: {label} lies outside the text ({size}"
                f" {'UTF-16 code units' if umap is not None else 'characters'})"
            )
            continue
        start = omap.map(start) if omap else start
        end = omap.map(end, end=True) if omap else end
        sel_codings: list[Element] = []
        sel_notes: list[str] = []
        memo = ""
        for child in sel:
            tag = local(child.tag)
            if tag == "Coding":
                sel_codings.append(child)
            elif tag == "NoteRef":
                ref_g = xr.ident(child.get("targetGUID"))
                if ref_g:
                    sel_notes.append(ref_g)
            elif tag == "Description":
                memo = xr.text_of(child).replace("\r\n", "\n")  # as written, white space too
        if start == end or not sel_codings:
            empty += 1
            continue
        sel_user = xr.ident(sel.get("creatingUser"))
        for c in sel_codings:
            coding_of(c, src, codes, errors, (start, end), sel_user, memo, sel_notes, label)
    for c in xr.kids(p.el, "Coding"):  # a code on the whole document
        if n:
            user = xr.ident(p.el.get("creatingUser"))
            coding_of(c, src, codes, errors, (0, n), user, "", [], "whole document")
    if empty:
        plan.note("skipped", f"source {name!r}: {empty} empty or uncoded selections were skipped")
