"""Import REFI-QDA files (``.qdpx`` projects, ``.qdc`` codebooks, bare ``.qde``) into a project.

Two phases, so that nothing is ever half-imported:

1. :func:`read_file` parses and checks **everything** (XML, zip, references,
   offsets) into a :class:`Plan` without touching the database; any problem is
   one :class:`~qualcode.errors.InvalidInput`.
2. :func:`apply_plan` runs inside one audited transaction: it first checks the
   plan against the project (name clashes), then writes with bulk inserts, then
   — only when something changed in a project that had data — calls
   ``make_backup`` before the commit. ``qualcode undo`` reverts it.

Merging: codes are matched by path (an existing code is reused, new codes keep
the file's GUIDs); documents by name (same text → reused, different text →
error unless ``rename``); coders by name (REFI ``User``); identical codings are
not duplicated, so importing the same file twice changes nothing.

Offsets: REFI positions count characters of the plain text. Texts are stored
NFC with ``\\n`` line endings; positions counted on the original text (a
``\\r\\n`` is two characters) are translated to the stored text. Tools that count
``\\r\\n`` as one character are served by ``crlf_as_one``. NVivo counts UTF-16 code
units: :mod:`.offsets` detects that and converts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from qualcode import audit
from qualcode.config import ENGINE_CODER
from qualcode.errors import InvalidInput
from qualcode.names import name_problem
from qualcode.refi import xmlread as xr
from qualcode.refi.apply import ImportResult, apply_plan, project_has_data
from qualcode.refi.common import (
    REFI_TO_ATTR,
    derived_guid,
    gc_paused,
    local,
    namespace,
    parse_description,
)
from qualcode.refi.offsets import UTF16
from qualcode.refi.plan import PCode, Plan, PNote, PSet, _Errors
from qualcode.refi.safety import Archive, open_archive, parse_xml
from qualcode.refi.sources import (
    Pending,
    decide_offsets,
    map_selections,
    read_source,
    source_text,
    variable_value,
)
from qualcode.textutil import name_key

# The end of the note on sets that hold no sources (``cli.refi`` subtracts research questions).
SETS_LEFT_OUT = "sets without documents were not imported (qualcode's sets are sets of documents)"


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
    sibling_keys: dict[str | None, set[str]] = {}
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
            g = xr.ident(c.get("guid"))
            if not name:
                errors.add(
                    f"a code without a name (guid {c.get('guid')!r}, under {'/'.join(path_names[:-1]) or 'the top'})"
                )
                continue
            problem = name_problem("code", name)
            if problem:
                errors.add(problem)
                continue
            bidi = xr.bidi_controls(c.get("name"))
            if bidi:
                plan.note(
                    "renamed",
                    f"code {'/'.join(path_names)!r}: bidirectional control characters"
                    f" ({', '.join(bidi)}) removed from its name; they can make a name show"
                    " something else than it is",
                )
            taken = sibling_keys.setdefault(parent.guid if parent else None, set())
            if name_key(name) in taken:  # qualcode compares names without case
                new = next(
                    f"{name} ({n})"
                    for n in range(2, 10**6)
                    if name_key(f"{name} ({n})") not in taken
                )
                plan.note(
                    "renamed",
                    f"code {'/'.join(path_names)!r} renamed to {new!r}: a sibling code has the"
                    " same name apart from case, and qualcode compares names without case",
                )
                name = new
                path_names = (*path_names[:-1], name)
            taken.add(name_key(name))
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


def _check_codable(plan: Plan, codes: dict[str, PCode], errors: _Errors) -> None:
    """Codings on a code the file itself declares not codable (``isCodable="false"``)."""
    used: dict[str, int] = defaultdict(int)
    for s in plan.sources:
        for c in s.codings:
            if not codes[c.code].codable:
                used[c.code] += 1
    for g, n in used.items():
        path = "/".join(codes[g].names)
        errors.add(
            f'{path!r} is a category that only groups codes (isCodable="false"), yet'
            f" {n} coding{'s' if n != 1 else ''} of the file use{'' if n != 1 else 's'} it"
            " (code with one of its sub-codes, or make it codable in the tool that wrote the file)"
        )


def _read_sets(sets_el: Element | None, plan: Plan, errors: _Errors) -> None:
    """Sets of sources become document sets; sets of codes only are left out (but for
    research questions, which ``qualcode.refi.questions`` reads)."""
    if sets_el is None:
        return
    sources = {s.guid for s in plan.sources}
    seen: set[str] = set()
    other = 0
    for el in xr.kids(sets_el, "Set"):
        g = xr.ident(el.get("guid"))
        if g is not None and g in seen:
            errors.add(f"two sets have the guid {g}")
            continue
        if g is not None:
            seen.add(g)
        members = xr.kids(el, "MemberSource")
        if not members:
            other += 1
            continue
        name = xr.clean_name(el.get("name"))
        if not name:
            errors.add(f"a set of sources without a name (guid {el.get('guid')!r})")
            continue
        problem = name_problem("set", name)
        if problem:
            errors.add(problem)
            continue
        refs = [xr.ident(m.get("targetGUID")) for m in members]
        known = list(dict.fromkeys(r for r in refs if r in sources))
        if len(known) < len(refs):
            n = len(refs) - len(known)
            plan.note(
                "skipped",
                f"set {name!r}: {n} member{'s' if n != 1 else ''} that {'are' if n != 1 else 'is'}"
                " not a text source of the file left out",
            )
        if xr.kids(el, "MemberCode") or xr.kids(el, "MemberNote"):
            plan.note(
                "skipped",
                f"set {name!r}: its codes and notes were left out (qualcode's document sets"
                " hold documents only)",
            )
        plan.doc_sets.append(PSet(g or derived_guid("imported-set", name), name, known))
    if other:
        plan.note("skipped", f"{other} {SETS_LEFT_OUT}")


def _read_project(
    root: Element, archive: Archive | None, what: str, crlf_as_one: bool, offsets: str | None
) -> Plan:
    plan = Plan("project", what)
    _check_root(root, "Project", what, plan.warnings)
    errors = _Errors(what)
    users_el = xr.kid(root, "Users")
    for u in xr.kids(users_el, "User") if users_el is not None else []:
        g = xr.ident(u.get("guid"))
        if g is None:
            plan.note("skipped", f"a user without a valid guid ({u.get('name')!r}) was ignored")
            continue
        uname = xr.clean_name(u.get("name") or u.get("id")) or f"user-{g[:8]}"
        if uname.casefold() == ENGINE_CODER:
            plan.note(
                "renamed",
                f"user {uname!r} renamed to '{uname} (human)': {ENGINE_CODER!r} is the reserved"
                " name of the suggestions engine as a coder",
            )
            uname = f"{uname} (human)"
        first = plan.users.setdefault(g, uname)
        if first != uname:  # both become coders; the selections go to the first
            plan.extra_users.append(uname)
            plan.note(
                "converted",
                f"users {first!r} and {uname!r} share the guid {u.get('guid')}: what that guid"
                f" authored is attributed to {first!r}; {uname!r} is added as a coder without codings",
            )
    cb = xr.kid(root, "CodeBook")
    codes = _read_codes(xr.kid(cb, "Codes") if cb is not None else None, errors, plan)

    variables: dict[str, tuple[str, str]] = {}
    vars_el = xr.kid(root, "Variables")
    for v in xr.kids(vars_el, "Variable") if vars_el is not None else []:
        g = xr.ident(v.get("guid"))
        name = (v.get("name") or "").strip()
        if g is None or not name:
            plan.note("skipped", f"a variable without guid or name ({name!r}) was ignored")
            continue
        if g in variables:
            errors.add(f"two variables have the guid {g}")
            continue
        problem = name_problem("attribute", name)
        if problem:
            errors.add(problem)
            continue
        variables[g] = (
            name,
            REFI_TO_ATTR.get((v.get("typeOfVariable") or "Text").strip().lower(), "text"),
        )

    # Notes (memos), texts inline or in the archive.
    notes_el = xr.kid(root, "Notes")
    for n in xr.kids(notes_el, "Note") if notes_el is not None else []:
        g = xr.ident(n.get("guid"))
        if g is None:
            plan.note("skipped", "a note without a valid guid was ignored")
            continue
        if g in plan.notes:
            errors.add(f"two notes have the guid {g}")
            continue
        text = (
            source_text(n, archive, what, errors)
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
            xr.ident(n.get("creatingUser")),
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

    # Sources: read them all, then decide what unit their positions count, then map them.
    taken: set[str] = set()
    seen_guids: set[str] = set()
    skipped_kinds: dict[str, int] = defaultdict(int)
    pending: list[Pending] = []
    sources_el = xr.kid(root, "Sources")
    for s in list(sources_el) if sources_el is not None else []:
        kind = local(s.tag)
        if kind != "TextSource":
            if kind:
                skipped_kinds[kind] += 1
            continue
        g = xr.ident(s.get("guid"))
        if g is None:
            errors.add(f"text source {s.get('name')!r} has no valid guid")
            continue
        if g in seen_guids:
            errors.add(f"two sources have the guid {g}")
            continue
        seen_guids.add(g)
        p = read_source(s, g, archive, what, crlf_as_one, variables, taken, plan, errors)
        if p is not None:
            pending.append(p)
        if len(errors.items) > 50:
            break
    decision = decide_offsets(root.get("origin"), pending, offsets)
    plan.offsets = decision.unit
    if decision.reason and decision.unit == UTF16:
        plan.note(
            "converted",
            f"positions read as UTF-16 code units and converted to characters ({decision.reason})"
            + ("" if offsets else "; `--offsets codepoints` reads them as written"),
        )
    elif decision.reason:
        plan.warnings.append(
            f"positions read as characters (code points), as REFI-QDA says ({decision.reason})"
            + ("" if offsets else "; `--offsets utf16` reads them as UTF-16 code units (NVivo)")
        )
    for p in pending:
        map_selections(p, decision.unit, codes, plan, errors)
        plan.sources.append(p.src)
    _check_codable(plan, codes, errors)
    for kind, k in sorted(skipped_kinds.items()):
        plan.note(
            "skipped",
            f"{k} {kind} element{'s' if k != 1 else ''} skipped (qualcode imports text sources only)",
        )

    _read_sets(xr.kid(root, "Sets"), plan, errors)
    for tag, what_ in (("Links", "links"), ("Graphs", "graphs")):
        el = xr.kid(root, tag)
        if el is not None and len(el):
            plan.note("skipped", f"{len(el)} {what_} were not imported (qualcode has no {what_})")

    # Cases: their variable values apply to the sources they reference (unless set there).
    cases_el = xr.kid(root, "Cases")
    by_guid = {s.guid: s for s in plan.sources}
    for case in xr.kids(cases_el, "Case") if cases_el is not None else []:
        values = {}
        for vv in xr.kids(case, "VariableValue"):
            ref = xr.kid(vv, "VariableRef")
            vg = xr.ident(ref.get("targetGUID")) if ref is not None else None
            if vg in variables:
                key, type_ = variables[vg]  # type: ignore[index]
                value = variable_value(vv, type_)
                if value is not None:
                    values[key] = value
        for sref in xr.kids(case, "SourceRef"):
            src_ = by_guid.get(xr.ident(sref.get("targetGUID")) or "")
            if src_ is not None:
                for key, value in values.items():
                    src_.attrs.setdefault(key, value)

    for ref in [
        *plan.project_notes,
        *(g for s in plan.sources for g in s.notes),
        *(g for c in plan.codes for g in c.notes),
    ]:
        if ref not in plan.notes:
            plan.note("skipped", f"a reference to the unknown note {ref} was ignored")
    errors.check()
    for w in errors.warnings:  # sources skipped
        plan.note("skipped", w)
    return plan


def read_file(path: str | Path, *, crlf_as_one: bool = False, offsets: str | None = None) -> Plan:
    """Parse and check a ``.qdpx``, ``.qdc`` or ``.qde`` file completely (no database access).

    ``offsets`` (``codepoints`` | ``utf16``) says what the positions count; None: detect it.
    """
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"no such file: {p}", "check the path")
    try:
        with gc_paused(), xr.collecting_odd_ids() as odd:
            plan = _read_file(p, crlf_as_one, offsets)
    except RecursionError as exc:
        raise InvalidInput(
            f"{p.name}: the XML is nested too deeply", "the file is damaged or hostile"
        ) from exc
    if odd:
        first = sorted(odd)[0]
        plan.note(
            "converted",
            f"{len(odd)} id(s) are not GUIDs (e.g. {first!r}); GUIDs were derived from them,"
            " the same for an element and every reference to it",
        )
    return plan


def _read_file(p: Path, crlf_as_one: bool, offsets: str | None) -> Plan:
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
            return _read_project(root, archive, p.name, crlf_as_one, offsets)
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
        return _read_project(root, None, p.name, crlf_as_one, offsets)
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
        plan.note("skipped", "code sets were not imported (qualcode has no sets)")
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
    offsets: str | None = None,
    nlp_obj=None,
    backup: bool = True,
    force: bool = False,
) -> ImportResult:
    """Read, check and import ``path`` in one audited transaction (for the TUI, scripts, benchmarks).

    The same two phases as ``qualcode refi import``: nothing is written unless the
    whole file is fine; an SQLite project with data is backed up when the import changes it.
    """
    from qualcode.database import transaction

    p = Path(path)
    plan = read_file(p, crlf_as_one=crlf_as_one, offsets=offsets)
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    with transaction(engine, command or f"qualcode refi import {p.name}", coder) as session:

        def make_backup() -> str | None:
            if backup and db and db != ":memory:":
                return str(backup_sqlite(db))
            return None

        res = apply_plan(
            session, plan, rename=rename, update_codes=update_codes, nlp_obj=nlp_obj,
            source_path=str(p.absolute()), make_backup=make_backup, force=force,
        )  # fmt: skip
        audit.set_summary(
            session,
            f"REFI import {p.name}: {len(res.documents_imported)} documents, {res.codes_created} codes, {res.codings_imported} codings",
        )
    return res


__all__ = [
    "ImportResult",
    "Plan",
    "apply_plan",
    "backup_sqlite",
    "import_file",
    "project_has_data",
    "read_file",
]
