"""`qualcode codebook import FILE`: load a codebook file into the project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, app, output, state

if TYPE_CHECKING:
    from qualcode.schemas.codes import CodebookImport

codebook_app = typer.Typer(
    help="Load a codebook (TOML, CSV, XLSX, REFI-QDA .qdc) into the project.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(codebook_app, name="codebook")


@codebook_app.command("import")
def codebook_import(
    file: Path = typer.Argument(
        ..., help="A codebook: .toml ([[codes]]), .csv/.xlsx (a path column), .qdc or .qdpx."
    ),
    update: bool = typer.Option(
        False, "--update", help="Overwrite the fields of existing codes with the file's."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would change."),
    force: bool = typer.Option(
        False, "--force", help="Create codes even when they nearly match existing codes."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Add a codebook to this project, merged by code path.

    New codes are created (with missing parents); existing ones keep their fields and
    get only those they lack, unless --update. One transaction, one `qualcode undo`.
    """
    from qualcode.codebook_io import import_codebook, read_codebook_file
    from qualcode.readers import legacy_label
    from qualcode.recode.dryrun import run

    entries, encoding = read_codebook_file(file)
    with state().write() as session:
        result = run(
            session,
            lambda: import_codebook(session, entries, update=update, force=force),
            dry_run=dry_run,
        )

    data: CodebookImport = {
        "added": len(result["added"]),
        "updated": len(result["updated"]),
        "unchanged": result["unchanged"],
        "rows": [{"code": p, "status": "added", "fields": []} for p in result["added"]]
        + [
            {"code": u["code"], "status": "updated", "fields": u["fields"]}
            for u in result["updated"]
        ],
        "dry_run": dry_run,
        "encoding": encoding,
    }

    def human(r: dict) -> str:
        lines = ["dry run — nothing was changed; this would happen:"] if dry_run else []
        lines += [
            f"added    {u['code']}"
            if u["status"] == "added"
            else f"updated  {u['code']} ({', '.join(u['fields'])})"
            for u in r["rows"]
        ]
        lines.append(
            f"{r['added']} added, {r['updated']} updated, {r['unchanged']} unchanged"
            + ("" if update or dry_run else " (existing fields kept; --update overwrites them)")
        )
        label = legacy_label(encoding)
        if label:
            lines.append(f"{file.name} was read as {label}")
        return "\n".join(lines)

    output(data, as_json, human)
