"""Coded segments of a code: the quotations of a report, with document and attributes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.documents import attributes_of
from qualcode.models import Coder, Coding, Document
from qualcode.reports.common import coding_filter


def coded_segments(
    session: Session,
    code: str,
    children: bool = False,
    coder: str | None = None,
    include_auto: bool = False,
) -> dict:
    """``{"code", "children", "documents", "segments": [{document, attributes, code, coder,
    start, end, text, memo, orphaned}]}`` in document-name and text order."""
    tree = CodeTree.load(session)
    c = tree.resolve(code)
    ids = [c.id] + ([d.id for d in tree.descendants(c)] if children else [])
    stmt = (
        select(
            Coding.document_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.memo,
            Coding.orphaned,
            Coder.name,
            Document.name,
        )
        .join(Coder, Coder.id == Coding.coder_id)
        .join(Document, Document.id == Coding.document_id)
        .where(Coding.code_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Document.name, Coding.start, Coding.end, Coding.id)
    )
    where = coding_filter(session, coder, include_auto)
    if where is not None:
        stmt = stmt.where(where)
    rows = session.connection().execute(stmt).all()
    doc_ids = sorted({r[0] for r in rows})
    texts: dict[int, str] = {}
    if doc_ids:
        texts = {
            i: t
            for i, t in session.execute(
                select(Document.id, Document.text).where(Document.id.in_(doc_ids))
            )
        }  # type: ignore[attr-defined]
    attrs = attributes_of(session, doc_ids) if doc_ids else {}
    paths = {i: tree.path(i) for i in ids}
    segments: list[dict] = []
    by_span: dict[tuple[int, int, int, int], dict] = {}
    for did, s, e, cid, memo, orphaned, cname, dname in rows:
        same = by_span.get((did, s, e, cid))
        if same is not None:  # the same quotation coded by several coders: list it once
            same["coders"].append(cname)
            same["coder"] = ", ".join(same["coders"])
            if memo and memo not in same["memo"]:
                same["memo"] = f"{same['memo']}\n{memo}".strip()
            continue
        seg = {
            "document": dname,
            "attributes": attrs.get(did, {}),
            "code": paths[cid],
            "coder": cname,
            "coders": [cname],
            "start": s,
            "end": e,
            "text": texts[did][s:e],
            "memo": memo,
            "orphaned": orphaned,
        }
        by_span[(did, s, e, cid)] = seg
        segments.append(seg)
    return {
        "code": tree.path(c),
        "children": children,
        "coder": coder,
        "documents": len(doc_ids),
        "definition": c.definition,
        "segments": segments,
    }


def _attr_keys(data: dict) -> list[str]:
    keys: list[str] = []
    for s in data["segments"]:
        for k in s["attributes"]:
            if k not in keys:
                keys.append(k)
    return keys


def _attr_line(attrs: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in attrs.items())


def segments_sheets(data: dict):
    from qualcode.reports.export import INT, TEXT, Sheet

    keys = _attr_keys(data)
    headers = ["Dokument", *keys, "Kategorie", "Kodierer/in", "Anfang", "Ende", "Text", "Memo"]
    kinds = [TEXT] * (1 + len(keys)) + [TEXT, TEXT, INT, INT, TEXT, TEXT]
    rows = [
        [
            s["document"],
            *[s["attributes"].get(k, "") for k in keys],
            s["code"],
            s["coder"],
            s["start"],
            s["end"],
            s["text"],
            s["memo"],
        ]
        for s in data["segments"]
    ]
    return [Sheet("Segmente", headers, rows, kinds)]


def segments_markdown(data: dict) -> str:
    """Quotations grouped by document: heading with attributes, then block quotes."""
    n = len(data["segments"])
    out = [f"# {data['code']}", ""]
    if data.get("definition"):
        out += [f"*Definition:* {data['definition']}", ""]
    out += [
        f"{n} kodierte Segmente in {data['documents']} Dokumenten"
        + (" (mit Unterkategorien)" if data["children"] else ""),
        "",
    ]
    current = None
    for s in data["segments"]:
        if s["document"] != current:
            current = s["document"]
            out += [f"## {current}", ""]
            if s["attributes"]:
                out += [f"*{_attr_line(s['attributes'])}*", ""]
        text = s["text"].strip()
        out += ["> " + line if line else ">" for line in text.split("\n")]
        src = f"({s['document']}, Zeichen {s['start']}–{s['end']}, {s['coder']}"
        if data["children"] or s["code"] != data["code"]:
            src += f", {s['code']}"
        out += ["", src + ")", ""]
        if s["memo"]:
            out += [f"Memo: {s['memo']}", ""]
    return "\n".join(out).rstrip() + "\n"


def write_segments_docx(data: dict, path: str | Path) -> None:
    """A Word document: title, definition, per document a heading with attributes, quotations."""
    from docx import Document as Docx
    from docx.shared import Pt, RGBColor

    doc = Docx()
    doc.add_heading(data["code"], level=1)
    if data.get("definition"):
        p = doc.add_paragraph()
        p.add_run("Definition: ").bold = True
        p.add_run(data["definition"])
    n = len(data["segments"])
    doc.add_paragraph(
        f"{n} kodierte Segmente in {data['documents']} Dokumenten"
        + (" (mit Unterkategorien)" if data["children"] else "")
    )
    current = None
    for s in data["segments"]:
        if s["document"] != current:
            current = s["document"]
            doc.add_heading(current, level=2)
            if s["attributes"]:
                p = doc.add_paragraph()
                run = p.add_run(_attr_line(s["attributes"]))
                run.italic = True
                run.font.size = Pt(9)
        try:
            q = doc.add_paragraph(s["text"].strip(), style="Quote")
        except KeyError:  # a template without the Quote style
            q = doc.add_paragraph(s["text"].strip())
        q.paragraph_format.space_after = Pt(2)
        src = f"({s['document']}, Zeichen {s['start']}–{s['end']}, {s['coder']}"
        if data["children"] or s["code"] != data["code"]:
            src += f", {s['code']}"
        p = doc.add_paragraph()
        run = p.add_run(src + ")")
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        if s["memo"]:
            p = doc.add_paragraph()
            p.add_run("Memo: ").bold = True
            p.add_run(s["memo"])
    doc.save(str(path))
