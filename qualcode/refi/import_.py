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

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from qualcode import audit
from qualcode.errors import InvalidInput
from qualcode.refi import xmlread as xr
from qualcode.refi.apply import ImportResult, apply_plan, project_has_data
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
from qualcode.refi.plan import PCode, PCoding, Plan, PNote, PSource, _Errors, unique_name
from qualcode.refi.safety import Archive, open_archive, parse_xml


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
            name = xr.clean_name(c.get("name"))
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
            desc = parse_description(xr.text_of(xr.kid(c, "Description")).replace("\r\n", "\n"))
            code = PCode(
                g,
                name,
                path_names,
                parent.guid if parent else None,
                xr.color(c.get("color")),
                xr.as_bool(c.get("isCodable")),
                desc,
                xr.note_refs(c),
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
    inline = xr.kid(el, "PlainTextContent")
    label = el.get("name") or el.get("guid") or "?"
    if path:
        scheme, _, rest = path.partition("://")
        if not _:
            scheme, rest = "internal", path
        if scheme.lower() != "internal":
            if inline is not None:
                return xr.text_of(inline)
            errors.warnings.append(
                f"source {label!r} skipped: its text is a file outside the archive ({path}); only texts inside the file are read"
            )
            return None
        if archive is None:
            if inline is not None:
                return xr.text_of(inline)
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
                return xr.text_of(inline)
            errors.add(f"source {label!r}: {path} is missing from the archive")
            return None
        try:
            return decode_text(archive.read(member), member)
        except InvalidInput as exc:
            errors.add(f"source {label!r}: {exc.message}")
            return None
    if inline is not None:
        return xr.text_of(inline)
    errors.add(f"source {label!r} has neither plainTextPath nor PlainTextContent")
    return None


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
        PCoding(guid, start, end, cg, user, memo, xr.when(c.get("creationDateTime")), notes)
    )


def _read_project(root: Element, archive: Archive | None, what: str, crlf_as_one: bool) -> Plan:
    plan = Plan("project", what)
    _check_root(root, "Project", what, plan.warnings)
    errors = _Errors(what)
    users_el = xr.kid(root, "Users")
    for u in xr.kids(users_el, "User") if users_el is not None else []:
        g = norm_guid(u.get("guid"))
        if g is None:
            plan.warnings.append(f"a user without a valid guid ({u.get('name')!r}) was ignored")
            continue
        plan.users[g] = xr.clean_name(u.get("name") or u.get("id")) or f"user-{g[:8]}"
    cb = xr.kid(root, "CodeBook")
    codes = _read_codes(xr.kid(cb, "Codes") if cb is not None else None, errors, plan)

    variables: dict[str, tuple[str, str]] = {}
    vars_el = xr.kid(root, "Variables")
    for v in xr.kids(vars_el, "Variable") if vars_el is not None else []:
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
    notes_el = xr.kid(root, "Notes")
    for n in xr.kids(notes_el, "Note") if notes_el is not None else []:
        g = norm_guid(n.get("guid"))
        if g is None:
            plan.warnings.append("a note without a valid guid was ignored")
            continue
        text = (
            _source_text(n, archive, what, errors)
            if (n.get("plainTextPath") or xr.kid(n, "PlainTextContent") is not None)
            else xr.text_of(xr.kid(n, "Description"))
        )
        if text is None:
            continue
        from qualcode.textutil import normalize

        plan.notes[g] = PNote(
            g,
            (n.get("name") or "").strip(),
            normalize(text).strip("\n"),
            norm_guid(n.get("creatingUser")),
            xr.when(n.get("creationDateTime")),
        )
    plan.project_notes = xr.note_refs(root)
    description = xr.text_of(xr.kid(root, "Description")).strip()
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
    sources_el = xr.kid(root, "Sources")
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
        name = unique_name(xr.clean_name(s.get("name")) or fallback, taken)
        taken.add(name.casefold())
        attrs: dict[str, tuple[str, str]] = {}
        for vv in xr.kids(s, "VariableValue"):
            ref = xr.kid(vv, "VariableRef")
            vg = norm_guid(ref.get("targetGUID")) if ref is not None else None
            if vg not in variables:
                plan.warnings.append(f"source {name!r}: a value of an unknown variable was ignored")
                continue
            key, type_ = variables[vg]  # type: ignore[index]
            value = _variable_value(vv, type_)
            if value is not None:
                attrs[key] = value
        src = PSource(g, name, text, attrs, [], xr.note_refs(s), xr.when(s.get("creationDateTime")))
        description = xr.text_of(xr.kid(s, "Description")).replace("\r\n", "\n").strip()
        if description:  # a document description becomes a memo on the document
            dg = derived_guid("source-description", g)
            plan.notes[dg] = PNote(dg, "Beschreibung / Description", description, None, None)
            src.notes.append(dg)
        n = len(text)

        empty = 0
        for sel in xr.kids(s, "PlainTextSelection"):
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
                    memo = xr.text_of(child).replace("\r\n", "\n").strip()
            if start == end or not sel_codings:
                empty += 1
                continue
            sel_user = norm_guid(sel.get("creatingUser"))
            for c in sel_codings:
                _coding_of(c, src, codes, errors, (start, end), sel_user, memo, sel_notes, label)
        for c in xr.kids(s, "Coding"):  # a code on the whole document
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
        el = xr.kid(root, tag)
        if el is not None and len(el):
            plan.warnings.append(f"{len(el)} {what_} were not imported (qualcode has no {what_})")

    # Cases: their variable values apply to the sources they reference (unless set there).
    cases_el = xr.kid(root, "Cases")
    by_guid = {s.guid: s for s in plan.sources}
    for case in xr.kids(cases_el, "Case") if cases_el is not None else []:
        values = {}
        for vv in xr.kids(case, "VariableValue"):
            ref = xr.kid(vv, "VariableRef")
            vg = norm_guid(ref.get("targetGUID")) if ref is not None else None
            if vg in variables:
                key, type_ = variables[vg]  # type: ignore[index]
                value = _variable_value(vv, type_)
                if value is not None:
                    values[key] = value
        for sref in xr.kids(case, "SourceRef"):
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
    codes_el = xr.kid(root, "Codes")
    if codes_el is None:
        raise InvalidInput(
            f"{p.name}: the codebook has no <Codes> element",
            "the file is damaged or not a REFI-QDA codebook",
        )
    _read_codes(codes_el, errors, plan)
    errors.check()
    if xr.kid(root, "Sets") is not None:
        plan.warnings.append("code sets were not imported (qualcode has no sets)")
    return plan


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
