"""`qualcode serve` (the workbench in a browser) and `qualcode users add|remove|list`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, UserError, app, output, state

if TYPE_CHECKING:
    from qualcode.schemas.project import User, UserAdded, UserRemoved

DEFAULT_USERS = Path("users.toml")


@app.command("serve")
def serve(
    db: str = typer.Option(
        None,
        "--db",
        help="Project database (as the global --db): a file path or an SQLAlchemy URL.",
    ),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on. Anything but loopback needs --users or --token.",
    ),
    port: int = typer.Option(
        8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."
    ),
    users: Path = typer.Option(
        None,
        "--users",
        help="Coders who log in with a password: a users.toml written by `qualcode users add`.",
    ),
    token: bool = typer.Option(
        False,
        "--token",
        help="Log in with a secret token ($QUALCODE_SERVE_TOKEN, or a new one printed to "
        "the terminal — never to a log); you work as --coder.",
    ),
    behind_proxy: bool = typer.Option(
        False,
        "--behind-proxy",
        help="A reverse proxy on this machine forwards the requests: trust its "
        "X-Forwarded-For / X-Forwarded-Proto headers (on connections from this machine only).",
    ),
) -> None:
    """Serve the coding workbench in a browser (one workbench process per connection).

    Loopback only by default: you work as --coder / $QUALCODE_CODER. For colleagues,
    give --users users.toml: each logs in with a name and password and codes as
    themselves (the audit log names them; `u` undoes their own actions only). Put it
    behind a reverse proxy with TLS before you open it to a network (documentation: Teams).
    """
    import secrets

    from qualcode.web.auth import MIN_TOKEN, Access
    from qualcode.web.server import WorkbenchServer, check_access, env_token, sqlite_notice

    st = state()
    if db:
        st.db = db
    check_access(host, users=users is not None, token=token, behind_proxy=behind_proxy)
    coder = st.coder_name()
    terminal = sys.stdout.isatty()
    if users is not None:
        from qualcode.web.users import check_permissions, load_users

        warning = check_permissions(users)  # others may write it: refused
        coders = load_users(users)
        if not coders:
            raise UserError(
                f"the users file {users} names no coder",
                f"add one with `qualcode users add NAME --file {users}`",
            )
        if warning:
            typer.echo(warning, err=True)
        access = Access("users", users=coders, behind_proxy=behind_proxy, users_path=users)
    elif token:
        secret = env_token()
        if secret is None and not terminal:
            raise UserError(
                "--token without a terminal would write the new token into a log",
                "set $QUALCODE_SERVE_TOKEN (at least 16 random characters, e.g. "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe())'`) and log in with it",
            )
        secret = secret or secrets.token_urlsafe(24)
        if len(secret) < MIN_TOKEN:
            raise UserError(
                f"$QUALCODE_SERVE_TOKEN is shorter than {MIN_TOKEN} characters",
                "use a long random one, e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe())'`",
            )
        access = Access("token", coder=coder, token=secret, behind_proxy=behind_proxy)
    else:
        access = Access("open", coder=coder)

    from qualcode.config import database_url

    url = database_url(st.db)
    st.engine(create=False).dispose()  # the project exists and has the current schema
    notice = sqlite_notice(url) if users is not None else None
    if notice:
        typer.echo(notice, err=True)
    server = WorkbenchServer(
        url,
        access,
        host=host,
        port=port,
        project=_label(url),
        announce=typer.echo,
        show_token=terminal,
    )
    who = {
        "users": f"coders log in with the passwords of {users} ({len(access.users)} coder{'s' if len(access.users) != 1 else ''})",
        "token": f"log in with the token{'' if terminal else ' ($QUALCODE_SERVE_TOKEN)'}; you work as {coder}",
        "open": f"no login (this machine only); you work as {coder}",
    }[access.mode]
    typer.echo(f"qualcode serve: {_label(url)}, {who}; Ctrl+C stops the server")
    server.run()


def _label(url: str) -> str:
    from qualcode.config import sqlite_path

    path = sqlite_path(url)
    return path.name if path is not None else url.split("@")[-1]


users_app = typer.Typer(
    help="The coders who may log in to `qualcode serve --users` (users.toml).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(users_app, name="users")

FileOpt = typer.Option(DEFAULT_USERS, "--file", help="The users file.")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="The coder's name, as the audit log shows it."),
    file: Path = FileOpt,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Add a coder (or set a new password): asks for the password and stores its argon2
    hash — never the password."""
    from qualcode.web.users import add_user, check_name

    name = check_name(name)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:  # the questions go to stderr: stdout stays the answer (--json)
        password = typer.prompt(
            f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True
        )
    new = add_user(file, name, password)
    result: UserAdded = {"coder": name, "file": str(file.resolve()), "created": new}
    output(
        result,
        as_json,
        lambda d: f"{'added' if d['created'] else 'new password for'} {name} in {file}",
    )


@users_app.command("remove")
def users_remove(
    name: str = typer.Argument(..., help="The coder's name."),
    file: Path = FileOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Remove a coder: they can no longer log in (their codings stay)."""
    from qualcode.web.users import remove_user

    remove_user(file, name)
    result: UserRemoved = {"coder": name.strip(), "file": str(file.resolve()), "deleted": True}
    output(result, as_json, lambda d: f"removed {d['coder']} from {file}")


@users_app.command("list")
def users_list(file: Path = FileOpt, as_json: bool = JsonOpt) -> None:
    """The coders who may log in."""
    from qualcode.web.users import load_users

    rows: list[User] = [{"coder": n} for n in sorted(load_users(file), key=str.casefold)]
    output(
        rows,
        as_json,
        lambda r: "\n".join(x["coder"] for x in r) if r else f"no coders in {file}",
    )
