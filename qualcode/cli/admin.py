"""`qualcode db upgrade`, `qualcode check`, `qualcode backup`."""

from __future__ import annotations

import typer

from qualcode.cli.app import JsonOpt, app, output, shorten, state

db_app = typer.Typer(
    help="The project database: schema upgrades.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    no_backup: bool = typer.Option(
        False, "--no-backup", help="Do not copy a SQLite project before upgrading it."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Upgrade a project made by an older qualcode to the current schema.

    A SQLite project is first copied next to itself (NAME.schema-vN-TIME.bak.sqlite);
    the upgrade runs in one transaction: completely or not at all.
    """
    from qualcode.migrations import upgrade_project

    result = upgrade_project(state().db, backup=not no_backup)

    def human(r: dict) -> str:
        if not r["upgraded"]:
            return f"the project is up to date (schema version {r['to_version']})"
        lines = [
            f"upgraded the project from schema version {r['from_version']} to {r['to_version']}"
        ]
        if r["backup"]:
            lines.append(f"backup of the old version: {r['backup']}")
        if r.get("hint"):
            lines.append(r["hint"])
        return "\n".join(lines)

    output(result, as_json, human)


@app.command("check")
def check(as_json: bool = JsonOpt) -> None:
    """Check the project's integrity: references, spans, passages, checksums, code tree.

    Exit code 1 when a problem is found. Orphaned codings (their text disappeared when a
    document was re-imported with --update) are listed for review.
    """
    from qualcode.integrity import check as run_check

    with state().read() as session:
        result = run_check(session)

    def human(r: dict) -> str:
        c = r["checked"]
        lines = [
            f"checked {c['documents']} documents, {c['passages']} paragraphs, {c['sentences']} sentences, {c['codes']} codes, {c['codings']} codings, {c['memo_count']} memos ({r['backend']})"
        ]
        for p in r["problems"]:
            lines.append(f"problem: {p['message']}")
        shown = len(r["problems"])
        total = sum(r["problem_counts"].values())
        if total > shown:
            lines.append(f"… and {total - shown} more problems")
        if r["orphans"]:
            lines.append(
                f"{r['orphaned_codings']} orphaned codings to review (their text changed; re-code or remove them):"
            )
            for o in r["orphans"]:
                lines.append(
                    f"  coding {o['id']}  {o['document']} {o['start']}-{o['end']}  {o['code']}  ({o['coder']}): {shorten(o['text'] or '', 60)!r}"
                )
        lines.append("ok: no problems found" if r["ok"] else f"FAILED: {total} problems")
        return "\n".join(lines)

    output(result, as_json, human)
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("backup")
def backup(
    file: str = typer.Argument(
        ...,
        help="The backup file, or an existing folder (FOLDER/): a time-stamped file is made in it.",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
    with_cache: bool = typer.Option(
        False,
        "--with-cache",
        help="Also copy the derived data beside the project (model, passage index, sentence embeddings).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Copy a SQLite project consistently while others may keep working (online backup).

    The cache folder beside the project (derived data, rebuilt when missing) is left out
    unless --with-cache. PostgreSQL projects are backed up with pg_dump (the message shows
    the command).
    """
    from qualcode.backup import backup as run_backup

    result = run_backup(state().engine(create=False), file, overwrite=force, with_cache=with_cache)

    def human(r: dict) -> str:
        line = f"backup written to {r['backup']} ({r['bytes'] / 1024:.0f} KiB)"
        if r.get("cache"):
            line += f", its cache to {r['cache']} ({r['cache_bytes'] / 1024:.0f} KiB)"
        elif with_cache:
            line += " (the project has no cache yet)"
        return line

    output(result, as_json, human)
