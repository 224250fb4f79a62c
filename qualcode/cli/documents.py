"""`qualcode import`, `qualcode docs …`, `qualcode passages`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, UserError, app, emit_json, output, shorten, state, table
from qualcode.textutil import plural

if TYPE_CHECKING:
    from qualcode.schemas.documents import DocsRemove, DocsSet, DocumentDetail, DocumentRow

docs_app = typer.Typer(
    help="List, show, annotate and remove documents.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(docs_app, name="docs")


@app.command("import")
def import_(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders (.txt, .md, .docx, .odt, .pdf)."
    ),
    attr: list[str] = typer.Option(
        [], "--attr", help="Set an attribute on every imported document: KEY=VALUE (repeatable)."
    ),
    update: bool = typer.Option(
        False, "--update", help="Replace the text of changed documents; codings are re-anchored."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Import protocols. Front matter (--- key: value ---) sets document attributes.

    A front matter block with a line that is not `key: value`, or a key twice, is
    refused (its attributes would be lost), naming the file and the line.

    Re-importing an unchanged file does nothing; a changed file with the same
    name is refused unless --update. Files that cannot be read are reported and
    skipped; the exit code is then 2.
    """
    from qualcode import nlp
    from qualcode.database import get_setting
    from qualcode.documents import import_paths, parse_assignments

    st = state()
    attrs = parse_assignments(attr)
    with st.write(create=True) as session:  # the first import creates the project
        nlp_obj = nlp.load_sentences(get_setting(session, "nlp.model"))
        result = import_paths(session, paths, attrs=attrs, update=update, nlp_obj=nlp_obj)
        from qualcode import audit

        audit.set_summary(
            session, f"imported {len(result.imported)}, updated {len(result.updated)}"
        )
    data = result.as_json()
    if result.imported or result.updated or not result.failed:  # else a new project is removed
        st.keep_new_project(data if as_json else None)  # type: ignore[arg-type]
    if as_json:
        if result.failed and len(result.failed) == len(result.files):
            # nothing could be imported: an error, as every command's ({"error", "hint"})
            first = result.failed[0]
            more = len(result.failed) - 1
            raise UserError(
                first["error"] + (f" (and {plural(more, 'more file')})" if more else ""),
                first["hint"] or "fix the file and import it again",
            )
        emit_json(data)  # failed files are rows with their error and hint
        if result.failed:
            raise typer.Exit(2)
        return
    else:
        from qualcode.readers import legacy_label

        for status, names in (
            ("imported ", result.imported),
            ("updated  ", result.updated),
            ("unchanged", result.unchanged),
        ):
            for name in names:
                label = legacy_label(result.encodings.get(name))
                typer.echo(f"{status} {name}" + (f" ({label})" if label else ""))
                if result.orphaned.get(name):
                    n = result.orphaned[name]
                    typer.echo(
                        f"          {plural(n, 'coding')} could not be re-anchored in the new"
                        " text (orphaned: `qualcode check` lists them)"
                    )
        typer.echo(
            f"{len(result.imported)} imported, {len(result.updated)} updated, {len(result.unchanged)} unchanged, {len(result.failed)} failed"
        )
    for f in result.failed:
        typer.echo(f"error: {f['error']}" + (f" — {f['hint']}" if f["hint"] else ""), err=True)
    if result.failed:
        raise typer.Exit(2)


@docs_app.command("list")
def docs_list(as_json: bool = JsonOpt) -> None:
    """Documents with attributes, passages, codings and progress (share of passages coded)."""
    from qualcode.documents import list_documents

    with state().read() as session:
        docs: list[DocumentRow] = [
            {
                "id": d["id"],
                "document": d["name"],
                "attributes": d["attributes"],
                "passages": d["passages"],
                "coded_passages": d["coded_passages"],
                "coded_share": d["progress"],
                "codings": d["codings"],
                "imported_at": d["imported"],
            }
            for d in list_documents(session)
        ]

    def human(rows: list[dict]) -> str:
        keys: list[str] = []
        for d in rows:
            keys += [k for k in d["attributes"] if k not in keys]
        keys = keys[:4]
        return table(
            [
                [
                    d["id"],
                    d["document"],
                    *[d["attributes"].get(k, "") for k in keys],
                    d["passages"],
                    d["codings"],
                    f"{d['coded_share']:.0%}",
                ]
                for d in rows
            ],
            ["id", "name", *keys, "passages", "codings", "coded"],
            align="rl" + "l" * len(keys) + "rrr",
        )

    output(docs, as_json, human)


@docs_app.command("show")
def docs_show(
    doc: str = typer.Argument(..., help="Document name or id."), as_json: bool = JsonOpt
) -> None:
    """Attributes and full text of a document."""
    from qualcode.documents import show_document

    with state().read() as session:
        d: DocumentDetail = show_document(session, doc)

    def human(d: dict) -> str:
        head = [
            f"{d['document']} (id {d['id']}, {d['length']} characters, {plural(d['codings'], 'coding')})"
        ]
        head += [f"  {k}: {v}" for k, v in d["attributes"].items()]
        return "\n".join(head) + "\n\n" + d["text"]

    output(d, as_json, human)


@docs_app.command("set")
def docs_set(
    doc: str = typer.Argument(..., help="Document name or id."),
    assignments: list[str] = typer.Argument(
        ..., help="KEY=VALUE pairs; an empty VALUE removes the attribute."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Set document attributes (typed: integer, float, date, boolean or text)."""
    from qualcode.documents import parse_assignments, resolve_document, set_attributes

    attrs = parse_assignments(assignments)
    with state().write() as session:
        d = resolve_document(session, doc)
        set_attributes(session, d, attrs)
    result: DocsSet = {"id": d.id, "document": d.name, "attributes": attrs}  # type: ignore[typeddict-item]
    output(
        result,
        as_json,
        lambda _: f"{d.name}: " + ", ".join(f"{k}={v}" for k, v in attrs.items()),
    )


@docs_app.command("remove")
def docs_remove(
    doc: str = typer.Argument(..., help="Document name or id."),
    force: bool = typer.Option(False, "--force", help="Remove it although it has codings."),
    as_json: bool = JsonOpt,
) -> None:
    """Remove a document with its passages and codings (undo with `qualcode undo`).

    A document with codings needs --force.
    """
    from qualcode.documents import remove_document, resolve_document

    with state().write() as session:
        d = resolve_document(session, doc)
        did, name = d.id, d.name
        n = remove_document(session, doc, force=force)
    result: DocsRemove = {"id": did, "document": name, "deleted": True, "codings": n["codings"]}  # type: ignore[typeddict-item]
    output(
        result,
        as_json,
        lambda _: f"removed {name} and its {n['codings']} coding{'s' if n['codings'] != 1 else ''}",
    )


@docs_app.command("split")
def docs_split(
    doc: str = typer.Option(None, "--doc", help="Only this document (name or id)."),
    as_json: bool = JsonOpt,
) -> None:
    """Store the sentences of documents imported without them (`refi import`).

    Commands split such documents when they need sentences, each time; storing them
    once makes that instant. `qualcode undo` removes them again.
    """
    from qualcode.documents import resolve_document, store_sentences

    with state().write() as session:
        ids = [resolve_document(session, doc).id] if doc else None
        res = store_sentences(session, ids)  # type: ignore[arg-type]
    output(
        res,
        as_json,
        lambda r: (
            f"split {r['documents']} document{'s' if r['documents'] != 1 else ''} into {r['sentences']} sentences"
            if r["documents"]
            else "every document has its sentences already"
        ),
    )


@app.command("passages")
def passages(
    doc: str = typer.Option(None, "--doc", help="Only this document (name or id)."),
    unit: str = typer.Option("paragraph", "--unit", help="paragraph or sentence."),
    uncoded: bool = typer.Option(
        False,
        "--uncoded",
        help="Only passages still to read: content (no heading or metadata) that no coding or not-relevant mark touches.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """List passages (paragraphs or sentences) with their offsets."""
    from qualcode.documents import list_passages

    if unit not in ("paragraph", "sentence"):
        raise UserError(f"unknown unit {unit!r} — use paragraph or sentence")
    with state().read() as session:
        rows = list_passages(session, doc, unit, uncoded)
    output(
        rows,
        as_json,
        lambda rs: table(
            [[r["document"], r["start"], r["end"], shorten(r["text"])] for r in rs],
            ["document", "start", "end", "text"],
            align="lrrl",
        ),
    )
