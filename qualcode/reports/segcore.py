"""Coded segments without SQLAlchemy: merging, sheets, Markdown, DOCX, and a SQLite fast path.

:func:`fast_coded_segments` reads a SQLite project file with :mod:`sqlite3` (like
``report freq``, see :mod:`qualcode.reports.freqcore`) so that ``qualcode report
segments`` does not pay for importing SQLAlchemy; it returns ``None`` whenever the
full path in :mod:`qualcode.reports.segments` is needed (another backend, an unknown
code or coder, any error to report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import InvalidInput, QualcodeError
from qualcode.names import resolve_code_path
from qualcode.reports.freqcore import _join_path, code_tree, fast_reader
from qualcode.textutil import quotation, split_path, typed_value

if TYPE_CHECKING:
    from qualcode.schemas.common import Memo, Segment

# The columns of a segment row, as every reader of segments selects them.
SEGMENT_COLUMNS = (
    'coding.document_id, coding.start, coding."end", coding.code_id, coding.memo,'
    " coding.orphaned, coder.name, document.name, coding.id"
)


def coding_notes(
    execute: Callable[[str], list[tuple]], coding_ids: Iterable[int] | None = None
) -> dict[int, list[str]]:
    """Memos of the memo table on codings (`memo add --coding`, REFI notes), by coding id —
    the one reader of them (``execute(sql) -> rows``: sqlite3 or a session's connection)."""
    sql = "SELECT target_id, text FROM memo WHERE target_type = 'coding'"
    if coding_ids is not None:
        ids = sorted({int(i) for i in coding_ids})
        if not ids:
            return {}
        if len(ids) <= 500:
            sql += f" AND target_id IN ({','.join(map(str, ids))})"
    out: dict[int, list[str]] = {}
    for cid, text in execute(sql + " ORDER BY id"):
        out.setdefault(cid, []).append(text)
    if coding_ids is not None:
        wanted = set(coding_ids)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def iso_utc(value: Any) -> str:
    """A stored timestamp (a datetime, or SQLite's text of a naive UTC one) as ISO 8601 in
    UTC, to the second."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def memo_rows(execute: Callable[[str], list[tuple]], where: str = "") -> list[tuple]:
    """``(id, on, target id, title, text, coder, created_at, updated_at)`` of the memos
    (``where``: an SQL condition on ``memo``), in id order."""
    return execute(
        "SELECT memo.id, memo.target_type, memo.target_id, memo.title, memo.text, coder.name,"
        " memo.created_at, memo.updated_at FROM memo LEFT JOIN coder ON coder.id = memo.coder_id"
        + (f" WHERE {where}" if where else "")
        + " ORDER BY memo.id"
    )


def memo_object(row: tuple, document: str | None = None, code: str | None = None) -> Memo:
    """A row of :func:`memo_rows` as the one memo shape of every ``--json`` output; the
    caller names the document or code a memo on one is about."""
    mid, on, target, title, text, coder, created, updated = row
    return {
        "id": mid,
        "on": on,
        "document": document,
        "code": code,
        "coding_id": target if on == "coding" else None,
        "title": title or "",
        "text": text or "",
        "coder": coder,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
    }


def coding_memos(
    execute: Callable[[str], list[tuple]], coding_ids: Iterable[int] | None = None
) -> dict[int, list[Memo]]:
    """The memos on codings (`memo add --coding`, REFI notes) as memo objects, by coding id."""
    where = "memo.target_type = 'coding'"
    if coding_ids is not None:
        ids = sorted({int(i) for i in coding_ids})
        if not ids:
            return {}
        if len(ids) <= 500:
            where += f" AND memo.target_id IN ({','.join(map(str, ids))})"
    wanted = None if coding_ids is None else set(coding_ids)
    out: dict[int, list[Memo]] = {}
    for row in memo_rows(execute, where):
        if wanted is None or row[2] in wanted:
            out.setdefault(row[2], []).append(memo_object(row))
    return out


def segment_json(seg: dict) -> Segment:
    """A segment of :func:`merge_segments` as ``--json`` gives it: its coders as a list,
    the ids of its codings, ``memo`` the codings' own memo, ``memos`` the memos on them."""
    return {
        "document": seg["document"],
        "attributes": seg["attributes"],
        "code": seg["code"],
        "coders": seg["coders"],
        "coding_ids": seg["coding_ids"],
        "start": seg["start"],
        "end": seg["end"],
        "text": seg["text"],
        "memo": seg["own_memo"],
        "memos": seg["memos"],
        "orphaned": bool(seg["orphaned"]),
    }


def segment_memo(memo: str | None, notes: Iterable[str] = ()) -> str:
    """The memo of a coded segment: its own (``Coding.memo``: `code --memo`, the
    workbench's `o`) and the memos added to the coding (`memo add --coding`), one a line."""
    parts: list[str] = []
    for text in [memo or "", *notes]:
        text = text.strip()
        if text and text not in parts:
            parts.append(text)
    return "\n".join(parts)


def merge_segments(
    rows: Iterable[tuple],
    texts: dict[int, str],
    attrs: dict[int, dict[str, object]],
    paths: dict[int, str],
    execute: Callable[[str], list[tuple]] | None = None,
) -> list[dict]:
    """The segments of rows of :data:`SEGMENT_COLUMNS` (``doc, start, end, code, memo,
    orphaned, coder name, doc name, coding id``); the same quotation coded by several
    coders is listed once. A segment's memo is :func:`segment_memo` of its codings (with
    ``execute``, the memos added to them are read too)."""
    rows = list(rows)
    memos = coding_memos(execute, [r[8] for r in rows]) if execute is not None and rows else {}
    segments: list[dict] = []
    by_span: dict[tuple[int, int, int, int], dict] = {}
    for did, s, e, cid, own, orphaned, cname, dname, coding_id in rows:
        on_it = memos.get(coding_id, [])
        memo = segment_memo(own, [m["text"] for m in on_it])
        same = by_span.get((did, s, e, cid))
        if same is not None:  # the same quotation coded by several coders: list it once
            same["coders"].append(cname)
            same["coder"] = ", ".join(same["coders"])
            same["memo"] = segment_memo(same["memo"], [memo])
            same["coding_ids"].append(coding_id)
            same["own_memo"] = segment_memo(same["own_memo"], [own or ""])
            same["memos"].extend(on_it)
            same["orphaned"] = bool(same["orphaned"] or orphaned)
            continue
        seg = {
            "document": dname,
            "attributes": attrs.get(did, {}),
            "code": paths[cid],
            "coder": cname,
            "coders": [cname],
            "start": s,
            "end": e,
            "text": quotation(texts[did][s:e], dname),  # without Markdown markup
            "memo": memo,
            "orphaned": bool(orphaned),
            # for --json (:func:`segment_json`): the codings, their own memo, memo objects
            "coding_ids": [coding_id],
            "own_memo": segment_memo(own),
            "memos": list(on_it),
        }
        by_span[(did, s, e, cid)] = seg
        segments.append(seg)
    return segments


def _split_path(path: str) -> list[str] | None:
    """The code path's names, or None when it is malformed (the ORM path then reports it)."""
    try:
        return split_path(path)
    except InvalidInput:
        return None


def fast_coded_segments(
    db: str | None,
    code: str,
    children: bool = False,
    coder: str | None = None,
    include_auto: bool = False,
) -> dict | None:
    """:func:`coded_segments` of a SQLite project file via :mod:`sqlite3`, or None (use the full path)."""

    names = _split_path(code)
    if names is None:
        return None
    with fast_reader(db, coder, include_auto) as ctx:
        if ctx is None:
            return None
        conn, where = ctx
        ordered, _paths = code_tree(conn)
        kids: dict[int | None, list] = {}
        for c in ordered:
            kids.setdefault(c.parent_id, []).append(c)
        names_of: dict[int, list[str]] = {}
        for c in ordered:
            names_of[c.id] = (
                [*names_of.get(c.parent_id, []), c.name] if c.parent_id is not None else [c.name]
            )
        try:
            found = next(c for c in ordered if c.id == resolve_code_path(names_of, code))
        except QualcodeError:
            return None  # the full path reports the unknown or ambiguous code
        ids = [found.id]
        if children:
            stack = list(reversed(kids.get(found.id, [])))
            while stack:
                c = stack.pop()
                ids.append(c.id)
                stack.extend(reversed(kids.get(c.id, [])))
        # Paths as CodeTree.path: the names up the parent chain.
        info = {
            i: (n, p) for i, n, p in conn.execute("SELECT id, name, parent_id FROM code").fetchall()
        }

        def path_of(cid: int) -> str:
            out, cur, seen = [], cid, set()
            while cur is not None and cur in info and cur not in seen:
                seen.add(cur)
                out.append(info[cur][0])
                cur = info[cur][1]
            return _join_path(out[::-1])

        id_list = ",".join(str(int(i)) for i in ids)
        cond = f"coding.code_id IN ({id_list})"
        if where:
            cond += " AND coding." + where.removeprefix(" WHERE ")
        rows = [
            (did, s, e, cid, memo, bool(orphaned), cname, dname, kid)
            for did, s, e, cid, memo, orphaned, cname, dname, kid in conn.execute(
                f"SELECT {SEGMENT_COLUMNS} FROM coding"
                " JOIN coder ON coder.id = coding.coder_id"
                " JOIN document ON document.id = coding.document_id"
                f" WHERE {cond}"
                " ORDER BY document.name, coding.start, coding.end, coding.id"
            )
        ]
        doc_ids = sorted({r[0] for r in rows})
        texts: dict[int, str] = {}
        attrs: dict[int, dict[str, object]] = {}
        if doc_ids:
            docs = ",".join(str(int(i)) for i in doc_ids)
            texts = dict(conn.execute(f"SELECT id, text FROM document WHERE id IN ({docs})"))
            for did, key, value, type_ in conn.execute(
                "SELECT document_id, key, value, type FROM document_attribute"
                f" WHERE document_id IN ({docs}) ORDER BY id"
            ):
                attrs.setdefault(did, {})[key] = typed_value(value, type_)
        paths = {i: path_of(i) for i in ids}
        (definition,) = conn.execute(
            "SELECT definition FROM code WHERE id = ?", (found.id,)
        ).fetchone()
        return {
            "code": paths[found.id],
            "children": children,
            "coder": coder,
            "documents": len(doc_ids),
            "definition": definition,
            "segments": merge_segments(
                rows, texts, attrs, paths, lambda sql: conn.execute(sql).fetchall()
            ),
        }
    return None  # the data could not be read this way: the full path answers


def _attr_keys(data: dict) -> list[str]:
    keys: list[str] = []
    for s in data["segments"]:
        for k in s["attributes"]:
            if k not in keys:
                keys.append(k)
    return keys


def _attr_line(attrs: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in attrs.items())


def pairing_note(data: dict, lang: str = "de") -> str:
    """For a retrieval (``retrieve``): whose segments met — "; Paare innerhalb derselben
    kodierenden Person" (or across coders); empty for a code's segments."""
    if "pairing" not in data:
        return ""
    from qualcode.reports.cooccore import PAIRING_DE, PAIRING_TEXT

    return "; " + (PAIRING_DE if lang == "de" else PAIRING_TEXT)[data["pairing"]]


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
        + (" (mit Unterkategorien)" if data["children"] else "")
        + pairing_note(data),
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
        + pairing_note(data)
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
