"""`qualcode refi export|import`: REFI-QDA exchange with MAXQDA, ATLAS.ti, NVivo, QualCoder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, app, output, state

if TYPE_CHECKING:
    from qualcode.schemas.refi import RefiExport, RefiImport

refi_app = typer.Typer(
    help="Exchange codebooks (.qdc) and projects (.qdpx) with MAXQDA, ATLAS.ti, NVivo, QualCoder (REFI-QDA).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(refi_app, name="refi")


def _db_file() -> Path | None:
    from qualcode.config import database_url, sqlite_path

    return sqlite_path(database_url(state().db))


@refi_app.command("export")
def refi_export(
    file: Path = typer.Argument(
        ..., help="FILE.qdc (the codebook) or FILE.qdpx (the whole project)."
    ),
    name: str = typer.Option(
        None, "--name", help="Project name in the .qdpx [default: the database file name]."
    ),
    inline: bool = typer.Option(
        False,
        "--inline",
        help="Put the texts into project.qde (PlainTextContent) instead of sources/*.txt.",
    ),
    for_tool: str = typer.Option(
        "refi",
        "--for",
        help="refi: positions in characters, as REFI-QDA says; nvivo: in UTF-16 code units, "
        "as NVivo counts them (differs only after emoji and other characters outside the BMP).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Export the codebook (.qdc) or the project (.qdpx) as REFI-QDA.

    The project file holds users (coders), the codebook with definitions, anchor
    examples and coding rules, documents with their attributes (variables),
    codings (selections with start/end character positions) and memos (notes).
    GUIDs are stable: exporting twice gives the same GUIDs.
    """
    from qualcode.refi.export import export_file

    db_file = _db_file()
    project_name = name or (db_file.stem if db_file else "qualcode")
    with state().read() as session:
        counts = export_file(session, file, name=project_name, inline=inline, for_tool=for_tool)
    doc_sets = counts.pop("doc_sets", 0)  # in the text only (the JSON shape is fixed)
    result: RefiExport = {
        "file": str(file.absolute()),
        "kind": "codebook" if file.suffix.lower() == ".qdc" else "project",
        **counts,  # type: ignore[typeddict-item]
    }

    def human(d: RefiExport) -> str:
        if d["kind"] == "codebook":
            return f"exported {d['codes']} codes to {file}"
        line = f"exported {d.get('documents')} documents, {d['codes']} codes, {d.get('codings')} codings, {d.get('memo_count')} memos, {len(d.get('coders', []))} coders"
        line += f", {doc_sets} document sets to {file}" if doc_sets else f" to {file}"
        if d.get("skipped_codings"):
            line += f"\nskipped {d['skipped_codings']} codings whose span lies outside their document (see `qualcode check`)"
        return line

    output(result, as_json, human)


@refi_app.command("import")
def refi_import(
    file: Path = typer.Argument(
        ..., help="FILE.qdpx (project), FILE.qdc (codebook) or a bare project.qde."
    ),
    rename: bool = typer.Option(
        False,
        "--rename",
        help='Import documents whose name exists with a different text under a new name ("name (2).txt").',
    ),
    update_codes: bool = typer.Option(
        False,
        "--update-codes",
        help="Overwrite definitions, colours and codable of existing codes with the file's.",
    ),
    crlf_as_one: bool = typer.Option(
        False,
        "--crlf-as-one",
        help="The file's positions count a \\r\\n line break as one character.",
    ),
    offsets: str = typer.Option(
        None,
        "--offsets",
        help="What the file's positions count: codepoints (REFI-QDA) or utf16 (NVivo) "
        "[default: detected from the file's origin and its selections].",
    ),
    sentences: bool = typer.Option(
        False,
        "--sentences/--no-sentences",
        help="Split new documents into sentences now, with spaCy (slow for big projects). "
        "By default they are split when a command first needs sentences.",
    ),
    backup: bool = typer.Option(
        True,
        "--backup/--no-backup",
        help="Copy the SQLite project to <db>.bak-<time> before importing into existing data.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Read and check the file, show what it holds, change nothing."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Create the file's codes even when they nearly match codes of this project.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Import a REFI-QDA project or codebook into the current project.

    Codes are merged by path (existing codes are kept, new ones keep their GUIDs);
    documents by name (same text → reused; a different text is an error unless
    --rename); coders come from the file's users ("import" when unknown). Texts are
    normalised (NFC, \\n line endings) and positions translated. All or nothing:
    the file is checked completely before anything is written; `qualcode undo`
    reverts the import.
    """
    from qualcode.errors import InvalidInput
    from qualcode.refi.apply import import_report
    from qualcode.refi.import_ import apply_plan, backup_sqlite, read_file

    if offsets is not None and offsets not in ("codepoints", "utf16"):
        raise InvalidInput(
            f"--offsets {offsets!r} is not a unit of positions",
            "use --offsets codepoints (REFI-QDA) or --offsets utf16 (NVivo)",
        )
    plan = read_file(file, crlf_as_one=crlf_as_one, offsets=offsets)
    st = state()
    if dry_run:
        output(
            import_report(plan, str(file.absolute())),
            as_json,
            lambda d: "\n".join(
                [
                    f"{file.name}: {d['kind']} with {d['documents']} documents, {d['codes']} codes, {d['codings']} codings, {d['memo_count']} notes, {len(d['coders'])} users"
                    + (f", {len(plan.doc_sets)} document sets" if plan.doc_sets else "")
                    + " (nothing imported)",
                    *_summary_lines(d),
                ]
            ),
        )
        return
    st.engine(create=True)  # an import may create a new project
    nlp_obj = None
    if sentences and plan.sources:
        from sqlalchemy import select

        from qualcode import nlp
        from qualcode.database import get_setting
        from qualcode.models import Document

        with st.read() as session:
            names = set(session.execute(select(Document.name)).scalars())
            if rename or any(
                s.name not in names for s in plan.sources
            ):  # new documents get sentences
                nlp_obj = nlp.load_sentences(get_setting(session, "nlp.model"))

    with st.write() as session:

        def make_backup() -> str | None:
            if not backup:
                return None
            db_file = _db_file()
            if db_file is None:
                from qualcode.config import database_url

                if database_url(st.db).startswith("postgresql"):
                    typer.echo(
                        "note: no automatic backup on PostgreSQL — make one with pg_dump before big imports",
                        err=True,
                    )
                return None
            return str(backup_sqlite(db_file))

        res = apply_plan(
            session,
            plan,
            rename=rename,
            update_codes=update_codes,
            nlp_obj=nlp_obj,
            source_path=str(file.absolute()),
            make_backup=make_backup,
            force=force,
        )
        from qualcode import audit
        from qualcode.refi.questions import apply_sets, read_sets

        rq_sets = read_sets(file)
        questions = apply_sets(session, rq_sets)  # research questions (code sets)
        audit.set_summary(
            session,
            f"REFI import {file.name}: {len(res.documents_imported)} documents, {res.codes_created} codes, {res.codings_imported} codings",
        )

    result = import_report(plan, str(file.absolute()), res)
    if rq_sets:
        result["rqs_created"] = questions["created"]
        result["categories_assigned"] = questions["assigned"]
        result["rq_notes"] = questions["notes"]
        # the questions' sets were imported after all
        result["left_out"] = [n for m in result["left_out"] if (n := _sets_note(m, len(rq_sets)))]
        result["warnings"] = [n for m in result["warnings"] if (n := _sets_note(m, len(rq_sets)))]
    st.keep_new_project(result if as_json else None)  # type: ignore[arg-type]

    def human(d: RefiImport) -> str:
        lines = []
        if d["backup"]:
            lines.append(f"backup     {d['backup']}")
        renamed = d["documents_renamed"] or []
        lines.append(
            f"documents  {d['documents_imported']} imported, {d['documents_reused']} already there"
            + (f", {len(renamed)} renamed" if renamed else "")
        )
        for r in renamed:
            lines.append(f"  renamed  {r['document']} → {r['renamed_to']}")
        lines.append(
            f"codes      {d['codes_created']} created, {d['codes_merged']} merged with existing codes"
            + (f" ({d['codes_updated']} updated)" if d["codes_updated"] else "")
        )
        lines.append(
            f"codings    {d['codings_imported']} imported, {d['codings_skipped']} already there"
        )
        lines.append(f"attributes {d['attribute_values']}")
        lines.append(f"memos      {d['memos_imported']}")
        if plan.doc_sets:
            lines.append(
                f"sets       {res.sets_created} created, {res.set_members} documents added to sets"
            )
        if "rqs_created" in d:
            lines.append(
                f"questions  {d['rqs_created']} created, {d.get('categories_assigned')} categories assigned"
            )
            lines.extend(f"note: {n}" for n in d.get("rq_notes", []))
        if d["new_coders"]:
            lines.append(f"new coders {', '.join(d['new_coders'])}")
        lines.extend(_summary_lines(d))
        if not d["changed"]:
            lines.append("nothing changed (no backup needed)")
        else:
            lines.append("(`qualcode undo` reverts this import)")
        return "\n".join(lines)

    output(result, as_json, human)


def _sets_note(message: str, questions: int) -> str | None:
    """The note "N sets … were not imported" less the sets that were research questions."""
    from qualcode.refi.import_ import SETS_LEFT_OUT

    if message == "code sets were not imported (qualcode has no sets)":
        return None  # a codebook's sets: they were questions
    if not message.endswith(SETS_LEFT_OUT):
        return message
    n = int(message.split()[0]) - questions
    return f"{n} other {SETS_LEFT_OUT}" if n > 0 else None


def _summary_lines(d: dict) -> list[str]:
    """What the import converted, renamed or skipped and why; then the other warnings."""
    lines, listed = [], set()
    for kind, key in (("converted", "converted"), ("renamed", "renamed"), ("skipped", "left_out")):
        for message in d.get(key, []):
            lines.append(f"{kind:<10} {message}")
            listed.add(message)
    lines.extend(f"warning: {w}" for w in d["warnings"] if w not in listed)
    return lines
