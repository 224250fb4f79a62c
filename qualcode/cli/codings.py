"""`qualcode code`, `qualcode uncode`, `qualcode codings …`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import CoderOpt, JsonOpt, app, emit_json, output, shorten, state, table

if TYPE_CHECKING:
    from qualcode.schemas.codings import (
        Coded,
        CodingRow,
        CodingsExport,
        CodingsImport,
        Marked,
        Uncoded,
    )

codings_app = typer.Typer(
    help="List codings, or import them from CSV.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(codings_app, name="codings")


@app.command("code")
def code(
    doc: str = typer.Argument(..., help="Document name or id."),
    start: int = typer.Option(..., "--start", help="First character (0-based)."),
    end: int = typer.Option(..., "--end", help="One past the last character."),
    code_path: str = typer.Option(
        ..., "--code", help="The code: its path, or its name / end of its path when unique."
    ),
    coder: str = CoderOpt,
    memo: str = typer.Option("", "--memo", help="A memo on this coding."),
    create: bool = typer.Option(
        False, "--create", help="Create the code if it does not exist (in-vivo coding)."
    ),
    force: bool = typer.Option(
        False, "--force", help="With --create: create it even when it nearly matches a code."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Code the span [start, end) of a document."""
    from qualcode.codebook import CodeTree
    from qualcode.codings import add_coding
    from qualcode.models import Document

    st = state()
    with st.write(coder) as session:
        coding, created = add_coding(
            session,
            doc,
            start,
            end,
            code_path,
            st.coder_name(coder),
            memo,
            create_code=create,
            force=force,
        )
        cid, path = coding.id, CodeTree.load(session).path(coding.code_id)
        name = session.get(Document, coding.document_id).name  # what the reference named
    result: Coded = {"id": cid, "created": created, "code": path}
    output(
        result,
        as_json,
        lambda d: (
            f"{'coded' if created else 'already coded'} {name} {start}-{end} with {path} (coding {cid})"
        ),
    )


@app.command("uncode")
def uncode(
    doc: str = typer.Argument(..., help="Document name or id."),
    start: int = typer.Option(..., "--start", help="First character of the coded span."),
    end: int = typer.Option(..., "--end", help="One past its last character."),
    code_path: str = typer.Option(None, "--code", help="Only codings with this code."),
    coder: str = typer.Option(None, "--coder", help="Only codings by this coder."),
    overlapping: bool = typer.Option(
        False,
        "--overlapping",
        help="Remove codings that overlap the span, not only identical ones.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Also other coders' codings, or more than 20 at once."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Remove codings on a span (undo with `qualcode undo`).

    Codings of other coders, or more than 20 at once, need --force; without it nothing
    is removed and the message says what would be.
    """
    from qualcode.codings import remove_codings

    st = state()
    with st.write() as session:
        n = remove_codings(
            session,
            doc,
            start,
            end,
            code_path,
            coder,
            overlapping=overlapping,
            guard_for=None if force else st.coder_name(),
        )
    result: Uncoded = {"document": doc, "start": start, "end": end, "removed": n}
    output(
        result,
        as_json,
        lambda _: f"removed {n} coding{'s' if n != 1 else ''}",
    )


@app.command("mark")
def mark(
    doc: str = typer.Argument(..., help="Document name or id."),
    start: int = typer.Option(..., "--start", help="First character (0-based)."),
    end: int = typer.Option(..., "--end", help="One past the last character."),
    not_relevant: bool = typer.Option(
        False, "--not-relevant", help="Outside the selection criterion: read, not coded."
    ),
    relevant: bool = typer.Option(False, "--relevant", help="Take your mark away again."),
    as_json: bool = JsonOpt,
) -> None:
    """Mark a passage not relevant (Mayring: outside the selection criterion).

    The mark is a coding with the reserved code "Nicht relevant": it counts as read in
    the progress, the workbench dims it, `n` skips it, reports of categories leave it
    out, REFI-QDA exports it as a code. `qualcode undo` reverts it.
    """
    from qualcode.codings import mark_not_relevant, unmark
    from qualcode.errors import InvalidInput
    from qualcode.structure import NOT_RELEVANT

    if not_relevant == relevant:
        raise InvalidInput(
            "say what to mark", "give --not-relevant (or --relevant to take your mark away)"
        )
    st = state()
    with st.write() as session:
        if relevant:
            n = unmark(session, doc, start, end, st.coder_name())
        else:
            _coding, created = mark_not_relevant(session, doc, start, end, st.coder_name())
    span: Marked = {"document": doc, "start": start, "end": end, "code": NOT_RELEVANT}
    if relevant:
        output(
            {**span, "removed": n},
            as_json,
            lambda _: (
                f"removed {n} not-relevant mark{'s' if n != 1 else ''} on {doc} {start}-{end}"
            ),
        )
    else:
        output(
            {**span, "created": created},
            as_json,
            lambda _: (
                f"{'marked' if created else 'already marked'} {doc} {start}-{end} as {NOT_RELEVANT!r}"
            ),
        )


@codings_app.callback()
def codings_list(
    ctx: typer.Context,
    doc: str = typer.Option(None, "--doc", help="Only this document."),
    code_path: str = typer.Option(None, "--code", help="Only this code."),
    children: bool = typer.Option(False, "--children", help="With --code: include its sub-codes."),
    coder: str = typer.Option(None, "--coder", help="Only this coder."),
    as_json: bool = JsonOpt,
) -> None:
    """List codings with their text (`codings import FILE.csv` imports them)."""
    if ctx.invoked_subcommand is not None:
        return
    from qualcode.codings import list_codings

    with state().read() as session:
        rows = list_codings(session, doc, code_path, coder, with_children=children)
        if as_json:
            emit_json(_json_rows(session, rows))
            return
    typer.echo(
        table(
            [
                [r["document"], r["start"], r["end"], r["code"], r["coder"], shorten(r["text"], 50)]
                for r in rows
            ],
            ["document", "start", "end", "code", "coder", "text"],
            align="lrrlll",
        )
    )


def _json_rows(session, rows: list[dict]) -> list[CodingRow]:
    """Codings of :func:`qualcode.codings.list_codings` as ``codings --json`` gives them:
    ``memo`` the coding's own memo, ``memos`` the memo objects on it (`memo add --coding`)."""
    from qualcode.docsets import session_execute
    from qualcode.reports.segcore import coding_memos

    memos = coding_memos(session_execute(session), [r["id"] for r in rows] if rows else [])
    return [
        {
            "id": r["id"],
            "document": r["document"],
            "start": r["start"],
            "end": r["end"],
            "code": r["code"],
            "coder": r["coder"],
            "memo": r["memo"] or "",
            "text": r["text"],
            "memos": memos.get(r["id"], []),
            "orphaned": bool(r["orphaned"]),
        }
        for r in rows
    ]


@codings_app.command("import")
def codings_import(
    file: Path = typer.Argument(
        ...,
        help="CSV (separator , ; or tab; UTF-8 or Windows-1252) or XLSX: "
        "document,start,end,code[,coder][,memo][,quote] (a quote alone instead of start,end).",
    ),
    coder: str = CoderOpt,
    create_codes: bool = typer.Option(
        False, "--create-codes", help="Create codes that do not exist yet."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="With --create-codes: create them even when they nearly match existing codes.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Import codings from CSV or XLSX — all or nothing: any bad line aborts the import.

    A quote next to start,end must be the text of that span; a quote alone must occur
    exactly once in its document. Errors name the file's physical line numbers.
    """
    from qualcode import audit
    from qualcode.codings_io import import_codings_csv
    from qualcode.readers import legacy_label

    st = state()
    with st.write(coder) as session:
        n = import_codings_csv(
            session, file, st.coder_name(coder), create_codes=create_codes, force=force
        )
        audit.set_summary(session, f"imported {n['imported']} codings from {file.name}")
    label = legacy_label(n["encoding"])
    result: CodingsImport = {
        "codings": n["imported"],
        "skipped": n["skipped"],
        "encoding": n["encoding"],
    }
    output(
        result,
        as_json,
        lambda d: (
            f"imported {d['codings']} codings ({d['skipped']} already there)"
            + (f"; the file was read as {label}" if label else "")
        ),
    )


@codings_app.command("export")
def codings_export(
    file: Path = typer.Argument(
        None,
        help="FILE.csv or FILE.xlsx [default: CSV to the terminal]; `codings import` reads it.",
    ),
    fmt: str = typer.Option(
        None, "--format", help="csv or xlsx [default: from the file suffix, else csv]."
    ),
    excel: bool = typer.Option(
        False, "--excel", help="CSV for German Excel: a BOM, ';' as separator, CRLF line breaks."
    ),
    doc: str = typer.Option(None, "--doc", help="Only this document."),
    code_path: str = typer.Option(None, "--code", help="Only this code."),
    coder: str = typer.Option(None, "--coder", help="Only this coder."),
    as_json: bool = JsonOpt,
) -> None:
    """Write codings as CSV or XLSX: document,start,end,code,coder,memo,quote.

    `qualcode codings import` reads the file back to the same codings (also after
    --excel); the quote column holds the coded text and is checked against start,end.
    """
    from qualcode.codings_io import export_codings

    to_stdout = file is None or str(file) == "-"
    if to_stdout and as_json:  # the codings as JSON rows (`codings --json`), not CSV
        from qualcode.codings import list_codings

        with state().read() as session:
            rows = [r for r in list_codings(session, doc, code_path, coder) if not r["orphaned"]]
            emit_json(_json_rows(session, rows))
        return
    with state().read() as session:
        n, data = export_codings(
            session, None if to_stdout else file, fmt=fmt, excel=excel,
            doc=doc, code=code_path, coder=coder,
        )  # fmt: skip
    if to_stdout:
        typer.echo(data or b"", nl=False)  # bytes: exactly what a file would hold
        return
    result: CodingsExport = {"file": str(file), "codings": n}
    output(
        result,
        as_json,
        lambda d: f"exported {d['codings']} codings to {d['file']}",
    )
