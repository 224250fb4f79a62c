"""`qualcode report crosstab|words|full`: analysis reports beside the basic ones."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import SetOpt, state
from qualcode.cli.reports import (
    AutoOpt,
    CoderFilterOpt,
    ExcelOpt,
    FormatOpt,
    LangOpt,
    OutOpt,
    _check_chart,
    _emit,
    code_colors,
    file_language,
    report_app,
    report_language,
    wrote_figure,
)

if TYPE_CHECKING:
    from qualcode.schemas.reports import FullReport


@report_app.command("words")
def report_words(
    code: str = typer.Option(
        None,
        "--code",
        help="Only this category (its sub-codes included); default: main categories.",
    ),
    level: int = typer.Option(
        1, "--level", min=1, help="Without --code: the categories of this depth (1 = main ones)."
    ),
    top: int = typer.Option(50, "--top", min=1, help="Lemmas per category."),
    sort: str = typer.Option("count", "--sort", help="count (frequency) or ll (log-likelihood)."),
    stop: str = typer.Option(
        None, "--stop", help="More stop words (comma-separated), besides the German defaults."
    ),
    coder: str = CoderFilterOpt,
    include_auto: bool = AutoOpt,
    fmt: str = FormatOpt,
    output: Path = OutOpt,
    excel: bool = ExcelOpt,
    chart: Path = typer.Option(
        None,
        "--chart",
        help="Also draw bar charts of the words to FILE.png (with .svg and .pdf beside it).",
    ),
    cloud: Path = typer.Option(
        None,
        "--cloud",
        help="Also draw a word cloud of the (first) category to FILE.png (.svg, .pdf beside).",
    ),
    doc_set: str = SetOpt,
    lang: str = LangOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Lemma frequencies per category with the over-representation against the rest of
    the corpus (signed log-likelihood G²: ≥ 3.84 means p < 0.05).

    Stop words: spaCy's German list, the project setting words.stopwords
    (`qualcode config set words.stopwords "Frau Herr TOP"`) and --stop.
    """
    from qualcode.reports.export import choose_format
    from qualcode.reports.words import parse_stopwords, word_cloud, word_frequencies, words_chart

    fmt = choose_format("json" if as_json else fmt, output, ("table", "csv", "xlsx", "md", "json"))
    _check_chart(chart)
    _check_chart(cloud)
    lg = file_language(lang, fmt not in ("table", "json") or chart is not None or cloud is not None)
    with state().read() as session:
        from qualcode import nlp
        from qualcode.database import get_setting

        stopwords = parse_stopwords(get_setting(session, "words.stopwords")) | parse_stopwords(stop)
        data = word_frequencies(
            session,
            nlp.load(get_setting(session, "nlp.model")),
            code=code,
            level=level,
            top=top,
            sort=sort,
            stopwords=stopwords,
            coder=coder,
            include_auto=include_auto or (coder or "").strip() == "auto",
        )
    from qualcode.reports.export import writing

    colors = code_colors() if (chart is not None or cloud is not None) else {}
    if chart is not None:
        with writing(chart):
            words_chart(data, chart, lang=lg, colors=colors)
        wrote_figure(chart, "chart")
    if cloud is not None:
        with writing(cloud):
            word_cloud(data, cloud, lang=lg, colors=colors)
        wrote_figure(cloud, "word cloud")
    if fmt == "table" and output is None:
        from qualcode.reports.export import FLOAT, INT, TEXT, Sheet, to_text

        blocks = []
        for c in data["categories"]:
            rows = [
                [r["lemma"], r["count"], r["per_1000"], r["rest_per_1000"], r["ll"]]
                for r in c["rows"]
            ]
            head = f"{c['code']} — {c['lemma_count']} lemmas in {c['segments']} segments"
            sheet = Sheet(
                "words",
                ["lemma", "count", "per 1000", "rest per 1000", "LL"],
                rows,
                [TEXT, INT, FLOAT, FLOAT, FLOAT],
            )
            blocks.append(head + "\n" + to_text(sheet))
        typer.echo("\n\n".join(blocks))
        typer.echo(
            f"\nrest of the corpus: {data['documents']} documents, {data['corpus_lemmas']} lemmas;"
            " LL > 0: over-represented in the category (≥ 3.84: p < 0.05)"
        )
        return
    from qualcode.reports.words import words_sheets

    _emit(
        fmt,
        words_sheets(data, lang=lg),
        data,
        output,
        excel=excel,
        title="Wortfrequenzen je Kategorie" if lg == "de" else "Word frequencies per category",
        what="word frequencies",
        lang=lg,
    )


@report_app.command("full")
def report_full(
    fmt: str = typer.Option(
        None, "--format", "-f", help="html or docx (default: from the -o suffix, else html)."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="The report file (.html or .docx)."),
    by: list[str] = typer.Option(
        [],
        "--by",
        help="Group the frequencies by these attributes (default: Format and the other grouping attributes, at most 2).",
    ),
    title: str = typer.Option(
        None, "--title", help="Title of the report (default: the project's name)."
    ),
    max_segments: int = typer.Option(
        None, "--max-segments", min=0, help="At most this many coded segments per category."
    ),
    coder: str = CoderFilterOpt,
    include_auto: bool = AutoOpt,
    doc_set: str = SetOpt,
    rq: str = typer.Option(
        None, "--rq", help="Only this research question: its description, categories and summaries."
    ),
    lang: str = LangOpt,
    agreement: str = typer.Option(
        None,
        "--agreement",
        help="Add the intercoder agreement of these coders, e.g. anna,ben or anna,engine (the suggestions engine).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """The whole analysis in one document for the funders: title page, method (coding
    agenda: definitions, anchor examples, coding rules), research questions, frequencies
    by group (tables and charts), per category its definition, memos, frequencies and
    coded segments with source and attributes, case summaries, and the memos.
    With --agreement A,B also the intercoder agreement of A and B (as `qualcode
    agreement`; B may be `engine`, the suggestions engine as a coder).
    """
    from qualcode.cli.app import output as emit
    from qualcode.reports.export import choose_format, writing
    from qualcode.reports.full import Context, build, default_by
    from qualcode.reports.render import to_html, write_docx

    fmt = choose_format(fmt, output, ("html", "docx"), default="html")
    lg = report_language(lang)
    st = state()
    with st.read() as session:
        if title is None:
            from qualcode.config import database_url, sqlite_path

            path = sqlite_path(database_url(st.db))
            if lg == "de":
                title = f"Auswertung {path.stem if path else 'des Projekts'}"
            else:
                title = f"Analysis of {path.stem if path else 'the project'}"
        ctx = Context(
            session,
            title=title,
            by=list(by) or default_by(session),
            coder=coder,
            include_auto=include_auto or (coder or "").strip() == "auto",
            max_segments=max_segments,
            set_name=session.info.get("doc_scope_name"),
            lang=lg,
            agreement=[c for c in agreement.split(",") if c.strip()] if agreement else None,
        )
        if rq:
            from qualcode.mayring.questions import resolve_question

            ctx.rq, ctx.rq_id = rq, resolve_question(session, rq).id
        blocks = build(ctx)
        segments = ctx.segment_total()
    with writing(output):
        if fmt == "html":
            output.write_text(to_html(blocks, title, lg), encoding="utf-8")
        else:
            write_docx(blocks, output, lg)
    info: FullReport = {
        "file": str(output.absolute()),
        "format": fmt,
        "sections": sum(1 for b in blocks if b[0] == "h1"),
        "charts": sum(1 for b in blocks if b[0] == "image"),
        # the sum of the categories' "Kodierte Segmente (N)", as on the title page
        "segments": segments,
    }
    emit(
        info,
        as_json,
        lambda d: (
            f"wrote the report to {output}: {d['sections']} sections, {d['charts']} charts, {d['segments']} coded segments"
        ),
    )
