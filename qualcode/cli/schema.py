"""`qualcode schema`: the JSON Schema of a command's ``--json`` output."""

from __future__ import annotations

import typer

from qualcode.cli.app import UserError, app, emit_json


@app.command("schema")
def schema(
    command: list[str] = typer.Argument(
        None, help="The command, e.g. `report freq` (see --list)", metavar="[COMMAND]..."
    ),
    all_: bool = typer.Option(False, "--all", help="Every command's schema, in one JSON object."),
    list_: bool = typer.Option(False, "--list", help="List the commands that have a schema."),
    as_json: bool = typer.Option(False, "--json", help="(The output is JSON anyway.)"),
) -> None:
    """The JSON Schema (draft 2020-12) of a command's --json output, with the version of the
    JSON vocabulary; `--all` prints every command's."""
    from qualcode import schemas

    if list_:
        names = schemas.commands()
        if as_json:
            emit_json({"vocabulary_version": schemas.VOCABULARY_VERSION, "commands": names})
        else:
            typer.echo("\n".join(names))
        return
    if all_:
        emit_json(
            {
                "vocabulary_version": schemas.VOCABULARY_VERSION,
                "schemas": {name: schemas.schema(name) for name in schemas.commands()},
            }
        )
        return
    if not command:
        raise UserError(
            "which command?",
            "give one, e.g. `qualcode schema report freq`; `--list` lists them, `--all` prints all",
        )
    name = " ".join(command)
    try:
        emit_json(schemas.schema(name))
    except KeyError:
        from rapidfuzz import process

        close = process.extractOne(name, schemas.commands())
        raise UserError(
            f"no command {name!r} with --json output",
            (f"did you mean {close[0]!r}? " if close and close[1] >= 80 else "")
            + "`qualcode schema --list` lists them",
        ) from None
