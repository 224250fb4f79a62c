"""`qualcode search PATTERN`: keyword in context, and coding every hit (autocode's engine)."""

from __future__ import annotations

import typer

from qualcode.cli.app import JsonOpt, SetOpt, UserError, app, output, shorten, state, table


def _kwic_table(rows: list[dict], context: int, styled: bool = False) -> str:
    """Keyword in context: the left context right-aligned, the hit and the right context
    run on as in the text (its spaces kept), so every hit starts in the same column;
    ``styled`` (a terminal): the hit in bold."""
    if not rows:
        return "no hits"
    w = max(10, min(context, 40))

    def kwic(r: dict) -> str:
        left = ("…" + r["left"][-(w - 1) :]) if len(r["left"]) > w else r["left"]
        right = (r["right"][: w - 1] + "…") if len(r["right"]) > w else r["right"]
        hit = shorten(r["text"], 40)
        return left.rjust(w) + (typer.style(hit, bold=True) if styled else hit) + right

    lines = [
        [r["document"], r["start"], r["end"], kwic(r), "; ".join(r["code_paths"])] for r in rows
    ]
    docs = len({r["document"] for r in rows})
    header = "left ".rjust(w) + "hit · right"
    body = table(lines, ["document", "start", "end", header, "codes"], align="lrrll")
    from qualcode.textutil import plural

    return f"{body}\n\n{plural(len(rows), 'hit')} in {plural(docs, 'document')}"


def _fast(pattern_rule, doc: str | None, context: int) -> list[dict] | None:
    """The search on a SQLite file with :mod:`sqlite3` (no SQLAlchemy), or None."""
    from qualcode.fastread import open_project
    from qualcode.search import search

    conn = open_project(state().db)
    if conn is None:
        return None
    try:
        execute = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        doc_ids = None
        if state().doc_set:
            from qualcode.docsets import set_ids

            doc_ids = set_ids(execute, state().doc_set)
        if doc:
            found = [i for (i,) in conn.execute("SELECT id FROM document WHERE name = ?", (doc,))]
            from qualcode.suggest.fast import named_and_numbered

            if not found or named_and_numbered(conn, doc):
                return None  # the session path resolves ids, other spellings, typos
            doc_ids = [i for i in found if doc_ids is None or i in doc_ids]
        return search(execute, pattern_rule, doc_ids=doc_ids, context=context)
    finally:
        conn.close()


@app.command("search")
def search_cmd(
    pattern: str = typer.Argument(..., help="A word or text (any case, also inside words)."),
    regex: bool = typer.Option(False, "--regex", help="PATTERN is a regular expression."),
    lemma: bool = typer.Option(
        False, "--lemma", help="Match by lemma: every word of PATTERN in one sentence."
    ),
    phrase: bool = typer.Option(
        False, "--phrase", help="The words of PATTERN in this order, whole words."
    ),
    fuzzy: int = typer.Option(
        None, "--fuzzy", min=1, max=100, help="With --phrase: rapidfuzz threshold, e.g. 85."
    ),
    case_sensitive: bool = typer.Option(False, "--case-sensitive", help="Match case."),
    doc: str = typer.Option(None, "--doc", help="Only this document."),
    context: int = typer.Option(60, "--context", min=0, help="Characters of context each side."),
    code: str = typer.Option(
        None,
        "--code",
        help="Code every hit with this code: a dry run unless --apply (autocode's engine).",
    ),
    unit: str = typer.Option(
        "match",
        "--unit",
        help="With --code: code the match as found, its whole words (word), its sentence "
        "or its paragraph.",
    ),
    apply: bool = typer.Option(
        False, "--apply", help="With --code: really code the hits (one `qualcode undo` step)."
    ),
    doc_set: str = SetOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Keyword in context: every hit with document, offsets, context and the codes on it.

    With --code PATH, codes every hit (or its words/sentence/paragraph with --unit) as you
    (the global --coder): first a dry run that says what it would code; --apply codes.
    """
    from qualcode.search import needs_session, search, search_rule

    modes = [m for m, on in (("regex", regex), ("lemma", lemma), ("phrase", phrase)) if on]
    if len(modes) > 1:
        raise UserError(f"give only one of --{', --'.join(modes)}", "see `qualcode search --help`")
    mode = modes[0] if modes else "text"
    if (unit != "match" or apply) and not code:
        raise UserError("--unit and --apply code the hits", "give --code PATH as well")
    rule = search_rule(pattern, mode, fuzzy=fuzzy, case_sensitive=case_sensitive, unit=unit)
    if code:
        _code_hits(rule, code, doc, apply, as_json)
        return
    rows = None if needs_session(mode, fuzzy) else _fast(rule, doc, context)
    if rows is None:
        from qualcode.docsets import restrict, session_execute

        with state().read() as session:
            doc_ids = None
            if doc:
                from qualcode.documents import resolve_document

                doc_ids = [resolve_document(session, doc).id]
            doc_ids = restrict(session, doc_ids)
            nlp_obj: list = []

            def nlp_get():
                if not nlp_obj:
                    from qualcode import nlp
                    from qualcode.database import get_setting

                    nlp_obj.append(nlp.load(get_setting(session, "nlp.model")))
                return nlp_obj[0]

            rows = search(
                session_execute(session),
                rule,
                doc_ids=doc_ids,
                context=context,
                session=session,
                nlp_get=nlp_get,
            )
    import sys

    output(rows, as_json, lambda r: _kwic_table(r, context, styled=sys.stdout.isatty()))


def _code_hits(query, code: str, doc: str | None, apply: bool, as_json: bool) -> None:
    from qualcode import audit
    from qualcode.recode import dryrun
    from qualcode.recode.autocode import autocode
    from qualcode.search import as_autocode_rule

    st = state()
    rule = as_autocode_rule(query, code, [doc] if doc else None)
    coder = st.coder_name()
    with st.write() as session:
        from qualcode.codebook import CodeTree

        tree = CodeTree.load(session)
        rule.code = tree.path(tree.resolve(rule.code))  # a name or any end of the path
        nlp_obj = None
        if rule.lemma or rule.fuzzy or rule.unit == "sentence":
            from qualcode import nlp
            from qualcode.database import get_setting

            nlp_obj = nlp.load(get_setting(session, "nlp.model"))
        result = dryrun.run(
            session,
            lambda: autocode(session, [rule], coder=coder, sample=5, nlp_obj=nlp_obj),
            dry_run=not apply,
        )
        r = result["rules"][0]
        if apply:
            audit.ensure_entry(session)
            audit.set_summary(session, f"search: {r['added']} hits coded with {r['code']}")
    result = {"dry_run": not apply, **r}

    def human(r: dict) -> str:
        unit = {"match": "hits", "word": "hits (whole words)", "sentence": "sentences"}.get(
            r["unit"], "paragraphs"
        )
        lines = []
        if r["dry_run"]:
            lines.append("dry run — nothing was changed; this would happen:")
        verb = "would code" if r["dry_run"] else "coded"
        lines.append(
            f"{verb} {r['added']} {unit} in {r['documents']} documents with {r['code']} "
            f"as {r['coder']} ({r['found']} found, {r['existing']} already coded)"
        )
        for s in r.get("sample", []):
            lines.append(f"    {s['document']} {s['start']}-{s['end']} {shorten(s['text'], 70)}")
        lines.append("add --apply to code them" if r["dry_run"] else "`qualcode undo` reverts this")
        return "\n".join(lines)

    output(result, as_json, human)
