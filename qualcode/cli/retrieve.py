"""`qualcode retrieve "A AND B"`: coded segments by a boolean query over codes."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.cli.app import SetOpt, app, state
from qualcode.cli.reports import AcrossOpt, AutoOpt, CoderFilterOpt, ExcelOpt, emit_segments


@app.command("retrieve")
def retrieve_cmd(
    query: str = typer.Argument(
        ...,
        help='Codes with AND, OR, NOT, NEAR/n and parentheses, e.g. "Zeitmangel AND Personalmangel".',
    ),
    unit: str = typer.Option(
        "overlap",
        "--unit",
        help="When two segments meet for AND/NOT: overlap (share text) or passage (same content paragraph; headings are none).",
    ),
    coder: str = CoderFilterOpt,
    include_auto: bool = AutoOpt,
    across_coders: bool = AcrossOpt,
    fmt: str = typer.Option(
        None,
        "--format",
        "-f",
        help="table, md, csv, xlsx, docx or json (default: from the -o suffix, else table).",
    ),
    output_name: str = typer.Option(
        None,
        "--output",
        "-o",
        metavar="<path>",
        help="Write to this file (.md .csv .xlsx .docx .json).",
    ),
    excel: bool = ExcelOpt,
    doc_set: str = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Coded segments by a boolean query: A AND B (segments of both that overlap), A NOT B,
    A OR B, A NEAR/2 B (within 2 paragraphs).

    A code stands for its segments and those of its sub-codes; give its path, its name
    or any end of its path (quote names that contain AND, OR, NOT or parentheses).
    Segments meet (AND, NOT, NEAR) only when one coder coded both; --across-coders lets
    segments of different coders meet. The output says which.
    """
    from qualcode.reports.export import choose_format
    from qualcode.retrieve import retrieve

    output = Path(output_name) if output_name is not None else None
    fmt = choose_format(
        "json" if as_json else fmt,
        output,
        ("table", "md", "csv", "xlsx", "docx", "json"),
        default="table",
    )
    auto = include_auto or (coder or "").strip() == "auto"
    data = None
    from qualcode.fastread import open_project

    conn = open_project(state().db)  # SQLite without SQLAlchemy (start-up dominates)
    if conn is not None:
        try:
            execute = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
            ids = None
            if state().doc_set:
                from qualcode.docsets import set_ids

                ids = set_ids(execute, state().doc_set)
            data = retrieve(
                execute,
                query,
                unit=unit,
                coder=coder,
                include_auto=auto,
                doc_ids=ids,
                across_coders=across_coders,
            )
        finally:
            conn.close()
    else:
        from qualcode.docsets import scope_ids, session_execute

        with state().read() as session:
            data = retrieve(
                session_execute(session),
                query,
                unit=unit,
                coder=coder,
                include_auto=auto,
                doc_ids=scope_ids(session),
                across_coders=across_coders,
            )
    if fmt == "json":  # the vocabulary's shape (`qualcode schema retrieve`), not the sheets'
        from qualcode.cli.reports import emit_segments_json
        from qualcode.retrieve import as_json

        emit_segments_json(as_json(data), len(data["segments"]), output)
        return
    emit_segments(data, fmt, output, excel)
