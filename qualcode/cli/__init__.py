"""The `qualcode` command line: thin commands over the core service functions."""

from __future__ import annotations

import importlib
import importlib.util

import typer

from qualcode.cli.app import app, state

# Command modules register themselves on `app`. Modules of features that are
# not built yet are simply absent.
_MODULES = (
    "documents",
    "codes",
    "codings",
    "project",
    "reports",
    "analysis",
    "suggest",
    "recode",
    "refi",
    "admin",
    "codebook",
    "mayring",
    "mayring_check",
    "mayring_reports",
    "sets",
    "search",
    "retrieve",
    "embed",
    "serve",
    "schema",
)
for _name in _MODULES:
    if importlib.util.find_spec(f"qualcode.cli.{_name}") is not None:
        importlib.import_module(f"qualcode.cli.{_name}")


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="QUALCODE_DB",
        help="Project database: a file path or an SQLAlchemy URL [default: codebooks/qualcode.sqlite "
        "in a qualcode checkout, else qualcode.sqlite in your data folder].",
    ),
    coder: str = typer.Option(
        None,
        "--coder",
        envvar="QUALCODE_CODER",
        help="Your coder name (default: the name chosen in the workbench for this project, else your login name).",
    ),
    version: bool = typer.Option(False, "--version", help="Show the version and exit."),
) -> None:
    """Qualitative coding and category building for session protocols.

    Without a command, opens the project in the coding workbench (TUI).
    """
    if version:
        from qualcode import __version__

        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()
    st = state()
    st.db = db
    st.coder = coder
    if ctx.invoked_subcommand is None:
        from qualcode.cli.project import open_workbench

        open_workbench()


def main() -> None:
    """The console entry point: run the command, then leave without tearing Python down.

    Freeing the objects of SQLAlchemy, pydantic (and spaCy, Textual…) one by one at exit
    takes about 0.2 s — a fifth of a merge. By then the command has committed its one
    transaction; the engines are disposed (SQLite folds its write-ahead log back into
    the file), ``atexit`` handlers run and the output is flushed before ``os._exit``.
    Tests call ``app`` in-process and keep the normal exit.
    """
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    import atexit
    import os
    import sys

    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    database = sys.modules.get("qualcode.database")
    if database is not None:
        database.dispose_all()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # `qualcode … | head`, or a closed stream
            pass
    os._exit(code)
