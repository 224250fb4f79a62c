"""`qualcode report crosstab|words|full`: analysis reports beside the basic ones."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.app import SetOpt, state
from qualcode.cli.reports import (
    AutoOpt,
    CoderFilterOpt,
    ExcelOpt,
    FormatOpt,
    OutOpt,
    _check_chart,
    _emit,
    report_app,
)


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
        None, "--chart", help="Also draw bar charts of the lemmas to FILE.png or FILE.svg."
    ),
    cloud: Path = typer.Option(
        None, "--cloud", help="Also draw a word cloud of the (first) category to FILE.png."
    ),
    doc_set: str = SetOpt,
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
    if cloud is not None and cloud.suffix.lower() != ".png":
        from qualcode.errors import InvalidInput

        raise InvalidInput(f"cannot draw a word cloud as {cloud.name!r}", "give --cloud FILE.png")
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

    if chart is not None:
        with writing(chart):
            words_chart(data, chart)
        typer.echo(f"wrote chart to {chart}", err=True)
    if cloud is not None:
        with writing(cloud):
            word_cloud(data, cloud)
        typer.echo(f"wrote word cloud to {cloud}", err=True)
    if fmt == "table" and output is None:
        from qualcode.reports.export import FLOAT, INT, TEXT, Sheet, to_text

        blocks = []
        for c in data["categories"]:
            rows = [
                [r["lemma"], r["count"], r["per_1000"], r["rest_per_1000"], r["ll"]]
                for r in c["rows"]
            ]
            head = f"{c['code']} — {c['lemmas']} lemmas in {c['segments']} segments"
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
        words_sheets(data, lang="de"),
        data,
        output,
        excel=excel,
        title="Wortfrequenzen je Kategorie",
        what="word frequencies",
    )
