"""Research questions in REFI-QDA: a code set per question, read back on import.

REFI-QDA has no research questions; a question travels as a ``<Set>`` of its top
categories (``MemberCode``), named like the question, whose ``Description`` holds its
fields one per line (``Forschungsfrage: …``, ``Technik: induktiv``, …) — readable in
MAXQDA, ATLAS.ti or NVivo as a code set with a description, and recognised by qualcode
on import by its ``Forschungsfrage:`` and ``Technik:`` lines.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree, join_path
from qualcode.models import ResearchQuestion
from qualcode.refi import xmlread as xr
from qualcode.refi.common import local

LABELS = {
    "question": "Forschungsfrage",
    "technique": "Technik",
    "criterion": "Selektionskriterium",
    "abstraction": "Abstraktionsniveau",
    "coding_unit": "Kodiereinheit",
    "context_unit": "Kontexteinheit",
    "recording_unit": "Auswertungseinheit",
}
_BY_LABEL = {v.casefold(): k for k, v in LABELS.items()}
_TECH = {"inductive": "induktiv", "deductive": "deduktiv"}
_UNIT = {"paragraph": "Absatz", "sentence": "Satz", "document": "Dokument"}


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def describe(rq: ResearchQuestion) -> str:
    values = {
        "question": rq.question,
        "technique": _TECH.get(rq.technique, rq.technique),
        "criterion": rq.criterion,
        "abstraction": rq.abstraction,
        "coding_unit": _UNIT.get(rq.coding_unit, rq.coding_unit),
        "context_unit": _UNIT.get(rq.context_unit, rq.context_unit),
        "recording_unit": _UNIT.get(rq.recording_unit, rq.recording_unit),
    }
    return "\n".join(f"{LABELS[k]}: {' '.join(v.split())}" for k, v in values.items() if v)


def sets_xml(
    session: Session,
    code_guids: dict[int, str],
    indent: str,
    *,
    codebook: bool,
    extra: list[str] | None = None,
) -> list[str]:
    """The ``<Sets>`` element of the questions and the ``extra`` sets' lines (document
    sets); empty when there are none."""
    rqs = list(
        session.execute(
            select(ResearchQuestion).order_by(ResearchQuestion.position, ResearchQuestion.id)  # type: ignore[arg-type]
        ).scalars()
    )
    if not rqs and not extra:
        return []
    tree = CodeTree.load(session)
    ref = "guid" if codebook else "targetGUID"  # the two schemas name the reference differently
    out = [f"{indent}<Sets>\n"]
    for rq in rqs:
        out.append(f'{indent}  <Set guid="{rq.guid}" name="{_esc(rq.name)}">\n')
        out.append(f"{indent}    <Description>{_esc(describe(rq))}</Description>\n")
        for top in tree.children.get(None, []):
            if top.research_question_id == rq.id and top.id in code_guids:
                out.append(f'{indent}    <MemberCode {ref}="{code_guids[top.id]}"/>\n')
        out.append(f"{indent}  </Set>\n")
    out.extend(extra or [])
    out.append(f"{indent}</Sets>\n")
    return out


def parse(text: str) -> dict[str, str] | None:
    """The fields of a question from a set's description; None when it is not one."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        head, sep, rest = line.partition(":")
        k = _BY_LABEL.get(head.strip().casefold()) if sep else None
        if k is not None:
            key = k
            fields[key] = rest.strip()
        elif key is not None and line.strip():
            fields[key] += " " + line.strip()
    if "question" not in fields or "technique" not in fields:
        return None
    return fields


def _code_paths(codes: Element | None, parent: list[str], out: dict[str, str]) -> None:
    for code in xr.kids(codes, "Code") if codes is not None else []:
        names = [*parent, code.get("name") or ""]
        guid = xr.ident(code.get("guid"))
        if guid:
            out[guid] = join_path(names)
        _code_paths(code, names, out)


def read_sets(path: str | Path) -> list[dict]:
    """The questions in a REFI-QDA file: ``{name, fields, categories: [paths]}``."""
    from qualcode.refi.safety import open_archive, parse_xml

    p = Path(path)
    if zipfile.is_zipfile(p):
        archive = open_archive(p)
        try:
            member = archive.find("project.qde") or next(
                (n for n in archive.members if n.lower().endswith(".qde") and "/" not in n), None
            )
            if member is None:
                return []
            root = parse_xml(archive.read(member), f"{p.name}/{member}")
        finally:
            archive.close()
    else:
        root = parse_xml(p.read_bytes(), p.name)
    book = xr.kid(root, "CodeBook") if local(root.tag) == "Project" else root
    paths: dict[str, str] = {}
    _code_paths(xr.kid(book, "Codes") if book is not None else None, [], paths)
    sets_el = xr.kid(root, "Sets")
    out = []
    for s in xr.kids(sets_el, "Set") if sets_el is not None else []:
        fields = parse(xr.text_of(xr.kid(s, "Description")))
        if fields is None:
            continue
        members = [
            paths[g]
            for m in xr.kids(s, "MemberCode")
            if (g := xr.ident(m.get("targetGUID") or m.get("guid"))) in paths
        ]
        out.append(
            {
                "name": s.get("name") or "",
                "guid": xr.ident(s.get("guid")),
                "fields": fields,
                "categories": members,
            }
        )
    return out


def apply_sets(session: Session, sets: list[dict]) -> dict:
    """Create the questions the project lacks (matched by name) and give them their top
    categories where those belong to no question yet. Returns what was done."""
    from qualcode.mayring.questions import TECHNIQUES, UNITS

    existing = {q.name.casefold(): q for q in session.execute(select(ResearchQuestion)).scalars()}
    tree = CodeTree.load(session)
    created = assigned = 0
    notes: list[str] = []
    for s in sets:
        name = s["name"].strip()
        if not name:
            continue
        rq = existing.get(name.casefold())
        if rq is None:
            f = s["fields"]
            values = {k: f.get(k, "") for k in ("question", "criterion", "abstraction")}
            values["technique"] = TECHNIQUES.get(f.get("technique", "").casefold(), "inductive")
            for k in ("coding_unit", "context_unit", "recording_unit"):
                unit = UNITS.get(f.get(k, "").casefold())
                if unit:
                    values[k] = unit
            rq = ResearchQuestion(name=name, position=len(existing), **values)
            if s.get("guid"):
                rq.guid = s["guid"]
            session.add(rq)
            session.flush()
            existing[name.casefold()] = rq
            created += 1
        for path in s["categories"]:
            code = tree.find(path)
            if code is None or code.parent_id is not None:
                continue
            if code.research_question_id is None:
                code.research_question_id = rq.id
                session.add(code)
                assigned += 1
            elif code.research_question_id != rq.id:
                notes.append(
                    f"{code.name!r} stays with its question (the file puts it in {name!r})"
                )
    session.flush()
    return {"created": created, "assigned": assigned, "notes": notes}
