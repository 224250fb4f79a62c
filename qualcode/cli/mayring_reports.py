"""`qualcode report agenda|summaries|disagreements` (Mayring's documents for the report)."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.app import state
from qualcode.cli.reports import LangOpt, report_app, report_language

_Out = typer.Option(
    None, "--output", "-o", help="Write to this file (.docx .xlsx .md .html .json)."
)
_Json = typer.Option(False, "--json", help="Same as --format json.")
_SUFFIX = {
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".md": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}


def _format(fmt: str | None, output: Path | None, as_json: bool) -> str:
    from qualcode.errors import InvalidInput

    allowed = ("docx", "xlsx", "md", "html", "json")
    if as_json:
        return "json"
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in allowed:
            raise InvalidInput(f"unknown format {fmt!r}", f"use one of {', '.join(allowed)}")
    elif output is not None:
        fmt = _SUFFIX.get(output.suffix.lower())
        if fmt is None:
            raise InvalidInput(
                f"cannot tell the format from {output.name!r}",
                "give --format (docx, xlsx, md, html, json) or a file ending in .docx .xlsx .md .html .json",
            )
    else:
        fmt = "md"
    if fmt in ("docx", "xlsx") and output is None:
        raise InvalidInput(f"{fmt.upper()} needs a file", f"give -o FILE.{fmt}")
    return fmt


def _write(
    fmt: str, title: str, data, sections, sheets, output: Path | None, what: str, lang: str = "de"
) -> None:
    from qualcode.reports import docwriters
    from qualcode.reports.export import write_json, write_xlsx, writing

    with writing(output):
        if fmt == "docx":
            docwriters.write_docx(title, sections, output, lang=lang)  # type: ignore[arg-type]
            text = None
        elif fmt == "xlsx":
            write_xlsx(sheets, output)  # type: ignore[arg-type]
            text = None
        else:
            text = {
                "json": lambda: write_json(data) + "\n",
                "md": lambda: docwriters.to_markdown(title, sections),
                "html": lambda: docwriters.to_html(title, sections, lang),
            }[fmt]()
            if output is not None:
                output.write_text(text, encoding="utf-8")
                text = None
    if text is not None:
        typer.echo(text.rstrip("\n"))
    else:
        typer.echo(f"wrote {what} to {output}", err=True)


@report_app.command("agenda")
def report_agenda(
    rq: str = typer.Option(None, "--rq", help="Only this research question."),
    fmt: str = typer.Option(
        None, "--format", "-f", help="docx, xlsx, md, html or json [default: from -o, else md]."
    ),
    output: Path = _Out,
    lang: str = LangOpt,
    as_json: bool = _Json,
) -> None:
    """The coding agenda (Kodierleitfaden): category, definition, anchor example, coding rule, counts.

    One row per category, grouped by research question (technique, selection criterion,
    abstraction level, units above each table) and level (main categories bold,
    sub-categories numbered 1.1, 1.2 …). The anchor example is the coded segment chosen
    with `qualcode codes anchor PATH --coding ID` (with where it is), else the stored text.
    """
    from qualcode.reports.agenda import agenda, agenda_sections, agenda_sheets, agenda_title

    fmt = _format(fmt, output, as_json)
    lg = report_language(lang)
    with state().read() as session:
        data = agenda(session, rq)
    _write(
        fmt,
        agenda_title(rq, lg),
        data,
        agenda_sections(data, lg),
        agenda_sheets(data, lg),
        output,
        "coding agenda",
        lg,
    )


@report_app.command("summaries")
def report_summaries(
    rq: str = typer.Option(None, "--rq", help="Only the categories of this research question."),
    code: str = typer.Option(None, "--code", help="Only this category and its sub-categories."),
    fmt: str = typer.Option(
        None, "--format", "-f", help="xlsx, docx, md, html or json [default: from -o, else md]."
    ),
    output: Path = _Out,
    lang: str = LangOpt,
    as_json: bool = _Json,
) -> None:
    """Case summaries as a grid: documents as rows (with attributes), categories as columns.

    XLSX holds the grid itself; DOCX, HTML and Markdown give one table per category
    (documents, attributes, summary), which fits a page.
    """
    from qualcode.mayring.summaries import summary_grid
    from qualcode.reports.summaries import grid_sections, grid_sheets, grid_title

    fmt = _format(fmt, output, as_json)
    lg = report_language(lang)
    with state().read() as session:
        data = summary_grid(session, rq=rq, code=code)
    _write(
        fmt,
        grid_title(lg),
        data,
        grid_sections(data, lg),
        grid_sheets(data, lg),
        output,
        "summaries",
        lg,
    )


@report_app.command("disagreements")
def report_disagreements(
    sample: str = typer.Option(None, "--sample", help="A check sample (`qualcode check-sample`)."),
    coders: str = typer.Option(
        None, "--coders", help="Or two coders, e.g. anna,ben (as `agreement`)."
    ),
    overlap: float = typer.Option(
        0.5, "--overlap", min=0.0, max=1.0, help="Share of a passage a coding must cover."
    ),
    include_structural: bool = typer.Option(
        False,
        "--include-structural",
        help="With --coders: also count headings, metadata and passages marked not relevant.",
    ),
    engine_min_score: float = typer.Option(
        None,
        "--engine-min-score",
        min=0.0,
        max=1.0,
        help="With --coders A,engine: the engine codes a unit from this score [default: 0.5].",
    ),
    fmt: str = typer.Option(
        None, "--format", "-f", help="xlsx, docx, md, html or json [default: from -o, else md]."
    ),
    output: Path = _Out,
    lang: str = LangOpt,
    as_json: bool = _Json,
) -> None:
    """Each disagreeing passage with both codings side by side, for the consensus discussion.

    With --sample, the blind re-coding of a check sample against the reference coding
    (and how each disagreement was resolved in the workbench, F8); with --coders, two
    coders' codings as `qualcode agreement` compares them (`--coders anna,engine`: a coder
    beside the engine's out-of-sample first suggestions).
    """
    from qualcode.errors import InvalidInput
    from qualcode.reports.disagreements import (
        disagreement_sections,
        disagreement_sheets,
        disagreements_title,
    )

    fmt = _format(fmt, output, as_json)
    if (sample is None) == (coders is None):
        raise InvalidInput(
            "give --sample NAME or --coders A,B", "see `qualcode report disagreements --help`"
        )
    if sample is not None and include_structural:
        raise InvalidInput(
            "a check sample never holds headings, metadata or passages marked not relevant",
            "leave out --include-structural, or compare --coders A,B",
        )
    with state().read() as session:
        if sample is not None:
            from qualcode.mayring.consensus import sample_agreement

            data = sample_agreement(session, sample, overlap=overlap)
        else:
            from qualcode.agreement import agreement

            names = [c for c in coders.split(",") if c.strip()]  # type: ignore[union-attr]
            if len(names) != 2:
                raise InvalidInput("the side-by-side view compares two coders", "give --coders A,B")
            data = agreement(
                session,
                names,
                overlap=overlap,
                include_structural=include_structural,
                engine_min_score=engine_min_score,
            )
    lg = report_language(lang)
    _write(
        fmt,
        disagreements_title(lg),
        data,
        disagreement_sections(data, lg),
        disagreement_sheets(data, lg),
        output,
        "disagreements",
        lg,
    )
