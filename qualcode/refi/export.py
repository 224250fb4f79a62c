"""Export a project as REFI-QDA: a codebook (``.qdc``) or a whole project (``.qdpx``).

The XML is written as a stream of strings (no DOM), so 2,000 documents with
50,000 codings take well under a second. GUIDs come from the database
(``Code.guid``, ``Document.guid``, ``Coding.guid``, ``Coder.guid``, ``Memo.guid``)
or are derived from stable keys (variables, selections), so exporting the same
project twice gives the same GUIDs.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select
from sqlmodel import Session

from qualcode import __version__, portable
from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput, NotFound
from qualcode.models import (
    Coder,
    Coding,
    DocSet,
    DocSetMember,
    Document,
    DocumentAttribute,
    Memo,
)
from qualcode.refi.common import (
    ATTR_TO_REFI,
    CODEBOOK_NS,
    PROJECT_NS,
    derived_guid,
    format_description,
    gc_paused,
    norm_guid,
)
from qualcode.refi.offsets import Utf16Map, has_astral
from qualcode.textutil import typed_value

FOR_TOOLS = ("refi", "nvivo")

ORIGIN = f"qualcode {__version__}"
# Read back by qualcode's import as UTF-16 positions ("NVivo" in the origin).
ORIGIN_NVIVO = f"qualcode {__version__} for NVivo (positions in UTF-16 code units)"
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _t(text: str) -> str:
    """Escaped element text (characters XML 1.0 cannot carry are dropped)."""
    return escape(_XML_INVALID.sub("", text), {"\r": "&#13;"})


def _a(**attrs: object) -> str:
    return "".join(
        f" {k}={quoteattr(_XML_INVALID.sub('', str(v)))}" for k, v in attrs.items() if v is not None
    )


_STAMPS: dict[datetime, str] = {}


def _stamp(dt: datetime | None) -> str | None:
    """xsd:dateTime in UTC (codings of one import share their time: cached)."""
    if dt is None:
        return None
    hit = _STAMPS.get(dt)
    if hit is not None:
        return hit
    if len(_STAMPS) > 100_000:
        _STAMPS.clear()
    key = dt
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    out = _STAMPS[key] = dt.isoformat(timespec="seconds") + "Z"
    return out


def _guid(value: str | None, kind: str, key: object) -> str:
    return norm_guid(value) or derived_guid(kind, str(key))


def _write_atomic(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename (no half-written file)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InvalidInput(
            f"folder {path.parent} does not exist", "create it or choose another path"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        portable.as_new_file(tmp)  # mkstemp makes 0600; a normal file is readable as usual
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- codes ------------------------------------------------------------------------------------------


def _code_xml(
    tree: CodeTree,
    out: list[str],
    code_notes: dict[int, list[str]] | None,
    indent: str,
    parent_id: int | None = None,
) -> int:
    n = 0
    for code in tree.children.get(parent_id, []):
        n += 1
        color = code.color if code.color and re.fullmatch(r"#[0-9A-Fa-f]{6}", code.color) else None
        attrs = _a(
            guid=_guid(code.guid, "code", code.id),
            name=code.name,
            isCodable="true" if code.codable else "false",
            color=color,
        )
        desc = format_description(
            code.description or "", code.definition or "", code.anchor or "", code.rule or ""
        )
        notes = code_notes.get(code.id, []) if code_notes is not None else []
        children = tree.children.get(code.id, [])
        if not desc and not notes and not children:
            out.append(f"{indent}<Code{attrs}/>\n")
            continue
        out.append(f"{indent}<Code{attrs}>\n")
        if desc:
            out.append(f"{indent}  <Description>{_t(desc)}</Description>\n")
        for g in notes:
            out.append(f'{indent}  <NoteRef targetGUID="{g}"/>\n')
        n += _code_xml(tree, out, code_notes, indent + "  ", code.id)
        out.append(f"{indent}</Code>\n")
    return n


def codebook_xml(session: Session) -> tuple[str, int]:
    """The ``.qdc`` document and the number of codes."""
    tree = CodeTree.load(session)
    if not tree.by_id:
        raise InvalidInput(
            "the project has no codes to export", "create codes first (`qualcode codes add`)"
        )
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f"<CodeBook{_a(xmlns=CODEBOOK_NS, origin=ORIGIN)}>\n",
        "  <Codes>\n",
    ]
    n = _code_xml(tree, out, None, "    ")
    out.append("  </Codes>\n")
    from qualcode.refi.questions import sets_xml  # research questions as code sets

    guids = {cid: _guid(c.guid, "code", cid) for cid, c in tree.by_id.items()}
    out.extend(sets_xml(session, guids, "  ", codebook=True))
    out.append("</CodeBook>\n")
    return "".join(out), n


def export_codebook(session: Session, path: str | Path) -> dict[str, Any]:
    xml, n = codebook_xml(session)
    _write_atomic(Path(path), lambda fh: fh.write(xml.encode("utf-8")))
    return {"codes": n}


# --- project ----------------------------------------------------------------------------------------


def _variable_value(value: str, type_: str) -> str | None:
    """The value as the XSD type wants it, or None when it does not fit."""
    v = value.strip()
    try:
        if type_ == "integer":
            return str(int(v))
        if type_ == "float":
            d = Decimal(v.replace(",", "."))
            if not d.is_finite():
                return None
            return format(d, "f")
        if type_ == "boolean":
            b = typed_value(v, "boolean")
            return ("true" if b else "false") if isinstance(b, bool) else None
        if type_ == "date":
            from datetime import date

            return date.fromisoformat(v).isoformat()
    except (ValueError, InvalidOperation):
        return None
    return value


def _variables(attrs: list[DocumentAttribute]) -> dict[str, tuple[str, str]]:
    """``key → (guid, our type)``: a key whose values do not share one type becomes text."""
    types: dict[str, set[str]] = defaultdict(set)
    for a in attrs:
        types[a.key].add(a.type if a.type in ATTR_TO_REFI else "text")
    out: dict[str, tuple[str, str]] = {}
    for key in sorted(types):
        t = next(iter(types[key])) if len(types[key]) == 1 else "text"
        if t != "text" and any(_variable_value(a.value, t) is None for a in attrs if a.key == key):
            t = "text"
        out[key] = (derived_guid("variable", key), t)
    return out


_VALUE_TAG = {
    "text": "TextValue",
    "integer": "IntegerValue",
    "float": "FloatValue",
    "boolean": "BooleanValue",
    "date": "DateValue",
}


def _doc_sets_xml(session: Session, doc_guid: dict[int, str], indent: str) -> list[str]:
    """The project's document sets as ``<Set>`` elements of sources; a set chosen by a rule
    holds its members of now, and its ``Description`` the rule."""
    from qualcode.docsets import rule_ids, session_execute

    out: list[str] = []
    for ds in session.execute(select(DocSet).order_by(DocSet.name_key)).scalars():
        if ds.rule:
            try:
                ids = rule_ids(session_execute(session), ds.rule)
            except NotFound:  # no document has the rule's attribute (any more)
                ids = []
        else:
            ids = sorted(
                session.execute(
                    select(DocSetMember.document_id).where(DocSetMember.set_id == ds.id)
                ).scalars()
            )
        out.append(f"{indent}<Set{_a(guid=derived_guid('doc-set', ds.name_key), name=ds.name)}>\n")
        if ds.rule:
            desc = f"qualcode rule: {ds.rule} (the members are those the rule chose at export)"
            out.append(f"{indent}  <Description>{_t(desc)}</Description>\n")
        for did in ids:
            if did in doc_guid:
                out.append(f'{indent}  <MemberSource targetGUID="{doc_guid[did]}"/>\n')
        out.append(f"{indent}</Set>\n")
    return out


def project_xml(
    session: Session, name: str, *, inline: bool = False, utf16: bool = False
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``(project.qde, {member path: text}, counts)`` of the whole project.

    ``utf16``: positions in UTF-16 code units, as NVivo reads them (see :mod:`.offsets`).
    """
    tree = CodeTree.load(session)
    coders = list(session.execute(select(Coder).order_by(Coder.name)).scalars())
    coder_guid = {c.id: _guid(c.guid, "coder", c.name) for c in coders}
    docs = list(
        session.execute(
            select(
                Document.id, Document.name, Document.text, Document.guid, Document.imported_at
            ).order_by(Document.name)
        )
    )
    attrs = list(
        session.execute(
            select(DocumentAttribute).order_by(DocumentAttribute.document_id, DocumentAttribute.key)
        ).scalars()
    )
    variables = _variables(attrs)
    attrs_by_doc: dict[int, list[DocumentAttribute]] = defaultdict(list)
    for a in attrs:
        attrs_by_doc[a.document_id].append(a)
    memos = list(session.execute(select(Memo).order_by(Memo.id)).scalars())

    # Notes: every memo, referenced from its target.
    notes_on: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    note_xml: list[str] = []
    for m in memos:
        g = _guid(m.guid, "memo", m.id)
        if m.target_type in ("document", "code", "coding", "project"):
            notes_on[(m.target_type, m.target_id if m.target_type != "project" else None)].append(g)
        attrs_n = _a(
            guid=g,
            name=m.title or None,
            creatingUser=coder_guid.get(m.coder_id) if m.coder_id else None,
            creationDateTime=_stamp(m.created_at),
            modifiedDateTime=_stamp(m.updated_at),
        )
        note_xml.append(
            f"    <Note{attrs_n}>\n      <PlainTextContent>{_t(m.text)}</PlainTextContent>\n    </Note>\n"
        )

    out: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']
    out.append(
        f"<Project{_a(xmlns=PROJECT_NS, name=name, origin=ORIGIN_NVIVO if utf16 else ORIGIN, creationDateTime=_stamp(datetime.now(UTC)))}>\n"
    )
    if coders:
        out.append("  <Users>\n")
        for c in coders:
            out.append(f"    <User{_a(guid=coder_guid[c.id], name=c.name)}/>\n")
        out.append("  </Users>\n")
    n_codes = 0
    if tree.by_id:
        out.append("  <CodeBook>\n    <Codes>\n")
        code_notes = {
            cid: notes_on[("code", cid)] for cid in tree.by_id if ("code", cid) in notes_on
        }
        n_codes = _code_xml(tree, out, code_notes, "      ")
        out.append("    </Codes>\n  </CodeBook>\n")
    if variables:
        out.append("  <Variables>\n")
        for key, (g, t) in variables.items():
            out.append(f"    <Variable{_a(guid=g, name=key, typeOfVariable=ATTR_TO_REFI[t])}/>\n")
        out.append("  </Variables>\n")

    codes_guid = {cid: _guid(c.guid, "code", cid) for cid, c in tree.by_id.items()}
    c = Coding.__table__.c  # type: ignore[attr-defined]
    rows = session.connection().execute(
        select(
            c.id, c.document_id, c.start, c.end, c.code_id, c.coder_id, c.memo, c.guid, c.created_at
        ).order_by(c.document_id, c.start, c.end, c.id)
    )
    by_doc: dict[int, list] = defaultdict(list)
    for r in rows.all():  # one fetchall: iterating fetches row by row
        by_doc[r[1]].append(r)
    coding_notes = {key[1]: refs for key, refs in notes_on.items() if key[0] == "coding"}

    files: dict[str, str] = {}
    doc_guid: dict[int, str] = {}
    n_codings = skipped = 0
    if docs:
        out.append("  <Sources>\n")
    for d in docs:
        g = doc_guid[d.id] = _guid(d.guid, "document", d.id)
        src = {"guid": g, "name": d.name}
        if not inline:
            src["plainTextPath"] = f"internal://{g}.txt"
            files[f"sources/{g}.txt"] = d.text
        out.append(f"    <TextSource{_a(**src, creationDateTime=_stamp(d.imported_at))}>\n")
        if inline:
            out.append(f"      <PlainTextContent>{_t(d.text)}</PlainTextContent>\n")
        n = len(d.text)
        umap = Utf16Map(d.text) if utf16 and has_astral(d.text) else None
        # The hot loop (50,000 codings): GUIDs and numbers need no escaping.
        for cid, _did, start, end, code_id, coder_id, memo, guid, created in by_doc.get(d.id, []):
            code_g = codes_guid.get(code_id)
            if not (0 <= start < end <= n) or code_g is None:
                skipped += 1
                continue
            cg = _guid(guid, "coding", cid)
            if umap is not None:
                start, end = umap.to_unit(start), umap.to_unit(end)
            user = coder_guid.get(coder_id)
            by = f' creatingUser="{user}"' if user else ""
            if created is not None:
                by += f' creationDateTime="{_stamp(created)}"'
            out.append(
                f'      <PlainTextSelection guid="{derived_guid("selection", cg)}" startPosition="{start}" endPosition="{end}"{by}>\n'
            )
            if memo:
                out.append(f"        <Description>{_t(memo)}</Description>\n")
            out.append(
                f'        <Coding guid="{cg}"{by}>\n          <CodeRef targetGUID="{code_g}"/>\n        </Coding>\n'
            )
            for ng in coding_notes.get(cid, ()):
                out.append(f'        <NoteRef targetGUID="{ng}"/>\n')
            out.append("      </PlainTextSelection>\n")
            n_codings += 1
        for ng in notes_on.get(("document", d.id), []):
            out.append(f'      <NoteRef targetGUID="{ng}"/>\n')
        for a in attrs_by_doc.get(d.id, []):
            vg, t = variables[a.key]
            value = a.value if t == "text" else _variable_value(a.value, t)
            tag = _VALUE_TAG[t]
            out.append(
                f'      <VariableValue>\n        <VariableRef targetGUID="{vg}"/>\n        <{tag}>{_t(value or "")}</{tag}>\n      </VariableValue>\n'
            )
        out.append("    </TextSource>\n")
    if docs:
        out.append("  </Sources>\n")
    if note_xml:
        out.append("  <Notes>\n")
        out.extend(note_xml)
        out.append("  </Notes>\n")
    from qualcode.refi.questions import sets_xml  # research questions as code sets

    set_xml = _doc_sets_xml(session, doc_guid, "    ")
    out.extend(sets_xml(session, codes_guid, "  ", codebook=False, extra=set_xml))
    for ng in notes_on.get(("project", None), []):
        out.append(f'  <NoteRef targetGUID="{ng}"/>\n')
    out.append("</Project>\n")
    counts = {
        "documents": len(docs),
        "codes": n_codes,
        "codings": n_codings,
        "skipped_codings": skipped,
        "coders": [c.name for c in coders],
        "memo_count": len(memos),
        "attribute_names": list(variables),
        "doc_sets": sum(line.lstrip().startswith("<Set ") for line in set_xml),
    }
    return "".join(out), files, counts


def export_project(
    session: Session,
    path: str | Path,
    *,
    name: str = "qualcode",
    inline: bool = False,
    utf16: bool = False,
) -> dict[str, Any]:
    """Write ``path`` (.qdpx): ``project.qde`` plus one ``sources/<guid>.txt`` per document."""
    xml, files, counts = project_xml(session, name, inline=inline, utf16=utf16)

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("project.qde", xml.encode("utf-8"))
            for member, text in files.items():
                zf.writestr(member, text.encode("utf-8"))

    _write_atomic(Path(path), write)
    return counts


@gc_paused()
def export_file(
    session: Session,
    path: str | Path,
    *,
    name: str = "qualcode",
    inline: bool = False,
    for_tool: str = "refi",
) -> dict[str, Any]:
    """Export by file suffix: ``.qdc`` codebook or ``.qdpx`` project.

    ``for_tool``: ``refi`` (positions in code points, as the standard says) or
    ``nvivo`` (positions in UTF-16 code units, as NVivo counts them).
    """
    if for_tool not in FOR_TOOLS:
        raise InvalidInput(
            f"--for {for_tool!r} is not a known reader", "use --for refi (default) or --for nvivo"
        )
    suffix = Path(path).suffix.lower()
    if suffix == ".qdc":
        return export_codebook(session, path)
    if suffix == ".qdpx":
        return export_project(session, path, name=name, inline=inline, utf16=for_tool == "nvivo")
    raise InvalidInput(
        f"unknown REFI-QDA file type {suffix or '(none)'!r}",
        "write FILE.qdc (codebook) or FILE.qdpx (project)",
    )


__all__ = ["export_codebook", "export_project", "export_file", "codebook_xml", "project_xml"]
