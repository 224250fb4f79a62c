"""`qualcode report freq|cooc|segments|matrix` and `qualcode agreement`."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.app import app, state

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
LevelOpt = typer.Option(
    None,
    "--level",
    min=1,
    help="Show codes down to this depth; deeper codes are counted under their ancestor.",
)


def _emit(
    fmt: str,
    sheets,
    data,
    output: Path | None,
    *,
    excel: bool = False,
    title: str | None = None,
    what: str = "report",
) -> None:
    from qualcode.reports.export import write_output

    text = write_output(fmt, sheets, data, output, excel=excel, title=title)
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
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Category frequencies: codings, documents coded and share of documents per code.

    One row per code in code-tree order; parents show their own and their total
    (rolled-up, documents counted once) figures. With --by, the same per
    attribute value (documents without it: "(none)") plus column percentages.
    Codings of the automatic coder 'auto' are left out unless --include-auto or
    --coder auto.
    """
    from qualcode.reports.export import choose_format
    from qualcode.reports.frequency import frequency_sheets, frequency_table

    fmt = choose_format("json" if as_json else fmt, output, ("table", "csv", "xlsx", "md", "json"))
    if chart is not None:
        from qualcode.reports.chart import CHART_SUFFIXES

        if chart.suffix.lower() not in CHART_SUFFIXES:
            from qualcode.errors import InvalidInput

            raise InvalidInput(
                f"cannot draw a chart as {chart.name!r}", "give --chart FILE.png or FILE.svg"
            )
    with state().read() as session:
        data = frequency_table(
            session,
            by=by,
            coder=coder,
            level=level,
            include_auto=include_auto or (coder or "").strip() == "auto",
        )
    if fmt == "table":
        sheets = frequency_sheets(data, lang="en", compact=True)
        sheets = sheets[:1]
    else:
        sheets = frequency_sheets(data, lang="de", paths=(fmt == "csv"))
    title = "Kategorienhäufigkeiten" + (f" nach {data['by']}" if data["by"] else "")
    _emit(fmt, sheets, data, output, excel=excel, title=title, what="frequency table")
    if fmt == "table" and output is None:
        typer.echo(
            f"\n{data['documents']} documents"
            + (
                ""
                if not data["groups"]
                else ": " + ", ".join(f"{g} {n}" for g, n in data["groups"].items())
            )
        )
    if chart is not None:
        from qualcode.reports.chart import frequency_chart

        frequency_chart(data, chart)
        typer.echo(f"wrote chart to {chart}", err=True)
