"""`qualcode report freq|cooc|segments|matrix` and `qualcode agreement`."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.app import SetOpt, app, state

report_app = typer.Typer(
    help="Reports: category frequencies, co-occurrence, coded segments, code matrix.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(report_app, name="report")

FormatOpt = typer.Option(
    None,
    "--format",
    "-f",
    help="table, csv, xlsx, md or json (default: from the -o suffix, else table).",
)
OutOpt = typer.Option(
    None, "--output", "-o", help="Write to this file (.csv .xlsx .md .json .txt)."
)
ExcelOpt = typer.Option(
    False, "--excel", help="CSV for German Excel: BOM, ';' as separator, decimal comma."
)
CoderFilterOpt = typer.Option(
    None,
    "--coder",
    help="Only this coder's codings (comma-separated for several; 'auto' for autocoding).",
)
AutoOpt = typer.Option(
    False,
    "--include-auto",
    help="Also count codings of the automatic coder 'auto' (excluded by default).",
)
AcrossOpt = typer.Option(
    False,
    "--across-coders",
    help="Pair codings of different coders too (default: two codes go together only when "
    "one coder gave both).",
)
LangOpt = typer.Option(
    None,
    "--lang",
    help="Language of the report files and charts: de or en (default: the project setting "
    "report.lang, else the language of the documents). Terminal tables stay English.",
)
LevelOpt = typer.Option(
    None,
    "--level",
    min=1,
    help="Show codes down to this depth; deeper codes are counted under their ancestor.",
)


def report_language(override: str | None = None) -> str:
    """The language of this report: ``--lang``, else the project's (setting or documents)."""
    from qualcode.config import parse_report_lang
    from qualcode.fastread import open_project
    from qualcode.reports.lang import report_lang, session_lang

    if override is not None:
        parse_report_lang(override)  # an unknown language is an error before any work
    conn = open_project(state().db)
    if conn is not None:
        try:
            return report_lang(lambda sql: conn.execute(sql).fetchall(), override)
        finally:
            conn.close()
    with state().read() as session:
        return session_lang(session, override)


def file_language(lang: str | None, needed: bool) -> str:
    """The report language when a file or chart is written (``needed``), else English (the
    terminal's); an unknown ``--lang`` is an error either way."""
    if not needed:
        if lang:
            from qualcode.config import parse_report_lang

            parse_report_lang(lang)
        return "en"
    return report_language(lang)


def wrote_figure(path: Path, what: str) -> None:
    """Say which files a figure went to (PNG, SVG and PDF side by side)."""
    from qualcode.reports.figures import paths_for

    files = paths_for(path)
    typer.echo(f"wrote {what} to {files[0]} (and {', '.join(str(p) for p in files[1:])})", err=True)


def _emit(
    fmt: str,
    sheets,
    data,
    output: Path | None,
    *,
    excel: bool = False,
    title: str | None = None,
    what: str = "report",
    lang: str | None = None,
) -> None:
    from qualcode.reports.export import write_output, writing

    with writing(output):
        text = write_output(fmt, sheets, data, output, excel=excel, title=title, lang=lang)
    if text is not None:
        typer.echo(text)
    else:
        typer.echo(f"wrote {what} to {output}", err=True)


@report_app.command("freq")
def report_freq(
    by: str = typer.Option(
        None,
        "--by",
        help="Group by this document attribute (e.g. Format): figures per value plus column %.",
    ),
    code: str = typer.Option(
        None, "--code", help="Only this code and its sub-codes (e.g. one main category)."
    ),
    by_coder: bool = typer.Option(
        False, "--by-coder", help="One column group per coder: each coder's own segments."
    ),
    rq: str = typer.Option(None, "--rq", help="Only the categories of this research question."),
    coder: str = CoderFilterOpt,
    level: int = LevelOpt,
    include_auto: bool = AutoOpt,
    fmt: str = FormatOpt,
    output: Path = OutOpt,
    excel: bool = ExcelOpt,
    chart: Path = typer.Option(
        None,
        "--chart",
        help="Also draw a bar chart to FILE.png or FILE.svg (grouped bars with --by).",
    ),
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Category frequencies: coded segments, documents coded and share of documents per code.

    Segments: a passage coded with the same code by several coders counts once
    (--by-coder gives each coder's own figures). One row per code in code-tree order; parents show their own and their
    sub-tree's (Σ) figures: a passage coded with several of its codes counts once, as with
    --level. With --by, the sub-tree's figures per attribute value (documents without it:
    "(none)", in German files "(ohne Angabe)") plus column percentages.
    Codings of the automatic coder 'auto' are left out unless --include-auto or
    --coder auto.
    """
    from qualcode.reports.export import choose_format
    from qualcode.reports.freqcore import fast_frequency_table, frequency_sheets

    fmt = choose_format("json" if as_json else fmt, output, ("table", "csv", "xlsx", "md", "json"))
    if chart is not None:
        from qualcode.reports.chart import CHART_SUFFIXES

        if chart.suffix.lower() not in CHART_SUFFIXES:
            from qualcode.errors import InvalidInput

            raise InvalidInput(
                f"cannot draw a chart as {chart.name!r}",
                "give --chart FILE.png, FILE.svg or FILE.pdf",
            )
        if not chart.absolute().parent.is_dir():
            from qualcode.errors import InvalidInput

            raise InvalidInput(
                f"cannot write {chart}: the folder does not exist", "create it or give another path"
            )
    lg = file_language(lang, fmt not in ("table", "json") or chart is not None)
    auto = include_auto or (coder or "").strip() == "auto"
    # SQLite without SQLAlchemy when possible (start-up dominates); else the full path,
    # which also reports unknown coders, attributes and codes.
    data = (
        None
        if code or state().doc_set
        else fast_frequency_table(
            state().db, by=by, coder=coder, level=level, include_auto=auto, by_coder=by_coder
        )
    )
    if data is None:
        from qualcode.reports.frequency import frequency_table

        with state().read() as session:
            data = frequency_table(
                session,
                code=code,
                by=by,
                coder=coder,
                level=level,
                include_auto=auto,
                by_coder=by_coder,
            )
    if rq:  # rows of the question's categories (each row's totals are its own sub-tree)
        from qualcode.mayring.questions import question_paths

        with state().read() as session:
            keep, data["rq"] = question_paths(session, rq)
        data["rows"] = [r for r in data["rows"] if r["code"] in keep]
    if fmt == "table" and output is None:
        from qualcode.reports.freqcore import counted

        typer.echo(counted(data) + "\n")
    if fmt == "table":
        sheets = frequency_sheets(data, lang="en", compact=True)
        sheets = sheets[:1]
    else:
        sheets = frequency_sheets(data, lang=lg, paths=(fmt == "csv"))
    from qualcode.reports.chart import default_title

    title = default_title({**data, "coder": None}, lg)
    _emit(fmt, sheets, data, output, excel=excel, title=title, what="frequency table", lang=lg)
    if fmt == "table" and output is None:
        groups = ", ".join(f"{g} {n}" for g, n in data["groups"].items())
        if groups and data["by"] == "coder":  # a coder's n: the documents the coder coded
            groups = "; coded by " + groups
        elif groups:
            groups = ": " + groups
        typer.echo(f"\n{data['documents']} documents{groups}")
    if chart is not None:
        from qualcode.reports.chart import frequency_chart
        from qualcode.reports.export import writing
        from qualcode.reports.freqcore import named_groups

        with writing(chart):
            frequency_chart(named_groups(data, lg), chart, lang=lg)
        wrote_figure(chart, "chart")


@report_app.command("cooc")
def report_cooc(
    unit: str = typer.Option(
        "passage",
        "--unit",
        help="passage: both codes touch the same paragraph; document: both occur in the document.",
    ),
    coder: str = CoderFilterOpt,
    level: int = LevelOpt,
    include_auto: bool = AutoOpt,
    fmt: str = FormatOpt,
    output: Path = OutOpt,
    excel: bool = ExcelOpt,
    rq: str = typer.Option(None, "--rq", help="Only the categories of this research question."),
    across_coders: bool = AcrossOpt,
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Code co-occurrence matrix: in how many passages (or documents) two codes occur together.

    Two codes co-occur when ONE coder gave both (anna's A and ben's B on a passage are two
    opinions, not a co-occurrence; a consensus coder counts as a coder of its own);
    --across-coders pairs the codings of any coders. The output says which.

    As a network: --format graphml (Gephi, yEd), dot (Graphviz) or png/svg (-o FILE);
    nodes sized by frequency, edges by co-occurrence.

    The diagonal holds the number of units with the code; XLSX adds a sheet of
    code pairs with counts and Jaccard index; the terminal table numbers the codes.
    Passage units are content paragraphs: headings and metadata blocks are not counted
    (`structural` in --json says how many were left out).
    """
    from qualcode.reports.cooccore import cooccurrence_sheets, fast_cooccurrence
    from qualcode.reports.export import choose_format

    fmt = choose_format(
        "json" if as_json else fmt,
        output,
        ("table", "csv", "xlsx", "md", "json", "graphml", "dot", "png", "svg", "pdf"),
    )
    lg = file_language(lang, fmt not in ("table", "json"))
    auto = include_auto or (coder or "").strip() == "auto"
    # SQLite without SQLAlchemy when possible (start-up dominates), as in `report freq`;
    # else the full path, which also reports unknown coders and units.
    data = (
        None
        if state().doc_set
        else fast_cooccurrence(
            state().db,
            unit=unit,
            coder=coder,
            level=level,
            include_auto=auto,
            across_coders=across_coders,
        )
    )
    if data is None:
        from qualcode.reports.cooccurrence import cooccurrence

        with state().read() as session:
            data = cooccurrence(
                session,
                unit=unit,
                coder=coder,
                level=level,
                include_auto=auto,
                across_coders=across_coders,
            )
    if rq:
        with state().read() as session:
            data = _by_question(rq, data, "cooc", session)
    if fmt in ("graphml", "dot", "png", "svg", "pdf"):
        _emit_network(data, fmt, output, lg)
        return
    sheets = cooccurrence_sheets(
        data, lang=lg if fmt != "table" else "en", numbered=(fmt == "table")
    )
    if fmt == "table":
        sheets = sheets[:1]
    from qualcode.reports.cooccore import cooccurrence_title

    title = cooccurrence_title(data, lg)
    _emit(fmt, sheets, data, output, excel=excel, title=title, what="co-occurrence matrix", lang=lg)


def _emit_network(data: dict, fmt: str, output: Path | None, lang: str = "de") -> None:
    """The co-occurrence network as GraphML/DOT (to the file or the terminal) or PNG/SVG."""
    from qualcode.reports import network
    from qualcode.reports.export import writing

    colors = code_colors()
    if fmt in ("png", "svg", "pdf"):
        if output is None:
            from qualcode.errors import InvalidInput

            raise InvalidInput(f"a {fmt.upper()} needs a file", f"give -o FILE.{fmt}")
        with writing(output):
            network.draw_network(data, output, colors, lang=lang)
        wrote_figure(output, "co-occurrence network")
        return
    text = (
        network.to_graphml(data, colors, lang)
        if fmt == "graphml"
        else network.to_dot(data, colors, lang)
    )
    if output is None:
        typer.echo(text.rstrip("\n"))
        return
    with writing(output):
        output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote co-occurrence network to {output}", err=True)


def code_colors() -> dict[str, str]:
    """Code path → colour (SQLite read directly when possible)."""
    from qualcode.fastread import open_project
    from qualcode.search import code_paths

    conn = open_project(state().db)
    if conn is not None:
        try:
            execute = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
            paths = code_paths(execute)
            return {paths[i]: c for i, c in execute("SELECT id, color FROM code")}
        finally:
            conn.close()
    from qualcode.docsets import session_execute

    with state().read() as session:
        execute = session_execute(session)
        paths = code_paths(execute)
        return {paths[i]: c for i, c in execute("SELECT id, color FROM code")}


@report_app.command("segments")
def report_segments(
    code: str = typer.Option(
        ..., "--code", help="Code path, e.g. 'Herausforderungen und Hindernisse/Zeitmangel'."
    ),
    children: bool = typer.Option(
        False, "--children", help="Include the segments of its sub-codes."
    ),
    coder: str = CoderFilterOpt,
    include_auto: bool = AutoOpt,
    fmt: str = typer.Option(
        None,
        "--format",
        "-f",
        help="md, csv, xlsx, docx, json or table (default: from the -o suffix, else md).",
    ),
    # str, not Path: a Path option makes Typer import pydantic (~0.2 s) to coerce it.
    output_name: str = typer.Option(
        None,
        "--output",
        "-o",
        metavar="<path>",
        help="Write to this file (.md .csv .xlsx .docx .json).",
    ),
    excel: bool = ExcelOpt,
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Coded segments of a code with document, attributes and text — the quotations of a report."""
    output = Path(output_name) if output_name is not None else None
    from qualcode.reports.export import choose_format
    from qualcode.reports.segcore import fast_coded_segments

    fmt = choose_format(
        "json" if as_json else fmt,
        output,
        ("md", "csv", "xlsx", "docx", "json", "table"),
        default="md",
    )
    auto = include_auto or (coder or "").strip() == "auto"
    # SQLite without SQLAlchemy when possible, as in `report freq`; else the full path,
    # which also reports unknown codes and coders.
    data = (
        None
        if state().doc_set
        else fast_coded_segments(
            state().db, code, children=children, coder=coder, include_auto=auto
        )
    )
    if data is None:
        from qualcode.reports.segments import coded_segments

        with state().read() as session:
            data = coded_segments(session, code, children=children, coder=coder, include_auto=auto)
    if fmt == "json":  # the vocabulary's shape (`qualcode schema report segments`)
        from qualcode.reports.segcore import segments_report

        emit_segments_json(segments_report(data), len(data["segments"]), output)
        return
    emit_segments(data, fmt, output, excel, lang)


def emit_segments_json(payload: dict, n: int, output: Path | None) -> None:
    """The JSON of ``report segments`` or ``retrieve`` (``n`` segments) to stdout or a file."""
    from qualcode.reports.export import write_json, writing

    text = write_json(payload)
    if output is None:
        typer.echo(text)
        return
    with writing(output):
        output.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"wrote {n} segments to {output}", err=True)


def emit_segments(
    data: dict, fmt: str, output: Path | None, excel: bool = False, lang: str | None = None
) -> None:
    """Segments (of ``report segments`` or ``retrieve``) as md, table, docx, csv, xlsx or json
    (``lang``: of the files; default the project's report language)."""
    from qualcode.reports.export import to_text

    if fmt not in ("table", "json") and lang not in ("de", "en"):
        lang = report_language(lang)
    from qualcode.reports.segcore import segments_markdown, segments_sheets, write_segments_docx

    if fmt == "docx":
        if not output:
            from qualcode.errors import InvalidInput

            raise InvalidInput("DOCX needs a file", "give -o FILE.docx")
        from qualcode.reports.export import writing

        with writing(output):
            write_segments_docx(data, output, lang or "de")
        typer.echo(f"wrote {len(data['segments'])} segments to {output}", err=True)
        return
    if fmt == "md":
        text = segments_markdown(data, lang or "de")
        if output:
            from qualcode.reports.export import writing

            with writing(output):
                output.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {len(data['segments'])} segments to {output}", err=True)
        else:
            typer.echo(text.rstrip("\n"))
        return
    if fmt == "table" and not output:
        from qualcode.cli.app import shorten
        from qualcode.reports.export import TEXT, Sheet
        from qualcode.reports.segcore import pairing_note

        with_code = "query" in data  # retrieval: segments of several codes
        with_memo = any(s["memo"] for s in data["segments"])
        rows = [
            [s["document"], s["start"], s["end"]]
            + ([s["code"]] if with_code else [])
            + [s["coder"], shorten(s["text"], 70)]
            + ([shorten(" ".join(s["memo"].split()), 40)] if with_memo else [])
            for s in data["segments"]
        ]
        headers = [
            "document", "start", "end", *(["code"] if with_code else []), "coder", "text",
            *(["memo"] if with_memo else []),
        ]  # fmt: skip
        kinds = [
            TEXT, "int", "int", *([TEXT] if with_code else []), TEXT, TEXT,
            *([TEXT] if with_memo else []),
        ]  # fmt: skip
        typer.echo(to_text(Sheet("segments", headers, rows, kinds)))
        if with_code:
            typer.echo(
                f"\n{len(data['segments'])} segments in {data['documents']} documents"
                + pairing_note(data, "en")
            )
        return
    _emit(
        fmt,
        segments_sheets(data, lang or "de"),
        data,
        output,
        excel=excel,
        title=data["code"],
        what=f"{len(data['segments'])} segments",
        lang=lang,
    )


def _check_chart(chart: Path | None) -> None:
    if chart is None:
        return
    from qualcode.errors import InvalidInput
    from qualcode.reports.chart import CHART_SUFFIXES

    if chart.suffix.lower() not in CHART_SUFFIXES:
        raise InvalidInput(
            f"cannot draw a chart as {chart.name!r}", "give --chart FILE.png, FILE.svg or FILE.pdf"
        )
    if not chart.absolute().parent.is_dir():
        raise InvalidInput(
            f"cannot write {chart}: the folder does not exist", "create it or give another path"
        )


@report_app.command("crosstab")
def report_crosstab(
    by: list[str] = typer.Option(
        ..., "--by", help="A document attribute; give two (or more): --by Format --by Region."
    ),
    coder: str = CoderFilterOpt,
    level: int = LevelOpt,
    include_auto: bool = AutoOpt,
    fmt: str = FormatOpt,
    output: Path = OutOpt,
    excel: bool = ExcelOpt,
    rq: str = typer.Option(None, "--rq", help="Only the categories of this research question."),
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Codes × combinations of attribute values (e.g. Format × Region): documents with the
    code (its sub-codes included), row % (of the code's documents) and column % (of the
    combination's documents)."""
    from qualcode.reports.crosstab import crosstab, crosstab_sheets, crosstab_title
    from qualcode.reports.export import choose_format

    fmt = choose_format("json" if as_json else fmt, output, ("table", "csv", "xlsx", "md", "json"))
    lg = file_language(lang, fmt not in ("table", "json"))
    with state().read() as session:
        data = crosstab(
            session,
            list(by),
            coder=coder,
            level=level,
            include_auto=include_auto or (coder or "").strip() == "auto",
        )
        if rq:
            data = _by_question(rq, data, "crosstab", session)
    if fmt == "table" and output is None:
        typer.echo(
            "documents with the code per combination, row % (of the code's documents), "
            "column % (of the combination's documents)\n"
        )
    sheets = crosstab_sheets(data, lang=lg, paths=(fmt == "csv"), compact=(fmt == "table"))
    if fmt == "table":
        sheets = sheets[:1]
    title = crosstab_title(data, lg)
    _emit(fmt, sheets, data, output, excel=excel, title=title, what="crosstab", lang=lg)


def _by_question(rq: str, data: dict, kind: str, session) -> dict:
    from qualcode.mayring.filters import question_filter

    return question_filter(session, rq, data, kind)


@report_app.command("matrix")
def report_matrix(
    presence: bool = typer.Option(
        False, "--presence", help="0/1 (code occurs in the document) instead of counts of codings."
    ),
    by: str = typer.Option(
        None, "--by", help="Rows are the values of this attribute (e.g. Format), not documents."
    ),
    sets: bool = typer.Option(False, "--sets", help="Rows are the document sets."),
    chart: Path = typer.Option(
        None, "--chart", help="Also draw the heat map to FILE.png or FILE.svg."
    ),
    code: str = typer.Option(
        None, "--code", help="Only this code and its sub-codes (e.g. one main category)."
    ),
    coder: str = CoderFilterOpt,
    level: int = LevelOpt,
    include_auto: bool = AutoOpt,
    fmt: str = FormatOpt,
    output: Path = OutOpt,
    excel: bool = ExcelOpt,
    rq: str = typer.Option(None, "--rq", help="Only the categories of this research question."),
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Code Matrix Browser: documents (or attribute values, or sets) × codes, as counts of
    coded segments (or presence) with a heat map (--chart; XLSX cells are shaded).

    Ready for SPSS/R/Excel: one row per document, its attributes, one column per code, a total row.
    With --by ATTR or --sets one row per group of documents (--presence: documents with the code).
    """
    from qualcode.reports.export import choose_format
    from qualcode.reports.matrix import matrix_chart, matrix_report, matrix_sheets, matrix_title

    fmt = choose_format("json" if as_json else fmt, output, ("table", "csv", "xlsx", "md", "json"))
    _check_chart(chart)
    lg = file_language(lang, fmt not in ("table", "json") or chart is not None)
    with state().read() as session:
        data, documents = matrix_report(
            session,
            presence=presence,
            coder=coder,
            level=level,
            include_auto=include_auto or (coder or "").strip() == "auto",
            by=by,
            sets=sets,
            code=code,
        )
        if rq:
            data = _by_question(rq, data, "matrix", session)
    if chart is not None:
        from qualcode.reports.export import writing

        with writing(chart):
            matrix_chart(data, chart, lang=lg)
        wrote_figure(chart, "heat map")
    if fmt == "table":
        from qualcode.reports.export import INT, TEXT, Sheet, to_text

        n = len(data["code_paths"])
        grouped = data["rows_are"] != "documents"
        rows = [
            [r["group"] if grouped else r["document"]]
            + ([r["documents"]] if grouped else [])
            + [*r["values"], r["total"]]
            for r in data["rows"]
        ]
        rows.append(  # each document once (sets may overlap)
            ["total"]
            + ([documents] if grouped else [])
            + [*data["column_totals"], sum(data["column_totals"])]
        )
        head = [data["rows_are"] if grouped else "document"] + (["docs"] if grouped else [])
        sheet = Sheet(
            "Matrix",
            [*head, *[str(i + 1) for i in range(n)], "total"],
            rows,
            [TEXT] + [INT] * (len(head) - 1 + n + 1),
        )
        legend = "\n".join(f"{i + 1:>3}  {p}" for i, p in enumerate(data["code_paths"]))
        typer.echo(to_text(sheet) + "\n\n" + legend)
        return
    _emit(
        fmt,
        matrix_sheets(data, documents=documents, paths=True, lang=lg),
        data,
        output,
        excel=excel,
        title=matrix_title(data, lg),
        what="code matrix",
        lang=lg,
    )


def _fmt_num(x):
    return "—" if x is None else x


def _agreement_text(d: dict, show: int) -> str:
    from qualcode.agreement import coded_units, codes_of
    from qualcode.reports.export import FLOAT, INT, PCT, TEXT, Sheet, to_text

    coders = d["coders"]
    two = len(coders) == 2
    from qualcode.reports.units import unit_statement

    head = (
        f"Intercoder agreement of {', '.join(coders)} on {unit_statement(d)}"
        + f"\ndocuments: {', '.join(d['document_names'])}\n{d['rule']}."
    )
    if d["excluded_documents"]:
        head += f"\nLeft out (not coded by all): {', '.join(x['document'] + ' (' + ', '.join(x['coders']) + ')' for x in d['excluded_documents'])}"
    headers = [
        "code",
        *[f"{c}" for c in coders],
        "all",
        "agreement",
        "kappa" if two else "",
        "alpha",
    ]
    kinds = [TEXT] + [INT] * (len(coders) + 1) + [PCT, FLOAT, FLOAT]
    rows = []
    for c in d["rows"]:
        rows.append(
            [
                c["code"],
                *[coded_units(c, n) for n in coders],
                c["coded_by_all"],
                c["percent_agreement"],
                _fmt_num(c["kappa"]) if two else "",
                _fmt_num(c["alpha"]),
            ]
        )
    o = d["overall"]
    rows.append(
        [
            "OVERALL (set of codes per unit)",
            *[""] * (len(coders) + 1),
            o["percent_agreement"],
            _fmt_num(o["kappa"]) if two else "",
            _fmt_num(o["alpha"]),
        ]
    )
    if not two:
        headers = headers[: len(coders) + 3] + ["alpha"]
        kinds = kinds[: len(coders) + 3] + [FLOAT]
        rows = [r[: len(coders) + 3] + [r[-1]] for r in rows]
    body = to_text(Sheet("agreement", headers, rows, kinds))
    notes = sorted({n for c in [*d["rows"], o] for n in c["notes"]})
    extra = ""
    if not two:
        extra = "\npairwise Cohen's kappa (overall): " + ", ".join(
            f"{p['coders'][0]}–{p['coders'][1]} {'—' if p['kappa'] is None else format(p['kappa'], '.3f')}"
            for p in o["pairwise_kappa"]
        )
    if notes:
        extra += (
            "\n"
            + "\n".join(f"note: {n}" for n in notes)
            + "\n(— marks an undefined coefficient; null in --json)"
        )
    lines = [
        head,
        "",
        body + extra,
        "",
        f"{d['disagreement_count']} disagreements" + (":" if d["disagreements"] else ""),
    ]
    from qualcode.cli.app import shorten

    none = "—" if d["unit"] == "document" else "(no code)"
    for x in d["disagreements"][:show]:
        lines.append(f"  {x['document']} {x['start']}-{x['end']}  {shorten(x['text'], 90)}")
        for name in coders:
            codes = codes_of(x, name)
            lines.append(f"      {name}: {'; '.join(codes) if codes else none}")
    if d["disagreement_count"] > show:
        lines.append(f"  … {d['disagreement_count'] - show} more (--show N, or --json for all)")
    return "\n".join(lines)


@app.command("agreement")
def agreement_cmd(
    coders: str = typer.Option(
        None, "--coders", help="Comma-separated coder names, e.g. anna,ben (two or more)."
    ),
    sample: str = typer.Option(
        None, "--sample", help="Compare on exactly this check sample (`qualcode check-sample`)."
    ),
    unit: str = typer.Option("passage", "--unit", help="passage (= paragraph) or sentence."),
    overlap: float = typer.Option(
        0.5,
        "--overlap",
        min=0.0,
        max=1.0,
        help="Share of a passage a coder's codings of a code must cover to count (0 = any overlap).",
    ),
    code: str = typer.Option(None, "--code", help="Only this code and its sub-codes."),
    level: int = typer.Option(
        None,
        "--level",
        min=1,
        help="Compare on categories of this depth (sub-codes count as their ancestor).",
    ),
    show: int = typer.Option(
        20, "--show", min=0, help="How many disagreements to print (JSON and files list all)."
    ),
    fmt: str = typer.Option(
        None,
        "--format",
        "-f",
        help="table, json, md, csv or xlsx (default: from the -o suffix, else table).",
    ),
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to this file (.xlsx: figures and disagreements sheets; .csv: the figures).",
    ),
    include_structural: bool = typer.Option(
        False,
        "--include-structural",
        help="Also count headings, metadata blocks and passages marked not relevant as units.",
    ),
    engine_min_score: float = typer.Option(
        None,
        "--engine-min-score",
        min=0.0,
        max=1.0,
        help="With the coder `engine`: it codes a unit with its first suggestion from this score [default: 0.5; 0 = always].",
    ),
    excel: bool = ExcelOpt,
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Intercoder agreement: percent agreement, Cohen's kappa (2 coders), Krippendorff's alpha (nominal).

    Units are the paragraph passages of the documents that ALL listed coders
    have coded (each has at least one coding there); other documents are left
    out and named. Headings, metadata blocks and passages a compared coder marked
    not relevant are not units (their numbers are given; --include-structural
    counts them). A coder codes a passage with X when that coder's codings of
    X (their union) cover at least --overlap of its characters. Per code the
    figures are binary (X or not, on every unit); overall each coder's set of
    codes on a passage is one nominal value ("no code" included). Lists the
    disagreements (passage, who coded what) for the consensus discussion.
    Kappa or alpha that is undefined (no variation) is shown as — / null.
    With --sample NAME the units are exactly the re-coded passages of that check
    sample, and the blind re-coding is compared with the reference coder's codings.

    The coder name `engine` is the suggestions engine (`--coders anna,engine`): its
    out-of-sample first suggestion on each unit, from a model trained on the other
    documents only, coded from --engine-min-score.
    """
    from qualcode.agreement import agreement, agreement_sheets
    from qualcode.reports.export import choose_format

    fmt = choose_format("json" if as_json else fmt, output, ("table", "json", "md", "csv", "xlsx"))
    if (coders is None) == (sample is None):
        from qualcode.errors import InvalidInput

        raise InvalidInput("give --coders A,B or --sample NAME", "see `qualcode agreement --help`")
    if sample is not None and (code or unit != "passage" or include_structural):
        from qualcode.errors import InvalidInput

        raise InvalidInput(
            "--sample compares on the sample's own passages and categories",
            "leave out --code, --unit and --include-structural (draw a sample with --rq or --unit instead)",
        )
    with state().read() as session:
        if sample is not None:  # a check sample: its re-coding against the reference coding
            from qualcode.mayring.consensus import sample_agreement

            data = sample_agreement(session, sample, overlap=overlap, level=level)
        else:
            data = agreement(
                session,
                [c for c in coders.split(",")],
                unit=unit,
                overlap=overlap,
                code=code,
                level=level,
                include_structural=include_structural,
                engine_min_score=engine_min_score,
            )
    if fmt == "table":
        text = _agreement_text(data, show)
        if output:
            from qualcode.reports.export import writing

            with writing(output):
                output.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote agreement to {output}", err=True)
        else:
            typer.echo(text)
        return
    lg = file_language(lang, fmt not in ("table", "json"))
    title = (
        "Intercoder-Übereinstimmung: " if lg == "de" else "Intercoder agreement: "
    ) + ", ".join(data["coders"])
    _emit(
        fmt,
        agreement_sheets(data, lg),
        data,
        output,
        excel=excel,
        title=title,
        what="agreement",
        lang=lg,
    )
