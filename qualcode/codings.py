"""Codings: code and uncode spans, list them, import them from CSV."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from qualcode import audit, textutil
from qualcode.codebook import CodeTree, add_code, delete_codings, insert_rows
from qualcode.config import AUTO_CODER, ENGINE_CODER
from qualcode.documents import resolve_document
from qualcode.errors import InvalidInput, NotFound, QualcodeError
from qualcode.models import Code, Coder, Coding, Document
from qualcode.names import NearDuplicate, coder_id, fold, listed
from qualcode.structure import NOT_RELEVANT, NOT_RELEVANT_COLOR, NOT_RELEVANT_DESCRIPTION
from qualcode.textutil import normalize

# the columns of a codings table (:mod:`qualcode.codings_io` reads and writes them)
COLUMNS = ["document", "start", "end", "code", "coder", "memo", "quote"]
ALIASES = {"text": "quote"}  # other names a column is read under


def _aliases() -> str:
    return ", ".join(f"{a} is read as {c}" for a, c in ALIASES.items())


def check_columns(fields: list[str], name: str) -> None:
    """Refuse a header with a column the import does not know (a misspelled ``cdoer`` would
    silently lose every coder) or with one column twice (which value would count?).
    ``fields``: the header's names, trimmed and lower-cased; empty ones at the end (Excel's
    trailing separators) do not count."""
    import difflib

    known = [*COLUMNS, *ALIASES]
    names = list(fields)
    while names and not names[-1]:
        names.pop()
    columns = f"the columns are {', '.join(COLUMNS)} ({_aliases()})"
    if "" in names:
        raise InvalidInput(
            f"{name}: column {names.index('') + 1} of the header has no name",
            f"{columns}; name it or delete it; nothing was imported",
        )
    unknown = []
    for f in names:
        if f not in known:
            close = difflib.get_close_matches(f, known, n=1, cutoff=0.75)
            unknown.append(repr(f) + (f" (did you mean {close[0]!r}?)" if close else ""))
    if unknown:
        raise InvalidInput(
            f"{name}: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
            f"{columns}; rename or delete the others; nothing was imported",
        )
    seen: dict[str, str] = {}
    for f in names:
        column = ALIASES.get(f, f)
        if column in seen:
            raise InvalidInput(
                f"{name}: the column {f!r} appears twice"
                if seen[column] == f
                else f"{name}: the columns {seen[column]!r} and {f!r} are the same column",
                "keep one of them; nothing was imported",
            )
        seen[column] = f


def find_coder(session: Session, name: str) -> Coder | None:
    """The coder ``name`` means: the one spelled exactly so, else the one whose name differs
    from it only by case or accents (:func:`qualcode.names.fold`, as codes and sets match),
    else None. Several such coders and none spelled exactly so (a project from before this
    rule may hold ``Anna`` and ``anna``) is an error naming them. The automatic coder
    ``auto`` is only ever meant by its exact name."""
    name = name.strip()
    coder = session.execute(select(Coder).where(Coder.name == name)).scalar_one_or_none()
    if coder is not None or name == AUTO_CODER:
        return coder
    cid = coder_id(dict(session.execute(select(Coder.name, Coder.id)).all()), name)
    return session.get(Coder, cid) if cid is not None else None


def get_coder(session: Session, name: str, *, create: bool = True) -> Coder:
    """The coder ``name`` means (:func:`find_coder`: case and accents ignored); an unknown
    one is created (``create``) — never one that differs from an existing coder only by
    case or accents, nor one spelled like the reserved ``auto`` or ``engine``."""
    name = name.strip()
    if not name:
        raise InvalidInput("the coder name is empty", "give --coder NAME or set QUALCODE_CODER")
    coder = find_coder(session, name)
    if create and coder is not None and coder.name == AUTO_CODER and name != AUTO_CODER:
        coder = None  # nobody writes as `Auto` into the automatic coder's codings
    if coder is None:
        if not create:
            raise NotFound(f"unknown coder {name!r}", "`qualcode status --json` lists the coders")
        if fold(name) == ENGINE_CODER:
            raise InvalidInput(
                f"{ENGINE_CODER!r} is reserved for the suggestions engine as a coder "
                f"(`qualcode agreement --coders anna,{ENGINE_CODER}`)",
                "choose another coder name",
            )
        if fold(name) == AUTO_CODER and name != AUTO_CODER:
            raise InvalidInput(
                f"coder {name!r} is too close to {AUTO_CODER!r}, the reserved coder of"
                " `autocode` (whose codings reports leave out)",
                "choose another coder name",
            )
        coder = Coder(name=name)
        session.add(coder)
        session.flush()
    return coder


def check_span(doc: Document, start: int, end: int) -> None:
    textutil.check_span(doc.name, len(doc.text), start, end)


def add_coding(
    session: Session,
    doc_ref: str | int,
    start: int,
    end: int,
    code_path: str,
    coder: str,
    memo: str = "",
    *,
    create_code: bool = False,
    force: bool = False,
) -> tuple[Coding, bool]:
    """Code a span. Returns ``(coding, created)``; an identical coding is not duplicated.

    ``create_code``: an unknown code is created (a near duplicate of an existing one
    only with ``force``)."""
    doc = resolve_document(session, doc_ref)
    check_span(doc, start, end)
    tree = CodeTree.load(session)
    try:  # a path, a leaf name or a path suffix names an existing code; else create it
        code = tree.resolve(code_path)  # the one match, or an error naming candidates
    except NotFound:
        if not create_code:
            raise
        code = add_code(session, code_path, force=force)
    if not code.codable:
        raise InvalidInput(
            f"{tree.path(code)!r} is a category that only groups codes",
            "code with one of its sub-codes, or make it codable",
        )
    c = get_coder(session, coder)
    existing = session.execute(
        select(Coding).where(
            Coding.document_id == doc.id,
            Coding.start == start,
            Coding.end == end,
            Coding.code_id == code.id,
            Coding.coder_id == c.id,
        )
    ).scalar_one_or_none()
    if existing is not None:
        if memo and existing.memo != memo:
            existing.memo = memo
            session.flush()
        return existing, False
    coding = Coding(
        document_id=doc.id, start=start, end=end, code_id=code.id, coder_id=c.id, memo=memo
    )  # type: ignore[arg-type]
    session.add(coding)
    session.flush()
    return coding, True


def remove_codings(
    session: Session,
    doc_ref: str | int,
    start: int,
    end: int,
    code_path: str | None = None,
    coder: str | None = None,
    *,
    overlapping: bool = False,
    guard_for: str | None = None,
) -> int:
    """Remove the codings on exactly this span (or, with ``overlapping``, touching it).

    With ``guard_for`` (the acting coder), codings of other coders or more than
    :data:`qualcode.safety.MANY_CODINGS` are refused (:class:`NeedsForce`) — the CLI
    without ``--force``.
    """
    from qualcode.safety import check_coding_removal

    doc = resolve_document(session, doc_ref)
    check_span(doc, start, end)
    cond = [Coding.document_id == doc.id]
    if overlapping:
        cond += [Coding.start < end, Coding.end > start]
    else:
        cond += [Coding.start == start, Coding.end == end]
    if code_path:
        cond.append(Coding.code_id == CodeTree.load(session).resolve(code_path).id)
    if coder:
        cond.append(Coding.coder_id == get_coder(session, coder, create=False).id)
    if guard_for is not None:
        me = find_coder(session, guard_for)
        guard_for = me.name if me is not None else guard_for  # `Anna` writes as `anna`
    where = cond[0]
    for c in cond[1:]:
        where = where & c
    if guard_for is not None:
        coders = list(
            session.execute(
                select(Coder.name).join(Coding, Coding.coder_id == Coder.id).where(where)
            ).scalars()
        )
        check_coding_removal(
            f"uncode {doc.name} {start}-{end}",
            coders,
            guard_for,
            f"add --force to remove them, or --coder {guard_for} to remove only yours"
            if any(c != guard_for for c in coders)
            else "add --force to remove them (`qualcode undo` restores them)",
        )
    n = delete_codings(session, where)  # with the memos on them; anchors fall back
    if n == 0:
        raise NotFound(
            f"no coding on {doc.name} {start}-{end}"
            + (f" with code {code_path!r}" if code_path else ""),
            "`qualcode codings --doc DOC --json` lists the codings with their spans"
            + ("" if overlapping else "; --overlapping removes codings that only touch the span"),
        )
    return n


def list_codings(
    session: Session,
    doc: str | None = None,
    code: str | None = None,
    coder: str | None = None,
    *,
    include_auto: bool = True,
    with_children: bool = False,
) -> list[dict]:
    tree = CodeTree.load(session)
    # Plain columns, not ORM objects, and each document's text loaded once (not once per
    # coding): 50,000 codings list in a fraction of the time (see `make bench`).
    stmt = (
        select(
            Coding.id,
            Coding.document_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.memo,
            Coding.orphaned,
            Document.name,
            Coder.name,
        )
        .join(Document, Document.id == Coding.document_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .order_by(Document.name, Coding.start, Coding.end, Coding.id)
    )
    if doc:
        stmt = stmt.where(Coding.document_id == resolve_document(session, doc).id)
    if code:
        c = tree.resolve(code)
        ids = [c.id] + ([d.id for d in tree.descendants(c)] if with_children else [])
        stmt = stmt.where(Coding.code_id.in_(ids))  # type: ignore[attr-defined]
    if coder:
        who = find_coder(session, coder)
        stmt = stmt.where(Coder.id == who.id if who is not None else Coder.name == coder)
    elif not include_auto:
        stmt = stmt.where(Coder.name != AUTO_CODER)
    paths = {cid: tree.path(cid) for cid in tree.by_id}
    rows = _fetch_tuples(session, stmt)
    doc_ids = sorted({r[1] for r in rows})
    texts: dict[int, str] = {}
    for i in range(0, len(doc_ids), 5000):
        chunk = doc_ids[i : i + 5000]
        stmt_texts = select(Document.id, Document.text).where(Document.id.in_(chunk))  # type: ignore[attr-defined]
        for did, text in session.execute(stmt_texts):
            texts[did] = text
    return [
        {
            "id": cid,
            "document": dname,
            "start": start,
            "end": end,
            "code": paths[code_id],
            "coder": cname,
            "memo": memo,
            "text": texts[did][start:end],
            "orphaned": bool(orphaned),
        }
        for cid, did, start, end, code_id, memo, orphaned, dname, cname in rows
    ]


def _fetch_tuples(session: Session, stmt) -> list[tuple]:
    """All rows of a Core ``select`` as plain tuples; on SQLite straight from the DB-API
    cursor (building 50,000 SQLAlchemy rows costs more than the query). Only for columns
    that need no result conversion other than booleans (which arrive as 0/1)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return [tuple(r) for r in session.execute(stmt)]
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[k] for k in compiled.positiontup or ()]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(str(compiled), params).fetchall()
    finally:
        cursor.close()


def import_codings_records(
    session: Session,
    records,
    fields: list[str],
    source: str,
    default_coder: str,
    *,
    create_codes: bool = False,
    force: bool = False,
) -> dict[str, int]:
    """Validate ``(line number, record)`` pairs, then insert all codings — or none.

    ``create_codes``: unknown codes are created; a near duplicate of an existing code
    (:func:`qualcode.codebook.add_code`) only with ``force``."""
    p_name = source
    check_columns(fields, p_name)
    has_span = {"start", "end"} <= set(fields)
    has_quote = "quote" in fields or "text" in fields
    if "document" not in fields or "code" not in fields or not (has_span or has_quote):
        raise InvalidInput(
            f"{p_name}: the header must be document,start,end,code[,coder][,memo][,quote] (found {','.join(fields) or 'nothing'})",
            "or use a quote column with the coded text instead of start,end; separators ; , and tab are recognised",
        )
    docs = {
        name: (did, t)
        for did, name, t in session.execute(select(Document.id, Document.name, Document.text))
    }
    tree = CodeTree.load(session)
    coders = {c.name: c.id for c in session.execute(select(Coder)).scalars()}
    errors: list[str] = []
    unknown_codes = near_dups = 0
    rows: list[dict] = []
    new_codes: dict[str, Code] = {}
    seen: set[tuple] = set()
    repeated = 0
    for lineno, rec in records:
        if len(errors) >= 20:
            break
        if None in rec:
            errors.append(f"line {lineno}: more fields than the header")
            continue
        dname = (rec.get("document") or "").strip()
        cpath = (rec.get("code") or "").strip()
        if dname not in docs:
            errors.append(f"line {lineno}: unknown document {dname!r}")
            continue
        did, dtext = docs[dname]
        quote = normalize(rec.get("quote") or rec.get("text") or "").strip()
        given = [k for k in ("start", "end") if (rec.get(k) or "").strip()]
        if len(given) == 1:
            other = "end" if given[0] == "start" else "start"
            errors.append(
                f"line {lineno}: {given[0]} {rec[given[0]].strip()!r} without {other}"
                f" (give both, or leave both empty to locate the quote)"
            )
            continue
        if given:
            start, end = textutil.ascii_int(rec["start"]), textutil.ascii_int(rec.get("end"))
            if start is None or end is None:
                errors.append(
                    f"line {lineno}: start/end must be whole numbers in ASCII digits (got {rec.get('start')!r}, {rec.get('end')!r})"
                )
                continue
            if 0 <= start < end <= len(dtext) and quote and not _same_text(dtext[start:end], quote):
                errors.append(
                    f"line {lineno}: {start}-{end} of {dname!r} is {_short(dtext[start:end])!r},"
                    f" not the quote {_short(quote)!r} (fix start,end, or leave them empty to locate the quote)"
                )
                continue
        else:
            if not quote:
                errors.append(f"line {lineno}: neither start/end nor a quote")
                continue
            found = _occurrences(dtext, quote)
            if not found:
                errors.append(f"line {lineno}: quote not found in {dname!r}: {quote[:40]!r}")
                continue
            if len(found) > 1:
                at = ", ".join(f"{s}-{s + len(quote)}" for s in found[:5])
                errors.append(
                    f"line {lineno}: the quote {_short(quote)!r} occurs {len(found)} times in {dname!r}"
                    f" (at {at}{' …' if len(found) > 5 else ''}); give start,end to choose one"
                )
                continue
            start = found[0]
            end = start + len(quote)
        if start < 0 or end > len(dtext) or end <= start:
            errors.append(
                f"line {lineno}: span {start}-{end} is empty or outside {dname!r} ({len(dtext)} characters)"
            )
            continue
        try:
            code = tree.find(cpath) if cpath else None
        except InvalidInput as exc:
            errors.append(f"line {lineno}: {exc.message}")
            continue
        if code is None:
            if not cpath:
                errors.append(f"line {lineno}: empty code")
                continue
            if not create_codes:
                errors.append(f"line {lineno}: unknown code {cpath!r}")
                unknown_codes += 1
                continue
            code = new_codes.get(cpath)
            if code is None:
                try:
                    code = add_code(session, cpath, exist_ok=True, force=force)
                except QualcodeError as exc:
                    near_dups += isinstance(exc, NearDuplicate)
                    errors.append(f"line {lineno}: {listed(exc)}")
                    continue
                new_codes[cpath] = code
                tree = CodeTree.load(session)
        if not code.codable:
            errors.append(
                f"line {lineno}: {tree.path(code)!r} is a category that only groups codes"
                " — code with one of its sub-codes, or make it codable"
            )
            continue
        coder = (rec.get("coder") or "").strip() or default_coder
        if coder not in coders:  # `ANNA` is the coder `anna` (never a new near-duplicate)
            try:
                coders[coder] = get_coder(session, coder).id  # type: ignore[assignment]
            except QualcodeError as exc:
                errors.append(f"line {lineno}: {listed(exc)}")
                continue
        key = (did, start, end, code.id, coders[coder])
        if key in seen:
            repeated += 1  # the same coding twice in the file: counted as already there
            continue
        seen.add(key)
        rows.append(
            {
                "document_id": did,
                "start": start,
                "end": end,
                "code_id": code.id,
                "coder_id": coders[coder],
                "memo": rec.get("memo") or "",
            }
        )
    if errors:
        more = " (stopped after 20 errors)" if len(errors) >= 20 else ""
        raise InvalidInput(
            f"{p_name}: nothing imported; " + "; ".join(errors) + more,
            "create the codes first, or import again with --create-codes"
            if unknown_codes == len(errors)
            else "use the existing codes, or import again with --force to create them anyway"
            if near_dups == len(errors)
            else "fix these lines and import again",
        )
    existing = set(
        session.execute(
            select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id)
        ).all()
    )
    rows = [
        r
        for r in rows
        if (r["document_id"], r["start"], r["end"], r["code_id"], r["coder_id"]) not in existing
    ]
    bulk_insert_codings(session, rows)
    return {"imported": len(rows), "skipped": len(seen) - len(rows) + repeated}


def bulk_insert_codings(session: Session, rows: list[dict]) -> list[int]:
    """Insert many codings at once (recorded in the audit log)."""
    if not rows:
        return []
    from qualcode.models import new_guid, utcnow

    now = utcnow()
    for r in rows:
        r.setdefault("memo", "")
        r.setdefault("orphaned", False)
        r.setdefault("guid", new_guid())
        r.setdefault("created_at", now)
    ids = insert_rows(session, Coding, rows)  # batched; ids set on the rows
    audit.record_rows(session, "coding", "insert", rows)
    return ids


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _same_text(span: str, quote: str) -> bool:
    """A quote matches its span as written, or with its whitespace as a spreadsheet left it."""
    return span.strip() == quote or " ".join(span.split()) == " ".join(quote.split())


def _occurrences(text: str, quote: str) -> list[int]:
    """Where ``quote`` occurs in ``text`` (also overlapping occurrences)."""
    out, i = [], text.find(quote)
    while i >= 0:
        out.append(i)
        i = text.find(quote, i + 1)
    return out


# --- the not-relevant mark (Mayring: outside the selection criterion) -----------------------


def mark_not_relevant(
    session: Session, doc_ref: str | int, start: int, end: int, coder: str
) -> tuple[Coding, bool]:
    """Mark ``[start, end)`` not relevant (creating the reserved code the first time)."""
    if CodeTree.load(session).find(NOT_RELEVANT) is None:
        add_code(
            session,
            NOT_RELEVANT,
            description=NOT_RELEVANT_DESCRIPTION,
            color=NOT_RELEVANT_COLOR,
            force=True,  # the reserved code, whatever the user's codes are called
        )
    return add_coding(session, doc_ref, start, end, "/" + NOT_RELEVANT, coder)


def unmark(session: Session, doc_ref: str | int, start: int, end: int, coder: str) -> int:
    """Remove ``coder``'s not-relevant marks overlapping ``[start, end)``."""
    return remove_codings(
        session, doc_ref, start, end, "/" + NOT_RELEVANT, coder, overlapping=True
    )  # "/": the top-level reserved code, not a user's code of that name
